from tests.retention.conftest import declared_chat, due_records, file_plan  # noqa: F401
