"""Shared start-up for the benchmarks: Django set up against DATABASE_URL, schema migrated.

Benchmarks default to a scratch PostgreSQL database so they never touch the demo data:
DATABASE_URL=postgres://postgres@127.0.0.1:5432/chatrecords_bench unless set.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/chatrecords_bench")
os.environ.setdefault("DJANGO_DEBUG", "false")


def _ensure_postgres_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def setup() -> None:
    """Sets Django up and migrates the benchmark database."""
    _ensure_postgres_database(os.environ["DATABASE_URL"])
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


# What a redaction benchmark resets between its timed runs.
REDACTION_LAYER_TABLES = ("chats_chat", "chats_message", "chats_survey", "redaction_redactionlog")


def vacuum_analyze(*tables: str) -> None:
    """Clears the dead rows a benchmark's reset left, so that autovacuum does not start on a
    large table in the middle of whichever timed run comes next (PostgreSQL only)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")


def banner(title: str) -> None:
    from django.db import connection

    print(f"== {title} ({connection.vendor}, {os.cpu_count()} cores)")
