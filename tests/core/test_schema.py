import pytest
import yaml
from django.core.management import call_command


@pytest.mark.django_db
def test_openapi_schema_generates_without_warnings_and_covers_the_contract(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(out))
    paths = yaml.safe_load(out.read_text())["paths"]
    for path in (
        "/api/v1/chats/",
        "/api/v1/chats/{id}/",
        "/api/v1/records/",
        "/api/v1/records/{id}/",
        "/api/v1/records/{id}/history/",
        "/api/v1/legal-holds/",
        "/api/v1/legal-holds/{id}/release/",
        "/api/v1/disposal-batches/",
        "/api/v1/disposal-batches/{id}/approve/",
        "/api/v1/disposal-batches/{id}/reject/",
        "/api/v1/disposal-batches/{id}/exclude/",
        "/api/v1/disposal-certificates/",
        "/api/v1/qa-reviews/",
        "/api/v1/qa-reviews/{id}/confirm/",
        "/api/v1/qa-reviews/{id}/correct/",
        "/api/v1/kb/search/",
        "/api/v1/kb/articles/",
        "/api/v1/trends/",
        "/api/v1/audit-events/",
        "/api/v1/subject-requests/",
    ):
        assert path in paths, path
