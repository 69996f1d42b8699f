"""Fault injection needs PostgreSQL: the jobs run as separate processes on the test database.
Without it these tests fail, loudly; they never skip."""

import pytest

from core.db import is_postgresql


@pytest.fixture
def postgres_db(transactional_db: None) -> None:
    if not is_postgresql():
        pytest.fail("fault-injection tests need PostgreSQL (DATABASE_URL=postgres://…)")
