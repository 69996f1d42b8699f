"""The keyword → category taxonomy: seed data and the pure matching rules (no database here).

Terms are normalised like extracted keywords (lower case, lemmas, single spaces). A chat's keyword
maps to a category when the keyword itself, its singular, or one of its words is a taxonomy term;
a chat gets every category whose matched keyword weight is at least CATEGORY_MIN_SHARE of its
strongest category, so a passing mention ("shipping is refunded") does not outweigh the topic.
"""

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

CATEGORY_MIN_SHARE = 0.4

# slug: (name, description, terms). English terms are lemmas; French terms cover Canadian French.
SEED_CATEGORIES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "billing": (
        "Billing",
        "Charges, invoices, bills, payment methods and fees.",
        (
            "bill",
            "billing",
            "invoice",
            "charge",
            "duplicate charge",
            "payment",
            "card",
            "credit card",
            "fee",
            "overcharge",
            "statement",
            "price",
            "credit",
            "renewal",
            "discount",
            "facture",
            "paiement",
            "frais",
            "carte",
            "prélèvement",
        ),
    ),
    "refunds": (
        "Refunds",
        "Money back, reimbursements and returns waiting for a refund.",
        (
            "refund",
            "money back",
            "reimbursement",
            "chargeback",
            "remboursement",
            "rembourser",
            "remboursé",
        ),
    ),
    "shipping": (
        "Shipping and delivery",
        "Parcels, tracking, carriers, delivery addresses and delays.",
        (
            "shipping",
            "delivery",
            "package",
            "parcel",
            "tracking",
            "carrier",
            "shipment",
            "courier",
            "depot",
            "dispatch",
            "delivery address",
            "livraison",
            "colis",
            "livré",
            "transporteur",
        ),
    ),
    "account-access": (
        "Account access",
        "Log-in problems, passwords, locked accounts and two-factor codes.",
        (
            "password",
            "login",
            "log",
            "sign",
            "locked",
            "lock",
            "unlock",
            "two-factor",
            "two-factor code",
            "code",
            "username",
            "reset",
            "password reset",
            "mot de passe",
            "connexion",
            "connecter",
            "identifiant",
            "verrouillé",
        ),
    ),
    "cancellations": (
        "Cancellations",
        "Cancelling subscriptions, plans, contracts and closing accounts.",
        (
            "cancel",
            "cancellation",
            "subscription",
            "contract",
            "plan",
            "terminate",
            "close",
            "annuler",
            "annulation",
            "résiliation",
            "résilier",
            "abonnement",
        ),
    ),
    "technical-faults": (
        "Technical faults",
        "Crashes, outages, devices that do not work, connection drops.",
        (
            "crash",
            "outage",
            "error",
            "bug",
            "app",
            "update",
            "internet",
            "connection",
            "router",
            "modem",
            "wifi",
            "signal",
            "device",
            "power",
            "technician",
            "warranty",
            "panne",
            "appareil",
            "application",
            "erreur",
            "internet coupe",
        ),
    ),
    "complaints": (
        "Complaints",
        "Formal complaints, escalations and requests for a manager.",
        (
            "complaint",
            "formal complaint",
            "manager",
            "escalation",
            "escalate",
            "plainte",
            "gérant",
            "insatisfait",
        ),
    ),
}

_SPACES = re.compile(r"\s+")
_EDGE_PUNCTUATION = " \t\n.,;:!?\"'()[]{}«»"


def keyword_normalise(text: str) -> str:
    """Lower case, single spaces, no edge punctuation ("  Refund  Policy!" → "refund policy")."""
    return _SPACES.sub(" ", text.strip(_EDGE_PUNCTUATION).lower()).strip()


def _singular(term: str) -> str:
    if len(term) > 3 and term.endswith("s") and not term.endswith("ss"):
        return term[:-1]
    return term


def term_category(term: str, taxonomy: Mapping[str, str]) -> tuple[str, str] | None:
    """(category slug, taxonomy term) for one keyword, or None. Whole phrase first, then words."""
    for candidate in (term, _singular(term)):
        if candidate in taxonomy:
            return taxonomy[candidate], candidate
    for word in term.split(" "):
        for candidate in (word, _singular(word)):
            if candidate in taxonomy:
                return taxonomy[candidate], candidate
    return None


@dataclass(frozen=True)
class CategoryMatch:
    slug: str
    via_term: str
    weight: float


def categories_for_keywords(
    keywords: Iterable[tuple[str, float]], taxonomy: Mapping[str, str]
) -> list[CategoryMatch]:
    """The categories of a chat from its weighted keywords, strongest first."""
    weights: dict[str, float] = {}
    via: dict[str, tuple[float, str]] = {}
    for term, weight in keywords:
        match = term_category(term, taxonomy)
        if match is None:
            continue
        slug, taxonomy_term = match
        weights[slug] = weights.get(slug, 0.0) + weight
        if slug not in via or weight > via[slug][0]:
            via[slug] = (weight, taxonomy_term)
    if not weights:
        return []
    strongest = max(weights.values())
    matches = [
        CategoryMatch(slug=slug, via_term=via[slug][1], weight=weight)
        for slug, weight in weights.items()
        if weight >= CATEGORY_MIN_SHARE * strongest
    ]
    return sorted(matches, key=lambda match: (-match.weight, match.slug))


def taxonomy_version(taxonomy: Mapping[str, str]) -> str:
    """The taxonomy's fingerprint: chats analysed under another one get their categories redone."""
    digest = hashlib.sha256()
    for term, slug in sorted(taxonomy.items()):
        digest.update(f"{term}\x00{slug}\x01".encode())
    return digest.hexdigest()[:16]
