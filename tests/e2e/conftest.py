"""Browser journeys (issue #8): Playwright's sync API driving Debian's Chromium against
pytest-django's live server. JavaScript is switched off in every page: each journey proves the
product works with plain HTML forms. Each step's screenshot lands in
test-artifacts/<journey>/NN-step.png at the repository root (git-ignored)."""

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect, sync_playwright

from core.roles import Role
from tests.conftest import PASSWORD

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run in a
# thread with a running loop unless told that this is deliberate (it is: one thread, no awaits).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STEP_TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(STEP_TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


class Journey:
    """Numbers and saves a full-page screenshot per step under test-artifacts/<name>/."""

    def __init__(self, name: str, page: Page) -> None:
        self.folder = ARTIFACTS / name
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.page = page
        self.count = 0

    def step(self, label: str) -> Path:
        self.count += 1
        slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        path = self.folder / f"{self.count:02d}-{slug}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def both(self, label: str) -> None:
        """The step at 1280 px and at 375 px (issue #18: every found problem, at both widths)."""
        viewport = self.page.viewport_size or {"width": 1280, "height": 900}
        self.step(f"{label} 1280")
        self.page.set_viewport_size({"width": 375, "height": 800})
        self.step(f"{label} 375")
        self.page.set_viewport_size(viewport)


@pytest.fixture
def journey(page: Page) -> Callable[[str], Journey]:
    return lambda name: Journey(name, page)


def log_in(page: Page, base_url: str, user: User) -> None:
    """Through the real login form, as a person would."""
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", user.get_username())
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("header .who")).to_have_text(user.get_username())


@pytest.fixture
def role_user(transactional_db: None, make_user: Callable[..., User]) -> Callable[[Role], User]:
    return lambda role: make_user(role)
