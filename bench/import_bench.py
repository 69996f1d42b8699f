#!/usr/bin/env python
"""Import throughput: N generated chats through import_chats' code path, compared with COPY.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chatrecords_bench \\
        .venv/bin/python bench/import_bench.py [--chats 20000] [--messages 12]

Prints chats/s and messages/s of the real import (validation, country inference, bulk inserts,
history rows, the kept source documents), then the time PostgreSQL COPY takes to load the same
chat and message rows into scratch tables, and the ratio of the two. Target: ≥ 1,500 chats/s and
≥ 25% of the COPY rate. With `--update-share S` (default 0.1) the file is then imported again
with a share S of its chats in a later, fuller copy (one more message, a later end): the SPEC §3
update path, reported as its own rate (the rest of the file is "already present").
"""

import argparse
import json
import time

import _bootstrap


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chats", type=int, default=20_000)
    parser.add_argument("--messages", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--workers", type=int, default=None, help="default: as import_chats")
    parser.add_argument("--update-share", type=float, default=0.1)
    args = parser.parse_args()
    _bootstrap.setup()

    from django.db import connection

    from chats.hooks import chats_imported
    from chats.interchange import chat_payload_from_line
    from chats.samples import sample_chats
    from chats.services.import_pool import import_workers_default
    from chats.services.import_stream import chats_import_lines

    _bootstrap.banner(f"import: {args.chats} chats x {args.messages} messages")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "TRUNCATE chats_chat, chats_message, chats_survey, chats_customer, chats_agent, "
                "chats_chat_agents, chats_historicalchat, chats_historicalcustomer, "
                "chats_historicalagent RESTART IDENTITY CASCADE"
            )
    lines = [
        (json.dumps(chat, ensure_ascii=False) + "\n").encode()
        for chat in sample_chats(args.chats, messages_per_chat=args.messages, source="bench")
    ]
    # Measure the import alone: post-import hooks (redaction, webhooks) are benchmarked elsewhere.
    for receiver in chats_imported.receivers:
        chats_imported.disconnect(receiver)

    rejected: list[int] = []
    started = time.perf_counter()
    summary = chats_import_lines(
        lines=lines,
        on_reject=lambda number, raw, error: rejected.append(number),
        batch_size=args.batch_size,
        workers=args.workers or import_workers_default(),
    )
    elapsed = time.perf_counter() - started
    chats_per_s = summary.imported / elapsed
    messages_per_s = summary.messages / elapsed
    print(
        f"imported {summary.imported} chats, {summary.messages} messages, "
        f"rejected {len(rejected)} in {elapsed:.2f} s"
    )
    print(f"import: {chats_per_s:,.0f} chats/s, {messages_per_s:,.0f} messages/s")
    if args.update_share > 0:
        _reimport_with_updates(lines, args, chats_import_lines, import_workers_default)

    if connection.vendor != "postgresql":
        print("COPY comparison needs PostgreSQL: skipped on", connection.vendor)
        return
    payloads = [chat_payload_from_line(line) for line in lines]
    copy_elapsed = _copy_same_rows(connection, payloads)
    copy_chats_per_s = len(payloads) / copy_elapsed
    print(
        f"COPY of the same chat and message rows: {copy_elapsed:.2f} s, "
        f"{copy_chats_per_s:,.0f} chats/s"
    )
    print(f"import rate / COPY rate = {chats_per_s / copy_chats_per_s:.2f}")


def _later_copy(line: bytes) -> bytes:
    chat = json.loads(line)
    last = chat["messages"][-1] if chat["messages"] else {"sent_at": chat["started_at"]}
    chat["messages"].append(
        {"sender": "agent", "sent_at": last["sent_at"], "text": "Anything else?"}
    )
    chat["ended_at"] = chat.get("ended_at") or last["sent_at"]
    return (json.dumps(chat, ensure_ascii=False) + "\n").encode()


def _reimport_with_updates(lines, args, chats_import_lines, import_workers_default) -> None:
    """The same file again, a share of its chats in a later, fuller copy."""
    every = max(1, round(1 / args.update_share))
    again = [_later_copy(line) if n % every == 0 else line for n, line in enumerate(lines)]
    started = time.perf_counter()
    summary = chats_import_lines(
        lines=again,
        on_reject=lambda number, raw, error: None,
        batch_size=args.batch_size,
        workers=args.workers or import_workers_default(),
    )
    elapsed = time.perf_counter() - started
    updated = getattr(summary, "updated", 0)
    print(
        f"re-import with a share {args.update_share:g} of later copies: updated {updated}, "
        f"already present {summary.already_present} in {elapsed:.2f} s, "
        f"{len(again) / elapsed:,.0f} chats/s"
    )


def _copy_same_rows(connection, payloads) -> float:
    """COPY chat and message rows (the same values the import stores) into scratch tables."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy_chat, bench_copy_message")
        cursor.execute("CREATE TABLE bench_copy_chat (LIKE chats_chat INCLUDING ALL)")
        cursor.execute("CREATE TABLE bench_copy_message (LIKE chats_message INCLUDING ALL)")
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'chats_message'"
        )
        # the message fields of SPEC §3 (source id, visibility, attachments), when migrated
        with_fields = "visibility" in {row[0] for row in cursor.fetchall()}
    raw = connection.connection
    started = time.perf_counter()
    with raw.cursor() as cursor:
        with cursor.copy(
            "COPY bench_copy_chat (id, source, external_id, started_at, ended_at, language, "
            "country, region, country_source, country_confidence, tags, imported_at, "
            "redaction_version, content_sha256, redacted_sha256) FROM STDIN"
        ) as copy:
            for number, p in enumerate(payloads, start=1):
                copy.write_row(
                    (
                        number,
                        p.source,
                        p.external_id,
                        p.started_at,
                        p.ended_at,
                        p.language,
                        p.country,
                        p.region,
                        "unknown",
                        0.0,
                        json.dumps(list(p.tags)),
                        p.started_at,
                        "",
                        "",
                        "",
                    )
                )
        extra = ", external_id, visibility, attachments" if with_fields else ""
        with cursor.copy(
            "COPY bench_copy_message (chat_id, position, sender, author_name, sent_at, text"
            f"{extra}) FROM STDIN"
        ) as copy:
            for number, p in enumerate(payloads, start=1):
                for position, m in enumerate(p.messages):
                    row = (number, position, m.sender, m.author, m.sent_at, m.text)
                    if with_fields:
                        row = (*row, m.external_id, m.visibility, "[]")
                    copy.write_row(row)
    raw.commit()
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_copy_chat, bench_copy_message")
    return elapsed


if __name__ == "__main__":
    main()
