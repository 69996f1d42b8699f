"""API load test (issue #8): N concurrent clients for D seconds against gunicorn + PostgreSQL, on
loopback only.

    .venv/bin/python bench/load.py                              # 50 clients, 60 s, 3,000 chats
    .venv/bin/python bench/load.py --clients 10 --duration 10   # while developing

Starts gunicorn (gthread workers) on 127.0.0.1 against DATABASE_URL (default: the bench
database of bench/_bootstrap.py), seeds --chats sample chats through the real import and jobs
(source "loadbench"; reused when already there), gives each role a token, then runs --clients
threads, each a keep-alive httpx client of one role (round-robin over support staff, records
manager, compliance auditor and admin) sending a weighted mix of what that role does: chat list
and detail, knowledge-base search, records list, trends. Prints requests/s, errors and
p50/p95/p99 latency per endpoint. Exit status 1 on any 5xx, connection error or timeout (a 4xx is
counted and shown, and also fails the run: every generated request is a valid one).
"""

import argparse
import io
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import _bootstrap
import httpx

SOURCE = "loadbench"
ROLES = ("support_staff", "records_manager", "compliance_auditor", "admin")
SEARCH_WORDS = (
    "refund",
    "parcel delivery",
    "password reset",
    "card charged twice",
    "cancel subscription",
    "late order",
    "invoice",
    "account locked",
)
REQUEST_TIMEOUT_S = 30.0
READY_TIMEOUT_S = 60.0
MAX_PAGE = 20


@dataclass
class Stats:
    latencies_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    failures: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    examples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, endpoint: str, elapsed_ms: float, status: int | None, detail: str = "") -> None:
        with self.lock:
            self.latencies_ms[endpoint].append(elapsed_ms)
            if status is None:
                self.failures[endpoint] += 1
            else:
                self.statuses[endpoint][status] += 1
            if (status is None or status >= 400) and len(self.examples) < 10:
                self.examples.append(f"{endpoint}: {status or 'connection error'} {detail}")


def seed(count: int) -> None:
    """Imports `count` sample chats (source loadbench) and runs the jobs that make them records,
    redacted and keyword-tagged; does nothing when they are already there."""
    from django.core.management import call_command
    from django.utils import timezone

    from chats.models import Chat

    started = time.perf_counter()
    call_command("seed_file_plan", verbosity=0)
    call_command("seed_taxonomy", verbosity=0)
    present = Chat.objects.filter(source=SOURCE).count()
    if present >= count:
        print(f"reusing {present} {SOURCE} chats")
    else:
        with tempfile.TemporaryDirectory() as folder:
            sample, ours = Path(folder) / "sample.jsonl", Path(folder) / "load.jsonl"
            call_command("generate_sample_chats", count=count, out=str(sample), seed=8)
            # Our own source, so reuse never mixes with another benchmark's chats.
            with ours.open("w") as out:
                for line in sample.read_text().splitlines():
                    chat = json.loads(line)
                    chat["source"] = SOURCE
                    out.write(json.dumps(chat) + "\n")
            call_command("import_chats", str(ours), verbosity=0)
    # Idempotent: on reuse they only pick up what an earlier, interrupted seeding left.
    now = timezone.now().isoformat()
    for job in ("declare_records", "redact_pii", "extract_keywords", "rollup_trends"):
        call_command("run_job", job, now=now, stdout=io.StringIO())
    print(f"data ready in {time.perf_counter() - started:.0f} s")


def tokens() -> dict[str, str]:
    from django.contrib.auth.models import Group, User
    from rest_framework.authtoken.models import Token

    keys = {}
    for role in ROLES:
        username = f"load-{role}"
        user = User.objects.filter(username=username).first()
        if user is None:
            if role == "admin":
                user = User.objects.create_superuser(username, "load@example.com", None)
            else:
                user = User.objects.create_user(username)
                user.groups.add(Group.objects.get(name=role))
        keys[role] = Token.objects.get_or_create(user=user)[0].key
    return keys


def ids() -> tuple[list[int], list[int]]:
    from chats.models import Chat
    from records.models import Record

    chat_ids = list(
        Chat.objects.filter(source=SOURCE, redacted_at__isnull=False).values_list("pk", flat=True)
    )
    record_ids = list(Record.objects.filter(chat__source=SOURCE).values_list("pk", flat=True))
    return chat_ids, record_ids


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_gunicorn(port: int, workers: int, threads: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(_bootstrap.ROOT)}
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--backlog",
        "512",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=_bootstrap.ROOT, env=env)
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login/", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        if server.poll() is not None:
            raise SystemExit("gunicorn exited during start-up")
        time.sleep(0.3)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 60 s")


