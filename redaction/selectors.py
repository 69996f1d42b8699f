from django.db.models import Exists, OuterRef, Q, QuerySet

from chats.models import Chat, Message
from redaction.detection import DETECTOR_VERSION


def chats_pending_redaction(*, rerun_outdated: bool = False) -> QuerySet[Chat]:
    """Chats without a redacted layer; with `rerun_outdated`, also those redacted by another
    detector version — except chats whose originals are purged: nothing left to redact from."""
    never_redacted = Q(redacted_at__isnull=True)
    if not rerun_outdated:
        return Chat.objects.filter(never_redacted)
    purged = Message.objects.filter(chat=OuterRef("pk"), original_purged_at__isnull=False)
    outdated = Q(redacted_at__isnull=False) & ~Q(redaction_version=DETECTOR_VERSION)
    return Chat.objects.filter(never_redacted | (outdated & ~Exists(purged)))
