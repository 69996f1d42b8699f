"""Issue #13 items 2 (DEBUG) and 8 (configuration): production settings pass
`check --deploy --fail-level WARNING` with real secrets and refuse the embedded default key;
DEBUG is off unless asked for; every page carries a strict Content-Security-Policy; the API
schema, its docs and the OData `$metadata` need a login; 404 and 500 are the project's pages."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client, RequestFactory
from django.views import defaults

from core.roles import Role

ROOT = Path(__file__).resolve().parents[2]
EMBEDDED_KEY = "insecure-embedded-mode-key-do-not-use-in-production"

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "k3S9-vQ2_x7Lm0pZ8rT4wY6uB1nC5dE0fG2hJ4kL6mN8pQ0rS2tU4vW6xY8zA0bC",
    "AUDIT_CHAIN_KEY": "audit-Zq8Wm3Xr5Tn7Yp9Lk2Jh4Gf6Ds8Aa0Qw1Er3Ty5Ui7Op9",
    "DJANGO_ALLOWED_HOSTS": "records.example.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://records.example.com",
    "DATABASE_URL": "postgres://chatrecords:secret@db.internal:5432/chatrecords",
    "REDIS_URL": "redis://cache.internal:6379/0",
}


def _manage(
    *args: str, env: dict[str, str], drop: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    full_env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "AUDIT_", "DATABASE_", "REDIS_"))
    }
    full_env.update(env)
    for key in drop:
        full_env.pop(key, None)
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_passes_with_production_settings_and_real_secrets():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_refuses_the_embedded_default_secret_key():
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": EMBEDDED_KEY}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stdout + result.stderr


def test_check_deploy_on_local_settings_flags_the_embedded_default_secret_key():
    result = _manage(
        "check",
        "--deploy",
        env={"DJANGO_SETTINGS_MODULE": "config.settings.local"},
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stdout + result.stderr


def test_production_refuses_to_start_without_an_audit_chain_key():
    result = _manage("check", env=PRODUCTION_ENV, drop=("AUDIT_CHAIN_KEY",))
    assert result.returncode != 0
    assert "AUDIT_CHAIN_KEY" in result.stderr


def _debug_value(env: dict[str, str]) -> str:
    result = _manage(
        "shell", "-c", "from django.conf import settings; print(settings.DEBUG)", env=env
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_debug_is_off_unless_explicitly_turned_on():
    assert _debug_value({"DJANGO_SETTINGS_MODULE": "config.settings.local"}) == "False"
    assert (
        _debug_value({"DJANGO_SETTINGS_MODULE": "config.settings.local", "DJANGO_DEBUG": "true"})
        == "True"
    )


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client, make_user):
    client.force_login(make_user(Role.RECORDS_MANAGER))
    for path in ("/login/", "/", "/audit/"):
        response = client.get(path, follow=True)
        policy = response.headers.get("Content-Security-Policy", "")
        directives = {}
        for part in filter(None, (p.strip() for p in policy.split(";"))):
            name, _, values = part.partition(" ")
            directives[name] = values
        assert "'self'" in directives.get("default-src", ""), (path, policy)
        scripts = directives.get("script-src", directives["default-src"])
        assert "'unsafe-inline'" not in scripts
        assert "'unsafe-eval'" not in scripts
        assert "'unsafe-inline'" not in directives.get("style-src", directives["default-src"])


# Documents that are mailed or downloaded, never served as pages under the site's policy.
NOT_PAGES = {"integrations/transcript_email.html", "privacy/export_bundle.html"}
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)|<style|\son[a-z]+=|\sstyle="
)


def test_page_templates_have_no_inline_script_style_or_event_handlers():
    offenders = []
    for template in (ROOT / "templates").rglob("*.html"):
        name = template.relative_to(ROOT / "templates").as_posix()
        if name not in NOT_PAGES and INLINE.search(template.read_text()):
            offenders.append(name)
    assert offenders == []


@pytest.mark.django_db
def test_anonymous_users_cannot_read_the_schema_the_docs_or_odata_metadata():
    client = Client()
    assert client.get("/api/schema/").status_code in (401, 403)
    docs = client.get("/api/docs/")
    assert docs.status_code in (401, 403) or (
        docs.status_code == 302 and docs["Location"].startswith("/login/")
    )
    assert client.get("/odata/$metadata").status_code == 401
    assert client.get("/odata/").status_code == 401


@pytest.mark.django_db
def test_signed_in_users_read_the_schema_the_docs_and_odata_metadata(client, make_user):
    client.force_login(make_user(Role.SUPPORT_STAFF))
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"<script>" not in docs.content  # the Swagger UI starts from a script file
    assert (
        client.get(
            docs.content.decode().split('<script src="')[-1].split('"')[0].replace("&amp;", "&")
        ).status_code
        == 200
    )
    assert client.get("/odata/$metadata").status_code == 200


@pytest.mark.django_db
def test_unknown_page_is_the_projects_own_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "ChatRecords" in body
    assert "Page not found" in body
    assert "Traceback" not in body
    assert "URLconf" not in body


def test_server_error_is_the_projects_own_500_page():
    response = defaults.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "ChatRecords" in body
    assert "Something went wrong" in body
    assert not django_settings.DEBUG
