from django.apps import AppConfig


class KnowledgebaseConfig(AppConfig):
    name = "knowledgebase"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        # TODO(#14): delete once chats asks `chat_extras_collect` (knowledgebase/receivers.py).
        from chats.selectors import register_chat_extra
        from knowledgebase.selectors import insights

        register_chat_extra("sentiment")(insights.chats_sentiment)
        register_chat_extra("satisfaction")(insights.chats_satisfaction)
        register_chat_extra("keywords", default=[])(insights.chats_keywords)
