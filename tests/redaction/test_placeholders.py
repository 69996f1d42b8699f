from redaction.detection import EntityType, Finding
from redaction.placeholders import texts_redact


def _f(start: int, end: int, entity: EntityType) -> Finding:
    return Finding(start, end, entity)


def test_same_value_same_placeholder_across_messages_and_types_numbered_apart() -> None:
    texts = ["Ana Silva, ana@x.ca", "ANA@X.CA and Bob Lee", "thanks Ana"]
    findings = [
        [_f(0, 9, EntityType.PERSON), _f(11, 19, EntityType.EMAIL)],
        [_f(0, 8, EntityType.EMAIL), _f(13, 20, EntityType.PERSON)],
        [_f(7, 10, EntityType.PERSON)],
    ]
    redacted, counts = texts_redact(texts, findings)
    assert redacted == [
        "[PERSON_1], [EMAIL_1]",
        "[EMAIL_1] and [PERSON_2]",
        "thanks [PERSON_1]",  # a first name alone joins its full name
    ]
    assert counts[0] == {"PERSON": 1, "EMAIL": 1}
    assert counts[2] == {"PERSON": 1}


def test_numbers_are_compared_by_their_digits_and_never_hashed() -> None:
    texts = ["(416) 482-4876", "416.482.4876", "+1 416 555 0000"]
    findings = [[_f(0, len(t), EntityType.PHONE)] for t in texts]
    redacted, _ = texts_redact(texts, findings)
    assert redacted == ["[PHONE_1]", "[PHONE_1]", "[PHONE_2]"]


def test_text_without_findings_is_unchanged() -> None:
    assert texts_redact(["nothing here"], [[]]) == (["nothing here"], [{}])
