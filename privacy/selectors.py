"""Reading data-subject requests: the person's chats, the hold they cause, lists and deadlines.

The search reads original text and identities; it runs server-side for records managers only and
its findings are chat ids and match bases, never the text.
"""

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import datetime

import phonenumbers
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Value, When

from chats.models import Chat, Customer, Message, Survey
from privacy.models import (
    OPEN_STATUSES,
    DataSubjectMatch,
    DataSubjectRequest,
    MatchBasis,
)

# Requests whose own hold is lifted for the code running in this context: an erasure must not
# be stopped by the very request it answers (other requests and legal holds still hold).
_HOLD_EXEMPT: ContextVar[frozenset[int]] = ContextVar("dsr_hold_exempt", default=frozenset())
# Stored phone numbers are free text; this many trailing digits narrow the candidates in SQL
# before phonenumbers compares them exactly.
PHONE_SUFFIX_DIGITS = 4


def subject_request_hold_q() -> Q:
    """A Q over Record (registered with retention.selectors.register_hold_condition): the record's
    chat is matched by an open data-subject request (R-HOLD-2)."""
    matches = DataSubjectMatch.objects.filter(
        chat_id=OuterRef("chat_id"), request__status__in=OPEN_STATUSES
    )
    exempt = _HOLD_EXEMPT.get()
    if exempt:
        matches = matches.exclude(request_id__in=exempt)
    return Q(Exists(matches))


@contextlib.contextmanager
def subject_request_hold_lifted(request_id: int) -> Iterator[None]:
    token = _HOLD_EXEMPT.set(_HOLD_EXEMPT.get() | {request_id})
    try:
        yield
    finally:
        _HOLD_EXEMPT.reset(token)


def phone_normalise(phone: str) -> str:
    """E.164, or "" when the text is not a possible phone number (read as North American
    without a +, like country inference)."""
    try:
        number = phonenumbers.parse(phone, "US")
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _phone_spellings(e164: str) -> list[str]:
    """How a number is commonly written in a message, for the mention search."""
    number = phonenumbers.parse(e164)
    national = str(number.national_number)
    spellings = {e164, national}
    if number.country_code == 1 and len(national) == 10:
        area, exchange, line = national[:3], national[3:6], national[6:]
        spellings |= {
            f"{area}-{exchange}-{line}",
            f"{area} {exchange} {line}",
            f"{area}.{exchange}.{line}",
            f"({area}) {exchange}-{line}",
            f"({area}) {exchange} {line}",
        }
    else:
        spellings.add(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))
    return sorted(spellings)


def _customers_matching(*, email: str, phone_e164: str, name: str) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    if email:
        for pk in Customer.objects.filter(email__iexact=email).values_list("pk", flat=True):
            found.setdefault(pk, set()).add(MatchBasis.EMAIL)
    if phone_e164:
        suffix = phone_e164[-PHONE_SUFFIX_DIGITS:]
        for pk, phone in Customer.objects.filter(phone__contains=suffix).values_list("pk", "phone"):
            if phone_normalise(phone) == phone_e164:
                found.setdefault(pk, set()).add(MatchBasis.PHONE)
    if name:
        for pk in Customer.objects.filter(name__iexact=name).values_list("pk", flat=True):
            found.setdefault(pk, set()).add(MatchBasis.NAME)
    return found


def _chats_mentioning(*, email: str, phone_e164: str, name: str) -> set[int]:
    """Chats whose original text (or survey comment) mentions the person. The redacted layer
    holds placeholders, so only the original can be searched; nothing of it leaves here."""
    words = [value for value in (email, name) if value]
    if phone_e164:
        words += _phone_spellings(phone_e164)
    if not words:
        return set()
    in_text, in_comment = Q(), Q()
    for word in words:
        in_text |= Q(text__icontains=word)
        in_comment |= Q(comment__icontains=word)
    return set(Message.objects.filter(in_text).values_list("chat_id", flat=True).distinct()) | set(
        Survey.objects.filter(in_comment).values_list("chat_id", flat=True)
    )


def subject_chats_find(*, email: str, phone_e164: str, name: str) -> dict[int, set[str]]:
    """{chat id: match bases} for every chat of the person (exact identity: customer email,
    normalised phone, name) or mentioning them in its text."""
    customers = _customers_matching(email=email, phone_e164=phone_e164, name=name)
    found: dict[int, set[str]] = {}
    if customers:
        for chat_id, customer_id in Chat.objects.filter(customer_id__in=customers).values_list(
            "pk", "customer_id"
        ):
            found.setdefault(chat_id, set()).update(customers[customer_id])
    for chat_id in _chats_mentioning(email=email, phone_e164=phone_e164, name=name):
        found.setdefault(chat_id, set()).add(MatchBasis.MENTION)
    return found


def subject_requests_list(*, now: datetime) -> QuerySet[DataSubjectRequest]:
    """Requests, soonest deadline first, each with `is_overdue` (open and past its due date)."""
    return (
        DataSubjectRequest.objects.select_related("handled_by", "created_by")
        .annotate(
            is_overdue=Case(
                When(status__in=OPEN_STATUSES, due_at__lt=now, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("-is_overdue", "due_at", "pk")
    )


def subject_request_matches(request: DataSubjectRequest) -> QuerySet[DataSubjectMatch]:
    return (
        DataSubjectMatch.objects.filter(request=request)
        .select_related("chat__record__record_class")
        .order_by("chat__started_at", "chat_id")
    )
