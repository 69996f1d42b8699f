"""Issues within days (issue #17 item 3): days from a new problem's onset to its first flag by
the daily emerging issues, and false alarms per quiet month, over generated surge scenarios
(tests/knowledgebase/surge_scenarios.py) of varied sizes, through import and analysis.

Each scenario sits in its own stretch of the calendar (100 days apart), so the baselines never
mix. Runs on a scratch SQLite file unless DATABASE_URL is set.

    .venv/bin/python bench/search_emerging.py
"""

import logging
import os
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

# (seed, surge chats on day one, growth per day, quiet chats per day, problem)
SCENARIOS = [
    (11, 4, 2, (3, 8), 0),
    (12, 3, 1, (2, 6), 1),
    (13, 5, 0, (4, 10), 2),
    (14, 3, 2, (5, 12), 0),
    (15, 6, 1, (1, 4), 1),
    (16, 4, 1, (6, 14), 2),
]
LOOK_DAYS = 4


def main() -> None:
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tempfile.mkdtemp()) / 'em.sqlite3'}"
    root = Path(__file__).resolve().parent
    sys.path.insert(0, str(root))
    sys.path.insert(0, str(root.parent))
    import _bootstrap

    _bootstrap.setup()
    logging.disable(logging.INFO)
    from knowledgebase.selectors.emerging import trends_emerging_issues_daily
    from knowledgebase.services.analysis import chats_analyse
    from knowledgebase.services.taxonomy import taxonomy_seed
    from tests.knowledgebase.surge_scenarios import surge_scenario

    taxonomy_seed()
    results = []
    for index, (seed, start, growth, quiet, problem) in enumerate(SCENARIOS):
        onset = date(2024, 3, 1) + timedelta(days=100 * index)
        surge_scenario(
            seed=seed,
            onset=onset,
            surge_days=LOOK_DAYS,
            quiet_range=quiet,
            surge_start=start,
            surge_growth=growth,
            problem=problem,
        )
        chats_analyse(now=datetime(2026, 1, 1, tzinfo=UTC))
        alarms = sum(
            bool(trends_emerging_issues_daily(as_of=onset - timedelta(days=offset)))
            for offset in range(1, 31)
        )
        delay = next(
            (
                offset
                for offset in range(LOOK_DAYS)
                if trends_emerging_issues_daily(as_of=onset + timedelta(days=offset))
            ),
            None,
        )
        results.append((delay, alarms))
        print(
            f"scenario {index + 1}: {start} new chats on day one (+{growth}/day), {quiet[0]}–"
            f"{quiet[1]} background chats a day: flagged "
            f"{'never' if delay is None else f'on day {delay} after onset'}; "
            f"{alarms} false alarm(s) in the 30 quiet days"
        )
    flagged = [delay for delay, _ in results if delay is not None]
    print(
        f"flagged {len(flagged)}/{len(results)}; days from onset to first flag: "
        f"mean {sum(flagged) / max(len(flagged), 1):.2f}, max {max(flagged, default=0)}; "
        f"false alarms per quiet month: {sum(a for _, a in results) / len(results):.2f}"
    )


if __name__ == "__main__":
    main()
