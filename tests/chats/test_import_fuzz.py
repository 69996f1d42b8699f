"""Property-based fuzz of import_chats: 50 examples × 20 mutated lines = 1,000 lines.

Whatever the input, the import never crashes, every non-blank line is counted exactly once
(imported, already present or rejected), and every rejected line is kept verbatim.
"""

import copy
import io
import json
import uuid
from typing import Any

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chats.models import Chat
from tests.factories import chat_dict

pytestmark = pytest.mark.django_db

LINES_PER_EXAMPLE = 20
EXAMPLES = 50

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
KEYS = [
    "external_id",
    "source",
    "started_at",
    "ended_at",
    "language",
    "country",
    "region",
    "customer",
    "agents",
    "messages",
    "survey",
    "tags",
]
MESSAGE_KEYS = ["sender", "sent_at", "text", "agent_external_id"]
# Built once: hypothesis needs generation to depend only on what it draws.
BASE_CHAT = chat_dict(external_id="fz-base")


@st.composite
def mutated_line(draw: st.DrawFn) -> bytes:
    data: dict[str, Any] = copy.deepcopy(BASE_CHAT)
    data["external_id"] = f"fz-{draw(st.uuids()).hex}"
    kind = draw(st.sampled_from(["valid", "drop", "retype", "message", "bytes", "survey"]))
    if kind == "drop":
        data.pop(draw(st.sampled_from(KEYS)), None)
    elif kind == "retype":
        data[draw(st.sampled_from(KEYS))] = draw(junk)
    elif kind == "message":
        message = data["messages"][draw(st.integers(0, 2))]
        message[draw(st.sampled_from(MESSAGE_KEYS))] = draw(junk)
    elif kind == "survey":
        data["survey"][draw(st.sampled_from(["rating", "resolved", "comment", "answers"]))] = draw(
            junk
        )
    line = json.dumps(data, ensure_ascii=draw(st.booleans())).encode()
    if kind == "bytes":
        cut = draw(st.integers(0, len(line)))
        line = line[:cut] + draw(st.binary(max_size=8)) + line[cut:]
    return line.replace(b"\n", b" ").replace(b"\r", b" ") + b"\n"


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(lines=st.lists(mutated_line(), min_size=LINES_PER_EXAMPLE, max_size=LINES_PER_EXAMPLE))
def test_import_never_crashes_and_counts_every_line(tmp_path, lines):
    path = tmp_path / f"fuzz-{uuid.uuid4().hex}.jsonl"
    path.write_bytes(b"".join(lines))
    before = Chat.objects.count()
    out, err = io.StringIO(), io.StringIO()

    try:
        call_command("import_chats", str(path), stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)

    summary = out.getvalue()
    imported = int(summary.split("imported ")[1].split(",")[0])
    present = int(summary.split("already present ")[1].split(",")[0])
    # a fuzzed line may be a later copy of a chat of an earlier example
    updated = int(summary.split("updated ")[1].split(",")[0])
    corrections = int(summary.split("corrections ")[1].split(",")[0])
    rejected = int(summary.split("rejected ")[1].split(" ")[0].rstrip(";"))
    non_blank = [line for line in lines if line.strip()]
    assert imported + updated + present + corrections + rejected == len(non_blank)
    assert Chat.objects.count() - before == imported
    assert code == (1 if rejected else 0)
    if rejected:
        kept = (tmp_path / f"{path.name}.rejected.jsonl").read_bytes().splitlines(keepends=True)
        assert len(kept) == rejected
        assert all(line in lines for line in kept)
