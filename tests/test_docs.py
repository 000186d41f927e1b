"""The project stands alone: its files point at nothing outside it, and its links resolve."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Local state and generated files, not the project's own.
NOT_PROJECT = {
    ".git",
    ".venv",
    "__pycache__",
    "build",
    "dist",
    "node_modules",
    ".langgraph_api",
    "mutants",
}
# A folder beside the project, or a ticket number: a clone has neither. (Written so that this
# file does not match itself.)
OUTSIDE = re.compile(r"\.\./" + r"shared\b|\b[Ii]ssue" + r" [0-9]+")
MARKDOWN_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def project_files() -> Iterator[Path]:
    """Every text file of the project (not caches, builds or virtualenvs)."""
    for path in sorted(ROOT.rglob("*")):
        parts = set(path.relative_to(ROOT).parts)
        if parts & NOT_PROJECT or any(p.endswith((".egg-info", "_cache")) for p in parts):
            continue
        if path.is_file() and path.suffix not in (".pyc", ".sqlite", ".png", ".whl"):
            yield path


def test_no_file_points_outside_the_project_or_at_an_issue_number():
    found = []
    for path in project_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


@pytest.mark.parametrize(
    "document", sorted(p.relative_to(ROOT).as_posix() for p in project_files() if p.suffix == ".md")
)
def test_relative_links_in_markdown_resolve(document):
    path = ROOT / document
    targets = MARKDOWN_LINK.findall(path.read_text(encoding="utf-8"))
    local = [t for t in targets if not re.match(r"^[a-z]+:", t)]
    missing = [t for t in local if not (path.parent / t).exists()]
    assert missing == []


def test_the_documents_the_readme_names_are_in_the_project():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for document in ("docs/design.md", "docs/contracts.md", "docs/role-spec.md"):
        assert f"]({document})" in readme
        assert (ROOT / document).is_file()
