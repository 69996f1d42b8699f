"""Schemathesis over the surfaces /api/schema/ does not describe (issue #13): the OData feed and
the inbound webhooks, against the live server, with valid credentials and signatures.

They are plain Django views, so the OpenAPI document below describes them by hand: the OData
system query options (with a pattern that produces near-valid $filter expressions, and
negative generation for the rest) and webhook bodies shaped like each system's events. Every
generated request is sent signed the way its sender signs (Chatwoot HMAC over the body, the
LiveChat secret_key, Twilio's HMAC over URL and form). No request may answer 5xx, and every
refusal must come in its surface's error format. Bounded: a few examples per operation.
"""

import hashlib
import hmac
import json
import os
import time
from typing import Any

import pytest
import requests
import schemathesis
from django.core.management import call_command
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.core.result import Ok

from core.roles import Role
from integrations.inbound import twilio_signature
from records.file_plan import file_plan_seed
from tests.factories import make_chat

EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "12"))
# The webhooks take more: their bodies nest, and each level may come in the wrong type.
WEBHOOK_EXAMPLES = 3 * EXAMPLES_PER_OPERATION
REQUEST_TIMEOUT_S = 30
CHATWOOT_SECRET, LIVECHAT_SECRET, TWILIO_TOKEN = "cw-fuzz", "lc-fuzz", "tw-fuzz"
ENTITY_SETS = ["Chats", "Records", "Trends", "AgentMetrics", "Nope"]
PROPERTIES = "id|country|region|language|started_at|ended_at|status|chat_count|week_start|source"
LITERAL = (
    r"'[a-zA-Z0-9 :.\-]{0,12}'|-?[0-9]{1,22}|[0-9]{1,3}\.[0-9]{1,3}"
    r"|[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2}))?"
    r"|null|true|false"
)
FILTER_PATTERN = (
    rf"^(not )?\(?({PROPERTIES}) (eq|ne|gt|ge|lt|le) ({LITERAL})\)?"
    rf"( (and|or) (not )?(contains|startswith|endswith|substring|length|tolower|year)"
    rf"\(({PROPERTIES})(,({LITERAL}))?\)( (eq|gt) ({LITERAL}))?)?$"
)
TEXT_OR_NUMBER: dict[str, Any] = {"anyOf": [{"type": "string"}, {"type": "integer"}]}
MOMENT: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "format": "date-time"},
        {"type": "string"},
        {"type": "integer"},
    ]
}


def _or_anything(schema: dict[str, Any]) -> dict[str, Any]:
    """A piece of the payload in its documented shape, or any JSON value at all (a signed sender
    can send a list where an object belongs: that is a 400, never a 500)."""
    return {"anyOf": [schema, {}]}


def _odata_parameters() -> list[dict[str, Any]]:
    def query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
        return {"name": name, "in": "query", "required": False, "schema": schema}

    return [
        {"name": "entity_set", "in": "path", "required": True, "schema": {"enum": ENTITY_SETS}},
        query("$filter", {"type": "string", "pattern": FILTER_PATTERN}),
        query("$select", {"type": "string", "pattern": rf"^(({PROPERTIES}|x),?){{0,4}}$"}),
        query("$orderby", {"type": "string", "pattern": rf"^({PROPERTIES})( asc| desc)?$"}),
        query("$top", {"type": "string", "pattern": r"^[0-9]{1,22}$"}),
        query("$skip", {"type": "string", "pattern": r"^[0-9]{1,22}$"}),
        query("$count", {"enum": ["true", "false", "maybe"]}),
        query("start", {"type": "string"}),
        query("end", {"type": "string", "format": "date"}),
    ]


