"""Scoring redacted chats against ground truth (used by bench/pii_quality.py and the tests).

Definitions (../shared/data/README.md): a PII value has leaked when it is still present in the
redacted text of its message, case-insensitively, and for values with digits also as its digits
alone; a decoy is destroyed when it is no longer present; "other words" are the words of each
message outside every labelled value (PII, decoy, neutral), counted as kept when still present.
"""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

_WORD = re.compile(r"\w+", re.UNICODE)


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def value_leaked(value: str, redacted: str) -> bool:
    if value.lower() in redacted.lower():
        return True
    digits = _digits(value)
    return len(digits) >= 4 and digits in redacted


@dataclass
class Score:
    pii: Counter[str] = field(default_factory=Counter)
    leaked: Counter[str] = field(default_factory=Counter)
    decoys: Counter[str] = field(default_factory=Counter)
    destroyed: Counter[str] = field(default_factory=Counter)
    words: int = 0
    words_kept: int = 0
    by_language: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    # (type, language) -> values, leaked
    by_type_language: dict[tuple[str, str], Counter[str]] = field(
        default_factory=lambda: defaultdict(Counter)
    )
    leak_examples: list[tuple[str, str, str]] = field(default_factory=list)
    decoy_examples: list[tuple[str, str, str]] = field(default_factory=list)
    lost_words: Counter[str] = field(default_factory=Counter)

    def add_chat(self, truth: dict[str, Any], redacted: list[str], language: str = "") -> None:
        originals = [m["text"] for m in truth["messages"]]
        labelled: dict[int, list[str]] = defaultdict(list)
        for item in truth.get("pii", []):
            index, value = item["message_index"], item["value"]
            labelled[index].append(value)
            self.pii[item["type"]] += 1
            self.by_language[language]["pii"] += 1
            self.by_type_language[(item["type"], language)]["pii"] += 1
            if value_leaked(value, redacted[index]):
                self.leaked[item["type"]] += 1
                self.by_language[language]["leaked"] += 1
                self.by_type_language[(item["type"], language)]["leaked"] += 1
                self.leak_examples.append((item["type"], value, redacted[index]))
        for item in truth.get("decoys", []):
            index, value = item["message_index"], item["value"]
            labelled[index].append(value)
            self.decoys[item["kind"]] += 1
            if value.lower() not in redacted[index].lower():
                self.destroyed[item["kind"]] += 1
                self.decoy_examples.append((item["kind"], value, redacted[index]))
        for item in truth.get("neutral", []):
            labelled[item["message_index"]].append(item["value"])
        for index, original in enumerate(originals):
            rest = original
            for value in sorted(labelled.get(index, []), key=len, reverse=True):
                rest = re.sub(re.escape(value), " ", rest, flags=re.IGNORECASE)
            wanted = Counter(w.lower() for w in _WORD.findall(rest))
            have = Counter(w.lower() for w in _WORD.findall(redacted[index]))
            self.words += sum(wanted.values())
            for word, count in wanted.items():
                kept = min(count, have[word])
                self.words_kept += kept
                if kept < count:
                    self.lost_words[word] += count - kept

    def report(self, title: str) -> list[str]:
        languages = sorted(lang for lang, counts in self.by_language.items() if counts["pii"])
        lines = [
            f"-- {title}",
            f"{'type':<16}{'values':>7}{'leaked':>8}{'leak rate':>11}"
            + "".join(f"{'leak ' + (lang or '?'):>14}" for lang in languages),
        ]
        for kind in sorted(self.pii):
            cells = []
            for lang in languages:
                counts = self.by_type_language.get((kind, lang), Counter())
                cells.append(
                    f"{counts['leaked']:>5}/{counts['pii']:<4}"
                    f"{(counts['leaked'] / counts['pii'] if counts['pii'] else 0):>5.0%}"
                )
            lines.append(
                f"{kind:<16}{self.pii[kind]:>7}{self.leaked[kind]:>8}"
                f"{self.leaked[kind] / self.pii[kind]:>10.1%}" + "".join(cells)
            )
        total, leaked = sum(self.pii.values()), sum(self.leaked.values())
        lines.append(f"{'ALL':<16}{total:>7}{leaked:>8}{(leaked / total if total else 0):>10.1%}")
        for language, counts in sorted(self.by_language.items()):
            if counts["pii"]:
                lines.append(
                    f"  language {language or '?'}: leak rate "
                    f"{counts['leaked'] / counts['pii']:.1%} of {counts['pii']}"
                )
        decoys, destroyed = sum(self.decoys.values()), sum(self.destroyed.values())
        if decoys:
            lines.append(
                f"decoys destroyed: {destroyed}/{decoys} = {destroyed / decoys:.1%}  "
                + ", ".join(f"{k} {self.destroyed[k]}/{v}" for k, v in sorted(self.decoys.items()))
            )
        if self.words:
            lines.append(
                f"other words kept: {self.words_kept}/{self.words} = "
                f"{self.words_kept / self.words:.2%}"
            )
        return lines
