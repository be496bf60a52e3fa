"""The code's structure. Imports point one way: the map in docs/architecture.md ("Import direction"), checked for
every ordered pair of the project's packages, not just some.

The domain apps form a chain, lowest first: goals ← strategies ← trades ← risk ← alerts ←
cockpit. An app may import any app below it in the chain, never one above. The shared
packages under them import no domain app: the fast path imports nothing of ours (each
piece stands in for a framework's internals); core's plumbing may plug the pieces in;
observability and tokens may use both. Every
domain app may use every shared package. Tests and migrations are not counted (a test may
build objects of any app; a migration names the models it depends on)."""

import ast
import functools
import itertools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

DOMAIN = ("goals", "strategies", "trades", "risk", "alerts", "cockpit")
SHARED = {
    "mastertrade.fastpath": (),
    "mastertrade.core": ("mastertrade.fastpath",),
    "observability": ("mastertrade.core", "mastertrade.fastpath"),
    "tokens": ("mastertrade.core", "mastertrade.fastpath"),
}
PACKAGES = (*SHARED, *DOMAIN)


def allowed(importer: str, imported: str) -> bool:
    if importer == imported:
        return True
    if importer in SHARED:
        return imported in SHARED[importer]
    return imported in SHARED or DOMAIN.index(imported) < DOMAIN.index(importer)


def package_of(module: str) -> str | None:
    """The project package a dotted module name belongs to (None: a library, or the
    project's own wiring in mastertrade/: settings, urls, celery)."""
    for package in PACKAGES:
        if module == package or module.startswith(package + "."):
            return package
    return None


def _resolve(path: Path, node: ast.ImportFrom) -> str:
    """The absolute module name of a (possibly relative) `from … import`."""
    if node.level == 0:
        return node.module or ""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    base = parts[: len(parts) - node.level]
    return ".".join([*base, node.module] if node.module else base)


@functools.cache
def imports() -> dict[tuple[str, str], list[str]]:
    """{(importer, imported): [module paths]} over every project package's code."""
    found: dict[tuple[str, str], list[str]] = {}
    for importer in PACKAGES:
        folder = ROOT.joinpath(*importer.split("."))
        for path in sorted(folder.rglob("*.py")) if folder.is_dir() else ():
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    base = _resolve(path, node)
                    modules = [base, *(f"{base}.{alias.name}" for alias in node.names)]
                else:
                    continue
                for imported in {package_of(module) for module in modules} - {None, importer}:
                    found.setdefault((importer, imported), []).append(str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize(
    ("importer", "imported"),
    [pair for pair in itertools.permutations(PACKAGES, 2) if not allowed(*pair)],
    ids=lambda name: name,
)
def test_never_imports(importer, imported):
    assert imports().get((importer, imported), []) == [], f"{importer} must not import {imported}"


def test_the_map_is_the_one_docs_architecture_states():
    text = (ROOT / "docs" / "architecture.md").read_text()
    assert " ← ".join(DOMAIN) in text


def test_the_scan_sees_imports():
    """The scanner finds the imports that are allowed, so an empty answer above means
    something (it would also be empty if it read nothing)."""
    assert imports().get(("risk", "goals")) and imports().get(("goals", "mastertrade.core"))


def test_no_meta_lookups_to_reach_a_sibling_model():
    """An app reaches another app's model by importing it (which the map above checks),
    never through `_meta` (`related_model`), which would hide the dependency from it."""
    for app in DOMAIN:
        for path in ROOT.joinpath(app).rglob("*.py"):
            if "tests" not in path.parts:
                assert "related_model" not in path.read_text(), path
