"""Every hook listener of the project, connected in one place (STYLE §1b).

Each app that listens to another app's hooks has a `receivers.py` with a `connect()` function;
this list names them all, so `grep` from a hook finds its receivers and this file shows the
whole wiring. The hooks themselves are declared in each owner's `hooks.py`.
"""

from importlib import import_module

# In layer order; each module's connect() connects its receivers to the hooks they listen to.
RECEIVER_MODULES: tuple[str, ...] = (
    "redaction.receivers",
    "records.receivers",
    "retention.receivers",
    "knowledgebase.receivers",
    "qa.receivers",
    "privacy.receivers",
    "integrations.receivers",
)


def receivers_connect() -> None:
    for module in RECEIVER_MODULES:
        import_module(module).connect()
    labels_register()


def labels_register() -> None:
    """The Django choices whose values pages show by their labels (core.labels): named here, in
    the one place that may know every app, rather than registered from each app's ready()."""
    from core.labels import choices_register
    from records.models import DispositionAction, RecordStatus
    from retention.models import BatchState, ItemStatus

    choices_register(RecordStatus, DispositionAction, ItemStatus, BatchState)
