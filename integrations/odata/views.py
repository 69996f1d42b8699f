"""HTTP side of the OData feed: authentication (DRF token, HTTP Basic for BI tools, or the
session), role checks per entity set, JSON payloads with server-driven paging.

HTTP Basic goes through `django.contrib.auth.authenticate(request=…)`, so django-axes counts its
failures with the login page's and locks a username+address out alike (429)."""

import base64
import binascii
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import FieldError, ValidationError
from django.db import DataError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import APIException
from rest_framework.request import Request

from core.authentication import TokenAuthentication
from core.roles import user_has_role
from integrations.odata.csdl import metadata_document
from integrations.odata.entities import ENTITY_SETS, EntitySet
from integrations.odata.query import (
    MAX_INT64,
    ODataQueryError,
    collection_query,
    select_parse,
)

ODATA_HEADERS = {"OData-Version": "4.0"}
# What the database says of a query it cannot evaluate (a literal out of a column's range…):
# the client's expression, so a 400, never a 500. Other database errors stay 500s.
EVALUATION_ERRORS = (FieldError, ValidationError, ValueError, TypeError, OverflowError, DataError)
JSON_TYPE = "application/json;odata.metadata=minimal;charset=utf-8"


def _error(status: int, code: str, message: str) -> JsonResponse:
    response = JsonResponse(
        {"error": {"code": code, "message": message}}, status=status, headers=ODATA_HEADERS
    )
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="ChatRecords OData", Token'
    return response


class _LockedOut(Exception):
    """django-axes refused the credentials: too many failures for this username and address."""


def _basic_user(request: HttpRequest) -> Any:
    """The user of an `Authorization: Basic` header, None when absent or wrong."""
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        username, separator, password = (
            base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
        )
    except (binascii.Error, UnicodeDecodeError):
        return None
    if not separator:
        return None
    user = authenticate(request=request, username=username, password=password)
    if user is None and getattr(request, "axes_locked_out", False):
        # Answered here in OData's error format, not by AxesMiddleware's HTML lockout page.
        request.axes_locked_out = False  # type: ignore[attr-defined]
        raise _LockedOut
    return user if user is not None and user.is_active else None


def _user(request: HttpRequest) -> Any:
    if request.headers.get("Authorization", "").lower().startswith("basic "):
        return _basic_user(request)
    drf_request = Request(request, authenticators=[TokenAuthentication(), SessionAuthentication()])
    try:
        return drf_request.user
    except APIException:
        return None


def _authenticated(request: HttpRequest) -> tuple[Any, HttpResponse | None]:
    """(user, None) or (None, the 401/429 refusal)."""
    try:
        user = _user(request)
    except _LockedOut:
        return None, _error(
            429, "TooManyRequests", "too many failed logins for this user; try again later"
        )
    if user is None or not user.is_authenticated:
        return None, _error(401, "Unauthorized", "authenticate with a token, Basic or a session")
    return user, None


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/odata/")


_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})


def _json_value(value: Any) -> Any:
    """A database value as the feed writes it (date-times in UTC with a Z, Decimal as a number)."""
    if type(value) in _PLAIN_TYPES:
        return value
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _columns(entity_set: EntitySet, select: list[str]) -> list[str]:
    """The ORM paths one query reads for `select`: the key first (the computed values are keyed
    by it), then each selected stored property once."""
    key_field = entity_set.property_by_name[entity_set.key].field
    fields = [entity_set.property_by_name[name].field for name in select]
    return list(dict.fromkeys([key_field, *(field for field in fields if field)]))


def _rows(
    entity_set: EntitySet, rows: list[tuple[Any, ...]], columns: list[str], select: list[str]
) -> list[dict[str, Any]]:
    """The feed's entities from `rows` (tuples of `columns`, key first): only the columns
    shown are read, and each value is converted once, without a model instance per row."""
    computed = entity_set.computed([row[0] for row in rows]) if entity_set.computed and rows else {}
    position = {column: index for index, column in enumerate(columns)}
    readers: list[tuple[str, int | None, str]] = []
    for name in select:
        prop = entity_set.property_by_name[name]
        readers.append((name, position[prop.field] if prop.filterable else None, prop.compute))
    entities = []
    for row in rows:
        extra = computed.get(row[0], {}) if computed else {}
        entities.append(
            {
                name: _json_value(row[index] if index is not None else extra.get(compute))
                for name, index, compute in readers
            }
        )
    return entities


def _page_size(request: HttpRequest) -> int:
    size: int = settings.ODATA_MAX_PAGE_SIZE
    for preference in request.headers.get("Prefer", "").split(","):
        name, _, value = preference.strip().partition("=")
        if name == "odata.maxpagesize" and value.isdigit() and int(value) > 0:
            size = min(size, int(value))
    return size


def _guarded(request: HttpRequest, name: str) -> tuple[EntitySet | None, HttpResponse | None]:
    entity_set = ENTITY_SETS.get(name)
    if entity_set is None:
        return None, _error(404, "NotFound", f"no entity set '{name}'")
    user, refusal = _authenticated(request)
    if refusal is not None:
        return None, refusal
    if not user_has_role(user, *entity_set.read_roles):
        return None, _error(403, "Forbidden", f"your role may not read {name}")
    return entity_set, None


