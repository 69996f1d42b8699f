#!/usr/bin/env python
"""Fault injection: SIGKILL execute_disposals, redact_pii and purge_pii_originals at random
moments (N times each), re-run each to completion and check the invariants of
tests/faults/harness.py (none lost, none half-destroyed, none destroyed twice, certificates,
tombstones, hash chains, both text layers). Flushes the database before each job.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chatrecords_bench_faults \\
        .venv/bin/python bench/faults.py [--kills 20] [--seed 1] [--jobs redact_pii ...]

Exits non-zero when any check fails. The seed is printed; --seed reproduces the kill points.
"""

import argparse
import os
import random
import sys

# Before _bootstrap, whose own default is the shared chatrecords_bench database.
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/chatrecords_bench_faults")

import _bootstrap

SIZES = {"execute_disposals": 12_000, "redact_pii": 1_500, "purge_pii_originals": 15_000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--jobs", nargs="*", default=list(SIZES), choices=list(SIZES))
    for job, size in SIZES.items():
        parser.add_argument(f"--{job.replace('_', '-')}-chats", type=int, default=size)
    args = parser.parse_args()
    _bootstrap.setup()
    from django.core.management import call_command
    from django.db import connection

    from tests.faults.harness import fault_run

    if connection.vendor != "postgresql":
        raise SystemExit("bench/faults.py needs PostgreSQL (DATABASE_URL=postgres://…)")
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    _bootstrap.banner(f"fault injection: {args.kills} SIGKILLs per job, seed {seed}")
    rows = []
    for job in args.jobs:
        call_command("flush", interactive=False, verbosity=0)
        chats = getattr(args, f"{job}_chats")
        report = fault_run(job, chats=chats, kills=args.kills, seed=seed)
        passed = sum(report.checks.values())
        failed = [name for name, ok in report.checks.items() if not ok]
        rows.append((job, chats, report, passed, failed))
        print(f"{job}: progress after each kill {report.progress_at_kills}", flush=True)
        for name in failed:
            print(f"  FAILED: {name}")
    header = (
        f"{'job':22} {'chats':>6} {'kills':>5} {'early':>5} {'mid':>4} {'reruns':>6} "
        f"{'checks':>7} {'acted on':>9} {'seconds':>8}"
    )
    print(header)
    print("-" * len(header))
    for job, chats, report, passed, _failed in rows:
        print(
            f"{job:22} {chats:6} {report.kills:5} {report.finished_before_kill:5} "
            f"{report.mid_work:4} {report.reruns:6} {passed:>3}/{len(report.checks):<3} "
            f"{report.done:9} {report.seconds:8.1f}"
        )
    print(
        "early = finished before its kill; mid = killed with part of the work committed; "
        "acted on = records destroyed / chats redacted / records purged"
    )
    if any(failed for *_, failed in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