CHATWOOT_MESSAGE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": TEXT_OR_NUMBER,
        "content": {"type": "string"},
        "message_type": {"anyOf": [{"enum": [0, 1, 2, 3, "incoming", "outgoing"]}, {}]},
        "content_type": {"enum": ["text", "input_csat"]},
        "created_at": MOMENT,
        "private": {"type": "boolean"},
        "sender": {},
        "sender_type": {"type": "string"},
    },
}
SCHEMA: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "ChatRecords OData and inbound webhooks", "version": "1"},
    "paths": {
        "/odata/{entity_set}": {
            "get": {"parameters": _odata_parameters(), "responses": {"200": {"description": ""}}}
        },
        "/odata/{entity_set}/$count": {
            "get": {
                "parameters": _odata_parameters()[:2],
                "responses": {"200": {"description": ""}},
            }
        },
        "/odata/{entity_set}({key})": {
            "get": {
                "parameters": [
                    _odata_parameters()[0],
                    {
                        "name": "key",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "pattern": r"^[0-9]{1,25}$"},
                    },
                    _odata_parameters()[2],
                ],
                "responses": {"200": {"description": ""}},
            }
        },
        "/api/v1/integrations/chatwoot/webhook/": {
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["event"],
                                "properties": {
                                    "event": {
                                        "enum": [
                                            "message_created",
                                            "message_updated",
                                            "conversation_resolved",
                                            "conversation_status_changed",
                                            "conversation_created",
                                            "webwidget_triggered",
                                        ]
                                    },
                                    "id": TEXT_OR_NUMBER,
                                    "status": {"enum": ["resolved", "open", "pending"]},
                                    "conversation": _or_anything(
                                        {"type": "object", "properties": {"id": TEXT_OR_NUMBER}}
                                    ),
                                    "created_at": MOMENT,
                                    "timestamp": MOMENT,
                                    "messages": _or_anything(
                                        {"type": "array", "items": _or_anything(CHATWOOT_MESSAGE)}
                                    ),
                                    "meta": {},
                                    "labels": {"type": "array", "items": {"type": "string"}},
                                    **CHATWOOT_MESSAGE["properties"],
                                },
                            }
                        }
                    },
                },
                "responses": {"200": {"description": ""}},
            }
        },
        "/api/v1/integrations/livechat/webhook/": {
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["action", "payload"],
                                "properties": {
                                    "action": {
                                        "enum": [
                                            "incoming_chat",
                                            "incoming_event",
                                            "chat_deactivated",
                                            "chat_transferred",
                                        ]
                                    },
                                    "payload": _or_anything(
                                        {
                                            "type": "object",
                                            "properties": {
                                                "chat_id": TEXT_OR_NUMBER,
                                                "thread_id": TEXT_OR_NUMBER,
                                                "chat": {
                                                    "type": "object",
                                                    "properties": {
                                                        "id": TEXT_OR_NUMBER,
                                                        "users": {},
                                                        "thread": {
                                                            "type": "object",
                                                            "properties": {
                                                                "id": TEXT_OR_NUMBER,
                                                                "created_at": MOMENT,
                                                                "events": {},
                                                            },
                                                        },
                                                    },
                                                },
                                                "event": {
                                                    "type": "object",
                                                    "properties": {
                                                        "id": TEXT_OR_NUMBER,
                                                        "type": {"enum": ["message", "file"]},
                                                        "text": {"type": "string"},
                                                        "author_id": {"type": "string"},
                                                        "created_at": MOMENT,
                                                    },
                                                },
                                            },
                                        }
                                    ),
                                },
                            }
                        }
                    },
                },
                "responses": {"200": {"description": ""}},
            }
        },
        "/api/v1/integrations/twilio/webhook/": {
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "required": ["ConversationSid", "EventType"],
                                "properties": {
                                    "ConversationSid": {"enum": ["CH1", "CH2", ""]},
                                    "EventType": {
                                        "enum": [
                                            "onParticipantAdded",
                                            "onMessageAdded",
                                            "onConversationStateUpdated",
                                            "onConversationAdded",
                                        ]
                                    },
                                    "MessageSid": {"type": "string"},
                                    "ParticipantSid": {"type": "string"},
                                    "Identity": {"type": "string"},
                                    "Author": {"type": "string"},
                                    "Body": {"type": "string"},
                                    "Index": {"type": "string"},
                                    "Media": {"type": "string"},
                                    "Attributes": {"type": "string"},
                                    "DateCreated": {"type": "string", "format": "date-time"},
                                    "DateUpdated": {"type": "string"},
                                    "StateTo": {"enum": ["closed", "active", "inactive"]},
                                    "MessagingBinding.Address": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "responses": {"200": {"description": ""}},
            }
        },
    },
}


