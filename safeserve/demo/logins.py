"""What every demo login shares (DESIGN.md §6), and where the demo is served."""

DEMO_PASSWORD = "demo-Pass-2026"  # noqa: S105 — published demo credential (DESIGN.md §6)
# `make demo` serves here: the printed notices' QR codes point at it.
DEMO_SITE_URL = "http://127.0.0.1:8000/"
