"""The documentation holds together: every link between the README and docs/ reaches a
file and a heading, every environment variable is documented, each fast-path piece has
its decision record, every file they name exists, the README stays short, and nothing cites a design page the
repository doesn't have."""

import re
from pathlib import Path

from mastertrade.fastpath import PIECES
from mastertrade.tests.test_alerts import github_anchors

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_every_relative_link_reaches_a_file_and_its_heading():
    broken = []
    for page in PAGES:
        for target in LINK.findall(page.read_text()):
            if re.match(r"[a-z]+:", target):
                continue  # https:, mailto:
            path, _, anchor = target.partition("#")
            resolved = (page.parent / path).resolve() if path else page
            if not resolved.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such file)")
            elif anchor and resolved.is_file() and anchor not in github_anchors(resolved.read_text()):
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
    assert broken == []


def test_every_file_the_docs_name_exists():
    """A path in backticks (`risk/dp.py`, `tests/test_structure.py::name`) names a file that
    is there: a move that forgets the docs fails here."""
    path = re.compile(r"`([a-z_][\w.-]*/[\w/.-]+\.(?:py|yml|yaml|sh|md|toml|json|conf|ini))(?:::\w+)?`")
    missing = [
        f"{page.relative_to(ROOT)}: {name}"
        for page in PAGES
        for name in path.findall(page.read_text())
        if not (ROOT / name).exists()
    ]
    assert missing == []


def test_every_environment_variable_is_documented():
    example = (ROOT / ".env.example").read_text()
    names = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    settings = (ROOT / "mastertrade" / "settings" / "base.py").read_text()
    names |= set(re.findall(r"""\benv(?:_\w+)?\(\s*["']([A-Z][A-Z0-9_]+)["']""", settings))
    documented = (DOCS / "operations" / "configuration.md").read_text()
    assert len(names) > 50
    assert sorted(name for name in names if f"`{name}`" not in documented) == []


def test_each_fast_path_piece_has_its_decision_record():
    records = {path.name: path.read_text() for path in (DOCS / "adr").glob("*-fastpath-*.md")}
    for piece in PIECES:
        matching = [name for name, text in records.items() if f"`FASTPATH_OFF={piece}`" in text]
        assert len(matching) == 1, piece


def test_the_readme_is_short_and_links_the_docs():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 200
    for page in ("architecture.md", "api.md", "decisions.md", "alerts.md", "performance.md", "testing.md"):
        assert f"(docs/{page}" in readme, page
    assert "(docs/operations/runbook.md)" in readme and "(docs/adr/)" in readme


def test_nothing_cites_a_design_page_outside_the_repository():
    missing_page = "DESIGN" + ".md"
    citing = []
    for folder in ("goals", "strategies", "trades", "risk", "alerts", "mastertrade", "tests", "docs", "scripts", "ops"):
        for path in (ROOT / folder).rglob("*"):
            readable = path.is_file() and path.suffix in {".py", ".md", ".yml", ".sh", ".json", ".html"}
            if readable and missing_page in path.read_text(errors="replace"):
                citing.append(str(path.relative_to(ROOT)))
    assert citing == []
