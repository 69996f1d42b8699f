"""The project's Celery app with a one-second schedule, for tests/multihost/test_beat_lock.py:
`celery -A tests.multihost.beat_app beat` runs the real scheduler (CELERY_BEAT_SCHEDULER, the
beat lock) and each message it sends names the process that sent it."""

import os

from config.celery_app import app

app.conf.beat_schedule = {
    "probe": {"task": "multihost.beat_probe", "schedule": 1.0, "args": (os.getpid(),)},
}

__all__ = ["app"]
