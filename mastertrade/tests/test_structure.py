"""Dependencies point one way (docs/architecture.md): core imports no app; goals imports no other
app; strategies never imports trades (trades depends on strategies: a trade names the
strategy that made it); nothing imports risk."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("goals", "trades", "risk", "strategies", "alerts")


def imported_apps(folder: str) -> dict[str, set[str]]:
    """{module path: apps it imports}, tests and migrations excluded."""
    found = {}
    for path in (ROOT / folder).rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names & set(APPS)
    return found


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("mastertrade/core", set(APPS)),
        ("goals", {"trades", "risk", "strategies", "alerts"}),
        ("strategies", {"trades", "risk", "alerts"}),
        ("trades", {"risk", "alerts"}),
        ("risk", {"alerts"}),
    ],
)
def test_dependencies_point_one_way(folder, forbidden):
    offenders = {module: apps & forbidden for module, apps in imported_apps(folder).items() if apps & forbidden}
    assert offenders == {}


def test_no_meta_lookups_to_reach_a_sibling_model():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "tests" not in path.parts:
                assert "related_model" not in path.read_text(), path
