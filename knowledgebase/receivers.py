"""What the knowledge base does when something happens elsewhere: it answers the chat extras it
derives (sentiment, satisfaction, keywords), and drops what it derived from destroyed chats."""

from chats.hooks import ChatExtra, ChatExtrasQuery, chat_extras_collect
from knowledgebase.selectors.insights import chats_keywords, chats_sentiment_and_satisfaction
from knowledgebase.services.search_index import chat_search_documents_drop_destroyed
from retention.hooks import ChatsDestroyed, chats_destroyed


def chats_insight_extras(query: ChatExtrasQuery) -> tuple[ChatExtra, ...]:
    """`sentiment` and `satisfaction`, both read from the chats' insight rows in one query."""
    sentiment, satisfaction = chats_sentiment_and_satisfaction(list(query.chat_ids))
    return (
        ChatExtra(key="sentiment", values=sentiment),
        ChatExtra(key="satisfaction", values=satisfaction),
    )


def chats_keywords_extra(query: ChatExtrasQuery) -> ChatExtra:
    return ChatExtra(key="keywords", values=chats_keywords(list(query.chat_ids)), default=[])


def search_documents_drop(event: ChatsDestroyed) -> None:
    """Receiver of `chats_destroyed`, inside the destruction transaction: the search copy of a
    destroyed chat goes with its messages (an anonymised chat keeps its redacted text, and so
    its search copy)."""
    chat_search_documents_drop_destroyed(list(event.chat_ids))


def connect() -> None:
    chat_extras_collect.connect(chats_insight_extras)
    chat_extras_collect.connect(chats_keywords_extra)
    chats_destroyed.connect(search_documents_drop)
