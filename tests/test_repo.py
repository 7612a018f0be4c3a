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
    report = _report()
    assert report.render(report.result_folders(), img=tmp_path) == (ROOT / "docs" / "results.md").read_text()
    assert (tmp_path / "training-curves-fashion-mnist.png").stat().st_size > 0


def _report():
    import sys

    sys.path.insert(0, str(ROOT / "experiments"))
    try:
        import report
    finally:
        sys.path.remove(str(ROOT / "experiments"))
    return report


def test_claims_pair_a_hardware_run_with_the_float_baseline_trained_the_same_way():
    """An augmented hardware run is compared with the augmented float run, never with a plain one."""
    report = _report()
    hw = {"synapse": {"bits": 6}, "relu": {}, "leaky_relu": {}, "d2d_sigma": 0.0}

    def run(name: str, hardware: dict | None, augment: str | None, fid: float) -> object:
        config = {"model": {"dataset": "anime", "d_channels": [32]}, "hardware": hardware,
                  "train": {"augment": augment}}
        record = {"metric": "fid10k-train", "fid": fid}
        return report.Run(Path("results/cpu-x"), name, config, [{"step": 10}], {"fid10k-train": record})

    runs = [run("hw-aug", hw, "color", 100.0), run("float-plain", None, None, 400.0),
            run("float-aug", None, "color", 125.0), run("hw-plain", hw, None, 390.0)]
    rows = [line for line in report.claims(runs) if line.startswith("| anime") and "fid10k-train" in line]
    assert "hw-aug (10 steps, width 32, DiffAugment)" in rows[0]  # the best hardware group
    assert "float-aug" in rows[1] and "125.00" in rows[1]
    assert "0.800" in rows[2]  # 100 / 125, not 100 / 400
