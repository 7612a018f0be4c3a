"""The repository keeps its promises: CI runs the README's test command."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    commands = [ln for ln in readme.splitlines() if ln.startswith("apt-get update") and "pytest" in ln]
    assert len(commands) == 1
    assert commands[0] in (ROOT / ".ci" / "run").read_text()


def test_results_page_is_what_report_py_generates_from_the_committed_records(tmp_path):
    """docs/results.md holds no hand-typed number: regenerating it from results/ gives the same text."""
    import sys

    sys.path.insert(0, str(ROOT / "experiments"))
    try:
        import report
    finally:
        sys.path.remove(str(ROOT / "experiments"))
    assert report.render(report.result_folders(), img=tmp_path) == (ROOT / "docs" / "results.md").read_text()
    assert (tmp_path / "training-curves-fashion-mnist.png").stat().st_size > 0
