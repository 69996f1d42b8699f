#!/usr/bin/env python3
"""Verifies a ChatRecords evidence package offline, with nothing but Python 3's standard library.

    python3 verify.py                       # in the unzipped folder
    python3 verify.py --audit-key-file KEY  # also checks every audit seal (HMAC-SHA256)

Checks, in order: every file against SHA256SUMS; the audit events follow each other (sequence
without gaps, each previous_hash the hash before it, starting from the manifest's
`audit_previous_hash`); with the key, each event's seal; every disposal certificate's SHA-256
over its previous hash and payload, and the certificates' chain. Exit status 0 when everything
checked is intact, 1 otherwise, with one line per problem.

This file is copied into every package as it is: it must run without ChatRecords installed.
"""

import argparse
import hashlib
import hmac
import json
import sys
from pathlib import Path


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def sums_problems(root: Path) -> list[str]:
    problems = []
    for line in (root / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        path = root / name
        if not path.is_file():
            problems.append(f"{name}: listed in SHA256SUMS but missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            problems.append(f"{name}: content differs from SHA256SUMS")
    return problems


def key_id_for(key: bytes) -> str:
    """The public fingerprint ChatRecords stores with each event (names a key, never shows it)."""
    return hmac.new(key, b"chatrecords.audit.key-id", hashlib.sha256).hexdigest()[:16]


def audit_problems(root: Path, manifest: dict, keys: dict[str, bytes]) -> list[str]:
    problems = []
    previous_hash = manifest["audit_previous_hash"]
    expected = manifest.get("audit_first_sequence")
    events_file = root / "audit" / "events.jsonl"
    for number, line in enumerate(events_file.read_text(encoding="utf-8").splitlines(), 1):
        event = json.loads(line)
        where = f"audit/events.jsonl line {number} (event #{event['sequence']})"
        if expected is not None and event["sequence"] != expected:
            problems.append(f"{where}: expected event #{expected}, an event is missing")
        if event["previous_hash"] != previous_hash:
            problems.append(f"{where}: does not follow the event before it")
        sealed = {name: event[name] for name in manifest["audit_sealed_fields"]}
        key = keys.get(event["key_id"])
        if keys and key is None:
            problems.append(f"{where}: sealed with key id {event['key_id']}, not given")
        elif key is not None:
            message = (event["previous_hash"] + _canonical(sealed)).encode()
            if hmac.new(key, message, hashlib.sha256).hexdigest() != event["hash"]:
                problems.append(f"{where}: its seal does not match: the event was altered")
        previous_hash, expected = event["hash"], event["sequence"] + 1
    last_hash = manifest.get("audit_last_hash")
    if last_hash is not None and last_hash != previous_hash:
        problems.append("audit/events.jsonl: the last event is not the one the manifest names")
    return problems


def certificate_problems(root: Path, manifest: dict) -> list[str]:
    problems = []
    previous_hash = manifest.get("certificates_previous_hash")
    for path in sorted((root / "certificates").glob("certificate-*.json")):
        certificate = json.loads(path.read_text(encoding="utf-8"))
        name = f"certificates/{path.name}"
        if previous_hash is not None and certificate["previous_hash"] != previous_hash:
            problems.append(f"{name}: does not follow the certificate before it")
        digest = hashlib.sha256(
            (certificate["previous_hash"] + _canonical(certificate["payload"])).encode()
        ).hexdigest()
        if digest != certificate["hash"]:
            problems.append(f"{name}: its hash does not match its payload: it was altered")
        previous_hash = certificate["hash"]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", default=".", help="the unzipped package")
    parser.add_argument(
        "--audit-key-file",
        action="append",
        default=[],
        help="a file holding AUDIT_CHAIN_KEY, from the system's owner (repeat for rotated keys)",
    )
    options = parser.parse_args(argv)
    root = Path(options.folder)
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    keys = {}
    for name in options.audit_key_file:
        key = Path(name).read_text(encoding="utf-8").strip().encode()
        keys[key_id_for(key)] = key
    problems = sums_problems(root) + audit_problems(root, manifest, keys)
    problems += certificate_problems(root, manifest)
    for problem in problems:
        print(problem)
    if problems:
        return 1
    seals = "seals checked" if keys else "seals not checked (no --audit-key-file)"
    print(
        f"intact: {manifest['audit_events']} audit events ({seals}), "
        f"{manifest['certificates']} certificates"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
