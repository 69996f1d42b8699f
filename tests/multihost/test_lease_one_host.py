"""The lease on claimed work, on one host (config/settings/base.py, core/batching.py): a session
silent in its transaction is ended by PostgreSQL after the lease, and a worker that runs out of
claimable work waits for what another session holds instead of leaving it to the next run."""

import threading
import time
from typing import Any

import psycopg
import pytest
from django.db import connection

from config.settings.base import postgres_session_lease
from core.batching import LockedWorkWait
from core.db import is_postgresql
from tests.faults.jobs import database_url
from tests.faults.scenarios import NOW, chats_seed


def test_wait_gives_up_after_twice_the_lease_and_restarts_on_progress() -> None:
    wait = LockedWorkWait(lease_s=0.2, label="test")
    assert wait.again(False) is False  # nothing left: no wait at all
    started = time.monotonic()
    while wait.again(True):
        pass
    assert 0.35 <= time.monotonic() - started < 1.5
    wait.progress()
    assert wait.again(True) is True  # a fresh wait after progress


def test_lease_options_bound_every_silence_by_the_lease() -> None:
    options = postgres_session_lease(300)
    assert "idle_in_transaction_session_timeout=300000" in str(options["options"])
    assert "tcp_user_timeout=300000" in str(options["options"])
    assert options["tcp_user_timeout"] == 300000
    # keepalives find a silent idle peer (idle + 3 probes) within the lease
    assert int(str(options["keepalives_idle"])) * 4 <= 300
    assert postgres_session_lease(1)["keepalives_idle"] == 1


@pytest.fixture
def postgres(transactional_db: None) -> None:
    if not is_postgresql():
        pytest.fail("the lease tests need PostgreSQL (DATABASE_URL=postgres://…)")


integration = pytest.mark.integration


@integration
def test_the_database_ends_a_session_silent_in_its_transaction(postgres: None) -> None:
    assert "idle_in_transaction_session_timeout" in str(
        connection.get_connection_params().get("options", "")
    )
    lease = postgres_session_lease(1)
    params: dict[str, Any] = dict(lease)
    with psycopg.connect(database_url(), **params) as silent:
        silent.execute("SELECT 1")  # opens the transaction
        time.sleep(1.6)
        with pytest.raises(psycopg.errors.IdleInTransactionSessionTimeout):
            silent.execute("SELECT 1")


@integration
def test_redaction_waits_for_a_chat_another_session_holds_and_then_redacts_it(
    postgres: None, settings: Any
) -> None:
    from chats.models import Chat
    from redaction.services import chats_redact

    settings.CLAIM_LEASE_SECONDS = 10
    chats_seed(6, seed=7, messages=2)
    held = Chat.objects.order_by("pk").values_list("pk", flat=True)[2]
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        with psycopg.connect(database_url()) as other:
            other.execute("SELECT id FROM chats_chat WHERE id = %s FOR UPDATE", (held,))
            locked.set()
            release.wait(10)
            other.rollback()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(10)
    threading.Timer(1.0, release.set).start()
    started = time.monotonic()
    counts = chats_redact(now=NOW, chunk_size=2)
    holder.join()
    assert counts.chats == 6  # the held chat too, once released
    assert time.monotonic() - started >= 0.9
    assert not Chat.objects.filter(redacted_at__isnull=True).exists()
