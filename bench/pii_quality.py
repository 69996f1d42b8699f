"""PII redaction quality against ground truth, through the real path.

Imports the labelled chats (import_chats' service), runs the `redact_pii` job, reads the
redacted layer back (`export_chats --redacted`'s selector) and scores it (bench/pii_scoring.py):
per type and per language the leak rate, the share of decoys destroyed, the share of other
words kept, and a confusion table (the type each labelled value was found as, if any).
Four development samples: ../shared/data/pii_dev_sample.jsonl, bench/data/pii_dev_sample2.jsonl
(conversation cases, bench/pii_dev_sample2.py), bench/data/pii_dev_sample3.jsonl (dialogues
unlike both, bench/pii_dev_sample3.py) and bench/data/pii_dev_sample4.jsonl (adversarial
dialogues of their own, bench/pii_dev_sample4.py), plus the ABCD dialogues.

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


def _shared_data() -> Path:
    """../shared/data beside the checkout (a worktree sits one level deeper)."""
    for parent in ROOT.parents:
        if (parent / "shared" / "data").is_dir():
            return parent / "shared" / "data"
    return ROOT.parent / "shared" / "data"


DEV_SAMPLE = _shared_data() / "pii_dev_sample.jsonl"
DEV_SAMPLE_2 = ROOT / "bench" / "data" / "pii_dev_sample2.jsonl"
DEV_SAMPLE_3 = ROOT / "bench" / "data" / "pii_dev_sample3.jsonl"
DEV_SAMPLE_4 = ROOT / "bench" / "data" / "pii_dev_sample4.jsonl"
ABCD = _shared_data() / "abcd" / "pii_eval.jsonl"
MAX_LEAK, MAX_LEAK_PER_GROUP, MAX_DESTROYED, MIN_KEPT = 0.005, 0.02, 0.02, 0.98
TARGETS = (
    "targets: leak <= 0.5% overall and <= 2% per type and per language; "
    "decoys destroyed <= 2%; words kept >= 98%"
)


def _confusion(chats: list[dict[str, Any]], source: str) -> dict[str, Any]:
    """For each labelled value, the type of the finding that covers most of it ("-": none),
    from the detector run again on the imported chats (the same input the job had)."""
    from collections import Counter

    from chats.models import Chat
    from redaction.detection import chats_detect
    from redaction.services import _chat_text, _chats_for_redaction

    by_id = {chat["external_id"]: chat for chat in chats}
    loaded = _chats_for_redaction(
        list(Chat.objects.filter(source=source).values_list("pk", flat=True))
    )
    found_all = chats_detect([_chat_text(chat)[0] for chat in loaded])
    table: Counter[tuple[str, str]] = Counter()
    leaked_as: list[tuple[str, str, str]] = []
    for chat, findings in zip(loaded, found_all, strict=True):
        truth = by_id[chat.external_id]
        texts = [m["text"] for m in truth["messages"]]
        for item in truth.get("pii", []):
            index, value = item["message_index"], item["value"]
            at = texts[index].lower().find(value.lower())
            cover: Counter[str] = Counter()
            if at >= 0:
                for f in findings[index]:
                    overlap = min(f.end, at + len(value)) - max(f.start, at)
                    if overlap > 0:
                        cover[f.entity.value] += overlap
            found = cover.most_common(1)[0][0] if cover else "-"
            table[(item["type"], found)] += 1
            if found != item["type"]:
                leaked_as.append((item["type"], found, value))
    return {"table": table, "mismatches": leaked_as}


def _confusion_report(confusion: dict[str, Any]) -> list[str]:
    table = confusion["table"]
    truths = sorted({t for t, _ in table})
    founds = sorted({f for _, f in table}, key=lambda f: (f == "-", f))
    width = max(len(f) for f in founds) + 1
    lines = ["confusion (rows: labelled type; columns: found as; -: not found)"]
    lines.append(f"{'':<16}" + "".join(f"{f[:12]:>{min(width, 13)}}" for f in founds))
    for truth in truths:
        lines.append(
            f"{truth:<16}"
            + "".join(f"{table[(truth, f)] or '.':>{min(width, 13)}}" for f in founds)
        )
    return lines


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
    parser.add_argument("--sample2", type=Path, default=DEV_SAMPLE_2)
    parser.add_argument("--sample3", type=Path, default=DEV_SAMPLE_3)
    parser.add_argument("--sample4", type=Path, default=DEV_SAMPLE_4)
    parser.add_argument("--only", default="", help="comma-separated set names to run")
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
    from chats.services.import_batch import chats_import_batch
    from core.jobs import job_run

    _bootstrap.banner("PII redaction quality")
    sets = [("pii_dev_sample", [json.loads(x) for x in args.sample.read_text().splitlines()])]
    for name, path in (
        ("pii_dev_sample2", args.sample2),
        ("pii_dev_sample3", args.sample3),
        ("pii_dev_sample4", args.sample4),
    ):
        if path.exists():
            sets.append((name, [json.loads(x) for x in path.read_text().splitlines()]))
    if args.abcd.exists():
        sets.append(("abcd", _abcd_as_interchange(args.abcd)))
    if args.only:
        sets = [item for item in sets if item[0] in args.only.split(",")]
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
        if name != "abcd":
            confusion = _confusion(chats, source)
            print("\n".join(_confusion_report(confusion)))
            for truth, found, value in confusion["mismatches"][: args.examples]:
                print(f"  {truth} {value!r} found as {found}")
        total = sum(score.pii.values())
        leaks = sum(score.leaked.values())
        decoys = sum(score.decoys.values())
        ok &= total == 0 or leaks / total <= MAX_LEAK
        ok &= all(score.leaked[k] / n <= MAX_LEAK_PER_GROUP for k, n in score.pii.items())
        ok &= all(
            c["leaked"] / c["pii"] <= MAX_LEAK_PER_GROUP
            for c in score.by_language.values()
            if c["pii"]
        )
        ok &= decoys == 0 or sum(score.destroyed.values()) / decoys <= MAX_DESTROYED
        ok &= score.words == 0 or score.words_kept / score.words >= MIN_KEPT
        if name == "abcd":
            ok &= leaks == 0
    print(TARGETS + "; zero leaks on ABCD")
    print("RESULT:", "all targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