@pytest.fixture
def served(live_server: Any, transactional_db: None, settings: Any) -> dict[str, Any]:
    """A live server with chats and records to find, the webhook secrets set and a manager's
    token for OData."""
    settings.CHATWOOT_WEBHOOK_SECRET = CHATWOOT_SECRET
    settings.LIVECHAT_WEBHOOK_SECRET = LIVECHAT_SECRET
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    settings.TWILIO_WEBHOOK_URL = f"{live_server.url}/api/v1/integrations/twilio/webhook/"
    file_plan_seed()
    for country in ("CA", "US", ""):
        make_chat(started_at="2018-01-05T10:00:00+00:00", country=country, region="")
    call_command("run_job", "declare_records", now=timezone.now().isoformat())
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user("fuzz-odata", password="x")
    user.groups.add(Group.objects.get(name=Role.RECORDS_MANAGER.value))
    token, _ = Token.objects.get_or_create(user=user)
    return {"base_url": live_server.url, "headers": {"Authorization": f"Token {token.key}"}}


def _send(case: Any, base_url: str, headers: dict[str, str]) -> requests.Response:
    """The request as its sender would sign it."""
    path = case.formatted_path
    url = f"{base_url}{path}"
    if case.method == "GET":
        return case.call(base_url=base_url, headers=headers, timeout=REQUEST_TIMEOUT_S)
    body = case.body
    if "twilio" in path:
        form = {str(k): str(v) for k, v in body.items()} if isinstance(body, dict) else {}
        if isinstance(body, bytes):  # not a form: sent raw, signed over no parameters
            signature = twilio_signature(auth_token=TWILIO_TOKEN, url=url, params={})
            return requests.post(
                url,
                data=body,
                headers={
                    "X-Twilio-Signature": signature,
                    "Content-Type": "application/x-www-form-urlencoded",
                },
                timeout=REQUEST_TIMEOUT_S,
            )
        signature = twilio_signature(auth_token=TWILIO_TOKEN, url=url, params=form)
        return requests.post(
            url, data=form, headers={"X-Twilio-Signature": signature}, timeout=REQUEST_TIMEOUT_S
        )
    if "livechat" in path and isinstance(body, dict):
        body = {**body, "secret_key": LIVECHAT_SECRET}
    # Negative generation may give raw bytes (not JSON at all): sent as they are, signed.
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    signed = {"Content-Type": "application/json"}
    if "chatwoot" in path:
        ts = str(int(time.time()))
        digest = hmac.new(CHATWOOT_SECRET.encode(), f"{ts}.".encode() + raw, hashlib.sha256)
        signed |= {
            "X-Chatwoot-Timestamp": ts,
            "X-Chatwoot-Signature": f"sha256={digest.hexdigest()}",
        }
    return requests.post(url, data=raw, headers=signed, timeout=REQUEST_TIMEOUT_S)


def _problems(path: str, response: requests.Response) -> list[str]:
    if response.status_code >= 500:
        return [f"server error: {response.text[:300]}"]
    if response.status_code in (400, 401, 403, 413):
        try:
            body = response.json()
        except ValueError:
            return [f"{response.status_code} not in JSON: {response.text[:200]}"]
        if path.startswith("/odata/"):
            if not isinstance(body.get("error"), dict) or "message" not in body["error"]:
                return [f"OData error without error.message: {body}"]
        elif set(body) != {"message", "extra"}:
            return [f"error not in the {{message, extra}} format: {body}"]
    return []


def test_odata_and_inbound_webhooks_never_answer_5xx(served: dict[str, Any]) -> None:
    schema = schemathesis.openapi.from_dict(SCHEMA)
    base_url, headers = served["base_url"], served["headers"]
    problems: list[str] = []
    sent = [0]
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"the schema has an invalid operation: {result}"
        operation = result.ok()
        strategy = st.one_of(
            operation.as_strategy(),
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
        )

        @settings(
            max_examples=(
                WEBHOOK_EXAMPLES if "webhook" in operation.path else EXAMPLES_PER_OPERATION
            ),
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def check(case: Any) -> None:
            response = _send(case, base_url, headers)
            sent[0] += 1
            where = f"{case.method} {response.request.url} -> {response.status_code}"
            problems.extend(f"{where}: {p}" for p in _problems(case.path, response))

        check()
    assert sent[0] >= 5 * EXAMPLES_PER_OPERATION
    assert problems == []
