"""Python CPU per API request (issue #19), endpoint by endpoint, in this process: Django's test
client with the token of bench/load.py's user against the data bench/_load_seed.py seeded, so a
change's effect on per-request CPU shows without a server or `wrk`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chatrecords_bench_load \\
        .venv/bin/python bench/api_cpu.py [--chats 2000] [--requests 200] [--rounds 3]
        [--no-seed] [--profile NAME] [--sql]

- per endpoint: --rounds rounds of --requests GET requests after 20 of warm-up (the lowest
  round shown: the machine is shared), through the whole middleware and
  DRF stack (settings as bench/load.py's server: DEBUG off, the user throttle raised, the
  garbage collector tuned as config/wsgi.py does); CPU is
  this process's `time.process_time()` (Python and the database driver, not PostgreSQL's own),
  wall time beside it, the queries of one request and the Python function calls per request
  (cProfile's count over 10 requests: steady where CPU times on a shared machine are not), and
  on PostgreSQL the CPU of this process's database backend per request (its /proc stat: the
  server's share of the same requests, PostgreSQL on this machine);
- --profile NAME: a cProfile of that endpoint instead: the 60 functions of most cumulative
  time, the 25 of most own time, own time summed by package (cProfile's times are wall times);
- --sql: the queries of one request per endpoint.
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/chatrecords_bench_load")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ["REDACT_ON_IMPORT"] = "false"
# As bench/load.py's THROTTLE_FOR_RUN (why per second: there).
os.environ["API_THROTTLE_USER_RATE"] = "100000000/second"

import _bootstrap
import _load_seed
import load

WARMUP = 20
CALL_COUNT_REQUESTS = 10


def backend_cpu_seconds(connection: Any) -> tuple[int, float]:
    """This connection's PostgreSQL backend: its pid and the CPU seconds (user + system) it has
    used so far, read from /proc (the server runs on this machine); (0, 0.0) where that cannot
    be read (SQLite, a remote server)."""
    if connection.vendor != "postgresql":
        return 0, 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0, 0.0
    # utime and stime are fields 14 and 15 of proc(5); [0] here is field 3 (state).
    return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=2000)
    parser.add_argument("--per-chat", type=int, default=10)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3, help="the lowest of these is shown")
    parser.add_argument("--no-seed", action="store_true")
    parser.add_argument("--profile", default="")
    parser.add_argument("--sql", action="store_true", help="print the queries of one request")
    options = parser.parse_args()

    _bootstrap.setup()
    if not options.no_seed:
        _load_seed.seed(options.chats, options.per_chat)
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    token = load.bench_user_token()
    plan = load.endpoints()
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    # The collector as in gunicorn's workers (config/wsgi.py), the application loaded.
    from core.collector import collector_tune_for_requests

    collector_tune_for_requests()

    def one(path: str) -> None:
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")

    if options.profile:
        paths = plan[options.profile]
        for n in range(WARMUP):
            one(paths[n % len(paths)])
        profiler = cProfile.Profile()
        profiler.enable()
        for n in range(options.requests):
            one(paths[n % len(paths)])
        profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(25)
        # Own time by package: where the request's time goes, summed.
        by_package: dict[str, float] = {}
        rows: dict[tuple[str, int, str], tuple[Any, ...]] = getattr(stats, "stats")  # noqa: B009
        for (filename, _line, _function), row in rows.items():
            package = "/".join(filename.split("site-packages/")[-1].split("/")[:3])
            if "site-packages" not in filename:
                package = (
                    filename.split("/h26c/")[-1].split("/")[0]
                    if "/wt/" in filename
                    else "stdlib/builtins"
                )
            by_package[package] = by_package.get(package, 0.0) + row[2]
        for package, seconds in sorted(by_package.items(), key=lambda item: -item[1])[:25]:
            print(f"{package:<24} {seconds / options.requests * 1000:7.2f} ms/request")
        return 0

    print(
        f"{'endpoint':<18} {'CPU ms/req':>10} {'db CPU ms':>9} {'wall ms/req':>11}"
        f" {'queries':>7} {'calls/req':>9}"
    )
    for name, paths in plan.items():
        for n in range(WARMUP):
            one(paths[n % len(paths)])
        # Counted by a wrapper: Django empties connection.queries when a request starts.
        queries: list[str] = []

        def counted(run: Any, sql: str, *rest: Any, seen: list[str] = queries) -> Any:
            seen.append(sql)
            return run(sql, *rest)

        with connection.execute_wrapper(counted):
            one(paths[0])
        if options.sql:
            print(f"-- {name}", *(f"   {sql[:300]}" for sql in queries), sep="\n")
        # Python function calls per request: a count, steady where CPU times on a shared machine
        # are not (a proxy for the Python work).
        counter = cProfile.Profile()
        counter.enable()
        for n in range(CALL_COUNT_REQUESTS):
            one(paths[n % len(paths)])
        counter.disable()
        calls = getattr(pstats.Stats(counter), "total_calls") / CALL_COUNT_REQUESTS  # noqa: B009
        cpu = wall = database = float("inf")
        for _ in range(options.rounds):
            backend, database_started = backend_cpu_seconds(connection)
            cpu_started, wall_started = time.process_time(), time.perf_counter()
            for n in range(options.requests):
                one(paths[n % len(paths)])
            cpu = min(cpu, (time.process_time() - cpu_started) / options.requests * 1000)
            wall = min(wall, (time.perf_counter() - wall_started) / options.requests * 1000)
            backend_after, database_ended = backend_cpu_seconds(connection)
            if backend and backend_after == backend:  # same session throughout the round
                used = database_ended - database_started
                database = min(database, used / options.requests * 1000)
        print(
            f"{name:<18} {cpu:>10.2f} {database:>9.2f} {wall:>11.2f} {len(queries):>7}"
            f" {calls:>9.0f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
