"""PII redaction quality against ground truth, through the real path.

Imports the labelled chats (import_chats' service), runs the `redact_pii` job, reads the
redacted layer back (`export_chats --redacted`'s selector) and scores it (bench/pii_scoring.py):
per type the leak rate, the share of decoys destroyed, the share of other words kept.

    .venv/bin/python bench/pii_quality.py                      # SQLite scratch file
    DATABASE_URL=postgres://… .venv/bin/python bench/pii_quality.py --keep-database-url
    .venv/bin/python bench/pii_quality.py --sample FILE.jsonl  # any file with `pii` keys
"""

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEV_SAMPLE = ROOT.parent / "shared" / "data" / "pii_dev_sample.jsonl"
ABCD = ROOT.parent / "shared" / "data" / "abcd" / "pii_eval.jsonl"
TARGETS = (
    "targets: leak <= 1% overall and <= 3% per type; decoys destroyed <= 3%; words kept >= 97%"
)


def _abcd_as_interchange(path: Path) -> list[dict[str, Any]]:
    """ABCD dialogues in the interchange format, with their spans as `pii` ground truth."""
    chats = []
    for line in path.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        chats.append(
            {
                "external_id": item["id"],
                "source": "abcd",
                "started_at": "2021-06-01T12:00:00Z",
                "language": "en",
                "messages": [
                    {"sender": m["speaker"], "sent_at": "2021-06-01T12:00:00Z", "text": m["text"]}
                    for m in item["messages"]
                ],
                "pii": [
                    {"type": s["type"], "value": s["text"], "message_index": s["message"]}
                    for s in item["pii_spans"]
                ],
            }
        )
    return chats


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=Path, default=DEV_SAMPLE)
    parser.add_argument("--abcd", type=Path, default=ABCD)
    parser.add_argument(
        "--keep-database-url",
        action="store_true",
        help="use DATABASE_URL as set (default: a scratch SQLite file)",
    )
    parser.add_argument("--examples", type=int, default=10, help="leaks/decoys to print")
    args = parser.parse_args()

    scratch = tempfile.TemporaryDirectory()
    if not args.keep_database_url:
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch.name}/pii_quality.sqlite3"
    os.environ["REDACT_ON_IMPORT"] = "false"  # the job does the work, as in production
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import _bootstrap

    _bootstrap.setup()
    from pii_scoring import Score

    from chats.interchange import chat_payload_from_dict
    from chats.models import Chat
    from chats.selectors import chats_export
    from chats.services import chats_import_batch
    from core.jobs import job_run

    _bootstrap.banner("PII redaction quality")
    sets = [("pii_dev_sample", [json.loads(x) for x in args.sample.read_text().splitlines()])]
    if args.abcd.exists():
        sets.append(("abcd", _abcd_as_interchange(args.abcd)))
    ok = True
    for name, chats in sets:
        source = f"quality-{name}"
        Chat.objects.filter(source=source).delete()
        payloads = [chat_payload_from_dict({**chat, "source": source}) for chat in chats]
        chats_import_batch(payloads=payloads)
        job_run(name="redact_pii")
        exported = {
            item["external_id"]: [m["text"] for m in item["messages"]]
            for item in chats_export(queryset=Chat.objects.filter(source=source), redacted=True)
        }
        score = Score()
        for chat in chats:
            score.add_chat(chat, exported[chat["external_id"]], chat.get("language", ""))
        print("\n".join(score.report(f"{name}: {len(chats)} chats")))
        for kind, value, text in score.leak_examples[: args.examples]:
            print(f"  leaked {kind} {value!r} in {text!r}")
        for kind, value, text in score.decoy_examples[: args.examples]:
            print(f"  destroyed {kind} {value!r} in {text!r}")
        total = sum(score.pii.values())
        leaks = sum(score.leaked.values())
        decoys = sum(score.decoys.values())
        ok &= total == 0 or leaks / total <= 0.01
        ok &= all(score.leaked[k] / n <= 0.03 for k, n in score.pii.items())
        ok &= decoys == 0 or sum(score.destroyed.values()) / decoys <= 0.03
        ok &= score.words == 0 or score.words_kept / score.words >= 0.97
        if name == "abcd":
            ok &= leaks == 0
    print(TARGETS + "; zero leaks on ABCD")
    print("RESULT:", "all targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
