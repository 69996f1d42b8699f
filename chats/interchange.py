"""Chat interchange format v1 (SPEC §3): the one validator shared by import_chats, the API,
the importers of other formats and the tests. Pure functions, no database access.
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import orjson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from chats.identity import customer_external_id
from chats.models import SenderRole

SENDER_ROLES = frozenset(SenderRole.values)
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
REGION_RE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
# A JSON \u0000 escape (not preceded by an escaped backslash): PostgreSQL text and jsonb cannot
# hold NUL, so such a chat is rejected with a reason instead of failing its whole batch.
JSON_NUL_RE = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")
NUL_REASON = "contains a NUL character (\\u0000), which the database cannot store"
MAX_ID_LENGTH = 255
# A chat's moments must fall between these: anything else is a typo or a placeholder date
# (0001-01-01, 9998-12-31) that would put the record's retention off by centuries.
EARLIEST_PLAUSIBLE = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE = timedelta(days=1)
MAX_SOURCE_LENGTH = 64


class InterchangeError(ValueError):
    """A chat line that breaks the format. `field` is a JSON path such as messages[3].sent_at."""

    def __init__(self, reason: str, field: str = "") -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.reason = reason
        self.field = field


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


class MessagePayload(NamedTuple):
    # A named tuple, not a frozen dataclass: imports build millions of these.
    sender: str
    sent_at: datetime
    text: str
    agent_external_id: str = ""
    author: str = ""


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

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.external_id)


def _string(
    data: dict[str, Any], key: str, path: str, *, required: bool = False, max_length: int = 10_000
) -> str:
    value = data.get(key)
    if value is None:
        if required:
            raise InterchangeError("is required", f"{path}{key}")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InterchangeError(f"must be a string, not {type(value).__name__}", f"{path}{key}")
    text = str(value).strip()
    if required and not text:
        raise InterchangeError("must not be empty", f"{path}{key}")
    if len(text) > max_length:
        raise InterchangeError(f"is longer than {max_length} characters", f"{path}{key}")
    return text


def parse_timestamp(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        raise InterchangeError("must be an ISO 8601 timestamp string", where)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InterchangeError(f"{value!r} is not an ISO 8601 timestamp", where) from None
    if parsed.tzinfo is None:
        raise InterchangeError(f"{value!r} has no UTC offset (e.g. Z or +00:00)", where)
    # The same instant in UTC: PostgreSQL refuses offsets beyond ±15:59, Python allows ±23:59.
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise InterchangeError(f"{value!r} is out of range", where) from None


def _timestamp(data: dict[str, Any], key: str, path: str, *, required: bool) -> datetime | None:
    value = data.get(key)
    if value is None:
        if required:
            raise InterchangeError("is required", f"{path}{key}")
        return None
    return parse_timestamp(value, f"{path}{key}")


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InterchangeError(f"must be an object, not {type(value).__name__}", where)
    return value


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
    data = _object(value, "customer")
    email = email_checked(_string(data, "email", "customer.", max_length=254), "customer.email")
    name = _string(data, "name", "customer.", max_length=255)
    phone = _string(data, "phone", "customer.", max_length=64)
    given = _string(data, "external_id", "customer.", max_length=MAX_ID_LENGTH)
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
        data = _object(item, f"agents[{index}]")
        country = _string(data, "country", path).upper()
        if country and not COUNTRY_RE.match(country):
            raise InterchangeError(
                f"{country!r} is not an ISO 3166-1 alpha-2 code", f"{path}country"
            )
        agents.append(
            AgentPayload(
                external_id=_string(
                    data, "external_id", path, required=True, max_length=MAX_ID_LENGTH
                ),
                name=_string(data, "name", path, max_length=255),
                team=_string(data, "team", path, max_length=128),
                country=country,
            )
        )
    return tuple(agents)


def _too_long(length: int, limit: int, where: str) -> InterchangeError:
    return InterchangeError(
        f"is {length} characters long, more than MAX_MESSAGE_CHARS ({limit})", where
    )


def _messages(value: Any) -> tuple[MessagePayload, ...]:
    # Longer texts are refused here, at the door: one huge message that passed would later break
    # every run of the jobs that parse text (spaCy has a length limit), issue #12.
    limit = settings.MAX_MESSAGE_CHARS
    if value is None:
        raise InterchangeError("is required (an empty list is allowed)", "messages")
    if not isinstance(value, list):
        raise InterchangeError(f"must be a list, not {type(value).__name__}", "messages")
    messages = []
    for index, item in enumerate(value):
        path = f"messages[{index}]."
        data = _object(item, f"messages[{index}]")
        sender = data.get("sender")
        sent_at_raw, text = data.get("sent_at"), data.get("text")
        agent_id, author = data.get("agent_external_id"), data.get("author")
        # Fast path for the common, well-formed message; anything unusual takes the checks below.
        if (
            type(sender) is str
            and sender in SENDER_ROLES
            and type(text) is str
            and type(sent_at_raw) is str
            and (agent_id is None or (type(agent_id) is str and len(agent_id) <= MAX_ID_LENGTH))
            and author is None
        ):
            try:  # aware moments in UTC, as parse_timestamp gives them; the rest: slow path
                parsed = datetime.fromisoformat(sent_at_raw)
                moment = parsed.astimezone(UTC) if parsed.tzinfo is not None else None
            except (ValueError, OverflowError):
                moment = None
            if len(text) > limit:
                raise _too_long(len(text), limit, f"{path}text")
            if moment is not None:
                messages.append(
                    MessagePayload(sender, moment, text, agent_id.strip() if agent_id else "")
                )
                continue
        if not isinstance(sender, str) or sender not in SENDER_ROLES:
            raise InterchangeError(
                f"{sender!r} is not a sender role (one of {', '.join(sorted(SENDER_ROLES))})",
                f"{path}sender",
            )
        text = data.get("text", "")
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise InterchangeError(f"must be a string, not {type(text).__name__}", f"{path}text")
        if len(text) > limit:
            raise _too_long(len(text), limit, f"{path}text")
        sent_at = _timestamp(data, "sent_at", path, required=True)
        assert sent_at is not None  # noqa: S101 - required=True guarantees it
        messages.append(
            MessagePayload(
                sender=sender,
                sent_at=sent_at,
                text=text,
                agent_external_id=_string(
                    data, "agent_external_id", path, max_length=MAX_ID_LENGTH
                ),
                author=_string(data, "author", path, max_length=255),
            )
        )
    return tuple(messages)


def _survey(value: Any) -> SurveyPayload | None:
    if value is None:
        return None
    data = _object(value, "survey")
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
    answers = _object(answers, "survey.answers")
    return SurveyPayload(
        rating=rating,
        resolved=resolved,
        comment=_string(data, "comment", "survey."),
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


def chat_payload_from_dict(data: Any, *, content_sha256: str = "") -> ChatPayload:
    """Validates one decoded chat. Unknown keys are ignored (SPEC §3)."""
    data = _object(data, "chat")
    if not content_sha256:
        canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
        if JSON_NUL_RE.search(canonical):
            raise InterchangeError(NUL_REASON)
        content_sha256 = hashlib.sha256(canonical.encode()).hexdigest()
    started_at = _timestamp(data, "started_at", "", required=True)
    assert started_at is not None  # noqa: S101 - required=True guarantees it
    ended_at = _timestamp(data, "ended_at", "", required=False)
    if ended_at is not None and ended_at < started_at:
        raise InterchangeError("is before started_at", "ended_at")
    country = _string(data, "country", "").upper()
    if country and not COUNTRY_RE.match(country):
        raise InterchangeError(f"{country!r} is not an ISO 3166-1 alpha-2 code", "country")
    region = _string(data, "region", "").upper()
    if region and not REGION_RE.match(region):
        raise InterchangeError(f"{region!r} is not an ISO 3166-2 code such as CA-ON", "region")
    if region and country and not region.startswith(country + "-"):
        raise InterchangeError(f"{region!r} is not in country {country!r}", "region")
    if region and not country:
        country = region[:2]
    payload = ChatPayload(
        external_id=_string(data, "external_id", "", required=True, max_length=MAX_ID_LENGTH),
        source=_string(data, "source", "", required=True, max_length=MAX_SOURCE_LENGTH),
        started_at=started_at,
        ended_at=ended_at,
        language=_string(data, "language", "", max_length=16).lower(),
        country=country,
        region=region,
        customer=_person(data.get("customer")),
        agents=_agents(data.get("agents")),
        messages=_messages(data.get("messages")),
        survey=_survey(data.get("survey")),
        tags=_tags(data.get("tags")),
        content_sha256=content_sha256,
    )
    chat_moments_plausible_check(payload)
    return payload


def chat_payload_from_line(line: bytes | str) -> ChatPayload:
    """Decodes and validates one JSON Lines line."""
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
    if JSON_NUL_RE.search(line):
        raise InterchangeError(NUL_REASON)
    return chat_payload_from_dict(data, content_sha256=hashlib.sha256(line.encode()).hexdigest())
