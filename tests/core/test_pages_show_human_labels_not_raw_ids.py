"""Enum values and ids shown on pages go through one mapping (core.labels); counts pluralise."""

from django.template import Context, Template

from core.labels import label_for, scope_text


def test_raw_ids_have_human_labels():
    assert label_for("skipped_held") == "skipped: held"
    assert label_for("unknown_country") == "country unknown"
    assert label_for("source_system") == "source system"
    assert label_for("*") == "all jurisdictions"
    assert label_for(None) == "—"


def test_registered_choices_show_their_django_labels():
    from retention.models import ItemStatus

    assert label_for(ItemStatus.EXCLUDED) == ItemStatus.EXCLUDED.label


def test_hold_scope_is_readable_text_not_a_python_repr():
    text = scope_text({"countries": ["CA", "US"], "record_ids": [13]})
    assert text == "countries: CA, US; records: 13"
    assert "[" not in text
    assert scope_text({}) == "—"


def test_template_filters_are_one_load_away():
    rendered = Template(
        "{% load labels %}{{ j|human }} / {{ scope|hold_scope }} / {{ n }} chat{{ n|pluralize }}"
    ).render(Context({"j": "*", "scope": {"countries": ["CA"]}, "n": 1}))
    assert rendered == "all jurisdictions / countries: CA / 1 chat"
