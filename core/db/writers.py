"""How many processes may write at once: PostgreSQL takes concurrent writers, SQLite has one."""

import os

from django.db import connection

from core.db.dialect import is_postgresql

# Validation is pure Python, so a second process parses while the first one's batch is stored;
# more than two buys little against one database.
PARALLEL_WRITERS_MAX = 2


def writer_processes_default() -> int:
    """Two writer processes on PostgreSQL (at most the cores there are); one elsewhere."""
    return min(PARALLEL_WRITERS_MAX, os.cpu_count() or 1) if is_postgresql() else 1


def writer_processes_allowed(wanted: int) -> int:
    """`wanted`, or 1 where processes cannot write in parallel: SQLite has one writer, and a
    caller's open transaction cannot span processes."""
    if not is_postgresql() or connection.in_atomic_block:
        return 1
    return wanted
