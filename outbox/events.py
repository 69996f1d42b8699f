"""The events a subscription may ask for, and who emits them."""

WEBHOOK_EVENTS = (
    "chat.closed",  # integrations (a chat imported closed), chats
    "record.declared",  # records
    "record.disposed",  # retention (disposal executed)
    "dsr.completed",  # privacy (a data-subject request closed)
    "trend.emerging",  # knowledgebase (a new emerging issue, notify_emerging_issues)
)
