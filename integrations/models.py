from django.db import models


class InboundEvent(models.Model):
    """A live-chat system's webhook event held until its conversation closes.

    Sources push a conversation piece by piece (message by message); the chat is imported once,
    whole, when it closes, and its held events are deleted in the same transaction. They hold
    original text, so they live only as long as the conversation is open.
    """

    source = models.CharField(max_length=64)
    conversation_key = models.CharField(max_length=255)
    kind = models.CharField(max_length=64)
    # The source's own id of this piece (a message or participant sid, a message or event id,
    # a thread id): a replayed event finds its first copy and adds nothing.
    event_key = models.CharField(max_length=255, blank=True, default="")
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["source", "conversation_key"])]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "conversation_key", "kind", "event_key"],
                condition=~models.Q(event_key=""),
                name="inbound_event_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.conversation_key} {self.kind}"
