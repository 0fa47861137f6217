#!/bin/sh
# Runs a management command the way the systemd units do: as the safeserve user, in
# /opt/safeserve, with the settings from /etc/safeserve/safeserve.env. Run it as root:
#   sudo /opt/safeserve/deploy/manage.sh migrate
#   sudo /opt/safeserve/deploy/manage.sh collectstatic --noinput
#   sudo /opt/safeserve/deploy/manage.sh createsuperuser
# SAFESERVE_USER, SAFESERVE_DIR and SAFESERVE_ENV_FILE override the defaults.
set -eu
user=${SAFESERVE_USER:-safeserve}
dir=${SAFESERVE_DIR:-/opt/safeserve}
env_file=${SAFESERVE_ENV_FILE:-/etc/safeserve/safeserve.env}
[ -r "$env_file" ] || { echo "manage.sh: cannot read $env_file" >&2; exit 1; }

# The env file is plain KEY=value lines, which a POSIX shell reads as assignments. The
# metrics directory belongs to the running gunicorn: a one-off command writes no files there.
run='set -a; . "$1"; set +a; unset PROMETHEUS_MULTIPROC_DIR; cd "$2"; shift 2
exec "$PWD/.venv/bin/python" manage.py "$@"'
if [ "$(id -un)" = "$user" ]; then
    exec sh -c "$run" sh "$env_file" "$dir" "$@"
fi
exec runuser -u "$user" -- sh -c "$run" sh "$env_file" "$dir" "$@"
