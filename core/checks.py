from typing import Any

from django.conf import settings
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


MINIMUM_AUDIT_KEY_LENGTH = 32


@register(deploy=True)
def embedded_secrets_check(app_configs: Any, **kwargs: Any) -> list[Error]:
    """`check --deploy`: the embedded default keys are public, so a deployment must not use them
    (issue #13). Django's own W009 lets the embedded SECRET_KEY through: it is long and varied."""
    errors = []
    if settings.SECRET_KEY == settings.EMBEDDED_SECRET_KEY:
        errors.append(
            Error(
                "SECRET_KEY is the embedded default, which is public.",
                hint="Set DJANGO_SECRET_KEY to a long random secret of your own.",
                id="chatrecords.E002",
            )
        )
    if settings.AUDIT_CHAIN_KEY == settings.EMBEDDED_AUDIT_CHAIN_KEY:
        errors.append(
            Error(
                "AUDIT_CHAIN_KEY is the embedded default, which is public: anyone could re-seal "
                "an altered audit chain.",
                hint="Set AUDIT_CHAIN_KEY to a long random secret kept out of the database.",
                id="chatrecords.E003",
            )
        )
    elif len(settings.AUDIT_CHAIN_KEY) < MINIMUM_AUDIT_KEY_LENGTH:
        errors.append(
            Error(
                f"AUDIT_CHAIN_KEY is shorter than {MINIMUM_AUDIT_KEY_LENGTH} characters.",
                hint="Use a long random secret, e.g. `python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'`.",
                id="chatrecords.E004",
            )
        )
    return errors
