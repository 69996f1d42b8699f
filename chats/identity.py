"""Customer ids that are never the customer's identity (R-ROLE-1, R-DISP-4).

A customer is identified by (source, external_id). When a source sends no id, or sends the
customer's email, phone number or name as the id (some systems do: a WhatsApp address, a
login e-mail), the id would carry the identity into every place that shows or sends ids: API
views for every role, webhook bodies, tombstone-adjacent logs. Such a customer gets an opaque
id instead: "anon-" and a keyed hash (HMAC-SHA256 with CUSTOMER_ID_KEY) of the normalised
identity, so a re-import of the same person from the same source finds the same customer and
the id reveals nothing without the key. Pure functions, no database access.
"""

import hashlib
import hmac
import re
import unicodedata

from django.conf import settings

PSEUDONYM_PREFIX = "anon-"
PSEUDONYM_DIGEST_LENGTH = 32
MIN_PHONE_DIGITS = 7
_EMAIL_LIKE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_NOT_DIGIT = re.compile(r"\D")
_LETTER = re.compile(r"[^\W\d_]")


def _name_key(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).casefold()
    if not folded.isascii():  # no ASCII character is a combining mark: skip the slow filter
        folded = "".join(char for char in folded if not unicodedata.combining(char))
    return " ".join(folded.split())


def _digits(phone: str) -> str:
    return _NOT_DIGIT.sub("", phone)


def _identity_key(*, name: str, email: str, phone: str) -> str:
    """The person's strongest identifier in a normal form: e-mail, else phone, else name."""
    if email.strip():
        return "email:" + email.strip().casefold()
    digits = _digits(phone)
    if len(digits) >= MIN_PHONE_DIGITS:
        return "phone:" + digits[-10:]
    if name.strip():
        return "name:" + _name_key(name)
    return ""


def customer_pseudonym(*, name: str = "", email: str = "", phone: str = "") -> str:
    """The opaque, stable id of a customer known only by identity; "" when nothing is known."""
    key = _identity_key(name=name, email=email, phone=phone)
    if not key:
        return ""
    digest = hmac.new(
        str(settings.CUSTOMER_ID_KEY).encode(), key.encode(), hashlib.sha256
    ).hexdigest()
    return PSEUDONYM_PREFIX + digest[:PSEUDONYM_DIGEST_LENGTH]


def customer_id_reveals_identity(
    external_id: str, *, name: str = "", email: str = "", phone: str = ""
) -> bool:
    """Whether a source's customer id is (or holds) an identity: an e-mail address, the
    customer's phone number (digits, whatever the prefix: "whatsapp:+1…") or name."""
    if not external_id:
        return False
    if _EMAIL_LIKE.search(external_id):
        return True
    digits = _digits(external_id)
    if len(digits) >= MIN_PHONE_DIGITS:
        phone_digits = _digits(phone)
        if phone_digits and digits[-10:] == phone_digits[-10:]:
            return True
        # Nothing but a number with phone punctuation or a channel prefix: a phone number.
        rest = re.sub(r"^(whatsapp|sms|messenger|tel|phone):", "", external_id.casefold())
        if rest.lstrip("+").replace(" ", "").replace("-", "").replace(".", "").isdigit() and (
            rest.startswith("+") or " " in rest or "-" in rest.strip("-")
        ):
            return True
    return bool(name.strip()) and _name_key(external_id) == _name_key(name)


def customer_external_id(*, given: str, name: str = "", email: str = "", phone: str = "") -> str:
    """The id a customer is stored under: the source's own id unless it reveals an identity,
    else the pseudonym of what is known; "" when there is neither."""
    if given and not customer_id_reveals_identity(given, name=name, email=email, phone=phone):
        return given
    known = customer_pseudonym(name=name, email=email, phone=phone)
    if known or not given:
        return known
    # The id is all there is, and it is an e-mail address or a phone number.
    if _EMAIL_LIKE.search(given):
        return customer_pseudonym(email=given)
    return customer_pseudonym(phone=given)
