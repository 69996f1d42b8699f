"""axe-core in the browser tests (issue #18): the npm package's axe.min.js is injected into the
page (`make install` runs `npm ci`), `axe.run` checks it, and only serious or critical
violations fail a test. The page's width is checked in the same pass: no page may scroll
sideways at 375 px."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")
MISSING_AXE = (
    f"{AXE_SCRIPT} is missing: run `make install` (it runs `npm ci --ignore-scripts`, "
    "which installs the pinned axe-core of package-lock.json)"
)


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        shown = ", ".join(self.targets[:4]) + (" …" if len(self.targets) > 4 else "")
        return f"{self.rule} ({self.impact}: {self.help}) at {shown}"


def axe_violations(page: Page) -> list[Violation]:
    """The serious and critical axe-core violations of the page as it is now."""
    assert AXE_SCRIPT.exists(), MISSING_AXE
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    results: dict[str, Any] = page.evaluate(
        "async () => await window.axe.run(document, {resultTypes: ['violations']})"
    )
    return [
        Violation(
            rule=item["id"],
            impact=item["impact"],
            help=item["help"],
            targets=tuple(" ".join(map(str, node["target"])) for node in item["nodes"]),
        )
        for item in results["violations"]
        if item["impact"] in FAILING_IMPACTS
    ]


def sideways_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than its viewport (0: no sideways scrolling)."""
    width: int = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    return max(width, 0)


def widest_elements(page: Page) -> list[str]:
    """The elements that stick out past the viewport's right edge (to name in a failure)."""
    found: list[str] = page.evaluate(
        """() => {
          const limit = window.innerWidth;
          const out = [];
          for (const el of document.querySelectorAll('body *')) {
            const box = el.getBoundingClientRect();
            if (box.right > limit + 1 && box.width > 0) {
              const parent = el.parentElement;
              const inside = parent && parent.getBoundingClientRect().right > limit + 1;
              if (!inside) {
                const cls = typeof el.className === 'string' && el.className
                  ? '.' + el.className.split(' ').join('.') : '';
                out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + cls +
                  ' (' + Math.round(box.right) + 'px)');
              }
            }
            if (out.length >= 5) break;
          }
          return out;
        }"""
    )
    return found
