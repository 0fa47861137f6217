"""The one domain error every service raises when a rule refuses an action."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A business rule refused the action.

    ``code`` is stable snake_case for API clients; ``message`` is translated text that says
    what was wrong and what to do; ``errors`` optionally maps field names to messages.
    The API answers 409 (or ``status`` when given); the UI shows the message.
    """

    status = 409

    def __init__(
        self,
        code: str,
        message: Any,
        *,
        errors: dict[str, list[Any]] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.errors = errors or {}
        if status is not None:
            self.status = status
