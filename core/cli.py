"""The long management commands at a terminal: one progress bar, quiet logs, a summary line.

- Logs follow the command's `-v`: 0 errors only, 1 (the default) warnings, 2 INFO (for example
  one line per redaction task), 3 DEBUG. Only the console handlers are turned down, so a log
  file or shipper an operator configured still receives every record; LOG_LEVEL stays the level
  of the web, worker and beat processes.
- The bar is drawn on stderr only when stderr is a terminal and `-v` is at least 1: output sent
  to a pipe or a file holds the command's own lines and nothing else. Log records and messages
  written while a bar is shown appear above it; a ticker redraws it every second so the elapsed
  time never freezes, and while a language model loads (core.nlp) the bar says so.
- Forked import workers inherit the bar: only the process that drew it writes to it.
"""

import logging
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, TextIO, cast

from django.core.management.base import BaseCommand, OutputWrapper
from tqdm import tqdm

from core.batching import ChunkDone, chunk_done
from core.nlp import NlpLoading, nlp_loading

COMMAND_LOG_LEVELS = {0: logging.ERROR, 1: logging.WARNING, 2: logging.INFO}
REDRAW_SECONDS = 1.0
FALLBACK_COLUMNS = 80
BAR_FORMAT = (
    "{desc}{percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} {unit} [{elapsed}<{remaining}]{postfix}"
)
COUNT_FORMAT = "{desc}{n_fmt} {unit} [{elapsed}, {rate_fmt}]{postfix}"


def _raw(wrapper: OutputWrapper) -> TextIO:
    """The stream a command's OutputWrapper writes to (tqdm writes to it without the wrapper's
    line endings and styles)."""
    return cast(TextIO, wrapper._out)


def command_log_level(verbosity: int) -> int:
    return COMMAND_LOG_LEVELS.get(verbosity, logging.DEBUG)


def _console_handlers() -> list[logging.StreamHandler[Any]]:
    """The root's console handlers: plain StreamHandlers, as LOGGING's "console" is (a file
    handler, a test's capture or another tool's handler is a subclass and is left alone)."""
    return [
        handler
        for handler in logging.getLogger().handlers
        if type(handler) is logging.StreamHandler
    ]


@contextmanager
def command_logging(verbosity: int) -> Iterator[None]:
    """The root logger's console handlers at the level `verbosity` asks for, then as before."""
    handlers = _console_handlers()
    previous = [handler.level for handler in handlers]
    for handler in handlers:
        handler.setLevel(command_log_level(verbosity))
    try:
        yield
    finally:
        for handler, level in zip(handlers, previous, strict=True):
            handler.setLevel(level)


class _AboveTheBar:
    """A stream that writes above the bars (tqdm clears them, writes, redraws them)."""

    def __init__(self, stream: TextIO, pid: int) -> None:
        self.stream, self.pid = stream, pid

    def write(self, text: str) -> int:
        if os.getpid() != self.pid:  # a forked worker: its copy of the bar is not on screen
            return self.stream.write(text)
        tqdm.write(text, file=self.stream, end="")
        return len(text)

    def flush(self) -> None:
        self.stream.flush()