def page_counts(base_url: str, admin_token: str) -> dict[str, int]:
    """How many list pages exist (at most MAX_PAGE), so every list request asks for a real one."""
    pages = {}
    headers = {"Authorization": f"Token {admin_token}"}
    for name in ("chats", "records"):
        body = httpx.get(f"{base_url}/api/v1/{name}/", headers=headers, timeout=30).json()
        size = max(1, len(body["results"]))
        pages[name] = max(1, min(MAX_PAGE, -(-body["count"] // size)))
    return pages


def plan_for(role: str, chat_ids: list[int], record_ids: list[int], pages: dict[str, int]):
    """(weight, endpoint, path-maker) per request kind a role sends."""
    mix = [
        (3, "chat list", lambda r: f"/api/v1/chats/?page={r.randint(1, pages['chats'])}"),
        (4, "chat detail", lambda r: f"/api/v1/chats/{r.choice(chat_ids)}/"),
        (4, "kb search", lambda r: f"/api/v1/kb/search/?q={r.choice(SEARCH_WORDS)}"),
        (1, "trends", lambda r: "/api/v1/trends/"),
    ]
    if role != "support_staff":
        mix += [
            (
                2,
                "records list",
                lambda r: f"/api/v1/records/?page={r.randint(1, pages['records'])}",
            ),
            (1, "record detail", lambda r: f"/api/v1/records/{r.choice(record_ids)}/"),
        ]
    return mix


def client_loop(
    base_url: str,
    token: str,
    mix,
    stop_at: float,
    stats: Stats | None,
    seed_value: int,
) -> None:
    chooser = random.Random(seed_value)
    weights = [weight for weight, _, _ in mix]
    headers = {"Authorization": f"Token {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=REQUEST_TIMEOUT_S) as client:
        while time.monotonic() < stop_at:
            _, endpoint, path = chooser.choices(mix, weights)[0]
            url = path(chooser)
            started = time.perf_counter()
            try:
                response = client.get(url)
                status, detail = response.status_code, url
            except httpx.HTTPError as error:
                status, detail = None, f"{url} {type(error).__name__}"
            if stats is not None:
                stats.add(endpoint, (time.perf_counter() - started) * 1000, status, detail)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(
    base_url: str,
    keys: dict[str, str],
    plans: dict[str, list],
    *,
    clients: int,
    seconds: float,
    stats: Stats | None,
) -> float:
    stop_at = time.monotonic() + seconds
    threads = []
    for number in range(clients):
        role = ROLES[number % len(ROLES)]
        thread = threading.Thread(
            target=client_loop,
            args=(
                base_url,
                keys[role],
                plans[role],
                stop_at,
                stats,
                number,
            ),
        )
        threads.append(thread)
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def report(stats: Stats, elapsed: float) -> int:
    print(
        f"{'endpoint':<15}{'requests':>9}{'req/s':>8}{'errors':>8}"
        f"{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
    )
    total = errors = server_errors = 0
    everything: list[float] = []
    for endpoint in sorted(stats.latencies_ms):
        values = stats.latencies_ms[endpoint]
        bad = stats.failures[endpoint] + sum(
            n for status, n in stats.statuses[endpoint].items() if status >= 400
        )
        server_errors += stats.failures[endpoint] + sum(
            n for status, n in stats.statuses[endpoint].items() if status >= 500
        )
        total, errors = total + len(values), errors + bad
        everything += values
        print(
            f"{endpoint:<15}{len(values):>9}{len(values) / elapsed:>8.1f}{bad:>8}"
            f"{percentile(values, 0.5):>9.1f}{percentile(values, 0.95):>9.1f}"
            f"{percentile(values, 0.99):>9.1f}"
        )
    if everything:
        print(
            f"{'all':<15}{total:>9}{total / elapsed:>8.1f}{errors:>8}"
            f"{percentile(everything, 0.5):>9.1f}{percentile(everything, 0.95):>9.1f}"
            f"{percentile(everything, 0.99):>9.1f}  (mean {statistics.fmean(everything):.1f})"
        )
    for example in stats.examples:
        print("  error:", example)
    print(
        f"5xx or connection errors: {server_errors}; other errors (4xx): {errors - server_errors}"
    )
    return 1 if errors or not total else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of measured load")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of unmeasured load")
    parser.add_argument("--chats", type=int, default=3000, help="sample chats to seed/reuse")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    options = parser.parse_args()
    if options.duration > 600:
        parser.error("--duration is capped at 600 s")

    os.environ.setdefault("LOG_LEVEL", "WARNING")
    _bootstrap.setup()
    _bootstrap.banner("API load (gunicorn)")
    seed(options.chats)
    keys = tokens()
    chat_ids, record_ids = ids()
    if not chat_ids or not record_ids:
        raise SystemExit("no redacted chats/records to request; re-run with a fresh database")
    from django.db import connections

    connections.close_all()  # the server's workers hold their own connections

    port = free_port()
    server = start_gunicorn(port, options.workers, options.threads)
    base_url = f"http://127.0.0.1:{port}"
    try:
        print(
            f"gunicorn: {options.workers} workers × {options.threads} threads on {base_url}; "
            f"{options.clients} clients, {len(chat_ids)} chats, {len(record_ids)} records"
        )
        pages = page_counts(base_url, keys["admin"])
        plans = {role: plan_for(role, chat_ids, record_ids, pages) for role in ROLES}
        run(
            base_url,
            keys,
            plans,
            clients=options.clients,
            seconds=options.warmup,
            stats=None,
        )
        stats = Stats()
        elapsed = run(
            base_url,
            keys,
            plans,
            clients=options.clients,
            seconds=options.duration,
            stats=stats,
        )
        print(f"measured {elapsed:.1f} s")
        return report(stats, elapsed)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    sys.exit(main())
