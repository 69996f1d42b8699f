"""Commit durability for work that can be redone: a bulk import may be acknowledged before its
write-ahead log reaches the disk."""

from django.db import connection

from core.db.dialect import is_postgresql


def commit_durability_relax() -> None:
    """Lets PostgreSQL acknowledge the current transaction's commit before its WAL is flushed
    (`SET LOCAL synchronous_commit TO OFF`, so only this transaction); a no-op elsewhere.

    Only for work that is idempotent: a crash can lose the last transactions, never corrupt
    them, and redoing the work puts back exactly what was lost.
    """
    if is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
