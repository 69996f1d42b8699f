"""The example file plan of SPEC §6 ("example — review with counsel") and its seeding.

Seeding is idempotent: missing classes, schedules and rules are created with the values below;
existing ones (perhaps edited by a records manager since) are left as they are.
"""

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from core.services import role_permissions_sync
from records.models import (
    AgentParticipation,
    DeclarationRule,
    DispositionAction,
    RecordClass,
    RetentionSchedule,
)

EXAMPLE_NOTE = "Example — review with counsel."
# The class of the trend rollups' own schedule (SPEC §6), read by knowledgebase's
# dispose_trend_rollups job.
TREND_ROLLUP_CLASS = "CS-TREND-ROLLUP"

RECORD_CLASSES: list[dict[str, Any]] = [
    {
        "code": "CS-CHAT",
        "title": "Customer-service chat record",
        "description": "A chat in which the customer and an agent took part. " + EXAMPLE_NOTE,
        "citation": "Organisational default for customer interaction records (5–6 years).",
        "is_record": True,
    },
    {
        "code": "CS-CHAT-COMPLAINT",
        "title": "Customer complaint chat",
        "description": "A chat that records a complaint. " + EXAMPLE_NOTE,
        "citation": "Example.",
        "is_record": True,
    },
    {
        "code": "CS-TRANSITORY",
        "title": "Transitory chat (not a record)",
        "description": "Bot-only, empty or abandoned chats. " + EXAMPLE_NOTE,
        "citation": "3 years unless a regulation requires longer.",
        "is_record": False,
    },
    {
        "code": TREND_ROLLUP_CLASS,
        "title": "Trend rollups",
        "description": "Weekly aggregates of chats; no personal information. " + EXAMPLE_NOTE,
        "citation": "Aggregates, no PII.",
        "is_record": True,
    },
]

# (class, jurisdiction, years, pii days, action, citation)
SCHEDULES: list[tuple[str, str, int, int | None, str, str]] = [
    (
        "CS-CHAT",
        "*",
        6,
        365,
        DispositionAction.DESTROY,
        "Organisational default for customer interaction records (5–6 years).",
    ),
    ("CS-CHAT", "US", 5, 365, DispositionAction.DESTROY, "Example."),
    ("CS-CHAT", "CA", 6, 365, DispositionAction.DESTROY, "Example."),
    ("CS-CHAT-COMPLAINT", "*", 6, 365, DispositionAction.DESTROY, "Example."),
    (
        "CS-TRANSITORY",
        "*",
        3,
        90,
        DispositionAction.DESTROY,
        "3 years unless a regulation requires longer.",
    ),
    (TREND_ROLLUP_CLASS, "*", 10, None, DispositionAction.DESTROY, "Aggregates, no PII."),
]

COMPLAINT_KEYWORDS = [
    "complaint",
    "complain",
    "ombudsman",
    "legal action",
    "lawsuit",
    "regulator",
    "better business bureau",
    "plainte",
]


@dataclass(frozen=True)
class RuleSeed:
    position: int
    name: str
    record_class: str
    description: str
    options: dict[str, Any]


RULES = [
    RuleSeed(
        10,
        "No agent took part",
        "CS-TRANSITORY",
        "Bot-only or unanswered chats are transitory.",
        {"agent_participation": AgentParticipation.ABSENT},
    ),
    RuleSeed(
        20,
        "No customer message",
        "CS-TRANSITORY",
        "Empty or abandoned chats (the customer wrote nothing) are transitory.",
        {"max_customer_messages": 0},
    ),
    RuleSeed(
        30,
        "Complaint",
        "CS-CHAT-COMPLAINT",
        "Complaint words in the transcript or a complaint tag.",
        {"keywords": COMPLAINT_KEYWORDS, "tags": ["complaint", "escalation"]},
    ),
    RuleSeed(
        100,
        "Customer-service chat",
        "CS-CHAT",
        "Every other closed chat with a customer and an agent.",
        {"min_customer_messages": 1, "agent_participation": AgentParticipation.REQUIRED},
    ),
]


@transaction.atomic
def file_plan_seed() -> dict[str, int]:
    """Creates what is missing of the example file plan. Returns how many rows were created."""
    role_permissions_sync()
    created = {"record_classes": 0, "schedules": 0, "rules": 0}
    classes: dict[str, RecordClass] = {}
    for data in RECORD_CLASSES:
        record_class, was_created = RecordClass.objects.get_or_create(
            code=data["code"], defaults={k: v for k, v in data.items() if k != "code"}
        )
        classes[record_class.code] = record_class
        created["record_classes"] += int(was_created)
    for code, jurisdiction, years, pii_days, action, citation in SCHEDULES:
        _, was_created = RetentionSchedule.objects.get_or_create(
            record_class=classes[code],
            jurisdiction=jurisdiction,
            defaults={
                "retention_years": years,
                "pii_period_days": pii_days,
                "action": action,
                "citation": citation,
            },
        )
        created["schedules"] += int(was_created)
    for rule in RULES:
        _, was_created = DeclarationRule.objects.get_or_create(
            name=rule.name,
            defaults={
                "position": rule.position,
                "record_class": classes[rule.record_class],
                "description": rule.description,
                **rule.options,
            },
        )
        created["rules"] += int(was_created)
    return created
