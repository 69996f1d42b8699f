from typing import TYPE_CHECKING

from django.apps import AppConfig

if TYPE_CHECKING:
    from retention.hooks import ChatsDestroyed


class KnowledgebaseConfig(AppConfig):
    name = "knowledgebase"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        from chats.selectors import register_chat_extra
        from knowledgebase.selectors import insights

        register_chat_extra("sentiment")(insights.chats_sentiment)
        register_chat_extra("satisfaction")(insights.chats_satisfaction)
        register_chat_extra("keywords", default=[])(insights.chats_keywords)

        from retention.hooks import chats_destroyed

        # Interim wiring on branch h3; helper h4 moves it to knowledgebase/receivers.py.
        chats_destroyed.connect(_search_documents_drop)


def _search_documents_drop(event: "ChatsDestroyed") -> None:
    from knowledgebase.services.search_index import chat_search_documents_drop_destroyed

    chat_search_documents_drop_destroyed(list(event.chat_ids))
