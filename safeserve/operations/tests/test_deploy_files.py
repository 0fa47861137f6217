"""The deployment files in deploy/: checked with the real tools where this machine has them
(nginx, systemd-analyze, gunicorn, Django's deploy checks), otherwise parsed. No database.

Not checked here: building the image or running compose (no registry access, no compose
plugin), and starting the app from the env file (the production smoke test does that).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import gzip
import http.client
import http.server
import ipaddress
import json
import os
import re
import runpy
import secrets
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.management import get_commands

REPO = Path(__file__).resolve().parents[3]
DEPLOY = REPO / "deploy"
ENV_FILE = DEPLOY / "safeserve.env.example"
GUNICORN_CONF = DEPLOY / "gunicorn.conf.py"
HEALTHCHECK = DEPLOY / "healthcheck.py"
UNITS = DEPLOY / "systemd"
SITE = DEPLOY / "nginx" / "safeserve.conf"
DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = DEPLOY / "compose.yaml"
HOST = "safeserve.example.gov.cn"

SERVICES = ["web", "worker", "daily", "hourly", "backup", "restore-drill"]
TIMERS = {
    "daily": "00:10:00",
    "hourly": "*:05:00",
    "backup": "02:30:00",
    "restore-drill": "04:00:00",
}

# Variables the env file may set that Django's settings do not read: deploy/gunicorn.conf.py
# reads them (and prometheus_client reads PROMETHEUS_MULTIPROC_DIR).
NON_DJANGO_VARIABLES = {
    "GUNICORN_BIND",
    "GUNICORN_WORKERS",
    "GUNICORN_THREADS",
    "GUNICORN_FORWARDED_ALLOW_IPS",
    "PROMETHEUS_MULTIPROC_DIR",
}
# Variables compose itself interpolates (from deploy/.env), never passed to the app as such.
COMPOSE_ONLY_VARIABLES = {"POSTGRES_PASSWORD"}
# Set by systemd for a unit with RuntimeDirectory= (and by the image to the same value).
SYSTEMD_VARIABLES = {"RUNTIME_DIRECTORY", "MAINPID"}
# Variables the Dockerfile sets for Python, pip and Django rather than for SafeServe.
IMAGE_VARIABLES = {
    "PATH",
    "PYTHONPATH",
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONUNBUFFERED",
    "PIP_NO_CACHE_DIR",
    "PIP_DISABLE_PIP_VERSION_CHECK",
    "DJANGO_SETTINGS_MODULE",
    "RUNTIME_DIRECTORY",
}


# --- Helpers ------------------------------------------------------------------------------
_ASSIGNMENT = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")


def read_env_file(path: Path = ENV_FILE) -> tuple[dict[str, str], set[str]]:
    """(the variables the file sets, the names in commented-out `#NAME=value` lines)."""
    assigned: dict[str, str] = {}
    commented: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            if match := _ASSIGNMENT.match(line[1:]):
                commented.add(match.group(1))
        elif line.strip():
            match = _ASSIGNMENT.match(line)
            assert match, f"not a KEY=value line: {line!r}"
            assigned[match.group(1)] = match.group(2)
    return assigned, commented


def settings_variables() -> set[str]:
    """The names Django's settings read through config.env (env_str("NAME", ...) etc.)."""
    pattern = re.compile(r"\benv_(?:str|bool|int|list)\(\s*\"([A-Z][A-Z0-9_]*)\"")
    names: set[str] = set()
    for path in (REPO / "config" / "settings").glob("*.py"):
        names |= set(pattern.findall(path.read_text(encoding="utf-8")))
    return names


def environ_reads(path: Path) -> set[str]:
    """The names a deploy/ script reads: os.environ.get("NAME"...) or _env_int("NAME"...)."""
    pattern = r"(?:os\.environ\.get|_env_int)\(\s*\"([A-Z][A-Z0-9_]*)\""
    return set(re.findall(pattern, path.read_text()))


Unit = dict[str, list[tuple[str, str]]]


def parse_unit(path: Path) -> Unit:
    """A systemd unit as {section: [(key, value), ...]}. configparser would merge repeated
    keys, which systemd gives a meaning (several ExecStart= of a oneshot, in order)."""
    unit: Unit = {}
    section = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        assert not line.endswith("\\"), f"{path.name}: keep directives on one line"
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            unit.setdefault(section, [])
            continue
        key, sep, value = line.partition("=")
        assert sep and section, f"{path.name}: unexpected line {raw!r}"
        unit[section].append((key.strip(), value.strip()))
    return unit


def values(unit: Unit, section: str, key: str) -> list[str]:
    return [value for name, value in unit.get(section, []) if name == key]


def value(unit: Unit, section: str, key: str) -> str | None:
    found = values(unit, section, key)
    return found[-1] if found else None


def unit_path(name: str) -> Path:
    return UNITS / f"safeserve-{name}"


def all_unit_files() -> list[Path]:
    return sorted([*UNITS.glob("*.service"), *UNITS.glob("*.timer")])


def load_compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def dockerfile_instructions() -> list[tuple[str, str]]:
    """[(INSTRUCTION, arguments)], continuation lines joined, comments dropped."""
    lines = [
        line
        for line in DOCKERFILE.read_text(encoding="utf-8").splitlines()
        if not line.lstrip().startswith("#")
    ]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            instructions.append((word.upper(), " ".join(rest.split())))
    return instructions


