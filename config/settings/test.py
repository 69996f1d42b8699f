"""The test suite: same as base, fast password hashing, mail kept in memory.

DATABASE_URL chooses SQLite (default) or PostgreSQL, so `make test` runs the suite on both.
"""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import EMBEDDED_BROKER_URL, REDIS_URL, env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Unit tests run tasks eagerly; the integration tests start a real worker on REDIS_URL.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_BROKER_URL = REDIS_URL or EMBEDDED_BROKER_URL
# Tests run inside a transaction that other connections cannot see; the tests of parallel
# execution pass `workers` themselves, on committed data. The job subprocesses of tests/faults
# set the variable: they work on committed data too.
DISPOSAL_WORKERS = env.int("DISPOSAL_WORKERS", default=1)
DECLARE_WORKERS = env.int("DECLARE_WORKERS", default=1)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False}
# django-axes counts every HTTP login; `Client.login()` has no request, so it is let through.
AUTHENTICATION_BACKENDS = [
    "tests.auth_backends.AxesBackendAllowingTestClientLogin",
    "django.contrib.auth.backends.ModelBackend",
]
# High enough that the suite (and its fuzzing) never meets them; the throttling tests lower them.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute"},
}
# Never the checkout's var/ file (it anchors the demo database): one file per process, which
# the test fixtures replace per test; worker subprocesses get their own.
AUDIT_ANCHOR_FILE = env.path(
    "AUDIT_ANCHOR_FILE",
    default=Path(tempfile.gettempdir()) / f"chatrecords-test-anchors-{os.getpid()}.jsonl",
)
