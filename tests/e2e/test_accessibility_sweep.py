"""Every page of every role through axe-core at 1280 px and 375 px (issue #18): no serious or
critical violation, and no page scrolls sideways at 375 px. One data set and one signed-in
browser context per role serve the whole sweep. To keep it quick, a page is checked once per
role when it is an error page (403, 404: every refusal renders the same template), and once in
all when its content (`<main>`, CSRF tokens aside) is the same as a page already checked for
another role — the role's own header is checked on its first page."""

import os
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page

from tests.e2e.axe import axe_violations, sideways_overflow, widest_elements
from tests.e2e.conftest import STEP_TIMEOUT_MS, log_in
from tests.e2e.sweep_data import sweep_data_seed
from tests.e2e.sweep_pages import NOT_PAGES, PAGES, page_route_names, sweep_paths

WIDTHS = (1280, 375)
HEIGHT = 900
ANONYMOUS = "anonymous"
ERROR_STATUSES = (403, 404)


def test_every_named_page_route_is_in_the_sweep() -> None:
    routes = page_route_names()
    forgotten = sorted(routes - PAGES.keys() - NOT_PAGES.keys())
    assert not forgotten, (
        f"routes not in the accessibility sweep: {forgotten}; add them to PAGES (with the "
        "addresses to visit) or NOT_PAGES (with the reason) in tests/e2e/sweep_pages.py"
    )
    assert not PAGES.keys() & NOT_PAGES.keys()
    assert not (PAGES.keys() | NOT_PAGES.keys()) - routes, "the sweep names a route that is gone"


def _check(page: Page, who: str, path: str) -> list[str]:
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        for violation in axe_violations(page):
            problems.append(f"{who} {path} @{width}px: {violation}")
        overflow = sideways_overflow(page)
        if width < 400 and overflow:
            problems.append(
                f"{who} {path} @{width}px: scrolls sideways by {overflow}px "
                f"({'; '.join(widest_elements(page))})"
            )
    page.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT})
    return problems


CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*')


def _main_content(page: Page) -> str:
    html: str = page.evaluate("() => document.querySelector('main')?.innerHTML ?? ''")
    return CSRF_VALUE.sub(r"\1", html)


def _sweep(
    page: Page, base: str, who: str, paths: list[str], contents_seen: set[str]
) -> tuple[list[str], int]:
    problems: list[str] = []
    errors_seen: set[int] = set()
    checked = 0
    for path in paths:
        response = page.goto(base + path)
        status = response.status if response else 0
        if status >= 500:
            problems.append(f"{who} {path}: HTTP {status}")
            continue
        if status in ERROR_STATUSES:
            if status in errors_seen:
                continue
            errors_seen.add(status)
        content = _main_content(page)
        if checked and content in contents_seen:
            continue
        contents_seen.add(content)
        problems.extend(_check(page, who, path))
        checked += 1
    return problems, checked


@pytest.mark.browser
def test_every_page_of_every_role_passes_axe_and_fits_375px(
    live_server: Any, transactional_db: None, make_user: Callable[..., User], browser: Browser
) -> None:
    data = sweep_data_seed(make_user)
    paths = sweep_paths(data)
    problems: list[str] = []
    contents_seen: set[str] = set()
    checked = 0
    # While fixing pages: SWEEP_ONLY="<regex of paths>" and SWEEP_WHO="records_manager,…".
    only = re.compile(os.environ.get("SWEEP_ONLY", ""))
    paths = [path for path in paths if only.search(path)]
    everyone = (*data.users, ANONYMOUS)
    for who in os.environ.get("SWEEP_WHO", ",".join(everyone)).split(","):
        # JavaScript on for axe alone (no page of ours has a script); CSP bypassed so that the
        # injected axe.min.js runs under the pages' script-src 'self'.
        context = browser.new_context(
            viewport={"width": WIDTHS[0], "height": HEIGHT}, bypass_csp=True
        )
        context.set_default_timeout(STEP_TIMEOUT_MS)
        page = context.new_page()
        if who == ANONYMOUS:
            visit = [PAGES["login"](data)[0], PAGES["legal-hold-acknowledge"](data)[0]]
        else:
            log_in(page, live_server.url, data.users[who])
            visit = paths
        found, count = _sweep(page, live_server.url, who, visit, contents_seen)
        problems.extend(found)
        checked += count
        context.close()
    if not os.environ.get("SWEEP_ONLY") and not os.environ.get("SWEEP_WHO"):
        assert checked > 2 * len(PAGES)
    assert not problems, f"{len(problems)} problems on {checked} pages:\n" + "\n".join(problems)
