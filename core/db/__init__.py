"""Dialect plumbing: everything that differs between PostgreSQL and SQLite, and every raw
statement the services need, behind functions named after what they do."""

from core.db.any_of import any_of, pg_bigint_array, sql_any_of
from core.db.copy import ids_allocate, rows_insert, tables_analyze_after_bulk
from core.db.dialect import is_postgresql
from core.db.durability import commit_durability_relax
from core.db.history import history_model_of, history_write
from core.db.texts import column_texts_set
from core.db.writers import writer_processes_allowed, writer_processes_default

__all__ = [
    "any_of",
    "column_texts_set",
    "commit_durability_relax",
    "history_model_of",
    "history_write",
    "ids_allocate",
    "is_postgresql",
    "pg_bigint_array",
    "rows_insert",
    "sql_any_of",
    "tables_analyze_after_bulk",
    "writer_processes_allowed",
    "writer_processes_default",
]
