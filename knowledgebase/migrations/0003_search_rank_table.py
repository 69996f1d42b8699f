"""PostgreSQL: rank searches on a narrow table instead of the wide document rows.

A search that matches ~10% of a million-message corpus reads every matching row to rank it;
on `knowledgebase_searchdocument` each row also carries the title, keywords and body (≈1.2 kB),
so the scan touched about one heap page per match. `knowledgebase_searchrank` holds only what
ranking and the common filters need (document id, kind, country, date, tsvector), so the same
scan reads less than half the pages; documents are joined only for the page of results shown.

Triggers keep it in step with the documents on every write, delete and truncate (no foreign
key: Django's test flush truncates the document table on its own). SQLite is unchanged.
"""

from django.db import migrations

DOCS = "knowledgebase_searchdocument"
RANK = "knowledgebase_searchrank"

POSTGRES_FORWARD = [
    f"""CREATE TABLE {RANK} (
        document_id bigint PRIMARY KEY,
        kind varchar(8) NOT NULL,
        country varchar(2) NOT NULL,
        occurred_at timestamptz NOT NULL,
        search_vector tsvector NOT NULL
    )""",
    f"""CREATE FUNCTION {RANK}_sync() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        DELETE FROM {RANK} WHERE document_id = OLD.id;
        RETURN NULL;
      END IF;
      INSERT INTO {RANK} (document_id, kind, country, occurred_at, search_vector)
      VALUES (NEW.id, NEW.kind, NEW.country, NEW.occurred_at,
              coalesce(NEW.search_vector, ''::tsvector))
      ON CONFLICT (document_id) DO UPDATE
        SET kind = EXCLUDED.kind, country = EXCLUDED.country,
            occurred_at = EXCLUDED.occurred_at, search_vector = EXCLUDED.search_vector;
      RETURN NULL;
    END
    $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER {RANK}_sync_trigger
        AFTER INSERT OR UPDATE OR DELETE ON {DOCS}
        FOR EACH ROW EXECUTE FUNCTION {RANK}_sync()""",
    f"""CREATE FUNCTION {RANK}_truncate() RETURNS trigger AS $$
    BEGIN
      TRUNCATE {RANK};
      RETURN NULL;
    END
    $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER {RANK}_truncate_trigger
        AFTER TRUNCATE ON {DOCS}
        FOR EACH STATEMENT EXECUTE FUNCTION {RANK}_truncate()""",
    f"""INSERT INTO {RANK} (document_id, kind, country, occurred_at, search_vector)
        SELECT id, kind, country, occurred_at, coalesce(search_vector, ''::tsvector) FROM {DOCS}""",
    f"CREATE INDEX {RANK}_gin ON {RANK} USING GIN (search_vector)",
    f"CREATE INDEX {RANK}_occurred_at ON {RANK} (occurred_at)",
    # The wide table's GIN index is no longer read; dropping it halves the cost of each write.
    f"DROP INDEX IF EXISTS {DOCS}_tsv_gin",
    f"ANALYZE {RANK}",
]
POSTGRES_BACKWARD = [
    f"CREATE INDEX IF NOT EXISTS {DOCS}_tsv_gin ON {DOCS} USING GIN (search_vector)",
    f"DROP TRIGGER IF EXISTS {RANK}_truncate_trigger ON {DOCS}",
    f"DROP TRIGGER IF EXISTS {RANK}_sync_trigger ON {DOCS}",
    f"DROP FUNCTION IF EXISTS {RANK}_truncate()",
    f"DROP FUNCTION IF EXISTS {RANK}_sync()",
    f"DROP TABLE IF EXISTS {RANK}",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("knowledgebase", "0002_search_index")]

    operations = [migrations.RunPython(_run(POSTGRES_FORWARD), _run(POSTGRES_BACKWARD))]
