"""Tasks import services, never the reverse: no alerts service module imports
alerts.tasks, not even inside a function (a service enqueues a task by its registered
name, through mastertrade.core.dispatch)."""

import ast
from pathlib import Path

import pytest

SERVICES = Path(__file__).resolve().parents[1] / "services"
PACKAGE = ("alerts", "services")


def imported_modules(path: Path) -> set[str]:
    """Every module an import anywhere in the file names (relative ones resolved), with
    each name imported from it as a possible submodule."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = PACKAGE[: len(PACKAGE) - node.level + 1] if node.level else ()
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("alerts."):
            found.add(node.value)  # importlib.import_module("alerts.tasks")
    return found


def tasks_imported(path: Path) -> set[str]:
    return {m for m in imported_modules(path) if m == "alerts.tasks" or m.startswith("alerts.tasks.")}


def test_the_check_sees_every_spelling_of_the_import(tmp_path):
    spellings = [
        "from .. import tasks",
        "from ..tasks import deliver",
        "import alerts.tasks",
        "from alerts import tasks",
        "from alerts.tasks import deliver",
        "def f():\n    from .. import metrics, tasks",
        "importlib.import_module('alerts.tasks')",
    ]
    for source in spellings:
        (tmp_path / "module.py").write_text(source + "\n")
        assert tasks_imported(tmp_path / "module.py"), source
    (tmp_path / "module.py").write_text("from . import delivery\nfrom .. import metrics\nNAME = 'alerts.deliver'\n")
    assert not tasks_imported(tmp_path / "module.py")


@pytest.mark.parametrize("path", sorted(SERVICES.glob("*.py")), ids=lambda p: p.name)
def test_no_service_module_imports_the_tasks(path):
    assert not tasks_imported(path)


def test_the_services_are_where_the_check_looks():
    expected = {"channels.py", "rules.py", "notifications.py", "delivery.py", "evaluation.py"}
    assert expected <= {path.name for path in SERVICES.glob("*.py")}
