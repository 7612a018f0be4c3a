"""The docs point at what the tree holds: every link of README.md and docs/ resolves, and every commit the studies
page names for raw logs that left the tree still holds them."""

import re
import subprocess
from pathlib import Path

import pytest
from conftest import load_experiment

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _targets(page: Path) -> list[str]:
    """The local targets of a page's Markdown links and images (no URL, no in-page anchor)."""
    return [target.split("#")[0] for target in LINK.findall(page.read_text())
            if not re.match(r"[a-z]+:", target) and not target.startswith("#")]


def test_every_link_of_the_readme_and_the_docs_resolves():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    broken = [f"{page.relative_to(ROOT)}: {target}" for page in pages for target in _targets(page)
              if not (page.parent / target).exists()]
    assert not broken, broken
    assert "docs/results.md" in _targets(ROOT / "README.md")  # the pattern finds links at all


def test_the_link_check_catches_a_missing_file(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("![a plot](img/gone.png), [home](https://example.org), [up](#top), [here](page.md#x)\n")
    assert _targets(page) == ["img/gone.png", "page.md"]
    assert [t for t in _targets(page) if not (tmp_path / t).exists()] == ["img/gone.png"]


def _last_held() -> dict:
    return load_experiment("reporting.folders").LAST_HELD


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)


def test_each_commit_the_studies_page_names_holds_its_raw_logs():
    """``git show COMMIT:PATH`` works for every path the page sends a reader to (a checkout without that history,
    a shallow clone, skips)."""
    held = _last_held()
    missing = [commit for commit, _ in held.values() if _git("cat-file", "-e", f"{commit}^{{commit}}").returncode]
    if missing:
        pytest.skip(f"this checkout's history lacks {missing[:3]}")
    studies = (ROOT / "docs" / "studies.md").read_text()
    for path, (commit, _) in held.items():
        assert _git("cat-file", "-e", f"{commit}:{path.rstrip('/')}").returncode == 0, (path, commit)
        assert f"`{path}` at commit {commit}" in studies, path
