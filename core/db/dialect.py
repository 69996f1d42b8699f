"""Which database we talk to. The only place that reads `connection.vendor`: everything that
differs between PostgreSQL and SQLite lives in `core/db/`, behind a function named after what it
does, so services read as the business rule."""

from django.db import connection


def is_postgresql(vendor: str | None = None) -> bool:
    """True on PostgreSQL (production); False on SQLite (the zero-configuration default)."""
    return (vendor or connection.vendor) == "postgresql"
