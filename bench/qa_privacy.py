"""Figures for the QA queue and data-subject requests: sample_qa_reviews over N declared records,
and a DSR search + erasure against that many chats.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chatrecords_bench \
        .venv/bin/python bench/qa_privacy.py --chats 5000

Uses its own chats (source "bench-qa"); re-running adds a fresh set.
"""

import argparse
import time
import uuid
from datetime import UTC, datetime, timedelta

import _bootstrap

_bootstrap.setup()

from django.contrib.auth.models import User  # noqa: E402

from chats.interchange import chat_payload_from_dict  # noqa: E402
from chats.services.import_batch import chats_import_batch  # noqa: E402
from privacy.services.erasure import subject_request_erase  # noqa: E402
from privacy.services.requests import subject_request_create  # noqa: E402
from qa.services import qa_reviews_sample  # noqa: E402
from records.file_plan import file_plan_seed  # noqa: E402
from records.services import records_declare  # noqa: E402

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def _chat(run: str, n: int) -> dict[str, object]:
    started = datetime(2016 + n % 10, 1 + n % 12, 1 + n % 28, 10, tzinfo=UTC)
    country = ("CA", "US", "")[n % 3]
    return {
        "external_id": f"{run}-{n}",
        "source": "bench-qa",
        "started_at": started.isoformat(),
        "ended_at": (started + timedelta(minutes=12)).isoformat(),
        "country": country,
        "customer": {
            "external_id": f"{run}-c{n % 500}",
            "email": f"person{n % 500}-{run}@example.com",
            "phone": "",
        },
        "agents": [{"external_id": "a-1", "name": "Agent"}],
        "messages": [
            {"sender": "customer", "sent_at": started.isoformat(), "text": "my order is late"},
            {
                "sender": "agent",
                "agent_external_id": "a-1",
                "sent_at": started.isoformat(),
                "text": "Sorry, checking now",
            },
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chats", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=0.05)
    args = parser.parse_args()
    run = uuid.uuid4().hex[:8]
    file_plan_seed()
    payloads = [chat_payload_from_dict(_chat(run, n)) for n in range(args.chats)]
    for start in range(0, len(payloads), 1000):
        chats_import_batch(payloads=payloads[start : start + 1000])
    records_declare(now=NOW)

    clock = time.perf_counter()
    counts = qa_reviews_sample(now=NOW, rate=args.rate)
    elapsed = time.perf_counter() - clock
    print(f"sample_qa_reviews: {counts} in {elapsed:.2f}s")

    manager, _ = User.objects.get_or_create(username="bench-manager")
    clock = time.perf_counter()
    request = subject_request_create(
        kind="erasure", jurisdiction="US", email=f"person7-{run}@example.com", created_by=manager
    )
    created = time.perf_counter() - clock
    clock = time.perf_counter()
    result = subject_request_erase(request=request, erased_by=manager, now=NOW)
    erased = time.perf_counter() - clock
    print(
        f"DSR create+search over {args.chats} chats: {created:.2f}s; erase: {erased:.2f}s "
        f"{result['counts']}"
    )


if __name__ == "__main__":
    main()
