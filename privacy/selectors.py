"""Reading data-subject requests: the person's chats, the hold they cause, lists and deadlines.

The search reads original text and identities; it runs server-side for records managers only and
its findings are chat ids and match bases, never the text.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Value, When

from chats.models import Chat, Customer, Message, Survey
from privacy.identity import Identity, identity_compare, name_regex
from privacy.models import (
    OPEN_STATUSES,
    DataSubjectMatch,
    DataSubjectRequest,
    MatchBasis,
)
from retention.hooks import HoldQuery

# Stored phone numbers are free text; this many trailing digits narrow the candidates in SQL
# before phonenumbers compares them exactly.
PHONE_SUFFIX_DIGITS = 4


def subject_request_hold_q(query: HoldQuery) -> Q:
    """A Q over Record (privacy's answer to retention.hooks.record_hold_conditions): the record's
    chat is matched by an open data-subject request, or its customer has that request's identity
    now — so a chat of the person imported after the search is held too (R-HOLD-2). Evaluated
    whenever a destructive path asks (batch build, execution, purge), never from a stored list
    alone; a few set-based queries for all open requests together, none per record. The
    requests of `query.exempt_subject_request_ids` do not hold (an erasure answering them)."""
    exempt = query.exempt_subject_request_ids
    matches = DataSubjectMatch.objects.filter(
        chat_id=OuterRef("chat_id"), request__status__in=OPEN_STATUSES
    )
    if exempt:
        matches = matches.exclude(request_id__in=exempt)
    customers: set[int] = set()
    for ids in open_request_customers(exclude=exempt).values():
        customers |= ids
    condition = Q(Exists(matches))
    if customers:
        condition |= Q(chat__customer_id__in=sorted(customers))
    return condition


def _identity_of(request: DataSubjectRequest) -> Identity:
    return Identity.of(
        customer_id=request.customer_external_id,
        email=request.email,
        phone=request.phone_e164 or request.phone,
        name=request.name,
    )


def _candidate_customers(identities: list[Identity]) -> list[tuple[int, Identity]]:
    """Customers agreeing with any of these identities on at least one identifier: one query per
    kind of identifier for all identities together, then exact comparison in Python."""
    emails = sorted({i.email for i in identities if i.email})
    customer_ids = sorted({i.customer_id for i in identities if i.customer_id})
    phones = sorted({i.phone_e164 for i in identities if i.phone_e164})
    names = sorted({i.name for i in identities if i.name})
    narrow = Q(pk__in=[])
    if emails:
        by_email = Q()
        for email in emails:
            by_email |= Q(email__iexact=email)
        narrow |= by_email
    if customer_ids:
        narrow |= Q(external_id__in=customer_ids)
    for phone in phones:
        narrow |= Q(phone__contains=phone[-PHONE_SUFFIX_DIGITS:])
    for name in names:
        narrow |= Q(name__iregex=name_regex(name))
    if not (emails or customer_ids or phones or names):
        return []
    rows = Customer.objects.filter(narrow).values_list(
        "pk", "external_id", "email", "phone", "name"
    )
    return [
        (pk, Identity.of(customer_id=external_id, email=email, phone=phone, name=name))
        for pk, external_id, email, phone, name in rows
    ]


def open_request_customers(*, exclude: Iterable[int] = ()) -> dict[int, set[int]]:
    """{open request id: ids of the customers that agree with its identity on any identifier}.
    Holding errs on the safe side: a name or a phone alone holds (it is not erased for that)."""
    requests = list(
        DataSubjectRequest.objects.filter(status__in=OPEN_STATUSES).exclude(pk__in=list(exclude))
    )
    if not requests:
        return {}
    identities = {request.pk: _identity_of(request) for request in requests}
    candidates = _candidate_customers(list(identities.values()))
    result: dict[int, set[int]] = {}
    for request_id, wanted in identities.items():
        for customer_id, found in candidates:
            agree, _ = identity_compare(wanted, found)
            if agree:
                result.setdefault(request_id, set()).add(customer_id)
    return result


def subject_requests_holding(
    chat_ids: list[int], *, exclude: Iterable[int] = ()
) -> dict[int, list[int]]:
    """{chat id: ids of the open requests holding it} (stored matches and identity now)."""
    excluded = list(exclude)
    holding: dict[int, set[int]] = {}
    rows = (
        DataSubjectMatch.objects.filter(chat_id__in=chat_ids, request__status__in=OPEN_STATUSES)
        .exclude(request_id__in=excluded)
        .values_list("chat_id", "request_id")
    )
    for chat_id, request_id in rows:
        holding.setdefault(chat_id, set()).add(request_id)
    by_customer: dict[int, set[int]] = {}
    for request_id, customers in open_request_customers(exclude=excluded).items():
        for customer_id in customers:
            by_customer.setdefault(customer_id, set()).add(request_id)
    if by_customer:
        for chat_id, customer_id in Chat.objects.filter(
            pk__in=chat_ids, customer_id__in=list(by_customer)
        ).values_list("pk", "customer_id"):
            holding.setdefault(chat_id, set()).update(by_customer[customer_id])
    return {chat_id: sorted(ids) for chat_id, ids in holding.items()}


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


@dataclass(frozen=True)
class Found:
    """Why a chat was found: identifiers that agree (and `mention`), identifiers that conflict."""

    bases: frozenset[str]
    conflicts: frozenset[str] = frozenset()


def _customers_matching(wanted: Identity) -> dict[int, tuple[set[str], set[str]]]:
    found: dict[int, tuple[set[str], set[str]]] = {}
    for pk, identity in _candidate_customers([wanted]):
        agree, conflicts = identity_compare(wanted, identity)
        if agree:
            found[pk] = (agree, conflicts)
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


def subject_chats_find(
    *, email: str, phone_e164: str, name: str, customer_id: str = ""
) -> dict[int, Found]:
    """{chat id: Found} for every chat of a customer agreeing with the person on at least one
    identifier (with the identifiers that conflict), or mentioning them in its text."""
    wanted = Identity.of(customer_id=customer_id, email=email, phone=phone_e164, name=name)
    customers = _customers_matching(wanted)
    bases: dict[int, set[str]] = {}
    conflicts: dict[int, set[str]] = {}
    if customers:
        for chat_id, customer in Chat.objects.filter(customer_id__in=customers).values_list(
            "pk", "customer_id"
        ):
            agree, disagree = customers[customer]
            bases.setdefault(chat_id, set()).update(agree)
            conflicts.setdefault(chat_id, set()).update(disagree)
    for chat_id in _chats_mentioning(email=email, phone_e164=phone_e164, name=name):
        bases.setdefault(chat_id, set()).add(MatchBasis.MENTION)
    return {
        chat_id: Found(frozenset(found), frozenset(conflicts.get(chat_id, ())))
        for chat_id, found in bases.items()
    }


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
        .select_related("chat__record__record_class", "confirmed_by")
        .order_by("chat__started_at", "chat_id")
    )
