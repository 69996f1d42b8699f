"""core.db.prepared.IdsQuery answers exactly what its ORM query answers, for every list of
ids it is given (never the rows of an earlier list), and on PostgreSQL compiles the query once:
later calls send the same statement with the new ids."""

from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from chats.models import Chat
from core.db.any_of import any_of
from core.db.dialect import is_postgresql
from core.db.prepared import IdsQuery
from tests.factories import make_chat

pytestmark = pytest.mark.django_db


def _chats() -> list[int]:
    return [make_chat(external_id=f"ids-{n}", tags=[f"t{n}"]).pk for n in range(4)]


def _builder(ids: list[int]) -> Any:
    return Chat.objects.filter(any_of("pk", ids)).order_by("-pk").values_list("pk", "external_id")


def test_each_list_of_ids_gets_its_own_rows_as_the_orm_gives_them() -> None:
    ids = _chats()
    query = IdsQuery(_builder)
    for chosen in ([ids[0], ids[2]], [ids[1]], ids, [ids[3], ids[0]]):
        assert query.rows(chosen) == list(_builder(chosen))
    assert query.rows([]) == []
    assert query.rows([-1]) == []


def test_on_postgresql_the_query_is_compiled_once_and_sent_each_time() -> None:
    ids = _chats()
    query = IdsQuery(_builder)
    query.rows(ids[:1])  # compiles here
    with (
        mock.patch.object(
            SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql
        ) as compiled,
        CaptureQueriesContext(connection) as sent,
    ):
        assert query.rows(ids[1:3]) == list(_builder(ids[1:3]))
    assert len(sent.captured_queries) == 2  # ours and the ORM's comparison
    # ours compiles nothing on PostgreSQL; SQLite's IN list is compiled each time
    assert compiled.call_count == (1 if is_postgresql() else 2)


def test_a_column_the_orm_converts_after_reading_is_read_by_the_orm() -> None:
    ids = _chats()
    query = IdsQuery(
        lambda chosen: Chat.objects.filter(any_of("pk", chosen)).values_list("pk", "tags")
    )
    assert sorted(query.rows(ids)) == sorted(
        Chat.objects.filter(pk__in=ids).values_list("pk", "tags")
    )
    assert all(isinstance(tags, list) for _, tags in query.rows(ids))


def test_flat_values_are_the_orms_own() -> None:
    ids = _chats()
    query = IdsQuery(
        lambda chosen: Chat.objects.filter(any_of("pk", chosen)).values_list("pk", flat=True)
    )
    assert sorted(query.rows(ids)) == sorted(ids)
