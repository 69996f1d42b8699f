"""A web process (config/wsgi.py, what gunicorn loads) collects garbage as core/collector.py
says: the loaded application frozen out of the collector's passes, young collections every
20,000 allocations rather than CPython's 700. Other processes (tests, commands, workers) keep
CPython's defaults. Each in a fresh interpreter: the collector is process-wide."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = "import gc; {imports}; print(gc.get_threshold(), gc.get_freeze_count() > 0)"


def _collector_after(imports: str) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(  # noqa: S603 - our own interpreter and probe
        [sys.executable, "-c", PROBE.format(imports=imports)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def test_the_web_application_freezes_what_it_loaded_and_collects_less_often() -> None:
    assert _collector_after("import config.wsgi") == "(20000, 20, 10) True"


def test_loading_django_elsewhere_keeps_the_default_collector() -> None:
    assert _collector_after("import django; django.setup()") == "(700, 10, 10) False"
