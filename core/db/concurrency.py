"""How many connections may write at once: PostgreSQL takes parallel writers (each claims its
own rows with SKIP LOCKED); SQLite has a single writer, so a job runs on one connection."""

from core.db.dialect import is_postgresql


def parallel_writers(requested: int) -> int:
    """`requested` on PostgreSQL, 1 elsewhere (and never fewer than 1)."""
    return max(1, requested) if is_postgresql() else 1
