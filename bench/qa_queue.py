"""The QA queue page at scale (issue #19): seeds set-based, then times GET /qa/ and EXPLAIN
ANALYZEs its queries and "review next" on PostgreSQL.

    createdb -U postgres -h 127.0.0.1 chatrecords_qa && \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chatrecords_qa .venv/bin/python \
        bench/qa_queue.py --seed [--records 200000]

Seeding (INSERT … SELECT from generate_series, not timed): N chats (every 5th of unknown
country) and their records, 49% live (active or flagged) and the rest disposed or anonymised;
a QA review for 3 in 10 records, 5 in 6 of them pending: at 200,000 records, 60,000 reviews,
50,000 pending of which 46,000 are of live records. Without --seed it measures what is there.
"""

import argparse
import statistics
import time

import _bootstrap

_bootstrap.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

SEED = """
INSERT INTO chats_chat (source, external_id, started_at, ended_at, language, country, region,
    country_source, country_confidence, tags, imported_at, redaction_version, content_sha256,
    redacted_sha256)
SELECT 'bench-qa', 'q-' || g, now() - g * interval '1 minute',
    now() - g * interval '1 minute' + interval '5 minutes', 'en',
    CASE WHEN g % 5 = 0 THEN '' ELSE 'US' END, '', 'source_system',
    CASE WHEN g % 5 = 0 THEN 0 ELSE 0.9 END, '[]', now(), '', '', ''
FROM generate_series(1, {n}) g;
INSERT INTO records_record (declared_at, jurisdiction, trigger, status, flag_reason, chat_id,
    record_class_id, transcript_sha256, review_decision)
SELECT now(), 'US', 'chat_end', 'active', '', c.id,
    (SELECT min(id) FROM records_recordclass), '', ''
FROM chats_chat c WHERE c.source = 'bench-qa';
UPDATE records_record SET status = CASE
    WHEN id % 10 < 3 THEN (CASE WHEN (id * 7919) % 100 < 10 THEN 'disposed'
        WHEN (id * 7919) % 100 < 25 THEN 'flagged' ELSE 'active' END)
    ELSE (CASE WHEN (id * 7919) % 100 < 25 THEN 'disposed'
        WHEN (id * 7919) % 100 < 50 THEN 'anonymized'
        WHEN (id * 7919) % 100 < 60 THEN 'flagged' ELSE 'active' END) END
WHERE chat_id IN (SELECT id FROM chats_chat WHERE source = 'bench-qa');
INSERT INTO qa_qareview (reason, status, queued_at, original_country, original_region,
    original_source, original_confidence, corrected_country, corrected_region,
    corrected_record_class, notes, record_id, record_live)
SELECT CASE WHEN r.id % 10 < 2 THEN 'unknown_country' ELSE 'low_confidence' END,
    CASE WHEN r.id % 6 = 0 THEN 'confirmed' ELSE 'pending' END,
    now() - (r.id % 5000) * interval '1 minute', 'US', '', 'source_system', 0.9, '', '', '', '',
    r.id, r.status IN ('active', 'flagged')
FROM records_record r JOIN chats_chat c ON c.id = r.chat_id
WHERE c.source = 'bench-qa' AND r.id % 10 < 3;
"""


def seed(records: int) -> None:
    call_command("seed_file_plan")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for statement in SEED.replace("{n}", str(int(records))).split(";"):
            if statement.strip():
                cursor.execute(statement)
        for table in ("chats_chat", "records_record", "qa_qareview"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"seeded {records} records in {time.perf_counter() - started:.1f} s")


def measure(requests: int) -> None:
    settings.ALLOWED_HOSTS = ["*"]
    user, _ = User.objects.get_or_create(username="bench-qa")
    user.groups.add(Group.objects.get_or_create(name="records_manager")[0])
    client = Client()
    client.force_login(user)
    client.get("/qa/")
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get("/qa/")
        timings.append((time.perf_counter() - started) * 1000)
    if response.status_code != 200:
        raise SystemExit(f"GET /qa/ answered {response.status_code}")
    timings.sort()
    line = response.content.decode().split("<p>", 1)[1].split("\n", 1)[0]
    p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
    print(f"GET /qa/ x{requests}: median {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms")
    print(f"  page says: {line}")
    with CaptureQueriesContext(connection) as queries:
        client.get("/qa/")
        client.get("/qa/next/")
    for query in queries.captured_queries:
        if "qa_qareview" not in query["sql"]:
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            plan = [row[0] for row in cursor.fetchall()]
        print("---", query["sql"][:140])
        print("\n".join(plan))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", action="store_true")
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    if args.seed:
        seed(args.records)
    measure(args.requests)


if __name__ == "__main__":
    main()