class Progress:
    """One bar for one command run (a context manager). Disabled, it does nothing but pass
    messages to the command's stderr, so a command reads the same with or without a terminal.

    `total` gives a percentage and an ETA; without it the bar counts and shows the rate.
    `count_chunks` counts the items of every committed job chunk (`run_job`)."""

    def __init__(
        self,
        *,
        stdout: OutputWrapper,
        stderr: OutputWrapper,
        enabled: bool,
        total: int | None = None,
        unit: str = "items",
        desc: str | None = None,
        count_chunks: bool = False,
    ) -> None:
        self._stdout, self._stderr, self.enabled = stdout, stderr, enabled
        self._options = {"total": total, "unit": unit, "desc": desc}
        self._count_chunks = count_chunks
        self._bar: tqdm[Any] | None = None
        self._pid = os.getpid()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._swapped: list[tuple[logging.StreamHandler[Any], Any]] = []

    def __enter__(self) -> "Progress":
        if not self.enabled:
            return self
        total = self._options["total"]
        try:  # some ptys report 0 columns (a fresh `docker exec -t`): tqdm would draw nothing
            columns = os.get_terminal_size(_raw(self._stderr).fileno()).columns
        except (OSError, ValueError, AttributeError):
            columns = 0
        self._bar = tqdm(
            total=total,
            unit=str(self._options["unit"]),
            desc=f"{self._options['desc']}: " if self._options["desc"] else None,
            file=_raw(self._stderr),
            bar_format=BAR_FORMAT if total is not None else COUNT_FORMAT,
            dynamic_ncols=bool(columns),
            ncols=None if columns else FALLBACK_COLUMNS,
            mininterval=0.2,
        )
        for handler in _console_handlers():
            self._swapped.append(
                (handler, handler.setStream(_AboveTheBar(handler.stream, self._pid)))
            )
        nlp_loading.connect(self._on_nlp_loading)
        if self._count_chunks:
            chunk_done.connect(self._on_chunk_done)
        self._ticker = threading.Thread(target=self._tick, name="progress-ticker", daemon=True)
        self._ticker.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._bar is None:
            return
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        nlp_loading.disconnect(self._on_nlp_loading)
        chunk_done.disconnect(self._on_chunk_done)
        for handler, stream in self._swapped:
            handler.setStream(stream)
        if kind is None and self._bar.total is not None and self._bar.n != self._bar.total:
            self._bar.total = self._bar.n  # the estimate was high (blank lines): end at 100%
        self._bar.close()
        self._bar = None

    def _tick(self) -> None:
        while not self._stop.wait(REDRAW_SECONDS):
            bar = self._bar
            if bar is not None:
                bar.refresh()

    def _mine(self) -> bool:
        return self._bar is not None and os.getpid() == self._pid

    def _on_nlp_loading(self, event: NlpLoading) -> None:
        if self._mine():
            self.status("" if event.loaded else f"loading language model {event.model}…")

    def _on_chunk_done(self, event: ChunkDone) -> None:
        if self._mine():
            self.update(event.items)

    def update(self, count: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(count)

    def status(self, text: str) -> None:
        """What the command is doing now, after the counts (nothing when disabled)."""
        if self._bar is not None:
            self._bar.set_postfix_str(text)

    def print(self, text: str) -> None:
        """A line of the command's output (stdout): above the bar when both share a terminal."""
        if self._bar is not None and self._stdout.isatty():
            tqdm.write(text, file=_raw(self._stdout))
        else:
            self._stdout.write(text)

    def write(self, text: str) -> None:
        """A line for stderr (a rejected line, a failure): above the bar when there is one."""
        if self._bar is not None:
            tqdm.write(text, file=_raw(self._stderr))
        else:
            self._stderr.write(text)


class ProgressCommand(BaseCommand):
    """A management command with the manners above: `self.progress(...)` opens its bar."""

    verbosity = 1

    def execute(self, *args: Any, **options: Any) -> Any:
        self.verbosity = int(options.get("verbosity", 1))
        with command_logging(self.verbosity):
            return super().execute(*args, **options)

    @property
    def shows_progress(self) -> bool:
        """A bar is drawn: stderr is a terminal and -v is at least 1 (worth counting a total)."""
        return self.verbosity >= 1 and self.stderr.isatty()

    def progress(
        self,
        *,
        total: int | None = None,
        unit: str = "items",
        desc: str | None = None,
        count_chunks: bool = False,
    ) -> Progress:
        return Progress(
            stdout=self.stdout,
            stderr=self.stderr,
            enabled=self.shows_progress,
            total=total,
            unit=unit,
            desc=desc,
            count_chunks=count_chunks,
        )


def counts_text(counts: dict[str, Any]) -> str:
    """A job's counts for a person: `declared 12, already declared 3, entities (EMAIL 2)`."""
    parts = []
    for key, value in counts.items():
        label = key.replace("_", " ")
        if isinstance(value, dict):
            inner = counts_text(value) if value else "none"
            parts.append(f"{label} ({inner})")
        elif isinstance(value, list | tuple):
            parts.append(f"{label} {', '.join(map(str, value)) or 'none'}")
        elif isinstance(value, float):
            parts.append(f"{label} {value:g}")
        else:
            parts.append(f"{label} {value}")
    return ", ".join(parts) or "nothing to do"


def job_line(
    name: str,
    *,
    ok: bool,
    seconds: float,
    counts: dict[str, Any],
    messages: Sequence[str] = (),
    width: int = 24,
) -> str:
    """One job's result on one line: name, ok/FAILED, time, then its counts (or, for a job that
    reports no counts, such as a verification, its message)."""
    detail = counts_text(counts) if counts or not messages else "; ".join(messages)
    return f"{name:<{width}} {'ok' if ok else 'FAILED':<6} {seconds:6.1f} s  {detail}"
