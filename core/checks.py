from typing import Any

from django.core.checks import Error, register

from core.nlp import (
    MODEL_SETTINGS,
    spacy_model_installed,
    spacy_model_missing_message,
    spacy_model_name,
)


@register()
def spacy_model_check(app_configs: Any, **kwargs: Any) -> list[Error]:
    """A missing spaCy model (of any language) stops start-up with the fix named."""
    errors = []
    for language, setting in MODEL_SETTINGS.items():
        name = spacy_model_name(language)
        if not spacy_model_installed(name):
            errors.append(Error(spacy_model_missing_message(name, setting), id="chatrecords.E001"))
    return errors
