#!/usr/bin/env bash
# `make loadtest`: 20 people of four roles reading the province fixture through gunicorn
# (2 workers × 4 threads, production settings) for 60 s after a 10 s warm-up; prints
# requests/s, p95, errors and the CPU the load generator itself used (issue 15).
# Needs DATABASE_URL at the PostgreSQL database `seed_demo --scale province` filled.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${DATABASE_URL:?Set DATABASE_URL to the PostgreSQL database seed_demo --scale province filled.}"
export DEBUG=false SECURE_SSL_REDIRECT=false ALLOWED_HOSTS=127.0.0.1,localhost
export LOG_LEVEL=${LOG_LEVEL:-WARNING}
export SECRET_KEY=${SECRET_KEY:-loadtest-only-secret-key-0123456789-0123456789-0123456789}
# The demo data is encrypted with the development keys (seed_demo runs with DEBUG=true).
export FIELD_ENCRYPTION_KEYS=${FIELD_ENCRYPTION_KEYS:-development-field-insecure-development-key-never-use-in-production}
export BLIND_INDEX_KEY=${BLIND_INDEX_KEY:-development-blind-index-insecure-development-key-never-use-in-production}
PORT=${LOADTEST_PORT:-8097}
OUT=$(mktemp -d)
.venv/bin/python manage.py collectstatic --noinput -v0
GUNICORN_BIND=127.0.0.1:$PORT GUNICORN_WORKERS=2 GUNICORN_THREADS=4 \
  .venv/bin/gunicorn config.wsgi -c deploy/gunicorn.conf.py >"$OUT/gunicorn.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break
  sleep 0.5
done
locust() {
  .venv/bin/locust -f deploy/loadtest/locustfile.py --headless --host "http://127.0.0.1:$PORT" \
    --users 20 --spawn-rate 20 --only-summary "$@"
}
echo "warm-up (10 s)…"
locust --run-time 10s >"$OUT/warmup.log" 2>&1 || true
# The CPU the server (gunicorn and its workers) and the whole machine use while measuring,
# in clock ticks: what is left once the server and the load generator are taken out is
# mostly PostgreSQL's.
# (The fields after the process name, which may hold spaces: utime, stime, and for the
# master the reaped children's too, so a worker that exits mid-run still counts.)
server_ticks() {
  local pid total=0
  for pid in $server $(pgrep -P "$server"); do
    total=$((total + $(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk -v master=$((pid == server)) \
      '{t = $12 + $13 + master * ($14 + $15)} END {print t + 0}')))
  done
  echo "$total"
}
busy_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
echo "measuring (60 s)…"
echo "$(server_ticks) $(busy_ticks) $(date +%s.%N)" >"$OUT/ticks"
/usr/bin/time -f "%U %S" -o "$OUT/cpu" .venv/bin/locust -f deploy/loadtest/locustfile.py \
  --headless --host "http://127.0.0.1:$PORT" --users 20 --spawn-rate 20 --run-time 60s \
  --only-summary --csv "$OUT/run" >"$OUT/run.log" 2>&1 || true
echo "$(server_ticks) $(busy_ticks) $(date +%s.%N)" >>"$OUT/ticks"
.venv/bin/python - "$OUT" "$(getconf CLK_TCK)" "$(nproc)" <<'PY'
import csv, sys
out, hertz, cores = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = list(csv.DictReader(open(f"{out}/run_stats.csv")))
total = next(r for r in rows if r["Name"] == "Aggregated")
user, system = (float(x) for x in open(f"{out}/cpu").read().split()[-2:])
print(f"{'request':<46}{'count':>7}{'fail':>6}{'p50':>7}{'p95':>7}")
for r in rows:
    if r["Name"] != "Aggregated":
        print(f"{r['Name']:<46}{r['Request Count']:>7}{r['Failure Count']:>6}"
              f"{r['50%']:>7}{r['95%']:>7}")
print(f"requests/s {float(total['Requests/s']):.1f}; p95 {total['95%']} ms; "
      f"errors {total['Failure Count']} of {total['Request Count']}; "
      f"load generator CPU {user + system:.1f} s in 60 s")
(server_before, busy_before, at_before), (server_after, busy_after, at_after) = (
    [float(x) for x in line.split()] for line in open(f"{out}/ticks")
)
server = (server_after - server_before) / hertz
busy = (busy_after - busy_before) / hertz
seconds = at_after - at_before
served = max(int(total["Request Count"]), 1)
rest = max(busy - server - user - system, 0.0)
print(f"CPU per request: server {server * 1000 / served:.1f} ms, database and the rest "
      f"{rest * 1000 / served:.1f} ms, load generator {(user + system) * 1000 / served:.1f} ms; "
      f"the {cores} cores {busy * 100 / (seconds * cores):.0f}% busy (the whole machine)")
PY
