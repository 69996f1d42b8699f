"""The full-text index beside SearchDocument, per database vendor.

PostgreSQL: a stored `search_vector` tsvector column (title weight A, keywords B, body C; English
or French configuration per row), a GIN index, and a trigger that recomputes it on every insert or
update, so ORM saves, bulk inserts and raw SQL all keep it current.

SQLite: an external-content FTS5 table (porter stemming, diacritics folded) kept in sync by
triggers. NB: Django rebuilds a SQLite table for most AlterField operations, which drops its
triggers; a later migration that alters SearchDocument must run `sqlite_forward` again.
"""

from django.db import migrations

TABLE = "knowledgebase_searchdocument"

POSTGRES_FORWARD = [
    f"ALTER TABLE {TABLE} ADD COLUMN search_vector tsvector",
    f"""
    CREATE FUNCTION {TABLE}_tsv() RETURNS trigger AS $$
    DECLARE cfg regconfig;
    BEGIN
      cfg := CASE WHEN NEW.language LIKE 'fr%' THEN 'pg_catalog.french'::regconfig
                  ELSE 'pg_catalog.english'::regconfig END;
      NEW.search_vector :=
           setweight(to_tsvector(cfg, coalesce(NEW.title, '')), 'A')
        || setweight(to_tsvector(cfg, replace(coalesce(NEW.keywords, ''), '|', ' ')), 'B')
        || setweight(to_tsvector(cfg, coalesce(NEW.body, '')), 'C');
      RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """,
    f"""
    CREATE TRIGGER {TABLE}_tsv_trigger
    BEFORE INSERT OR UPDATE OF title, keywords, body, language ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {TABLE}_tsv()
    """,
    f"CREATE INDEX {TABLE}_tsv_gin ON {TABLE} USING GIN (search_vector)",
]
POSTGRES_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {TABLE}_tsv_trigger ON {TABLE}",
    f"DROP FUNCTION IF EXISTS {TABLE}_tsv()",
    f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS search_vector",
]

FTS = "knowledgebase_searchfts"
SQLITE_FORWARD = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(
        title, keywords, body, content='{TABLE}', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    f"DROP TRIGGER IF EXISTS {FTS}_ai",
    f"DROP TRIGGER IF EXISTS {FTS}_ad",
    f"DROP TRIGGER IF EXISTS {FTS}_au",
    f"""CREATE TRIGGER {FTS}_ai AFTER INSERT ON {TABLE} BEGIN
        INSERT INTO {FTS}(rowid, title, keywords, body)
        VALUES (new.id, new.title, new.keywords, new.body); END""",
    f"""CREATE TRIGGER {FTS}_ad AFTER DELETE ON {TABLE} BEGIN
        INSERT INTO {FTS}({FTS}, rowid, title, keywords, body)
        VALUES ('delete', old.id, old.title, old.keywords, old.body); END""",
    f"""CREATE TRIGGER {FTS}_au AFTER UPDATE ON {TABLE} BEGIN
        INSERT INTO {FTS}({FTS}, rowid, title, keywords, body)
        VALUES ('delete', old.id, old.title, old.keywords, old.body);
        INSERT INTO {FTS}(rowid, title, keywords, body)
        VALUES (new.id, new.title, new.keywords, new.body); END""",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {FTS}_ai",
    f"DROP TRIGGER IF EXISTS {FTS}_ad",
    f"DROP TRIGGER IF EXISTS {FTS}_au",
    f"DROP TABLE IF EXISTS {FTS}",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return run


sqlite_forward = _run({"sqlite": SQLITE_FORWARD})


class Migration(migrations.Migration):
    dependencies = [("knowledgebase", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
