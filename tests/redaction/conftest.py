from collections.abc import Callable, Sequence

import pytest

from redaction.detection import ChatText, Identity, chats_detect, ner_pipeline
from redaction.placeholders import texts_redact

Redactor = Callable[..., list[str]]


@pytest.fixture(scope="session")
def ner() -> object:
    """The pipeline loads once per test session (core.nlp caches it per process)."""
    return ner_pipeline()


@pytest.fixture
def redact(ner: object) -> Redactor:
    """Redacts the texts of one chat; every text is the customer's unless `senders` says."""

    def run(
        texts: Sequence[str],
        *,
        senders: Sequence[str] | None = None,
        identity: Identity | None = None,
        reference_year: int = 2025,
        language: str = "",
    ) -> list[str]:
        chat = ChatText(
            texts=list(texts),
            senders=list(senders or ["customer"] * len(texts)),
            identity=identity or Identity(),
            reference_year=reference_year,
            language=language,
        )
        findings = chats_detect([chat])[0]
        return texts_redact(chat.texts, findings)[0]

    return run
