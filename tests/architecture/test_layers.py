"""The layer order of STYLE §1b, checked on every import statement of the apps (module level and
inside functions alike), so a shortcut against it fails here rather than in a reader's head."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Left to right: an app imports only apps of a lower rank. Apps of one rank are siblings and
# do not import each other either.
LAYERS: list[tuple[str, ...]] = [
    ("core",),
    ("audit",),
    ("outbox",),
    ("chats",),
    ("redaction",),
    ("records",),
    ("retention",),
    ("knowledgebase", "qa", "privacy"),
    ("integrations",),
]
RANK = {app: rank for rank, apps in enumerate(LAYERS) for app in apps}

MAX_MODULE_LINES = 450
MAX_TYPE_IGNORES = 20


def _app_modules(app: str) -> list[Path]:
    return sorted(p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts)


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    imported: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.append((node.lineno, node.module))
    return imported


def _imports_against_the_layers() -> list[str]:
    found = []
    for app, rank in RANK.items():
        for path in _app_modules(app):
            for line, module in _imported_modules(path):
                target = module.split(".")[0]
                if target in RANK and target != app and RANK[target] >= rank:
                    found.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return found


def test_every_app_of_the_layer_order_exists() -> None:
    missing = [app for app in RANK if not (ROOT / app / "apps.py").exists()]
    assert missing == []


def test_no_app_imports_an_app_at_or_above_its_layer() -> None:
    assert _imports_against_the_layers() == []


def test_the_layer_check_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    module = tmp_path / "late.py"
    module.write_text("def f():\n    from retention.models import LegalHold\n")
    assert _imported_modules(module) == [(2, "retention.models")]


def _project_modules() -> list[Path]:
    skipped = {".venv", "migrations", "node_modules", "staticfiles"}
    return sorted(
        p for p in ROOT.rglob("*.py") if not skipped.intersection(p.relative_to(ROOT).parts)
    )


def test_no_module_is_longer_than_the_limit() -> None:
    long_modules = {
        str(p.relative_to(ROOT)): n
        for p in _project_modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long_modules == {}


@pytest.mark.parametrize("marker", ["# type: " + "ignore"])
def test_type_ignores_stay_below_the_limit(marker: str) -> None:
    # The marker is assembled so that this file does not count itself.
    count = sum(p.read_text(encoding="utf-8").count(marker) for p in _project_modules())
    assert count < MAX_TYPE_IGNORES
