"""The README's production path, run as written: the commands of its "Running in production"
block with the settings of deploy/safeserve.env.example, then gunicorn (with its worker)
answering as it would behind nginx — a first login, one page of each main area, their
stylesheets and scripts from the manifest, the API schema, health, readiness and metrics, a
roster imported through the worker, and the login page in Chromium with no console error.

It runs once per `make test` (target test-production), not once per database: it builds its
own database, PostgreSQL when DATABASE_URL points at one, else SQLite.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

import pytest
from django_otp.oath import totp

from safeserve.operations.tests.test_roster import roster_bytes

pytestmark = pytest.mark.production

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

# One page of each main area, as the county office's admin sees them.
PAGES = [
    "/",
    "/setup/",
    "/organizations/",
    "/accounts/users/",
    "/enterprises/",
    "/providers/",
    "/providers/experts/",
    "/procurement/plans/",
    "/procurement/projects/",
    "/contracts/",
    "/contracts/coverage/",
    "/tasks/",
    "/hazards/",
    "/hazards/reports/",
    "/policy/",
    "/accounts/login-log/",
    "/audit/",
    "/public/",
]


def readme_commands() -> list[str]:
    """The shell lines of README.md's "Running in production" block."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Running in production", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "README.md: the production section has no ```sh block"
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


