"""Chat interchange format v1 (SPEC §3): the one validator shared by import_chats, the API,
the importers of other formats and the tests. Pure functions, no database access.
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from chats.identity import customer_external_id
from chats.interchange_messages import (
    SENDER_ROLES,
    AttachmentPayload,
    MessagePayload,
    messages_parse,
)
from chats.interchange_primitives import (
    MAX_ID_LENGTH,
    InterchangeError,
    object_field,
    parse_timestamp,
    string_field,
    timestamp_field,
)

__all__ = [
    "SENDER_ROLES",
    "AttachmentPayload",
    "ChatPayload",
    "InterchangeError",
    "MessagePayload",
    "chat_payload_from_dict",
    "chat_payload_from_line",
    "parse_timestamp",
]

COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
REGION_RE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
# A JSON \u0000 escape (not preceded by an escaped backslash): PostgreSQL text and jsonb cannot
# hold NUL, so such a chat is rejected with a reason instead of failing its whole batch.
JSON_NUL_RE = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")
NUL_REASON = "contains a NUL character (\\u0000), which the database cannot store"
JSON_NUL_ESCAPE = "\\u0000"
# A chat's moments must fall between these: anything else is a typo or a placeholder date
# (0001-01-01, 9998-12-31) that would put the record's retention off by centuries.
EARLIEST_PLAUSIBLE = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE = timedelta(days=1)
MAX_SOURCE_LENGTH = 64


def json_nul_escaped(text: str) -> bool:
    """Whether JSON text holds a \\u0000 escape. The regular expression alone scans every
    position of the line (two thirds of the validator's time on a typical chat); the plain
    substring test, which every match contains, rules almost all lines out first."""
    return JSON_NUL_ESCAPE in text and JSON_NUL_RE.search(text) is not None


@dataclass(frozen=True)
class PersonPayload:
    external_id: str
    name: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class AgentPayload:
    external_id: str
    name: str = ""
    team: str = ""
    country: str = ""


@dataclass(frozen=True)
class SurveyPayload:
    rating: int | None = None
    resolved: bool | None = None
    comment: str = ""
    answers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ChatPayload:
    external_id: str
    source: str
    started_at: datetime
    messages: tuple[MessagePayload, ...]
    ended_at: datetime | None = None
    language: str = ""
    country: str = ""
    region: str = ""
    customer: PersonPayload | None = None
    agents: tuple[AgentPayload, ...] = ()
    survey: SurveyPayload | None = None
    tags: tuple[str, ...] = ()
    # SHA-256 of the chat as it was received (the line, or canonical JSON of a posted object).
    content_sha256: str = ""
    # The document as received, kept with the chat (SPEC §3): the line, the canonical JSON of a
    # posted object, or the vendor's document; `source_format` says which.
    source_document: bytes = b""
    source_format: str = "native"

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.external_id)


def email_checked(email: str, where: str) -> str:
    """An email address as Django's validator reads it (one address, no display name, no line
    break: a header smuggled into a transcript email is refused here, at import)."""
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError:
        shown = email.encode("unicode_escape").decode()[:80]
        raise InterchangeError(f"'{shown}' is not an email address", where) from None
    return email


def _person(value: Any) -> PersonPayload | None:
    if value is None:
        return None
    data = object_field(value, "customer")
    email = email_checked(
        string_field(data, "email", "customer.", max_length=254), "customer.email"
    )
    name = string_field(data, "name", "customer.", max_length=255)
    phone = string_field(data, "phone", "customer.", max_length=64)
    given = string_field(data, "external_id", "customer.", max_length=MAX_ID_LENGTH)
    # Never the identity itself as the id: a customer without an id (or whose source id is an
    # email, phone or name) gets an opaque id derived from it, so re-imports still match.
    external_id = customer_external_id(given=given, name=name, email=email, phone=phone)
    if not external_id:
        return None
    return PersonPayload(external_id=external_id, name=name, email=email, phone=phone)


def _agents(value: Any) -> tuple[AgentPayload, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InterchangeError(f"must be a list, not {type(value).__name__}", "agents")
    agents = []
    for index, item in enumerate(value):
        path = f"agents[{index}]."
        data = object_field(item, f"agents[{index}]")
        country = string_field(data, "country", path).upper()
        if country and not COUNTRY_RE.match(country):
            raise InterchangeError(
                f"{country!r} is not an ISO 3166-1 alpha-2 code", f"{path}country"
            )
        agents.append(
            AgentPayload(
                external_id=string_field(
                    data, "external_id", path, required=True, max_length=MAX_ID_LENGTH
                ),
                name=string_field(data, "name", path, max_length=255),
                team=string_field(data, "team", path, max_length=128),
                country=country,
            )
        )
    return tuple(agents)


def _survey(value: Any) -> SurveyPayload | None:
    if value is None:
        return None
    data = object_field(value, "survey")
    rating = data.get("rating")
    if rating is not None:
        if isinstance(rating, bool) or not isinstance(rating, int | float) or rating != int(rating):
            raise InterchangeError(f"{rating!r} is not a whole number", "survey.rating")
        if not 1 <= rating <= 5:
            raise InterchangeError(f"{rating} is out of range (1 to 5)", "survey.rating")
        rating = int(rating)
    resolved = data.get("resolved")
    if resolved is not None and not isinstance(resolved, bool):
        raise InterchangeError("must be true, false or null", "survey.resolved")
    answers = data.get("answers") or {}
    answers = object_field(answers, "survey.answers")
    return SurveyPayload(
        rating=rating,
        resolved=resolved,
        comment=string_field(data, "comment", "survey."),
        answers={str(question): str(answer) for question, answer in answers.items()},
    )


def _tags(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise InterchangeError("must be a list of strings", "tags")
    return tuple(dict.fromkeys(tag.strip().lower() for tag in value if tag.strip()))


def _moment_plausible_check(moment: datetime | None, where: str, latest: datetime) -> None:
    if moment is not None and not EARLIEST_PLAUSIBLE <= moment <= latest:
        raise InterchangeError(
            f"{moment.isoformat()} is not a plausible moment (from "
            f"{EARLIEST_PLAUSIBLE.date().isoformat()} to a day from now)",
            where,
        )


def chat_moments_plausible_check(payload: "ChatPayload") -> None:
    """Started, ended and every message's sent_at between EARLIEST_PLAUSIBLE and now plus
    FUTURE_TOLERANCE (clock skew); ended_at is checked against started_at by the validator."""
    latest = datetime.now(UTC) + FUTURE_TOLERANCE
    _moment_plausible_check(payload.started_at, "started_at", latest)
    _moment_plausible_check(payload.ended_at, "ended_at", latest)
    for index, message in enumerate(payload.messages):
        _moment_plausible_check(message.sent_at, f"messages[{index}].sent_at", latest)


def chat_payload_from_dict(
    data: Any,
    *,
    content_sha256: str = "",
    source_document: bytes | None = None,
    source_format: str = "native",
) -> ChatPayload:
    """Validates one decoded chat. Unknown keys are ignored (SPEC §3). `source_document`: the
    document as received when it is not this dict (a vendor's, or the line it was read from);
    by default the dict's canonical JSON is kept."""
    data = object_field(data, "chat")
    if not content_sha256:
        canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
        if json_nul_escaped(canonical):
            raise InterchangeError(NUL_REASON)
        encoded = canonical.encode()
        content_sha256 = hashlib.sha256(encoded).hexdigest()
        if source_document is None:
            source_document = encoded
    started_at = timestamp_field(data, "started_at", "", required=True)
    assert started_at is not None  # noqa: S101 - required=True guarantees it
    ended_at = timestamp_field(data, "ended_at", "", required=False)
    if ended_at is not None and ended_at < started_at:
        raise InterchangeError("is before started_at", "ended_at")
    country = string_field(data, "country", "").upper()
    if country and not COUNTRY_RE.match(country):
        raise InterchangeError(f"{country!r} is not an ISO 3166-1 alpha-2 code", "country")
    region = string_field(data, "region", "").upper()
    if region and not REGION_RE.match(region):
        raise InterchangeError(f"{region!r} is not an ISO 3166-2 code such as CA-ON", "region")
    if region and country and not region.startswith(country + "-"):
        raise InterchangeError(f"{region!r} is not in country {country!r}", "region")
    if region and not country:
        country = region[:2]
    payload = ChatPayload(
        external_id=string_field(data, "external_id", "", required=True, max_length=MAX_ID_LENGTH),
        source=string_field(data, "source", "", required=True, max_length=MAX_SOURCE_LENGTH),
        started_at=started_at,
        ended_at=ended_at,
        language=string_field(data, "language", "", max_length=16).lower(),
        country=country,
        region=region,
        customer=_person(data.get("customer")),
        agents=_agents(data.get("agents")),
        messages=messages_parse(data.get("messages")),
        survey=_survey(data.get("survey")),
        tags=_tags(data.get("tags")),
        content_sha256=content_sha256,
        source_document=source_document or b"",
        source_format=source_format,
    )
    chat_moments_plausible_check(payload)
    return payload


def chat_payload_from_line(line: bytes | str) -> ChatPayload:
    """Decodes and validates one JSON Lines line."""
    encoded = line if isinstance(line, bytes) else line.encode()
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InterchangeError(f"not valid UTF-8 (byte {error.start})") from None
    try:
        data = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        raise InterchangeError(f"not valid JSON ({error.msg} at column {error.colno})") from None
    if not isinstance(data, dict):
        raise InterchangeError(f"not a JSON object but {type(data).__name__}")
    if json_nul_escaped(line):
        raise InterchangeError(NUL_REASON)
    return chat_payload_from_dict(
        data, content_sha256=hashlib.sha256(encoded).hexdigest(), source_document=encoded
    )
