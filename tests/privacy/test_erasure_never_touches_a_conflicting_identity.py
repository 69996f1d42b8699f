"""An erasure acts only on chats that are the person's own: a match whose identifiers disagree,
or that agrees on a phone or a name alone, is a candidate until a manager confirms that chat."""

from typing import Any

import pytest
from rest_framework.test import APIClient

from chats.models import Chat, Customer, Message
from records.models import Record, RecordStatus
from retention.models import Tombstone
from tests.factories import make_chat
from tests.retention.conftest import NOW

pytestmark = pytest.mark.django_db

HER = {"email": "ana.person@example.com", "name": "Ana Person", "phone": "+1 416 555 0142"}


def _chat(customer: dict[str, Any]) -> Chat:
    from records.services import records_declare

    chat = make_chat(
        started_at="2016-03-01T10:00:00+00:00", country="US", region="", customer=customer
    )
    records_declare(now=NOW)
    return chat


def _state(chat: Chat) -> tuple[Any, ...]:
    record = Record.objects.get(chat=chat)
    customer = Customer.objects.get(chats=Chat.objects.get(pk=chat.pk))
    return (
        record.status,
        list(Message.objects.filter(chat=chat).values_list("text", flat=True)),
        (customer.name, customer.email, customer.phone),
        Tombstone.objects.filter(record_id_value=record.pk).exists(),
    )


def _erasure(api: APIClient, **identity: str) -> dict[str, Any]:
    response = api.post(
        "/api/v1/subject-requests/",
        {"kind": "erasure", "jurisdiction": "US", **identity},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def _match(detail: dict[str, Any], chat: Chat) -> dict[str, Any]:
    (match,) = [m for m in detail["matches"] if m["chat"] == chat.pk]
    return match


def test_erasure_never_touches_a_conflicting_identity(
    file_plan: None, manager_api: APIClient
) -> None:
    hers = _chat({"external_id": "ana-1", **HER, "phone": "(416) 555-0142"})
    # Another customer sharing her phone number (a household line): different name and email.
    other = _chat(
        {
            "external_id": "bea-1",
            "name": "Bea Other",
            "email": "bea@example.com",
            "phone": HER["phone"],
        }
    )
    before = _state(other)

    detail = _erasure(manager_api, **HER)
    mine = _match(detail, hers)
    assert sorted(mine["match_basis"]) == ["email", "name", "phone"]
    assert mine["conflicts"] == []
    assert mine["confirmed"] is True
    theirs = _match(detail, other)
    assert theirs["chat_external_id"] == other.external_id
    assert theirs["match_basis"] == ["phone"]
    assert sorted(theirs["conflicts"]) == ["email", "name"]
    assert theirs["confirmed"] is False

    result = manager_api.post(f"/api/v1/subject-requests/{detail['id']}/erase/").json()
    by_chat = {item["chat"]: item for item in result["items"]}
    assert by_chat[hers.pk]["outcome"] == "erased"
    assert (by_chat[other.pk]["outcome"], by_chat[other.pk]["reason"]) == ("kept", "not_confirmed")
    assert {item["outcome"] for item in result["items"]} <= {"erased", "kept"}
    assert _state(other) == before
    assert Record.objects.get(chat=hers).status == RecordStatus.DISPOSED


@pytest.mark.parametrize(
    ("customer", "request_identity", "basis", "conflicts"),
    [
        # Twins: the same email (a shared family address), another first name.
        (
            {"name": "Ina Person", "email": HER["email"], "phone": ""},
            HER,
            ["email"],
            ["name"],
        ),
        # The same customer id in the source system, another email.
        (
            {"name": "", "email": "someone@else.com", "phone": ""},
            {"customer_id": "ana-7", "email": HER["email"]},
            ["customer_id"],
            ["email"],
        ),
        # Phone alone agrees, nothing disagrees: still only a candidate.
        ({"name": "", "email": "", "phone": "416.555.0142"}, HER, ["phone"], []),
        # Name alone (normalised: case, accents, spaces), nothing disagrees: a candidate.
        (
            {"name": "  ANA   Pérson ", "email": "", "phone": ""},
            {"name": "Ana Person"},
            ["name"],
            [],
        ),
    ],
)
def test_a_conflict_or_a_phone_or_name_alone_is_only_a_candidate_until_confirmed_by_id(
    file_plan: None,
    manager_api: APIClient,
    customer: dict[str, Any],
    request_identity: dict[str, str],
    basis: list[str],
    conflicts: list[str],
) -> None:
    chat = _chat({"external_id": "ana-7", **customer})
    before = _state(chat)
    detail = _erasure(manager_api, **request_identity)
    match = _match(detail, chat)
    assert (sorted(match["match_basis"]), sorted(match["conflicts"]), match["confirmed"]) == (
        basis,
        conflicts,
        False,
    )
    result = manager_api.post(f"/api/v1/subject-requests/{detail['id']}/erase/").json()
    assert [(i["chat"], i["outcome"], i["reason"]) for i in result["items"]] == [
        (chat.pk, "kept", "not_confirmed")
    ]
    assert _state(chat) == before

    # A manager confirms that chat by id (or by its external id); then it is erased.
    body = {"chat": chat.pk} if conflicts else {"chat_external_id": chat.external_id}
    confirmed = manager_api.post(
        f"/api/v1/subject-requests/{detail['id']}/confirm/", body, format="json"
    )
    assert confirmed.status_code == 200, confirmed.content
    assert _match(confirmed.json(), chat)["confirmed"] is True
    result = manager_api.post(f"/api/v1/subject-requests/{detail['id']}/erase/").json()
    assert [(i["chat"], i["outcome"]) for i in result["items"]] == [(chat.pk, "erased")]
    assert Record.objects.get(chat=chat).status == RecordStatus.DISPOSED


def test_the_same_person_with_two_customer_rows_is_found_twice_and_confirmed(
    file_plan: None, manager_api: APIClient
) -> None:
    first = _chat({"external_id": "ana-a", **HER})
    second = make_chat(
        source="phone-system",
        started_at="2016-04-01T10:00:00+00:00",
        country="US",
        region="",
        customer={"external_id": "A-55", "name": "ana person", "email": "ANA.PERSON@example.com"},
    )
    from records.services import records_declare

    records_declare(now=NOW)
    detail = _erasure(manager_api, **HER)
    assert _match(detail, first)["confirmed"] is True
    assert sorted(_match(detail, second)["match_basis"]) == ["email", "name"]
    assert _match(detail, second)["confirmed"] is True


def test_confirming_refuses_unknown_chats_and_mentions_and_changes_nothing(
    file_plan: None, manager_api: APIClient
) -> None:
    chat = _chat({"external_id": "x-1", "name": "", "email": "", "phone": HER["phone"]})
    mention = make_chat(
        messages=[
            {"sender": "customer", "sent_at": "2025-03-01T14:02:11Z", "text": f"ask {HER['email']}"}
        ]
    )
    detail = _erasure(manager_api, **HER)
    url = f"/api/v1/subject-requests/{detail['id']}/confirm/"
    for body in (
        {"chat": 999999},
        {"chat_external_id": "nope"},
        {},
        {"chat": mention.pk},
        {"chat": "abc"},
    ):
        response = manager_api.post(url, body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert "message" in response.json()
    after = manager_api.get(f"/api/v1/subject-requests/{detail['id']}/").json()
    assert not any(m["confirmed"] for m in after["matches"])
    assert _match(after, chat)["match_basis"] == ["phone"]
