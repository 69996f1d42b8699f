"""Issue #20 item 9: identity is not first-write-wins — a later chat that carries the name (or
e-mail, or phone) an earlier chat left empty fills it; it never overwrites a value."""

import pytest

from chats.models import Customer
from tests.factories import make_chat

pytestmark = pytest.mark.django_db


def test_a_later_chat_never_overwrites_a_stored_name_or_email() -> None:
    make_chat(customer={"external_id": "c-77", "name": "Ines Ortega", "email": "ines@example.org"})
    make_chat(customer={"external_id": "c-77", "name": "Someone Else", "email": "ines@example.org"})
    customer = Customer.objects.get(external_id="c-77")
    assert (customer.name, customer.email) == ("Ines Ortega", "ines@example.org")


def test_a_later_chat_fills_the_name_and_phone_an_earlier_one_left_empty() -> None:
    make_chat(customer={"external_id": "c-78", "name": "", "email": "pat@example.org"})
    make_chat(
        customer={
            "external_id": "c-78",
            "name": "Pat Kowalczyk",
            "email": "pat@example.org",
            "phone": "+1 416 555 0142",
        }
    )
    customer = Customer.objects.get(external_id="c-78")
    assert (customer.name, customer.phone) == ("Pat Kowalczyk", "+1 416 555 0142")
    assert customer.history.first().history_change_reason == "identity completed by a later chat"
