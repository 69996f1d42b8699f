"""Emailing a customer a copy of their chat (R-CHAT-5).

Only to the customer's own address as stored on the chat (never a typed address), with the
original text (it is the customer's own conversation), as plain text and HTML. The send is
audited without the address or any text.
"""

import logging
import smtplib

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import BadHeaderError, EmailMultiAlternatives
from django.core.validators import validate_email
from django.template.loader import render_to_string

from audit.services import audit_event_record
from chats.models import Chat
from chats.selectors import chat_with_transcript, message_transcript_text
from core.exceptions import ApplicationError, NotFoundError

logger = logging.getLogger(__name__)


class MailNotSentError(ApplicationError):
    """The mail server refused or could not be reached: nothing was sent."""

    status_code = 503


def email_masked(email: str) -> str:
    """`alice@example.com` → `a•••@example.com`: enough to recognise, never the whole address."""
    local, at, domain = email.rpartition("@")
    if not at or not local:
        return "•••" if email else ""
    return f"{local[0]}•••@{domain}"


def chat_transcript_send(*, chat_id: int, sent_by: AbstractBaseUser) -> Chat:
    chat = chat_with_transcript(Chat.objects.filter(pk=chat_id)).first()
    if chat is None:
        raise NotFoundError("No such chat", extra={"chat": chat_id})
    email = chat.customer.email if chat.customer else ""
    if not email:
        raise ApplicationError(
            "This chat has no customer email address to send to", extra={"chat": chat.pk}
        )
    try:  # an address stored before import validated it may carry a header (\r\nBcc: …)
        validate_email(email)
    except ValidationError:
        raise ApplicationError(
            "The customer's email address is not valid; correct it before sending",
            extra={"chat": chat.pk, "field": "customer.email"},
        ) from None
    lines = [
        # chat_with_transcript holds the transcript lines only: never an agent's internal note
        {"message": message, "text": message_transcript_text(message, redacted=False)}
        for message in chat.messages.all()
    ]
    context = {
        "chat": chat,
        "lines": lines,
        "customer_name": chat.customer.name if chat.customer else "",
    }
    mail = EmailMultiAlternatives(
        subject=f"Your chat with us on {chat.started_at:%Y-%m-%d}",
        body=render_to_string("integrations/transcript_email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email],
    )
    mail.attach_alternative(
        render_to_string("integrations/transcript_email.html", context), "text/html"
    )
    try:
        mail.send(fail_silently=False)
    except BadHeaderError:
        raise ApplicationError(
            "The transcript email has an invalid header; nothing was sent",
            extra={"chat": chat.pk},
        ) from None
    except (smtplib.SMTPException, OSError) as failure:
        logger.warning("transcript email for chat %s not sent: %s", chat.pk, type(failure).__name__)
        raise MailNotSentError(
            "The mail server did not accept the transcript; it was not sent, try again later",
            extra={"chat": chat.pk},
        ) from None
    # After the send: the audit log says only what really went out.
    audit_event_record(
        actor=sent_by, action="chat.transcript_sent", target=chat, data={"messages": len(lines)}
    )
    return chat
