import pytest

from retention.rules import hold_scope_clean


def test_hold_scope_needs_a_key_and_normalises():
    with pytest.raises(ValueError, match="at least one"):
        hold_scope_clean({})
    with pytest.raises(ValueError, match="unknown scope keys"):
        hold_scope_clean({"everything": True})
    with pytest.raises(ValueError, match="UTC offset"):
        hold_scope_clean({"started_after": "2020-01-01T00:00:00"})
    clean = hold_scope_clean(
        {"customer_emails": ["Ana@Example.CA"], "countries": ["ca"], "record_ids": ["3", 2]}
    )
    assert clean == {
        "customer_emails": ["ana@example.ca"],
        "countries": ["CA"],
        "record_ids": [2, 3],
    }
