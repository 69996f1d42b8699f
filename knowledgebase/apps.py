from django.apps import AppConfig


class KnowledgebaseConfig(AppConfig):
    name = "knowledgebase"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        # TODO(#14): delete once chats asks `chat_extras_collect` and retention sends
        # `chats_destroyed` (knowledgebase/receivers.py answers both).
        from chats.selectors import register_chat_extra
        from knowledgebase.selectors import insights

        register_chat_extra("sentiment")(insights.chats_sentiment)
        register_chat_extra("satisfaction")(insights.chats_satisfaction)
        register_chat_extra("keywords", default=[])(insights.chats_keywords)

        from knowledgebase.services.search_index import chat_search_documents_drop_destroyed
        from retention.services.destruction import CHAT_DESTRUCTION_HOOKS

        if chat_search_documents_drop_destroyed not in CHAT_DESTRUCTION_HOOKS:
            CHAT_DESTRUCTION_HOOKS.append(chat_search_documents_drop_destroyed)
