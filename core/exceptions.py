from typing import Any


class ApplicationError(Exception):
    """A business rule said no. Mapped to {"message", "extra"} with a 4xx status by the API."""

    status_code = 400

    def __init__(self, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class NotFoundError(ApplicationError):
    status_code = 404


class ConflictError(ApplicationError):
    status_code = 409
