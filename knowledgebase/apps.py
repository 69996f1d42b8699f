from django.apps import AppConfig


class KnowledgebaseConfig(AppConfig):
    name = "knowledgebase"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        from knowledgebase.services.search_index import chat_search_documents_drop_destroyed
        from retention.services.destruction import CHAT_DESTRUCTION_HOOKS

        if chat_search_documents_drop_destroyed not in CHAT_DESTRUCTION_HOOKS:
            CHAT_DESTRUCTION_HOOKS.append(chat_search_documents_drop_destroyed)