def env_file() -> dict[str, str]:
    values = {}
    for line in (ROOT / "deploy" / "safeserve.env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Browser:
    """Requests as nginx forwards them: plain HTTP to gunicorn with X-Forwarded-Proto: https.
    Cookies are kept by hand, because they are Secure and the socket is not."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    seen: list[tuple[str, int]] = field(default_factory=list)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-Proto": "https",
            "User-Agent": "safeserve-smoke-test",
            **(headers or {}),
        }
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection.request(method, path, body=body, headers=sent)
        raw = connection.getresponse()
        for header, value in raw.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                cookie_value = rest.split(";", 1)[0]
                if cookie_value in ('""', "") or "max-age=0" in value.lower():
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = cookie_value
        response = Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, raw.read())
        connection.close()
        self.seen.append((path, response.status))
        return response

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post_form(self, path: str, data: dict[str, str]) -> Response:
        token = self._csrf(path)
        return self.request(
            "POST",
            path,
            urlencode({**data, "csrfmiddlewaretoken": token}).encode(),
            self._form_headers(path, "application/x-www-form-urlencoded"),
        )

    def post_file(self, path: str, field_name: str, filename: str, content: bytes) -> Response:
        token = self._csrf(path)
        boundary = uuid.uuid4().hex
        body = (
            (
                f"--{boundary}\r\n"
                'Content-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
                f"{token}\r\n--{boundary}\r\n"
                f'Content-Disposition: form-data; name="{field_name}"; filename="{filename}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        return self.request(
            "POST",
            path,
            body,
            self._form_headers(path, f"multipart/form-data; boundary={boundary}"),
        )

    def _csrf(self, path: str) -> str:
        page = self.get(path)
        assert page.status == 200, (path, page.status)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert match, f"{path} has no CSRF token"
        return match.group(1)

    def _form_headers(self, path: str, content_type: str) -> dict[str, str]:
        origin = f"https://127.0.0.1:{self.port}"
        return {"Content-Type": content_type, "Origin": origin, "Referer": origin + path}


@dataclass
class Server:
    port: int
    env: dict[str, str]
    logs: Path
    admin: str
    password: str


def _database(tmp: Path) -> Iterator[str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp / 'safeserve.sqlite3'}"
        return
    import psycopg

    name = f"safeserve_smoke_{uuid.uuid4().hex[:8]}"
    admin_url = urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlparse(url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _command(line: str) -> list[str]:
    words = shlex.split(line.split("  #", 1)[0].removesuffix("&"))
    assert words[0].startswith(".venv/bin/"), line
    return [str(BIN / words[0].removeprefix(".venv/bin/")), *words[1:]]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("production")
    lines = readme_commands()
    # Nothing in the block may escape this test: each line is one the test knows how to run.
    assert lines[0] == "make setup"  # done: make test depends on make setup
    assert lines[1] == "set -a; . /etc/safeserve/safeserve.env; set +a"
    commands = lines[2:]
    assert all(line.startswith(".venv/bin/") for line in commands), commands
    assert any("collectstatic" in line for line in commands)
    assert any("check --deploy --fail-level WARNING" in line for line in commands)

    port = free_port()
    databases = _database(tmp)
    settings = env_file()
    settings.update(
        SECRET_KEY=secrets.token_urlsafe(64),
        FIELD_ENCRYPTION_KEYS=secrets.token_urlsafe(48),
        BLIND_INDEX_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        CSRF_TRUSTED_ORIGINS=f"https://127.0.0.1:{port}",
        DATABASE_URL=next(databases),
        MEDIA_ROOT=str(tmp / "media"),
        STATIC_ROOT=str(tmp / "static"),
        BACKUP_DIR=str(tmp / "backups"),
        PROMETHEUS_MULTIPROC_DIR=str(tmp / "metrics"),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
        GUNICORN_THREADS="4",
        EMAIL_URL="console://",
        METRICS_ALLOWED_IPS="127.0.0.1",
    )
    # A clean environment: the test process's own (config.settings.test sets some variables
    # for itself) must not leak into what a county's server would run with.
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    env.update(settings)
    logs = tmp / "logs"
    logs.mkdir()
    processes: list[subprocess.Popen[bytes]] = []
    admin, password = "", ""
    try:
        for number, line in enumerate(commands):
            argv = _command(line)
            if line.endswith("&") or line == commands[-1]:  # the worker, then gunicorn
                assert Path(argv[0]).name == "gunicorn" or "db_worker" in argv, line
                log = (logs / f"{number}-{Path(argv[0]).name}.log").open("wb")
                processes.append(
                    subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
                )
                continue
            done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, timeout=600)
            assert done.returncode == 0, (line, done.stdout.decode(), done.stderr.decode())
            if "create_county" in argv:
                out = done.stdout.decode()
                admin = argv[argv.index("--admin") + 1]
                password = out.strip().rsplit("：", 1)[-1].strip()
        assert admin and password, "README: create_county installs the first county"
        _wait_until_up(port, processes)
        yield Server(port, env, logs, admin, password)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        next(databases, None)


def _wait_until_up(port: int, processes: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert all(p.poll() is None for p in processes), "gunicorn or the worker exited"
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("gunicorn did not answer /healthz within 60 s")


@pytest.fixture(scope="module")
def admin(server: Server) -> Browser:
    """The county's admin, logged in for the first time (password changed as required)."""
    browser = Browser(server.port)
    response = browser.post_form(
        "/accounts/login/", {"username": server.admin, "password": server.password}
    )
    assert response.status == 302, response.text[:500]
    # The temporary password leads to the change form first (first login).
    assert browser.get("/").headers.get("location", "").endswith("/accounts/password/")
    new = "Xihu-admin-2026!"
    changed = browser.post_form(
        "/accounts/password/",
        {"old_password": server.password, "new_password1": new, "new_password2": new},
    )
    assert changed.status == 302, changed.text[:500]
    server.password = new
    # Then the second factor the county requires of its office: set up as a person would,
    # with the key the page shows typed into an authenticator (computed here).
    assert browser.get("/").headers.get("location", "").startswith("/accounts/otp/setup/")
    setup = browser.get("/accounts/otp/setup/")
    found = re.search(r'data-testid="otp-key">([A-Z2-7 ]+)<', setup.text)
    assert found, setup.text[:500]
    key = base64.b32decode(found[1].replace(" ", "") + "=" * (-len(found[1].replace(" ", "")) % 8))
    confirmed = browser.post_form("/accounts/otp/setup/", {"code": f"{totp(key):06d}"})
    assert confirmed.status == 200 and 'data-testid="backup-codes"' in confirmed.text
    assert browser.get("/").status == 200
    return browser


def test_it_serves_every_area_with_its_assets_under_the_production_settings(server, admin):
    plain = Browser(server.port)
    # The proxy's https is trusted; without it the app redirects to https (SECURE_SSL_REDIRECT).
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", "/accounts/login/", headers={"Host": f"127.0.0.1:{server.port}"})
    insecure = connection.getresponse()
    assert insecure.status == 301 and insecure.getheader("location", "").startswith("https://")

    browser = admin
    for path in PAGES:
        response = browser.get(path)
        assert response.status == 200, (path, response.status, response.text[:300])
        assert response.headers.get("strict-transport-security"), path
        assert "content-security-policy" in response.headers, path

    home = browser.get("/").text
    assets = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', home)
    assert len(assets) >= 5, assets
    for asset in assets:
        # The manifest names each file by its content hash: bootstrap.min.<hash>.css
        assert re.search(r"\.[0-9a-f]{12}\.(css|js)$", asset), asset
        response = plain.get(asset)
        kind = "text/css" if asset.endswith(".css") else "javascript"
        assert response.status == 200 and kind in response.headers["content-type"], asset
        assert "max-age" in response.headers.get("cache-control", ""), asset

    schema = browser.get("/api/schema/")
    assert schema.status == 200 and b"/api/v1/roster-imports/" in schema.body
    assert plain.get("/healthz").status == 200
    ready = plain.get("/readyz")
    assert ready.status == 200, ready.text
    assert json.loads(ready.body)["status"] == "ok"
    metrics = plain.get("/metrics")
    assert metrics.status == 200
    assert b"django_http_requests_total_by_view_transport_method" in metrics.body
    assert b"safeserve_task_queue_depth" in metrics.body


def test_it_imports_a_roster_through_the_worker_and_logs_json(server, admin):
    browser = admin
    content = roster_bytes(
        [["西湖区北山街道办事处", "街道", None, "330106004", None, None]],
        [["beishan_officer", "北山", None, "西湖区北山街道办事处", "经办人"]],
    )
    response = browser.post_file("/setup/roster/", "file", "名册.xlsx", content)
    assert response.status == 302, response.text[:500]
    job = response.headers["location"]
    deadline = time.monotonic() + 90
    while True:
        page = browser.get(job).text
        status = re.search(r'data-status="(\w+)"', page)
        assert status, page[:500]
        if status.group(1) in ("succeeded", "failed", "error"):
            break
        assert time.monotonic() < deadline, "the worker did not run the roster import"
        time.sleep(0.5)
    assert status.group(1) == "succeeded", page
    setup = browser.get("/setup/").text
    assert "北山街道" in setup and "西湖区北山街道办事处" in setup

    lines = [
        json.loads(line)
        for log in server.logs.glob("*-gunicorn.log")
        for line in log.read_text().splitlines()
        if line.startswith("{")
    ]
    requests = [line for line in lines if line.get("event") == "request"]
    assert requests and all({"route", "status", "duration_ms"} <= set(r) for r in requests)
    assert any(r.get("user_id") and r.get("county_id") for r in requests)
    assert not [line for line in lines if line.get("level") in ("error", "critical")], lines
    assert server.password not in json.dumps(lines)
    all_logs = "".join(log.read_text() for log in server.logs.iterdir())
    assert "Traceback" not in all_logs


@pytest.mark.browser
def test_the_login_page_is_styled_and_the_console_is_clean_in_chromium(server):
    from playwright.sync_api import sync_playwright

    from safeserve.common.tests.browser import CHROMIUM_ARGS

    problems: list[str] = []
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = chromium.new_context(extra_http_headers={"X-Forwarded-Proto": "https"})
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on(
            "response",
            lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )
        page.goto(f"http://127.0.0.1:{server.port}/accounts/login/")
        page.wait_for_load_state("networkidle")
        button: Any = page.locator("button[type=submit]").first
        background = button.evaluate("b => getComputedStyle(b).backgroundColor")
        font = page.evaluate("getComputedStyle(document.body).fontFamily")
        chromium.close()
    assert background == "rgb(13, 110, 253)"  # Bootstrap's primary blue: the CSS applied
    assert "system-ui" in font or "apple-system" in font
    assert problems == []
