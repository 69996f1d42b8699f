"""core/db's any_of, core/batching's chunk loop and core/hooks' Hook."""

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import pytest

from chats.models import Chat
from core.batching import chunks_process, ids_after
from core.db import any_of, any_of_texts
from core.db.history import values_getter
from core.hooks import Hook
from tests.factories import make_chat


@pytest.mark.django_db
def test_any_of_matches_exactly_the_listed_ids_and_nothing_for_an_empty_list(
    django_assert_num_queries: Any,
) -> None:
    first, second, third = (make_chat(country="US", region="US-NY") for _ in range(3))
    chosen = Chat.objects.filter(any_of("pk", [first.pk, third.pk]))
    assert set(chosen.values_list("pk", flat=True)) == {first.pk, third.pk}
    with django_assert_num_queries(0):
        assert not Chat.objects.filter(any_of("pk", [])).exists()
        assert Chat.objects.filter(any_of("pk", [])).update(country="CA") == 0
    assert Chat.objects.exclude(any_of("pk", [])).count() == 3
    assert Chat.objects.exclude(any_of("pk", [first.pk])).count() == 2
    assert Chat.objects.filter(any_of("pk", [second.pk])).update(country="CA") == 1
    assert Chat.objects.get(pk=first.pk).country == "US"


@pytest.mark.django_db
def test_chunk_loop_stops_on_a_short_chunk_and_resumes_after_the_last_item() -> None:
    chats = [make_chat() for _ in range(5)]
    seen: list[list[int]] = []

    def process(chunk: Sequence[int]) -> None:
        seen.append(list(chunk))

    run = chunks_process(
        claim=lambda after: ids_after(Chat.objects.all(), after, 2),
        process=process,
        chunk_size=2,
    )
    assert seen == [[c.pk for c in chats[0:2]], [c.pk for c in chats[2:4]], [chats[4].pk]]
    assert (run.items, run.chunks) == (5, 3)


@pytest.mark.django_db
def test_a_failing_chunk_rolls_back_only_itself() -> None:
    chats = [make_chat(country="US", region="US-NY") for _ in range(4)]

    def process(chunk: Sequence[int]) -> None:
        Chat.objects.filter(any_of("pk", chunk)).update(country="CA")
        if chats[3].pk in chunk:
            raise RuntimeError("the second chunk fails")

    with pytest.raises(RuntimeError):
        chunks_process(
            claim=lambda after: ids_after(Chat.objects.all(), after, 2),
            process=process,
            chunk_size=2,
        )
    countries = list(Chat.objects.order_by("pk").values_list("country", flat=True))
    assert countries == ["CA", "CA", "US", "US"]


def test_a_hook_calls_each_receiver_once_in_connection_order() -> None:
    hook: Hook[int, int] = Hook("test.numbers")
    double = hook.connect(lambda n: n * 2)
    hook.connect(double)
    hook.connect(lambda n: n + 1)
    assert hook.send(5) == [10, 6]
    hook.disconnect(double)
    assert hook.send(5) == [6]


@pytest.mark.django_db
def test_any_of_texts_matches_each_listed_string_exactly_whatever_its_characters(
    django_assert_num_queries: Any,
) -> None:
    # One array literal on PostgreSQL: a quote, backslash, comma or brace must neither split
    # an element nor end the list, and no element may match a different string.
    awkward = ['a"b', "c\\d", "e,f", "{g}", "h i", "NULL", "é中", "x'y", '\\"']
    for external_id in [*awkward, "a", "b", "c\\\\d", "e", "f", "g", "h", "null", '"']:
        make_chat(external_id=external_id)
    chosen = Chat.objects.filter(any_of_texts("external_id", awkward))
    assert sorted(chosen.values_list("external_id", flat=True)) == sorted(awkward)
    with django_assert_num_queries(0):
        assert not Chat.objects.filter(any_of_texts("external_id", [])).exists()


def test_values_getter_gives_a_tuple_even_for_a_single_field() -> None:
    # attrgetter of one name returns the bare value: a string would be spread letter by letter
    # into a COPY row of a one-field model.
    row = SimpleNamespace(name="Ana", email="ana@example.ca")
    assert values_getter(["name"])(row) == ("Ana",)
    assert values_getter(["email", "name"])(row) == ("ana@example.ca", "Ana")
