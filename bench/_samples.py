"""The command line every development-sample generator shares: `--count`, `--seed`, `--out`,
one JSON line per chat, deterministic for a seed."""

import argparse
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any


def sample_main(
    *,
    description: str,
    build: Callable[[random.Random, int], dict[str, Any]],
    count: int,
    seed: int,
    out: Path,
) -> None:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--count", type=int, default=count)
    parser.add_argument("--seed", type=int, default=seed)
    parser.add_argument("--out", type=Path, default=out)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    chats = [build(rng, number) for number in range(1, args.count + 1)]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as stream:
        for chat in chats:
            stream.write(json.dumps(chat, ensure_ascii=False) + "\n")
    print(f"{len(chats)} chats written to {args.out}")


def language_with_noise(rng: Any, *, french: bool, missing_below: float, wrong_below: float) -> str:
    """The chat's `language` as sources send it, from one draw of `rng`: missing when the draw
    is below `missing_below`, the other language below `wrong_below`, else the right one."""
    roll = rng.random()
    if roll < missing_below:
        return ""
    if roll < wrong_below:
        return "en" if french else "fr"
    return "fr" if french else "en"
