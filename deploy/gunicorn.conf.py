"""gunicorn settings for SafeServe, read from the environment (deploy/safeserve.env.example).

    gunicorn config.wsgi -c deploy/gunicorn.conf.py

Every value can be changed without editing this file: GUNICORN_BIND, GUNICORN_WORKERS,
GUNICORN_THREADS, GUNICORN_FORWARDED_ALLOW_IPS, LOG_LEVEL and PROMETHEUS_MULTIPROC_DIR.
A value that cannot be parsed stops gunicorn with the variable's name.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def _env_int(name: str, default: int, *, minimum: int = 1) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise SystemExit(f"{name} must be an integer, got {value!r}.") from None
    if number < minimum:
        raise SystemExit(f"{name} must be at least {minimum}, got {number}.")
    return number


def _cpu_count() -> int:
    """The CPUs this process may run on (a container's or systemd's limit, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux, or the call is filtered
        return os.cpu_count() or 1


def default_workers(cpus: int) -> int:
    """2 x cores + 1, the usual figure for a mostly I/O-bound app, at most 8: each process
    holds its own database connections and memory, and threads add concurrency."""
    return min(2 * cpus + 1, 8)


# --- Server socket ------------------------------------------------------------------------
# nginx proxies to this address; keep it on the loopback interface (containers: 0.0.0.0).
bind = [os.environ.get("GUNICORN_BIND", "").strip() or "127.0.0.1:8000"]

# --- Workers ------------------------------------------------------------------------------
workers = _env_int("GUNICORN_WORKERS", default_workers(_cpu_count()))
threads = _env_int("GUNICORN_THREADS", 4)
worker_class = "gthread"
# The heartbeat file is touched constantly: keep it in memory, not on a (possibly slow) disk.
if os.path.isdir("/dev/shm"):  # noqa: S108 - a RAM-backed directory, as gunicorn advises
    worker_tmp_dir = "/dev/shm"  # noqa: S108

# A spreadsheet import may take a minute; nginx waits 120 s as well (deploy/nginx).
timeout = 120
# On SIGTERM or SIGHUP (systemctl stop/reload), requests in flight get this long to finish.
graceful_timeout = 30
keepalive = 5

# --- Proxy --------------------------------------------------------------------------------
# Only the proxy in front may tell gunicorn that the original request was HTTPS.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "").strip() or "127.0.0.1"

# --- Logging ------------------------------------------------------------------------------
# No access log: the application writes one JSON line per request itself.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "").strip().lower() or "info"
proc_name = "safeserve"

# gunicorn >= 25 opens a control socket for `gunicornc`; under systemd, put it in the
# service's runtime directory (/run/safeserve) rather than the service user's home.
_runtime_dir = os.environ.get("RUNTIME_DIRECTORY", "").split(":")[0]
if _runtime_dir:
    control_socket = os.path.join(_runtime_dir, "gunicorn.ctl")

# --- Prometheus (multi-process mode) ------------------------------------------------------
# Each worker writes its metrics to files in this directory; /metrics adds them up.
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()


def on_starting(server: Any) -> None:
    """In the master, before any worker starts: metrics from an earlier run are stale."""
    if not _metrics_dir:
        return
    directory = Path(_metrics_dir)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink(missing_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    """A worker exited: drop its live gauges so they no longer count."""
    if not _metrics_dir:
        return
    try:
        from prometheus_client import multiprocess  # comes with django-prometheus
    except ImportError:  # not installed: there are no metrics to clean up
        return
    multiprocess.mark_process_dead(worker.pid, _metrics_dir)


def post_worker_init(worker: Any) -> None:
    """The worker has loaded the application: the objects its imports made live as long as
    the process, so the garbage collector stops rescanning them on every collection
    (gc.freeze). About 8% off a list page on the province fixture (issue 15)."""
    import gc

    gc.collect()
    gc.freeze()
