"""The repository keeps its promises: CI runs the README's test command."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    commands = [ln for ln in readme.splitlines() if ln.startswith("apt-get update") and "pytest" in ln]
    assert len(commands) == 1
    assert commands[0] in (ROOT / ".ci" / "run").read_text()
