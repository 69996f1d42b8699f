"""The data migrations that take customer identity out of ids and webhook bodies (issue #13)."""

import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("chats", "0005_tags_redacted"), ("integrations", "0002_inboundevent")]
AFTER = [
    ("chats", "0006_customer_ids_not_identity"),
    ("integrations", "0003_h5_delivery_chat_ref"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def _latest_schema_after():
    """Leaves the database at the latest migrations, as every later test expects."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_latest_schema_after")
def test_customers_stored_under_their_identity_get_an_opaque_id_everywhere() -> None:
    old = _migrate(BEFORE)
    Customer = old.get_model("chats", "Customer")
    HistoricalCustomer = old.get_model("chats", "HistoricalCustomer")
    Chat = old.get_model("chats", "Chat")
    Survey = old.get_model("chats", "Survey")
    Subscription = old.get_model("integrations", "WebhookSubscription")
    Delivery = old.get_model("integrations", "WebhookDelivery")
    by_email = Customer.objects.create(
        source="s", external_id="zq@example.org", email="ZQ@example.org"
    )
    kept = Customer.objects.create(source="s", external_id="c-1", email="other@example.org")
    HistoricalCustomer.objects.create(
        id=by_email.pk,
        source="s",
        external_id="zq@example.org",
        email="ZQ@example.org",
        created_at=by_email.created_at,
        history_date=by_email.created_at,
        history_type="+",
    )
    chat = Chat.objects.create(
        source="s",
        external_id="chat-1",
        started_at=by_email.created_at,
        customer=by_email,
        redacted_at=by_email.created_at,
        redaction_version="pii-1.1",
    )
    Survey.objects.create(
        chat=chat, answers={"Zelphine, happy?": "yes"}, answers_redacted={"Zelphine, happy?": "yes"}
    )
    subscription = Subscription.objects.create(name="crm", url="https://crm.example.com", events=[])
    body = {"data": {"chat": {"id": chat.pk, "customer_external_id": "zq@example.org"}}}
    delivery = Delivery.objects.create(
        subscription=subscription,
        event="chat.closed",
        event_id="00000000-0000-0000-0000-000000000001",
        body=json.dumps(body),
    )

    new = _migrate(AFTER)
    Customer = new.get_model("chats", "Customer")
    customer = Customer.objects.get(pk=by_email.pk)
    assert customer.external_id.startswith("anon-")
    assert Customer.objects.get(pk=kept.pk).external_id == "c-1"
    history = new.get_model("chats", "HistoricalCustomer").objects.get(id=by_email.pk)
    assert history.external_id == customer.external_id
    chat = new.get_model("chats", "Chat").objects.get(pk=chat.pk)
    assert chat.redaction_version == ""  # re-redacted by redact_chats --rerun-outdated
    assert chat.tags_redacted is None
    survey = new.get_model("chats", "Survey").objects.get(chat_id=chat.pk)
    assert survey.answers_redacted == {"Question 1": "yes"}
    delivery = new.get_model("integrations", "WebhookDelivery").objects.get(pk=delivery.pk)
    assert delivery.chat_ref == chat.pk
    assert "zq@example.org" not in delivery.body.lower()
    assert json.loads(delivery.body)["data"]["chat"]["customer_external_id"] == customer.external_id
