#!/usr/bin/env python
"""Import CPU per chat: the importing process's and its PostgreSQL backend's, apart.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chatrecords_bench \\
        .venv/bin/python bench/import_cpu.py [--chats 5000] [--messages 12]

The same generated chats as bench/import_bench.py, imported in this process (one worker, so
the backend is one process whose CPU /proc shows): CPU microseconds per chat of Python
(`time.process_time`), of the backend (utime + stime of pg_backend_pid), and the garbage
collector's share of the Python time. On a shared machine CPU times are steadier than wall
times; compare two checkouts by alternating runs. Post-import hooks are disconnected.
"""

import argparse
import gc
import json
import os
import time

import _bootstrap


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chats", type=int, default=5000)
    parser.add_argument("--messages", type=int, default=12)
    args = parser.parse_args()
    _bootstrap.setup()

    from django.db import connection

    from chats.hooks import chats_imported
    from chats.samples import sample_chats
    from chats.services.import_stream import chats_import_lines

    if connection.vendor != "postgresql":
        raise SystemExit("needs PostgreSQL (the backend's CPU is read from /proc)")
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE chats_chat, chats_message, chats_survey, chats_customer, chats_agent, "
            "chats_chat_agents, chats_historicalchat, chats_historicalcustomer, "
            "chats_historicalagent RESTART IDENTITY CASCADE"
        )
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    lines = [
        (json.dumps(chat, ensure_ascii=False) + "\n").encode()
        for chat in sample_chats(args.chats, messages_per_chat=args.messages, source="bench")
    ]
    for receiver in chats_imported.receivers:
        chats_imported.disconnect(receiver)

    def backend_cpu() -> float:
        with open(f"/proc/{backend}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    collecting = {"since": 0.0, "total": 0.0}

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            collecting["since"] = time.process_time()
        else:
            collecting["total"] += time.process_time() - collecting["since"]

    gc.callbacks.append(on_gc)
    backend_before, python_before = backend_cpu(), time.process_time()
    started = time.perf_counter()
    summary = chats_import_lines(lines=lines, on_reject=lambda *_: None, workers=1)
    wall = time.perf_counter() - started
    python, server = time.process_time() - python_before, backend_cpu() - backend_before
    gc.callbacks.remove(on_gc)
    if summary.imported != args.chats:
        raise SystemExit(f"imported {summary.imported} of {args.chats} chats")
    per_chat = 1e6 / args.chats
    print(
        f"per chat: python {python * per_chat:.0f} us (gc {collecting['total'] * per_chat:.0f}),"
        f" backend {server * per_chat:.0f} us, together {(python + server) * per_chat:.0f} us;"
        f" wall {wall * per_chat:.0f} us"
    )


if __name__ == "__main__":
    main()
