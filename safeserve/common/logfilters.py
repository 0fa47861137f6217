"""Filters on the log handler (settings.LOGGING), importable before the apps load."""

from __future__ import annotations

import logging


class RedactPaths(logging.Filter):
    """Django's own request and security loggers put the request path in their messages
    ("Forbidden (CSRF cookie not set.): /n/12/<token>/", "Internal Server Error: /…"). The
    path may carry a notice link's token or a search for a person, so it is replaced by a
    dash; the request's own log line names the route instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(("django.request", "django.security")) and record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(
                "-" if isinstance(arg, str) and arg.startswith("/") else arg for arg in args
            )
        return True
