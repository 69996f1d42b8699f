from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from core.nlp import spacy_model_installed, spacy_model_missing_message


@register()
def spacy_model_check(app_configs: Any, **kwargs: Any) -> list[Error]:
    """A missing spaCy model stops start-up (runserver, migrate, worker) with the fix named."""
    if spacy_model_installed():
        return []
    return [Error(spacy_model_missing_message(settings.SPACY_MODEL), id="chatrecords.E001")]