@require_safe
def service_document(request: HttpRequest) -> HttpResponse:
    _, refusal = _authenticated(request)
    if refusal is not None:
        return refusal
    base = _base_url(request)
    return JsonResponse(
        {
            "@odata.context": f"{base}$metadata",
            "value": [{"name": name, "kind": "EntitySet", "url": name} for name in ENTITY_SETS],
        },
        headers=ODATA_HEADERS,
        content_type=JSON_TYPE,
    )


@require_safe
def metadata(request: HttpRequest) -> HttpResponse:
    _, refusal = _authenticated(request)
    if refusal is not None:
        return refusal
    return HttpResponse(
        metadata_document(list(ENTITY_SETS.values())),
        content_type="application/xml",
        headers=ODATA_HEADERS,
    )


@require_safe
def collection(request: HttpRequest, name: str) -> HttpResponse:
    entity_set, denied = _guarded(request, name)
    if denied is not None:
        return denied
    assert entity_set is not None  # noqa: S101 - _guarded returns one or the other
    try:
        params = request.GET.dict()
        query = collection_query(entity_set, entity_set.queryset(params), params)
        page_size = _page_size(request)
        wanted = query.top
        take = page_size if wanted is None else min(wanted, page_size)
        columns = _columns(entity_set, query.select)
        # One row more than the page tells whether a next page exists without a COUNT.
        rows = list(query.queryset.values_list(*columns)[query.skip : query.skip + take + 1])
    except ODataQueryError as error:
        return _error(400 if error.code == "BadRequest" else 501, error.code, str(error))
    except EVALUATION_ERRORS as error:
        # e.g. comparing a date-time with a string the database cannot read as one
        return _error(400, "BadRequest", f"$filter cannot be evaluated: {error}")
    more = len(rows) > take and (wanted is None or wanted > take)
    rows = rows[:take]
    base = _base_url(request)
    context = f"{base}$metadata#{name}"
    if request.GET.get("$select"):
        context += f"({','.join(query.select)})"
    body: dict[str, Any] = {"@odata.context": context}
    if query.count:
        try:
            body["@odata.count"] = query.queryset.count()
        except EVALUATION_ERRORS as error:
            return _error(400, "BadRequest", f"$filter cannot be evaluated: {error}")
    body["value"] = _rows(entity_set, rows, columns, query.select)
    if more:
        params = {k: v for k, v in request.GET.dict().items() if k not in {"$skip", "$top"}}
        params["$skip"] = str(query.skip + take)
        if wanted is not None:
            params["$top"] = str(wanted - take)
        body["@odata.nextLink"] = f"{base}{name}?{urlencode(params)}"
    return HttpResponse(json.dumps(body), content_type=JSON_TYPE, headers=ODATA_HEADERS)


@require_safe
def count(request: HttpRequest, name: str) -> HttpResponse:
    entity_set, denied = _guarded(request, name)
    if denied is not None:
        return denied
    assert entity_set is not None  # noqa: S101
    params = {k: v for k, v in request.GET.dict().items() if k not in {"$top", "$skip"}}
    try:
        query = collection_query(entity_set, entity_set.queryset(params), params)
        total = query.queryset.count()
    except ODataQueryError as error:
        return _error(400 if error.code == "BadRequest" else 501, error.code, str(error))
    except EVALUATION_ERRORS as error:
        return _error(400, "BadRequest", f"$filter cannot be evaluated: {error}")
    return HttpResponse(str(total), content_type="text/plain", headers=ODATA_HEADERS)


@require_safe
def entity(request: HttpRequest, name: str, key: str) -> HttpResponse:
    entity_set, denied = _guarded(request, name)
    if denied is not None:
        return denied
    assert entity_set is not None  # noqa: S101
    key_field = entity_set.property_by_name[entity_set.key].field
    if int(key) > MAX_INT64:  # no row has such a key; the database could not even compare it
        return _error(404, "NotFound", f"{name}({key}) does not exist")
    select = [p.name for p in entity_set.properties]
    select_error = None  # answered after the 404 of a missing key, as always
    if request.GET.get("$select"):
        try:
            select = select_parse(entity_set, request.GET["$select"])
        except ODataQueryError as error:
            select_error = error
    columns = _columns(entity_set, select)
    try:
        row = (
            entity_set.queryset(request.GET.dict())
            .filter(**{key_field: key})
            .order_by(key_field)
            .values_list(*columns)
            .first()
        )
    except ODataQueryError as error:
        return _error(400, error.code, str(error))
    if row is None:
        return _error(404, "NotFound", f"{name}({key}) does not exist")
    if select_error is not None:
        return _error(400, select_error.code, str(select_error))
    body = {
        "@odata.context": f"{_base_url(request)}$metadata#{name}/$entity",
        **_rows(entity_set, [row], columns, select)[0],
    }
    return HttpResponse(json.dumps(body), content_type=JSON_TYPE, headers=ODATA_HEADERS)