def manage_commands(text: str) -> set[str]:
    found = set(re.findall(r"python\s+manage\.py\s+([a-z_]+)", text))
    found |= set(re.findall(r"\"manage\.py\",\s*\"([a-z_]+)\"", text))
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin:/usr/bin:/bin")
    if not found:
        pytest.skip(f"{name} is not installed on this machine")
    return found


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The env file's values with local paths, a local database and a real secret, in an
    otherwise empty environment (no settings module or variable leaks in from the tests)."""
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    env.update(read_env_file()[0])
    metrics = tmp_path / "metrics"
    metrics.mkdir(exist_ok=True)
    env.update(
        PYTHONDONTWRITEBYTECODE="1",  # no __pycache__ left in deploy/
        DJANGO_SETTINGS_MODULE="config.settings.base",
        SECRET_KEY=secrets.token_urlsafe(64),
        FIELD_ENCRYPTION_KEYS=secrets.token_urlsafe(48),
        BLIND_INDEX_KEY=secrets.token_urlsafe(48),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
        STATIC_ROOT=str(tmp_path / "static"),
        BACKUP_DIR=str(tmp_path / "backups"),
        PROMETHEUS_MULTIPROC_DIR=str(metrics),
    )
    env.update(overrides)
    return env


class _StubHandler(http.server.BaseHTTPRequestHandler):
    """Records each request; answers with the server's status and a long HTML body."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.server.requests.append((self.command, self.path, dict(self.headers.items())))
        body = b"<!doctype html><p>" + b"SafeServe " * 300
        self.send_response(self.server.status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = _answer
    do_POST = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


class StubServer(http.server.ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _StubHandler)
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.status = 200

    @property
    def port(self) -> int:
        return int(self.server_address[1])


@pytest.fixture
def stub_server() -> Iterator[StubServer]:
    server = StubServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


# --- The environment file -----------------------------------------------------------------
def test_it_keeps_the_env_file_plain_key_value_lines():
    """systemd's EnvironmentFile= and compose's env_file= must read it the same way."""
    seen: set[str] = set()
    for line in ENV_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        assert not line.startswith("export "), line
        name, _, val = line.partition("=")
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", name), f"bad name in {line!r}"
        assert name not in seen, f"{name} is set twice"
        seen.add(name)
        assert val and not re.search(r"\s", val), f"{name}: empty value or whitespace"
        assert val[0] not in "\"'" and val[-1] not in "\"'", f"{name}: no quotes needed"
        assert "$" not in val and "\\" not in val, f"{name}: no expansion or escapes"
        assert "#" not in val, f"{name}: compose and systemd treat # differently"
        assert not re.search(r"[;&|<>()`~]", val), f"{name}: deploy/manage.sh sources it"


def test_it_sets_the_production_variables_with_example_values():
    env, commented = read_env_file()
    assert env["DEBUG"] == "false"
    assert env["SECRET_KEY"].startswith("django-insecure-")  # flagged by check --deploy
    assert len(env["SECRET_KEY"]) >= 50  # yet accepted by the settings
    assert "secrets.token_urlsafe(64)" in ENV_FILE.read_text()
    assert env["CSRF_TRUSTED_ORIGINS"].startswith("https://")
    assert env["DATABASE_URL"].startswith("postgres://safeserve:")
    assert env["DATABASE_URL"].endswith("@127.0.0.1:5432/safeserve")
    assert env["MEDIA_ROOT"] == "/var/lib/safeserve/media"
    assert env["STATIC_ROOT"] == "/var/lib/safeserve/static"
    assert env["BACKUP_DIR"] == "/var/backups/safeserve"
    assert env["BACKUP_KEEP"] == "14"
    assert env["BEHIND_TLS_PROXY"] == "true"
    assert env["TRUSTED_PROXY_COUNT"] == "1"
    assert env["METRICS_ALLOWED_IPS"] == "127.0.0.1,::1"
    assert env["PROMETHEUS_MULTIPROC_DIR"] == "/run/safeserve/metrics"
    assert env["LOG_LEVEL"] == "INFO"
    assert env["LOG_FORMAT"] == "json"
    assert env["GUNICORN_BIND"] == "127.0.0.1:8000"
    assert env["GUNICORN_WORKERS"] == "4"
    assert env["GUNICORN_THREADS"] == "4"
    assert {"ALLOWED_HOSTS", "EMAIL_URL"} <= set(env)
    assert "REDIS_URL" in commented and "REDIS_URL" not in env  # optional


def test_it_sets_only_variables_something_reads():
    env, commented = read_env_file()
    known = settings_variables() | NON_DJANGO_VARIABLES
    assert set(env) - known == set(), "set in the env file but read by nothing"
    assert commented - known == set(), "commented out in the env file but read by nothing"
    # The allow-list stays honest: each of its names is read by gunicorn's settings.
    assert environ_reads(GUNICORN_CONF) >= NON_DJANGO_VARIABLES


def test_it_sets_every_variable_the_other_files_read():
    env = set(read_env_file()[0])
    referenced: dict[str, set[str]] = {
        "gunicorn.conf.py": environ_reads(GUNICORN_CONF) - SYSTEMD_VARIABLES,
        "healthcheck.py": environ_reads(HEALTHCHECK),
    }
    for path in UNITS.glob("*.service"):
        unit = parse_unit(path)
        names = set()
        for key in ("ExecStart", "ExecStartPre", "ExecStartPost", "ExecReload", "ExecStop"):
            for command in values(unit, "Service", key):
                names |= set(re.findall(r"\$\{?([A-Z_][A-Z0-9_]*)", command))
        for assignment in values(unit, "Service", "Environment"):
            names |= {word.split("=", 1)[0] for word in shlex.split(assignment)}
        for unset in values(unit, "Service", "UnsetEnvironment"):
            names |= set(unset.split())
        referenced[path.name] = names - SYSTEMD_VARIABLES
    for name, service in load_compose()["services"].items():
        if "env_file" in service:
            referenced[f"compose {name}"] = set(service.get("environment", {}))
    interpolated = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", COMPOSE.read_text()))
    referenced["compose interpolation"] = interpolated - COMPOSE_ONLY_VARIABLES
    for where, names in referenced.items():
        assert names - env == set(), f"{where} reads variables the env file does not set"


def test_it_passes_the_deploy_checks_with_the_env_file(tmp_path):
    """Every value parses, and with a real secret `check --deploy` finds nothing."""
    command = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    result = subprocess.run(
        command, cwd=REPO, env=production_env(tmp_path), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_flags_the_placeholder_secret_key(tmp_path):
    placeholder = read_env_file()[0]["SECRET_KEY"]
    command = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    result = subprocess.run(
        command,
        cwd=REPO,
        env=production_env(tmp_path, SECRET_KEY=placeholder),
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


@pytest.mark.parametrize("name", ["FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"])
def test_it_flags_the_placeholder_encryption_keys(tmp_path, name):
    placeholder = read_env_file()[0][name]
    command = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    result = subprocess.run(
        command,
        cwd=REPO,
        env=production_env(tmp_path, **{name: placeholder}),
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "safeserve.W001" in result.stdout + result.stderr and name in result.stderr


def test_it_runs_one_off_commands_with_the_env_file(tmp_path):
    """deploy/manage.sh: the env file's settings, no metrics directory, the app's venv."""
    if not (REPO / ".venv" / "bin" / "python").exists():
        pytest.skip("no .venv in the repository (make setup) for deploy/manage.sh to use")
    env = production_env(tmp_path)
    env_file = tmp_path / "safeserve.env"
    names = set(read_env_file()[0]) | {"SECRET_KEY", "DATABASE_URL"}
    env_file.write_text("".join(f"{name}={env[name]}\n" for name in sorted(names)))
    script = "import os; print(os.environ.get('PROMETHEUS_MULTIPROC_DIR'), os.getcwd())"
    result = subprocess.run(
        ["/bin/sh", str(DEPLOY / "manage.sh"), "shell", "-c", script],
        env={
            "PATH": os.environ.get("PATH", ""),
            "SAFESERVE_USER": subprocess.check_output(["id", "-un"], text=True).strip(),
            "SAFESERVE_DIR": str(REPO),
            "SAFESERVE_ENV_FILE": str(env_file),
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["None", str(REPO)]
    assert os.access(DEPLOY / "manage.sh", os.X_OK)


# --- gunicorn -----------------------------------------------------------------------------
def load_gunicorn_conf(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    for name in environ_reads(GUNICORN_CONF) | {"LOG_LEVEL"}:
        monkeypatch.delenv(name, raising=False)
    for name, val in env.items():
        monkeypatch.setenv(name, val)
    return runpy.run_path(str(GUNICORN_CONF))


def test_it_reads_gunicorn_settings_from_the_environment(monkeypatch, tmp_path):
    conf = load_gunicorn_conf(
        monkeypatch,
        GUNICORN_BIND="127.0.0.1:9123",
        GUNICORN_WORKERS="3",
        GUNICORN_THREADS="6",
        GUNICORN_FORWARDED_ALLOW_IPS="10.0.0.5",
        LOG_LEVEL="WARNING",
        RUNTIME_DIRECTORY=str(tmp_path),
    )
    assert conf["bind"] == ["127.0.0.1:9123"]
    assert (conf["workers"], conf["threads"], conf["worker_class"]) == (3, 6, "gthread")
    assert conf["forwarded_allow_ips"] == "10.0.0.5"
    assert conf["loglevel"] == "warning"
    assert conf["accesslog"] is None  # the application logs each request itself
    assert conf["errorlog"] == "-"
    assert conf["control_socket"] == str(tmp_path / "gunicorn.ctl")
    assert conf["graceful_timeout"] < conf["timeout"]
    if os.path.isdir("/dev/shm"):  # noqa: S108
        assert conf["worker_tmp_dir"] == "/dev/shm"  # noqa: S108


def test_it_has_gunicorn_defaults_for_an_empty_environment(monkeypatch):
    conf = load_gunicorn_conf(monkeypatch)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert conf["bind"] == ["127.0.0.1:8000"]
    assert conf["workers"] == min(2 * cpus + 1, 8)
    assert [conf["default_workers"](n) for n in (1, 2, 3, 4, 64)] == [3, 5, 7, 8, 8]
    assert conf["threads"] == 4
    assert conf["forwarded_allow_ips"] == "127.0.0.1"
    assert "control_socket" not in conf  # gunicorn's own default outside systemd


def test_it_refuses_a_gunicorn_value_it_cannot_parse(monkeypatch):
    with pytest.raises(SystemExit, match="GUNICORN_WORKERS must be an integer"):
        load_gunicorn_conf(monkeypatch, GUNICORN_WORKERS="four")
    with pytest.raises(SystemExit, match="GUNICORN_THREADS must be at least 1"):
        load_gunicorn_conf(monkeypatch, GUNICORN_THREADS="0")


def test_it_names_only_settings_gunicorn_knows(monkeypatch):
    from gunicorn.config import KNOWN_SETTINGS

    known = {setting.name for setting in KNOWN_SETTINGS}
    conf = load_gunicorn_conf(monkeypatch, RUNTIME_DIRECTORY="/run/safeserve")
    plain = {
        name
        for name, val in conf.items()
        if not name.startswith("_") and isinstance(val, str | int | list | type(None))
    }
    assert plain - known == set(), "a misspelt gunicorn setting is silently ignored"
    assert {"on_starting", "child_exit"} <= known


def test_it_is_accepted_by_gunicorn_itself(tmp_path):
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not gunicorn.exists():
        pytest.skip("gunicorn is not installed next to this interpreter")
    env = production_env(tmp_path, GUNICORN_BIND="127.0.0.1:9124", GUNICORN_WORKERS="2")
    printed = subprocess.run(
        [str(gunicorn), "--print-config", "-c", str(GUNICORN_CONF), "config.wsgi"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert printed.returncode == 0, printed.stderr
    config = {
        name.strip(): val.strip()
        for name, _, val in (line.partition("=") for line in printed.stdout.splitlines())
    }
    assert config["bind"] == "['127.0.0.1:9124']"
    assert (config["workers"], config["threads"]) == ("2", "4")
    # --check-config also loads the application with the env file's settings.
    checked = subprocess.run(
        [str(gunicorn), "--check-config", "-c", str(GUNICORN_CONF), "config.wsgi"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr


def test_it_empties_the_metrics_directory_when_gunicorn_starts(monkeypatch, tmp_path):
    metrics = tmp_path / "run" / "metrics"
    conf = load_gunicorn_conf(monkeypatch, PROMETHEUS_MULTIPROC_DIR=str(metrics))
    conf["on_starting"](None)
    assert metrics.is_dir()  # created when missing
    (metrics / "counter_123.db").write_bytes(b"stale")
    (metrics / "README").write_text("not ours")
    conf["on_starting"](None)
    assert sorted(path.name for path in metrics.iterdir()) == ["README"]


def test_it_marks_an_exited_worker_dead(monkeypatch, tmp_path):
    calls: list[tuple[int, str]] = []
    multiprocess = types.ModuleType("prometheus_client.multiprocess")
    multiprocess.mark_process_dead = lambda pid, path=None: calls.append((pid, path))
    package = types.ModuleType("prometheus_client")
    package.multiprocess = multiprocess
    monkeypatch.setitem(sys.modules, "prometheus_client", package)
    monkeypatch.setitem(sys.modules, "prometheus_client.multiprocess", multiprocess)

    conf = load_gunicorn_conf(monkeypatch, PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    conf["child_exit"](None, types.SimpleNamespace(pid=4242))
    assert calls == [(4242, str(tmp_path))]

    without = load_gunicorn_conf(monkeypatch)  # no multi-process directory: nothing to do
    without["child_exit"](None, types.SimpleNamespace(pid=4243))
    without["on_starting"](None)
    assert calls == [(4242, str(tmp_path))]


# --- The container health check -------------------------------------------------------------
def run_healthcheck(port: int, allowed_hosts: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "GUNICORN_BIND": f"0.0.0.0:{port}",
        "ALLOWED_HOSTS": allowed_hosts,
    }
    return subprocess.run(
        [sys.executable, str(HEALTHCHECK)], env=env, capture_output=True, text=True, timeout=30
    )


def test_it_checks_health_the_way_the_proxy_would_ask(stub_server):
    result = run_healthcheck(stub_server.port, ".example.gov.cn,other.example")
    assert result.returncode == 0, result.stderr
    [(method, path, headers)] = stub_server.requests
    assert (method, path) == ("GET", "/healthz")
    assert headers["Host"] == "example.gov.cn"  # allowed by ".example.gov.cn"
    assert headers["X-Forwarded-Proto"] == "https"  # or SECURE_SSL_REDIRECT answers 301

    stub_server.status = 301
    result = run_healthcheck(stub_server.port, "*")
    assert result.returncode == 1
    assert "answered 301" in result.stderr
    assert stub_server.requests[-1][2]["Host"] == "localhost"


def test_it_reports_unhealthy_when_nothing_listens():
    result = run_healthcheck(free_port(), HOST)
    assert result.returncode == 1
    assert "healthcheck:" in result.stderr


# --- systemd ------------------------------------------------------------------------------
def test_it_has_a_timer_for_each_scheduled_service():
    names = {path.name for path in all_unit_files()}
    expected = {f"safeserve-{name}.service" for name in SERVICES}
    expected |= {f"safeserve-{name}.timer" for name in TIMERS}
    assert names == expected
    for name, at in TIMERS.items():
        timer = parse_unit(unit_path(f"{name}.timer"))
        [calendar] = values(timer, "Timer", "OnCalendar")
        # The application's days begin at midnight in its own zone, not the server's.
        assert calendar.endswith(f"{at} {settings.TIME_ZONE}")
        assert value(timer, "Timer", "Persistent") == "true"
        assert value(timer, "Install", "WantedBy") == "timers.target"
    [weekly] = values(parse_unit(unit_path("restore-drill.timer")), "Timer", "OnCalendar")
    assert weekly.startswith("Sun ")


def test_it_runs_each_service_as_the_safeserve_user_with_the_env_file():
    env = read_env_file()[0]
    for name in SERVICES:
        unit = parse_unit(unit_path(f"{name}.service"))
        s = "Service"
        assert value(unit, s, "User") == value(unit, s, "Group") == "safeserve", name
        assert value(unit, s, "WorkingDirectory") == "/opt/safeserve", name
        assert values(unit, s, "EnvironmentFile") == ["/etc/safeserve/safeserve.env"], name
        for key, expected in {
            "NoNewPrivileges": "yes",
            "ProtectSystem": "strict",
            "PrivateTmp": "yes",
            "ProtectHome": "yes",
            "PrivateDevices": "yes",
            "CapabilityBoundingSet": "",
        }.items():
            assert value(unit, s, key) == expected, f"{name}: {key}"
        writable = " ".join(values(unit, s, "ReadWritePaths")).split()
        assert writable == ["/var/lib/safeserve", "/var/backups/safeserve"], name
        for variable in ("MEDIA_ROOT", "STATIC_ROOT", "BACKUP_DIR"):
            assert any(Path(env[variable]).is_relative_to(path) for path in writable), variable
        for command in values(unit, s, "ExecStart"):
            assert command.startswith("/opt/safeserve/.venv/bin/"), name


def test_it_starts_gunicorn_and_the_worker_as_long_running_services():
    web = parse_unit(unit_path("web.service"))
    assert values(web, "Service", "ExecStart") == [
        "/opt/safeserve/.venv/bin/gunicorn config.wsgi -c /opt/safeserve/deploy/gunicorn.conf.py"
    ]
    assert value(web, "Service", "Type") == "notify"  # gunicorn tells systemd when it is up
    assert value(web, "Service", "Restart") == "on-failure"
    assert value(web, "Install", "WantedBy") == "multi-user.target"
    # The metrics directory lives in the web service's runtime directory...
    runtime = value(web, "Service", "RuntimeDirectory")
    assert runtime == "safeserve"
    assert read_env_file()[0]["PROMETHEUS_MULTIPROC_DIR"].startswith(f"/run/{runtime}/")

    worker = parse_unit(unit_path("worker.service"))
    assert values(worker, "Service", "ExecStart") == [
        "/opt/safeserve/.venv/bin/python manage.py db_worker"
    ]
    assert value(worker, "Service", "Restart") == "on-failure"
    assert value(worker, "Install", "WantedBy") == "multi-user.target"
    # ...so no other unit may own it (systemd removes it when its owner stops), and the
    # others do not write metrics files that nothing would ever read or clean up.
    for name in SERVICES[1:]:
        unit = parse_unit(unit_path(f"{name}.service"))
        assert value(unit, "Service", "RuntimeDirectory") is None, name
        assert values(unit, "Service", "UnsetEnvironment") == ["PROMETHEUS_MULTIPROC_DIR"]


def test_it_runs_the_scheduled_commands_in_order():
    python = "/opt/safeserve/.venv/bin/python manage.py"
    expected = {
        "daily": [f"{python} run_daily", f"{python} verify_audit"],
        "hourly": [f"{python} run_hourly"],
        "backup": [f"{python} backup"],
        "restore-drill": [f"{python} restore_drill --latest"],
    }
    for name, commands in expected.items():
        unit = parse_unit(unit_path(f"{name}.service"))
        assert value(unit, "Service", "Type") == "oneshot", name
        assert values(unit, "Service", "ExecStart") == commands, name
        assert "Install" not in unit, f"{name} is started by its timer only"


def test_it_names_only_programs_and_commands_that_exist():
    """What the units, compose and the image run: the virtualenv's programs (as `make
    setup` lays it out) and existing management commands."""
    texts = [path.read_text() for path in UNITS.glob("*.service")]
    texts += [COMPOSE.read_text(), DOCKERFILE.read_text()]
    for path in UNITS.glob("*.service"):
        unit = parse_unit(path)
        for key in ("ExecStart", "ExecReload"):
            for command in values(unit, "Service", key):
                program = command.split()[0]
                if program.startswith("/opt/safeserve/.venv/bin/"):
                    local = Path(sys.prefix) / "bin" / Path(program).name
                    assert local.exists(), f"{path.name}: {program} is not in the virtualenv"
                else:
                    assert Path(program).exists(), f"{path.name}: {program} not found"
    named = set().union(*(manage_commands(text) for text in texts))
    assert {
        "db_worker",
        "run_daily",
        "run_hourly",
        "verify_audit",
        "migrate",
        "collectstatic",
    } <= named
    missing = named - set(get_commands())
    assert not missing, f"no such management command: {sorted(missing)}"


def systemd_root(tmp_path: Path) -> Path:
    """A file-system root holding systemd's own units and the SafeServe units, with
    executable stand-ins for the programs they start (`systemd-analyze verify --root`
    resolves ExecStart= inside the root, where /opt/safeserve does not exist; the real
    programs are checked by test_it_names_only_programs_and_commands_that_exist)."""
    library = next(
        (
            path
            for path in (Path("/usr/lib/systemd/system"), Path("/lib/systemd/system"))
            if (path / "sysinit.target").exists()
        ),
        None,
    )
    if library is None:
        pytest.skip("systemd's unit library (sysinit.target) is not installed")
    root = tmp_path / "root"
    shutil.copytree(library, root / "usr/lib/systemd/system", symlinks=True)
    target = root / "etc/systemd/system"
    target.mkdir(parents=True)
    for path in all_unit_files():
        shutil.copy(path, target / path.name)
        unit = parse_unit(path)
        for key in ("ExecStart", "ExecReload"):
            for command in values(unit, "Service", key):
                stand_in = root / command.split()[0].lstrip("/")
                stand_in.parent.mkdir(parents=True, exist_ok=True)
                stand_in.write_text("#!/bin/sh\nexit 0\n")
                stand_in.chmod(0o755)
    return root


def test_it_verifies_the_units_with_systemd_analyze(tmp_path):
    analyze = tool("systemd-analyze")
    root = systemd_root(tmp_path)
    units = [str(root / "etc/systemd/system" / path.name) for path in all_unit_files()]
    result = subprocess.run(
        [analyze, "verify", "--man=no", f"--root={root}", *units],
        capture_output=True,
        text=True,
    )
    # Any message (unknown key, unparsable value, missing program) is a finding.
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_it_hardens_every_service(tmp_path):
    analyze = tool("systemd-analyze")
    for name in SERVICES:
        path = unit_path(f"{name}.service")
        result = subprocess.run(
            # The threshold is in tenths: 25 is an overall exposure level of 2.5 ("OK").
            [analyze, "security", "--offline=yes", "--threshold=25", "--no-pager", str(path)],
            capture_output=True,
            text=True,
        )
        if "--offline" in result.stderr or "--threshold" in result.stderr:
            pytest.skip("this systemd-analyze cannot score unit files offline")
        score = re.search(r"Overall exposure level for \S+: ([\d.]+)", result.stdout)
        assert result.returncode == 0, f"{path.name}: {score and score.group(1)} > 2.5"


# --- nginx --------------------------------------------------------------------------------
@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for HOST and 127.0.0.1: (certificate, key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    # OpenSSL checks validity against the real clock, not the suite's fixed "today".
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2099, 12, 31, tzinfo=dt.UTC))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(HOST), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"expected {old!r} once in {SITE.name}"
    return text.replace(old, new)


def nginx_config(
    tmp_path: Path,
    certificate: tuple[Path, Path],
    *,
    ports: tuple[int, int, int] | None = None,
) -> Path:
    """nginx.conf around the site: certificate paths and the static root point into
    tmp_path; with ports (http, https, upstream) it listens on the loopback and proxies to
    a stub, in one foreground process running as the current user."""
    static = tmp_path / "static"
    static.mkdir(exist_ok=True)
    site = SITE.read_text(encoding="utf-8")
    site = replace_once(site, "/etc/ssl/safeserve/fullchain.pem", str(certificate[0]))
    site = replace_once(site, "/etc/ssl/safeserve/privkey.pem", str(certificate[1]))
    site = replace_once(site, "alias /var/lib/safeserve/static/;", f"alias {static}/;")
    process = ""
    if ports:
        http_port, https_port, upstream = ports
        site = replace_once(site, "listen 80;", f"listen 127.0.0.1:{http_port};")
        site = replace_once(site, "listen [::]:80;", "")
        site = replace_once(site, "listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl")
        site = replace_once(site, "listen [::]:443 ssl http2;", "")
        site = replace_once(site, "server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream};")
        process = "daemon off;\nmaster_process off;\n"
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    temp = {name: tmp_path / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"""{process}pid {tmp_path / "nginx.pid"};
error_log {tmp_path / "error.log"} warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    default_type application/octet-stream;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {tmp_path / "site.conf"};
}}
""",
        encoding="utf-8",
    )
    return conf


def test_it_passes_nginx_t(tmp_path, certificate):
    nginx = tool("nginx")
    conf = nginx_config(tmp_path, certificate)
    result = subprocess.run(
        [nginx, "-t", "-c", str(conf), "-p", str(tmp_path)], capture_output=True, text=True
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    warnings = [
        line
        for line in output.splitlines()
        if "[warn]" in line and "http2" not in line  # listen ... http2: deprecated in 1.25.1
    ]
    assert warnings == []


def test_it_agrees_with_the_other_files():
    site = SITE.read_text(encoding="utf-8")
    env = read_env_file()[0]
    assert f"server {env['GUNICORN_BIND']};" in site
    assert f"alias {env['STATIC_ROOT']}/;" in site
    [body_limit] = re.findall(r"client_max_body_size (\d+)m;", site)
    assert int(body_limit) * 1024 * 1024 > settings.IMPORT_MAX_BYTES
    [read_timeout] = re.findall(r"proxy_read_timeout (\d+)s;", site)
    assert int(read_timeout) >= runpy.run_path(str(GUNICORN_CONF))["timeout"]
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in site


class NginxClient:
    def __init__(self, ports: tuple[int, int, int], cafile: Path) -> None:
        self.http_port, self.https_port, _ = ports
        self.context = ssl.create_default_context(cafile=str(cafile))

    def get(
        self, path: str, *, tls: bool = True, source: str | None = None, **headers: str
    ) -> tuple[int, dict[str, str], bytes]:
        source_address = (source, 0) if source else None
        conn: http.client.HTTPConnection
        if tls:
            conn = http.client.HTTPSConnection(
                "127.0.0.1",
                self.https_port,
                context=self.context,
                timeout=10,
                source_address=source_address,
            )
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=10)
        try:
            conn.request("GET", path, headers={"Host": HOST, **headers})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()


@pytest.fixture
def running_nginx(
    tmp_path: Path, certificate: tuple[Path, Path], stub_server: StubServer
) -> Iterator[NginxClient]:
    nginx = tool("nginx")
    ports = (free_port(), free_port(), stub_server.port)
    conf = nginx_config(tmp_path, certificate, ports=ports)
    process = subprocess.Popen(
        [nginx, "-c", str(conf), "-p", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", ports[1]), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    error_log = tmp_path / "error.log"
                    log = error_log.read_text() if error_log.exists() else ""
                    pytest.fail(f"nginx did not start: {log}")
                time.sleep(0.05)
        yield NginxClient(ports, certificate[0])
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_it_redirects_plain_http_to_https(running_nginx, stub_server):
    status, headers, _ = running_nginx.get("/hazards/?page=2", tls=False)
    assert status == 301
    assert headers["Location"] == f"https://{HOST}/hazards/?page=2"
    assert stub_server.requests == []


def test_it_proxies_with_the_headers_the_application_trusts(running_nginx, stub_server):
    status, headers, body = running_nginx.get(
        "/enterprises/?q=1", **{"X-Forwarded-For": "203.0.113.7", "Accept-Encoding": "gzip"}
    )
    assert status == 200
    [(method, path, seen)] = stub_server.requests
    assert (method, path) == ("GET", "/enterprises/?q=1")
    assert seen["Host"] == HOST
    assert seen["X-Forwarded-Proto"] == "https"
    # nginx appends the address it saw: TRUSTED_PROXY_COUNT=1 reads exactly that one.
    chain = [part.strip() for part in seen["X-Forwarded-For"].split(",")]
    assert chain == ["203.0.113.7", "127.0.0.1"]
    assert int(read_env_file()[0]["TRUSTED_PROXY_COUNT"]) == 1
    assert headers["Content-Encoding"] == "gzip"  # pages are compressed on the way out
    assert gzip.decompress(body).startswith(b"<!doctype html>")


def test_it_serves_static_files_itself_with_cache_headers(running_nginx, stub_server, tmp_path):
    css = tmp_path / "static" / "css"
    css.mkdir(parents=True)
    content = b"body { color: #123456; }\n" * 100
    (css / "app.0123456789ab.css").write_bytes(content)
    (css / "app.0123456789ab.css.gz").write_bytes(gzip.compress(content))
    (css / "app.css").write_bytes(content)

    status, headers, body = running_nginx.get(
        "/static/css/app.0123456789ab.css", **{"Accept-Encoding": "gzip"}
    )
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == content

    status, headers, body = running_nginx.get("/static/css/app.css")
    assert (status, body) == (200, content)
    assert headers["Cache-Control"] == "public, max-age=3600"
    assert running_nginx.get("/static/css/missing.css")[0] == 404
    assert stub_server.requests == []


def test_it_never_serves_uploaded_files_directly(running_nginx, stub_server, tmp_path):
    status, _, _ = running_nginx.get("/media/attachments/report.pdf")
    assert status == 404
    assert stub_server.requests == []


def test_it_lets_only_this_machine_read_metrics(running_nginx, stub_server):
    assert running_nginx.get("/metrics")[0] == 200
    assert [path for _, path, _ in stub_server.requests] == ["/metrics"]
    # Another address (127.0.0.2 is also this machine, but not an allowed address).
    try:
        status, _, _ = running_nginx.get("/metrics", source="127.0.0.2")
    except OSError as exc:
        pytest.skip(f"cannot connect from 127.0.0.2 here: {exc}")
    assert status == 403
    assert running_nginx.get("/", source="127.0.0.2")[0] == 200
    assert [path for _, path, _ in stub_server.requests] == ["/metrics", "/"]


def test_it_refuses_uploads_over_the_limit_before_the_application(running_nginx, stub_server):
    conn = http.client.HTTPSConnection(
        "127.0.0.1", running_nginx.https_port, context=running_nginx.context, timeout=10
    )
    try:
        conn.putrequest("POST", "/enterprises/import/", skip_host=True)
        conn.putheader("Host", HOST)
        conn.putheader("Content-Length", str(13 * 1024 * 1024))
        conn.endheaders()
        assert conn.getresponse().status == 413
    finally:
        conn.close()
    assert stub_server.requests == []


# --- Compose ------------------------------------------------------------------------------
def test_it_composes_database_migration_app_and_worker():
    compose = load_compose()
    services = compose["services"]
    assert set(services) == {"db", "migrate", "app", "worker"}

    db = services["db"]
    assert db["image"] == "postgres:15"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in db["volumes"])

    for name in ("migrate", "app", "worker"):
        service = services[name]
        build = service["build"]
        assert (COMPOSE.parent / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE
        paths = [entry["path"] for entry in service["env_file"]]
        assert paths[0] == ENV_FILE.name
        assert all(
            (COMPOSE.parent / entry["path"]).exists()
            for entry in service["env_file"]
            if entry.get("required", True)
        )
        assert service["environment"]["DATABASE_URL"].startswith("postgres://safeserve:")
        assert "@db:5432/safeserve" in service["environment"]["DATABASE_URL"]
        assert service["depends_on"]["db"]["condition"] == "service_healthy"
        if name != "migrate":
            assert service["depends_on"]["migrate"]["condition"] == (
                "service_completed_successfully"
            )
        mounts = {volume.split(":")[1] for volume in service["volumes"]}
        assert {"/var/lib/safeserve/media", "/var/backups/safeserve"} <= mounts
        assert service["environment"]["MEDIA_ROOT"] == "/var/lib/safeserve/media"
        assert service["environment"]["BACKUP_DIR"] == "/var/backups/safeserve"

    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert services["migrate"]["restart"] == "no"
    assert services["worker"]["command"] == ["python", "manage.py", "db_worker"]
    app = services["app"]
    assert "command" not in app  # the image's gunicorn
    assert app["environment"]["GUNICORN_BIND"] == "0.0.0.0:8000"
    assert app["ports"] == ["127.0.0.1:8000:8000"]  # only the host's nginx reaches it

    named = {
        volume.split(":")[0]
        for service in services.values()
        for volume in service.get("volumes", [])
        if not volume.startswith((".", "/"))
    }
    assert named == set(compose["volumes"])


def test_it_keeps_the_database_password_out_of_the_files():
    text = COMPOSE.read_text()
    assert "${POSTGRES_PASSWORD:?" in text  # compose refuses to start without one
    db = load_compose()["services"]["db"]
    assert db["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")


# --- The image ----------------------------------------------------------------------------
def test_it_builds_the_image_from_files_in_the_repository():
    instructions = dockerfile_instructions()
    froms = [args for word, args in instructions if word == "FROM"]
    assert froms[0].startswith("node:") and froms[0].endswith(" AS assets")
    assert froms[-1] == "python:3.11-slim-bookworm"

    ignored = [
        line.strip()
        for line in (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    sources: set[str] = set()
    for word, args in instructions:
        if word != "COPY" or "--from=" in args:
            continue
        *copied, _destination = args.split()
        for source in copied:
            assert (REPO / source).exists(), f"COPY {source}: not in the repository"
            parts = source.split("/")
            prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
            assert not any(
                fnmatch.fnmatch(prefix, pattern) for prefix in prefixes for pattern in ignored
            ), f"COPY {source} is excluded by Dockerfile.dockerignore"
            sources.add(source)
    assert {
        "package.json",
        "package-lock.json",
        "scripts/copy_assets.sh",
        "pyproject.toml",
        "manage.py",
        "deploy/gunicorn.conf.py",
        "deploy/healthcheck.py",
    } <= sources


def test_it_prepares_everything_at_build_time_and_runs_unprivileged():
    instructions = dockerfile_instructions()
    runs = " && ".join(args for word, args in instructions if word == "RUN")
    assert "npm ci" in runs
    assert "scripts/copy_assets.sh node_modules build/vendor" in runs
    assert "pip install ." in runs
    apt = re.search(r"apt-get install ([^&]+)", runs)
    assert apt and {"gettext", "fonts-noto-cjk", "poppler-utils"} <= set(apt.group(1).split())
    assert "manage.py compilemessages -l zh_Hans" in runs
    assert "manage.py collectstatic --noinput" in runs
    [build_key] = re.findall(r"SECRET_KEY=(\S+)", runs)
    assert len(build_key) >= 50  # or the production settings refuse to load

    env = {}
    for word, args in instructions:
        if word == "ENV":
            env.update(dict(pair.split("=", 1) for pair in shlex.split(args)))
    assert set(env) - set(read_env_file()[0]) - IMAGE_VARIABLES == set()
    assert env["STATIC_ROOT"] == read_env_file()[0]["STATIC_ROOT"]  # where collectstatic ran

    words = [word for word, _ in instructions]
    user = [args for word, args in instructions if word == "USER"][-1]
    assert user.split(":")[0] not in {"root", "0"}
    assert words.index("USER") > max(i for i, word in enumerate(words) if word == "RUN")

    [healthcheck] = [args for word, args in instructions if word == "HEALTHCHECK"]
    assert "/app/deploy/healthcheck.py" in healthcheck
    assert '"/healthz"' in HEALTHCHECK.read_text()
    [cmd] = [args for word, args in instructions if word == "CMD"]
    assert json.loads(cmd) == ["gunicorn", "config.wsgi", "-c", "/app/deploy/gunicorn.conf.py"]
    workdirs = [args for word, args in instructions if word == "WORKDIR"]
    assert workdirs[-1] == "/app"
