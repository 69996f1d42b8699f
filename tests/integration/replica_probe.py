"""Run by test_read_replica.py in a process of its own, with DATABASE_URL on a primary cluster
and DATABASE_REPLICA_URL on its streaming standby (both started by the test): migrates the
primary, pauses the standby's replay, writes a chat the standby therefore cannot have, and
prints one JSON line saying where each read and write went.

    python tests/integration/replica_probe.py
"""

import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
REPLAY_TIMEOUT_S = 60.0


def _caught_up(connections: Any) -> None:
    """Waits until the standby has replayed everything the primary has written."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        target = cursor.fetchone()[0]
    deadline = time.monotonic() + REPLAY_TIMEOUT_S
    while time.monotonic() < deadline:
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return
        time.sleep(0.2)
    raise SystemExit("the standby did not catch up within 60 s")


def _chat(external_id: str) -> Any:
    from chats.models import Chat

    return Chat.objects.create(
        source="replica-probe",
        external_id=external_id,
        started_at=datetime(2026, 1, 5, tzinfo=UTC),
        ended_at=datetime(2026, 1, 5, 1, tzinfo=UTC),
        country="CA",
    )


def main() -> None:
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from chats.models import Chat
    from core.db.replica import replica_reads
    from core.roles import Role

    call_command("migrate", verbosity=0, interactive=False)  # the router: on default only
    before = _chat("before-pause")
    _caught_up(connections)
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        replica_in_recovery = cursor.fetchone()[0]
        cursor.execute("SELECT pg_wal_replay_pause()")
    # From here on the standby lacks every write: what a read sees tells where it went.
    with replica_reads():
        after = _chat("after-pause")  # a write inside a replica block: to default
        seen_in_block = sorted(
            Chat.objects.filter(source="replica-probe").values_list("external_id", flat=True)
        )
    seen_outside = sorted(
        Chat.objects.filter(source="replica-probe").values_list("external_id", flat=True)
    )

    # Over HTTP: a user and token created after the pause (identity reads stay on default).
    user = User.objects.create_user("replica-reader")
    user.groups.add(Group.objects.get(name=Role.RECORDS_MANAGER))
    token = Token.objects.create(user=user)
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    odata = client.get("/odata/Chats", {"$filter": "source eq 'replica-probe'"})
    api = client.get("/api/v1/chats/", {"source": "replica-probe"})

    write_refused = ""
    try:
        with connections["replica"].cursor() as cursor:
            cursor.execute("INSERT INTO chats_chat (source) VALUES ('x')")
    except Exception as error:  # the refusal's text is the result
        write_refused = str(error)
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_resume()")
    _caught_up(connections)
    with replica_reads():
        seen_after_resume = sorted(
            Chat.objects.filter(source="replica-probe").values_list("external_id", flat=True)
        )
    print(
        "PROBE "
        + json.dumps(
            {
                "replica_in_recovery": replica_in_recovery,
                "created": [before.external_id, after.external_id],
                "seen_in_replica_block": seen_in_block,
                "seen_outside": seen_outside,
                "odata_status": odata.status_code,
                "odata_ids": sorted(row["external_id"] for row in odata.json().get("value", [])),
                "api_status": api.status_code,
                "api_ids": sorted(row["external_id"] for row in api.json().get("results", [])),
                "replica_write_error": write_refused,
                "seen_after_resume": seen_after_resume,
            }
        )
    )


if __name__ == "__main__":
    main()
