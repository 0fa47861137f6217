"""Prometheus counters that the services increment (scraped at /metrics, see
safeserve/operations). They live at the base of the chain so any context may count."""

from __future__ import annotations

from prometheus_client import Counter

LOGIN_FAILURES = Counter(
    "safeserve_login_failures_total",
    "Refused logins: wrong password, locked account or deactivated account.",
    ["channel", "result"],
)
