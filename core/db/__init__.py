"""Dialect plumbing: everything that differs between PostgreSQL and SQLite, and every raw
statement the services need, behind functions named after what they do."""

from core.db.any_of import any_of, any_of_texts, pg_bigint_array, sql_any_of
from core.db.concurrency import parallel_writers
from core.db.copy import (
    ids_allocate,
    rows_insert,
    tables_analyze_after_bulk,
    tables_vacuum_after_bulk,
)
from core.db.dialect import is_postgresql
from core.db.durability import commit_durability_relax
from core.db.epoch import epoch_microseconds, epoch_microseconds_of
from core.db.history import history_copy, history_model_of, history_write, values_getter
from core.db.insert_select import (
    column_update_from_map,
    rows_delete_set_based,
    rows_insert_from_select,
)
from core.db.texts import column_texts_set
from core.db.writers import writer_processes_allowed, writer_processes_default

__all__ = [
    "any_of",
    "any_of_texts",
    "column_texts_set",
    "column_update_from_map",
    "commit_durability_relax",
    "epoch_microseconds",
    "epoch_microseconds_of",
    "history_copy",
    "history_model_of",
    "history_write",
    "ids_allocate",
    "is_postgresql",
    "parallel_writers",
    "pg_bigint_array",
    "rows_delete_set_based",
    "rows_insert",
    "rows_insert_from_select",
    "sql_any_of",
    "tables_analyze_after_bulk",
    "tables_vacuum_after_bulk",
    "values_getter",
    "writer_processes_allowed",
    "writer_processes_default",
]
