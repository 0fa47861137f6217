"""Container health check (deploy/Dockerfile HEALTHCHECK): GET /healthz from the gunicorn
in this container, the way the TLS proxy in front would send it.

The request must carry a host name from ALLOWED_HOSTS and `X-Forwarded-Proto: https`
(BEHIND_TLS_PROXY), or Django would refuse it (400) or redirect it to HTTPS (301).
Exit status 0 when the answer is 200, 1 otherwise. Standard library only.
"""

from __future__ import annotations

import http.client
import os
import socket
import sys


class _UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP over a Unix socket, for GUNICORN_BIND=unix:/path."""

    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


def host_header() -> str:
    """The first name in ALLOWED_HOSTS that can be sent as a Host header."""
    for name in os.environ.get("ALLOWED_HOSTS", "").split(","):
        name = name.strip().lstrip(".")  # ".example.gov.cn" also allows example.gov.cn
        if name and name != "*":
            return name
    return "localhost"


def connection(timeout: float = 5.0) -> http.client.HTTPConnection:
    """A connection to the first address in GUNICORN_BIND (as deploy/gunicorn.conf.py)."""
    bind = os.environ.get("GUNICORN_BIND", "").strip() or "127.0.0.1:8000"
    first = bind.split(",")[0].strip()
    if first.startswith("unix:"):
        return _UnixHTTPConnection(first.removeprefix("unix:"), timeout)
    host, _, port = first.rpartition(":")
    host = host.strip("[]")
    if host in {"", "0.0.0.0", "::"}:  # noqa: S104 - listening everywhere: ask locally
        host = "127.0.0.1" if host != "::" else "::1"
    return http.client.HTTPConnection(host, int(port or 8000), timeout=timeout)


def main() -> int:
    conn = connection()
    try:
        conn.request(
            "GET", "/healthz", headers={"Host": host_header(), "X-Forwarded-Proto": "https"}
        )
        status = conn.getresponse().status
    except OSError as exc:
        print(f"healthcheck: {exc}", file=sys.stderr)
        return 1
    finally:
        conn.close()
    if status != 200:
        print(f"healthcheck: /healthz answered {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
