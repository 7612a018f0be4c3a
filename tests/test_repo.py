"""The repository keeps its promises: CI runs the README's test command."""

import json
from pathlib import Path

import pytest
from conftest import load_experiment

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    commands = [ln for ln in readme.splitlines() if ln.startswith("apt-get update") and "pytest" in ln]
    assert len(commands) == 1
    assert commands[0] in (ROOT / ".ci" / "run").read_text()


def test_results_and_studies_pages_are_what_report_py_generates_from_the_committed_records(tmp_path):
    """docs/results.md and docs/studies.md hold no hand-typed number: regenerating them from results/ gives the same
    text; the results page stays a page a newcomer reads (at most 200 lines)."""
    report = _report()
    results = report.render(report.result_folders(), img=tmp_path)
    assert results == (ROOT / "docs" / "results.md").read_text()
    assert len(results.splitlines()) <= 200
    assert report.render_studies(report.result_folders(), img=tmp_path) == (ROOT / "docs" / "studies.md").read_text()
    for plot in ("shipped-generators.png", "state-use.png", "fid-vs-epoch-claims.png", "long-run.png"):
        assert (tmp_path / plot).stat().st_size > 0


def test_the_sweeps_page_is_what_sweeps_py_writes_from_the_committed_sweep():
    """docs/sweeps.md holds no hand-typed number either."""
    sweeps = load_experiment("sweeps")
    assert sweeps.page() == (ROOT / "docs" / "sweeps.md").read_text()


def test_no_experiments_module_is_over_400_lines():
    sizes = {p.name: len(p.read_text().splitlines()) for p in (ROOT / "experiments").rglob("*.py")}
    assert max(sizes.values()) <= 400, sizes


def _report():
    """experiments/reporting's modules as one namespace (the names the pages are made of)."""
    import types

    names = {}
    for module in ("runs", "claims", "beyond", "studies", "plots", "folders", "progress", "pages"):
        names |= {k: v for k, v in vars(load_experiment(f"reporting.{module}")).items() if not k.startswith("__")}
    return types.SimpleNamespace(**names)


HW6 = {"synapse": {"bits": 6}, "relu": {}, "leaky_relu": {}, "d2d_sigma": 0.0}  # the hardware of a 6-bit + DW config


def _config(hardware: dict | None, augment: str | None = None) -> dict:
    return {"model": {"dataset": "anime", "d_channels": [32]}, "hardware": hardware, "train": {"augment": augment}}


def _run(name: str, hardware: dict | None, records: list[dict], augment: str | None = None,
         steps: int = 10) -> object:
    """An anime run of ``steps`` steps whose first fid10k-train record stands for it, the others beside it."""
    return _report().Run(Path("results/cpu-x"), name, _config(hardware, augment), [{"step": steps}],
                         {"fid10k-train": records[0]}, alternatives=records[1:])


def test_claims_pair_a_hardware_run_with_the_float_baseline_trained_the_same_way():
    """An augmented hardware run is compared with the augmented float run, never with a plain one."""
    report = _report()

    def run(name: str, hardware: dict | None, augment: str | None, fid: float) -> object:
        return _run(name, hardware, [{"metric": "fid10k-train", "fid": fid}], augment)

    runs = [run("hw-aug", HW6, "color", 100.0), run("float-plain", None, None, 400.0),
            run("float-aug", None, "color", 125.0), run("hw-plain", HW6, None, 390.0)]
    rows = [line for line in report.claims(runs) if line.startswith("| anime") and "fid10k-train" in line]
    assert "hw-aug (10 steps, width 32, DiffAugment)" in rows[0]  # the best hardware group
    assert "float-aug" in rows[1] and "125.00" in rows[1]
    assert "0.800" in rows[2]  # 100 / 125, not 100 / 400


def test_the_shipped_recipe_is_the_plan_of_the_shipped_run_not_every_run_of_its_dataset():
    """The ablation's shipped-recipe column pools the seeds and the float baseline of the shipped run's plan,
    never a run of the same network on another schedule (here a learning-rate decay)."""
    report = _report()

    def run(name: str, hardware: dict | None, shipped: bool = False, decay: int | None = None) -> object:
        config = {"model": {"dataset": "fashion-mnist", "d_channels": [32]}, "hardware": hardware,
                  "train": {"lr_decay_start": decay, "epochs": 30}}
        return report.Run(Path("results/cpu-x"), name, config, [{"step": 10}],
                          {"fid10k-test": {"metric": "fid10k-test", "fid": 21.0, "shipped": shipped}})

    runs = [run("shipped", HW6, shipped=True), run("seed-1", HW6), run("float", None), run("decayed", HW6, decay=23)]
    assert [r.name for r in report.shipped_recipe(runs, "fashion-mnist")] == ["shipped", "seed-1", "float"]
    assert report.shipped_recipe(runs, "anime") == []


def test_a_longer_run_is_not_a_seed_of_the_shorter_recipe_and_keeps_the_paired_comparison():
    """A hardware run trained longer than its recipe's float baseline is its own claim row (not averaged with
    the shorter run as another seed); the shorter pair follows it with the hardware / float ratio."""
    report = _report()

    def run(name: str, hardware: dict | None, fid: float, steps: int) -> object:
        return _run(name, hardware, [{"metric": "fid10k-train", "fid": fid}], "color", steps)

    runs = [run("hw-15ep", HW6, 140.0, 2340), run("float-15ep", None, 175.0, 2340), run("hw-40ep", HW6, 90.0, 6240)]
    rows = [line for line in report.claims(runs) if line.startswith("| anime") and "fid10k-train" in line]
    assert "90.00 (1 seed)" in rows[0] and "hw-40ep (6240 steps" in rows[0] and "hw-15ep" not in rows[0]
    assert "not trained (no float run of this length)" in rows[1]
    assert "140.00 (1 seed)" in rows[2] and "float-15ep" in rows[3] and "| 0.800 (" in rows[4]
    assert len(rows) == 5


def _result_folder(tmp_path: Path) -> Path:
    """A result folder with one hardware run measured twice: running (file aaa) and standing (file bbb)
    BatchNorm statistics."""
    import json

    folder = tmp_path / "cpu-x"
    (folder / "runs" / "hw").mkdir(parents=True)
    (folder / "runs" / "hw" / "config.json").write_text(json.dumps(_config(HW6)))
    (folder / "runs" / "hw" / "metrics.jsonl").write_text('{"step": 10}\n')
    for suffix, fid, sha, bn in (("", 160.0, "aaa", None), ("-standing", 150.0, "bbb", "standing")):
        record = {"run": "hw", "metric": "fid10k-train", "fid": fid, "kid": 0.1, "n_generated": 10000,
                  "n_reference": 19969, "asset_sha256": sha, "commit": "c0ffee0", "command": "c", "reproduce": "r",
                  "checkpoint": f"{sha}.pt", **({"batchnorm_statistics": bn, "step": 10} if bn else {})}
        (folder / f"fid-hw{suffix}.json").write_text(json.dumps(record))
    return folder


def test_the_record_of_the_shipped_file_stands_for_its_run(tmp_path):
    """Of a generator's two evaluations the claims take the file the package ships now, else the recipe's."""
    report = _report()
    folder = _result_folder(tmp_path)
    for shipped, expected in (({"bbb"}, 150.0), ({"aaa"}, 160.0), (set(), 160.0)):
        (run,) = report.load_runs(folder, shipped)
        assert run.fids["fid10k-train"]["fid"] == expected
        assert [a["fid"] for a in run.alternatives] == [160.0 + 150.0 - expected]
        assert report.is_shipped(run) == bool(shipped)
    table = "\n".join(report.batchnorm_evaluations(report.fid_records(folder, {"bbb"})))
    assert "| hw | fid10k-train | 160.00 | 150.00 (shipped) | -6.2 % |" in table
    claim = [ln for ln in report.claims(report.load_runs(folder, {"bbb"})) if ln.startswith("| anime FID, 6-bit")][0]
    assert "150.00 (1 seed)" in claim and "standing BatchNorm statistics" in claim


def test_a_measurement_repeated_later_is_set_beside_the_record_of_the_same_file(tmp_path):
    import json

    report = _report()
    runs = report.load_runs(_result_folder(tmp_path), set())
    again = tmp_path / "reproduced"
    again.mkdir()
    (again / "fid-hw.json").write_text(json.dumps({"run": "hw", "metric": "fid10k-train", "fid": 161.6,
                                                   "asset_sha256": "aaa", "commit": "beef000"}))
    rows = [ln for ln in report.reproductions(runs, again) if ln.startswith("| hw")]
    assert rows == ["| hw | fid10k-train | aaa... | 160.000 (commit c0ffee0) | 161.600 (commit beef000) | +1.00 % |"]
    (again / "fid-hw.json").write_text(json.dumps({"run": "hw", "metric": "fid10k-train", "fid": 1.0,
                                                   "asset_sha256": "ccc", "commit": "beef000"}))
    with pytest.raises(SystemExit, match="no record of hw"):
        report.reproductions(runs, again)


def test_hardware_over_float_compares_generators_evaluated_the_same_way():
    """A hardware generator shipped with standing BatchNorm statistics is set against a float baseline measured
    with running ones by its own running-statistics evaluation, not by the better standing one."""
    report = _report()
    standing = {"metric": "fid10k-train", "fid": 150.0, "batchnorm_statistics": "standing"}
    running = {"metric": "fid10k-train", "fid": 160.0, "batchnorm_statistics": "running"}
    runs = [_run("hw", HW6, [standing, running]), _run("float", None, [{"metric": "fid10k-train", "fid": 200.0}])]
    rows = [line for line in report.claims(runs) if line.startswith("| anime") and "fid10k-train" in line]
    assert "150.00 (1 seed)" in rows[0]
    assert "| 0.800 (" in rows[2] and "running BatchNorm statistics: 160.00" in rows[2]  # 160 / 200, not 150 / 200


def test_a_fid_record_is_placed_at_the_epoch_of_the_weights_it_measured():
    """A record measured mid-run (its step) sits at that epoch on the FID curve; an older record without the
    step field sits at the run's end."""
    report = _report()
    run = report.Run(Path("results/cpu-x"), "hw", _config(HW6), [{"step": 156, "epoch_end": 1},
                                                                   {"step": 1560, "epoch_end": 10}])
    assert report.record_epoch(run, {"fid": 90.0, "step": 624}) == 4.0
    assert report.record_epoch(run, {"fid": 80.0}) == 10.0
    assert report.record_epoch(run, {"fid": 80.0, "step": None}) == 10.0  # an export from before the field


def test_a_record_of_an_untracked_export_says_how_to_make_the_file_again(tmp_path):
    """An export kept only in an ignored folder is reproduced by exporting it from its run first, as long as the
    run's checkpoint still holds the weights of the export; a file the repository holds is measured as it is."""
    import torch

    from spindcgan.api import SHIPPED_MODEL
    from spindcgan.cli import main
    from spindcgan.models import ModelConfig
    from spindcgan.training import RunConfig, TrainConfig, train

    measure = load_experiment("measure")
    tiny = RunConfig(model=ModelConfig.preset("fashion-mnist", width=4),
                     train=TrainConfig(batch_size=16, limit=64, max_steps=3, sample_count=4, threads=2))
    run = train(tiny, tmp_path / "runs", progress=False)
    exported, again = tmp_path / "g.pt", tmp_path / "again.pt"
    assert main(["export", str(run), "--standing-statistics", "--out", str(exported)]) == 0
    fid = f"spindcgan fid {exported} --n 10000"
    assert measure.reproduce(exported, ["--n", "10000"], run) == (
        f"spindcgan export {run} --standing-statistics --out {exported} && {fid}")
    assert main(["export", str(run), "--standing-statistics", "--out", str(again)]) == 0
    first, second = (torch.load(f, weights_only=False) for f in (exported, again))
    for key, value in first["cmos"].items():  # the same export again, standing statistics included
        assert torch.equal(value, second["cmos"][key]), key
    assert measure.reproduce(exported, ["--n", "10000"], tmp_path) == fid  # no checkpoint there
    assert measure.reproduce(exported, ["--n", "10000"]) == fid
    assert measure.reproduce(SHIPPED_MODEL, ["--n", "10000"], run) == (
        "spindcgan fid src/spindcgan/assets/fashion-mnist-6bit-dw.pt --n 10000")  # git holds it
    assert main(["train", "--resume", str(run), "--max-steps", "5", "--no-progress"]) == 0
    assert measure.reproduce(exported, ["--n", "10000"], run) == fid  # the run has trained on since


def test_the_held_out_check_compares_equal_reference_counts_and_says_whether_it_is_within_5_percent():
    """The anime held-out row reads a fit run's fid10k-heldout against its fid10k-seen (both references 2,000
    faces drawn alike) of one measured file; without both it says the check is not measured, and neither a float
    run's records nor those of a run that trained on all faces stand for it."""
    report = _report()
    assert report.HELDOUT_CHECK == ("fid10k-heldout", "fid10k-seen")

    def run(name: str, held: float | None, seen: float | None, hardware: dict | None = HW6, split: str = "fit",
            seen_file: str = "g.pt") -> object:
        fids = {m: {"metric": m, "fid": v, "checkpoint": f}
                for m, v, f in zip(report.HELDOUT_CHECK, (held, seen), ("g.pt", seen_file), strict=True)
                if v is not None}
        config = _config(hardware, "color")
        config["train"]["train_split"] = split
        return report.Run(Path("results/cpu-x"), name, config, [{"step": 7}], fids)

    none_yet = report.heldout_rows([run("only-held", 50.0, None), run("float", 50.0, 49.0, hardware=None),
                                    run("saw-all", 50.0, 49.0, split="train"),  # trained on the held-out faces
                                    run("two-files", 50.0, 49.0, seen_file="other.pt")])  # not one generator
    assert len(none_yet) == 1 and "not measured yet" in none_yet[0]
    close, far = report.heldout_rows([run("close", 52.0, 50.0), run("far", 53.0, 50.0)])
    assert "1.040 (52.00 / 50.00, within 5 %)" in close and "close (7 steps" in close
    assert "1.060 (53.00 / 50.00, outside 5 %)" in far
    table = "\n".join(report.claims([run("close", 52.0, 50.0)]))
    assert "1.040 (52.00 / 50.00, within 5 %)" in table


def test_measure_names_each_reference_protocol_in_its_own_record(tmp_path, monkeypatch):
    """experiments/measure.py --ref heldout, --ref seen and --ref fit --ref-n 2000 write a record each, named by
    its reference, with the options that measure it again, and never over the default reference's record."""
    measure = load_experiment("measure")
    monkeypatch.setattr(measure, "provenance_of", lambda f: {"batchnorm_statistics": "standing"})
    calls = []

    def fake_fid(measured, n, split, ref_n, device):
        calls.append((split, ref_n))
        name = f"fid10k-{split or 'train'}{'2k' if ref_n else ''}"
        return {"metric": name, "fid": 50.0, "kid": 0.01}

    monkeypatch.setattr(measure.api, "fid", fake_fid)
    made = [measure.measure_fid(tmp_path, "a-s0", tmp_path, ref, ref_n=ref_n)
            for ref, ref_n in ((None, None), ("heldout", None), ("seen", None), ("fit", 2000))]
    assert [p.name for p in made] == ["fid-a-s0-standing.json", "fid-a-s0-standing-heldout.json",
                                      "fid-a-s0-standing-seen.json", "fid-a-s0-standing-fit2k.json"]
    assert calls == [(None, None), ("heldout", None), ("seen", None), ("fit", 2000)]
    import json

    assert json.loads(made[3].read_text())["reproduce"].endswith("--n 10000 --ref fit --ref-n 2000")

    import sys

    from spindcgan.models import ModelConfig
    from spindcgan.training import RunConfig

    run = tmp_path / "fashion-run"
    run.mkdir()
    fashion = RunConfig(model=ModelConfig.preset("fashion-mnist", width=4))
    (run / "config.json").write_text(json.dumps(fashion.to_dict()))
    monkeypatch.setattr(sys, "argv", ["measure.py", str(run), "--name", "f", "--results", str(tmp_path), "--ship",
                                      "--ref", "heldout"])
    with pytest.raises(SystemExit):  # refused before anything is shipped or measured
        measure.measure()
    assert len(calls) == 4


def test_a_run_still_training_shows_its_curve_until_a_longer_run_of_its_configuration_is_measured():
    """The claims' "reached so far" rows are for runs that went further than any measured run of their
    hardware; a shorter, abandoned run is not presented as the progress reached, whatever its recipe."""
    report = _report()

    def run(name: str, steps: int, fid10k: float | None, augment: str = "color") -> object:
        curve = [{"step": steps, "epoch_end": 5, "fid": 300.0, "metric": "fid2k-train", "n_generated": 2000,
                  "n_reference": 19969}]
        return report.Run(Path("results/cpu-x"), name, _config(HW6, augment), curve,
                          {"fid10k-train": {"metric": "fid10k-train", "fid": fid10k}} if fid10k else {})

    runs = [run("measured", 100, 70.0), run("abandoned", 50, None), run("resuming", 150, None),
            run("unaugmented", 60, None, augment="")]
    rows = report.so_far(runs, "anime", "fid10k-train")
    assert len(rows) == 1 and "resuming (150 steps" in rows[0]
    unmeasured = report.so_far(runs[1:], "anime", "fid10k-train")  # nothing stands for them: each shows
    assert len(unmeasured) == 3 and any("unaugmented (60 steps" in row for row in unmeasured)


def test_a_run_with_a_learning_rate_decay_is_named_and_grouped_apart():
    """A run that ended with a learning-rate decay is a different recipe: its label says so, and it is not a
    seed of a constant-rate run of the same length."""
    report = _report()
    decayed = {**_config(HW6, "color"), "train": {"augment": "color", "lr_decay_start": 76}}
    record = {"fid10k-train": {"metric": "fid10k-train", "fid": 60.0}}
    runs = [report.Run(Path("results/cpu-x"), "decayed", decayed, [{"step": 10}], record),
            _run("constant", HW6, [{"metric": "fid10k-train", "fid": 70.0}], "color")]
    assert report.describe(decayed).endswith("DiffAugment color, lr decay from epoch 76")
    assert len(report.groups(runs, "anime", "hw6", "fid10k-train")) == 2
    assert "decayed (10 steps, width 32, DiffAugment, lr decay from epoch 76)" in report.names(runs[:1], "fid10k-train")


def test_a_pair_ratio_names_the_batchnorm_statistics_its_hardware_fid_was_measured_with():
    """A shipped hardware generator measured with standing statistics is compared with its float baseline at
    its running-statistics FID; the results folder's ratio line says so and does not call it standing."""
    report = _report()
    standing = {"metric": "fid10k-train", "fid": 60.0, "batchnorm_statistics": "standing"}
    running = {"metric": "fid10k-train", "fid": 66.0, "batchnorm_statistics": "running"}
    runs = [_run("hw", HW6, [standing, running], "color"),
            _run("float", None, [{"metric": "fid10k-train", "fid": 55.0}], "color")]
    [line] = report.pair_ratios(runs)
    assert "66.00 / 55.00 = **1.200**" in line and "standing" not in line
    assert "hw (10 steps, width 32, DiffAugment) measured with running BatchNorm statistics" in line


def test_a_float_discriminator_run_is_its_own_configuration_and_never_a_paper_claim():
    """A run trained against a float discriminator is labelled apart: however good its FID, the claims rows of
    the paper's setting (both networks on hardware) keep the hardware run."""
    report = _report()
    floatd = {**HW6, "discriminator_on_hardware": False}
    assert report.hardware_configuration(_config(floatd)) == "hw6-floatd"
    assert report.hardware_configuration(_config(HW6)) == "hw6"  # a config from before the field
    assert "float discriminator" in report.describe(_config(floatd))
    runs = [_run("hw", HW6, [{"metric": "fid10k-train", "fid": 70.0}]),
            _run("hw-floatd", floatd, [{"metric": "fid10k-train", "fid": 50.0}])]
    rows = [line for line in report.claims(runs) if line.startswith("| anime") and "fid10k-train" in line]
    assert "70.00 (1 seed)" in rows[0] and "hw-floatd" not in "".join(rows)


def test_hardware_at_evaluation_evaluates_one_checkpoint_on_and_off_the_hardware(tmp_path, monkeypatch):
    """The three generators of experiments/hardware_at_evaluation.py: the checkpoint's EMA generator as training
    measured it, the same shadow weights unquantised (DW ReLU kept), and the float network with those weights."""
    import torch

    from spindcgan import SpinDCGANError
    from spindcgan.loading import load_generator
    from spindcgan.models import Generator, ModelConfig
    from spindcgan.training import RunConfig, TrainConfig, load_checkpoint, train

    model = ModelConfig.preset("fashion-mnist", width=4)
    train_config = TrainConfig(batch_size=16, limit=32, epochs=1, ema=0.9, sample_count=4, threads=2)
    run = train(RunConfig(model=model, train=train_config), tmp_path / "hw", progress=False)
    generators = load_experiment("hardware_at_evaluation").variants(run)
    z = torch.randn(6, model.z_dim, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        out = {name: g(z) for name, g in generators.items()}
        assert torch.equal(out["hardware"], load_generator(run)[0](z))
        assert not torch.allclose(out["hardware"], out["float weights"], atol=1e-4)  # 6-bit states are not weights
        float_net = Generator(model, None).eval()
        float_net.load_state_dict(load_checkpoint(run)["generator_ema"])
        assert torch.equal(out["float"], float_net(z))
    baseline = train(RunConfig(model=model, hardware=None, train=train_config), tmp_path / "fl", progress=False)
    with pytest.raises(SpinDCGANError, match="paper's setting"):
        load_experiment("hardware_at_evaluation").variants(baseline)

    module = load_experiment("hardware_at_evaluation")
    measured = iter([3.0, 2.0, 1.0])  # no Inception here: the record is what is checked
    monkeypatch.setattr(module, "measure_fid", lambda *a, **k: {"metric": "fid2k-train", "fid": next(measured),
                                                                    "kid": 0.0, "kid_std": 0.0})
    record = module.measure(run, "tiny-hw-s0", baseline)
    assert (record["name"], record["epoch"], record["step"]) == ("tiny-hw-s0", 1, 2)
    assert [(r["evaluated"], r["fid"]) for r in record["rows"]] == [("hardware", 3.0), ("float weights", 2.0),
                                                                      ("float", 1.0)]
    assert record["logged_fid"] is None and record["baseline_logged_fid"] is None  # neither run logged an FID


def test_a_hardware_at_evaluation_record_is_one_row_with_its_command(tmp_path):
    import json

    rows = [{"evaluated": name, "metric": "fid2k-train", "fid": fid, "kid": 0.0, "kid_std": 0.0}
            for name, fid in (("hardware", 70.5), ("float weights", 70.79), ("float", 71.07))]
    record = {"name": "x-s0", "run": "runs/x", "step": 15600, "epoch": 100, "sample_seed": 12345, "rows": rows,
              "logged_fid": 70.5, "baseline": "runs/f", "baseline_logged_fid": None,
              "command": "python experiments/h.py", "commit": "abc1234f"}
    (tmp_path / "hardware-at-evaluation-x.json").write_text(json.dumps(record))
    lines = _report().hardware_at_evaluation([tmp_path])
    assert "| x-s0 | 100 | fid2k-train | 70.50 | 70.79 | 71.07 | 70.50 | - |" in lines
    assert any("x-s0 (runs/x): `python experiments/h.py` at commit abc1234" in line for line in lines)
    assert _report().hardware_at_evaluation([tmp_path / "empty"]) == []


def _curve(fids: list[float]) -> list[dict]:
    """metrics.jsonl lines of in-training fid2k-train points at epochs 5, 10, 15, ... (as many as ``fids``)."""
    return [{"step": 10 * e, "epoch_end": e, "metric": "fid2k-train", "fid": f}
            for e, f in zip(range(5, 5 * len(fids) + 1, 5), fids, strict=True)]


def test_a_curve_measured_from_exports_is_listed_and_plotted_hollow(tmp_path):
    """A run that measured no FID in training but whose exports were measured afterwards
    (export-fids.jsonl, read by load_runs) gets its curve drawn with hollow markers."""
    import json

    report = _report()
    folder = tmp_path / "gpu-x"
    run_dir = folder / "runs" / "gpu-hw"
    run_dir.mkdir(parents=True)
    config = _config(HW6, "color")
    config["train"]["ema"] = 0.0
    (run_dir / "config.json").write_text(json.dumps(config))
    (run_dir / "metrics.jsonl").write_text(json.dumps({"step": 40, "epoch_end": 4}) + "\n")
    (run_dir / "export-fids.jsonl").write_text("".join(json.dumps(
        {"step": 10 * e, "epoch_end": e, "metric": "fid2k-train", "fid": f, "export": f"exports/epoch-{e:03d}.pt"})
        + "\n" for e, f in ((2, 90.5), (4, 70.25))))
    runs = report.load_runs(folder, shipped=set())
    assert [m["fid"] for m in runs[0].export_fids] == [90.5, 70.25] and not runs[0].training_fids
    lines = report.claims_fid_figure(runs, tmp_path / "img")
    assert (tmp_path / "img" / "fid-vs-epoch-claims.png").exists() and any("hollow markers" in ln for ln in lines)


def test_a_scale_probe_is_one_row_per_quantile_with_its_command(tmp_path):
    import json

    report = _report()
    record = {"run": "r", "command": "python experiments/scale_probe.py R", "commit": "abcdef0123",
              "points": [{"q": q, "scale_over_max": {"main.0": f, "main.3": f / 2}, "metric": "fid2k-train",
                          "fid": fid} for q, f, fid in ((1.0, 1.0, 66.364), (0.99, 0.5, 75.701))]}
    (tmp_path / "scale-probe-r.json").write_text(json.dumps(record))
    lines = report.scale_probes([tmp_path])
    assert "| r | 1.0 | 1.00, 0.50 | fid2k-train | 66.36 |" in lines
    assert "| r | 0.99 | 0.50, 0.25 | fid2k-train | 75.70 |" in lines
    assert "- r: `python experiments/scale_probe.py R` at commit abcdef0." in lines
    assert report.scale_probes([tmp_path / "none"]) == []


def test_a_float_discriminator_probe_is_set_beside_the_hardware_and_float_runs_of_its_recipe():
    """From the first epoch its curve leaves the hardware run's, with the share of the hardware / float gap it
    closes at the claims' metric."""
    report = _report()

    def run(name: str, hardware: dict | None, fids: list[float], fid10k: float) -> object:
        return report.Run(Path("results/cpu-x"), name, _config(hardware, "color"), _curve(fids),
                          {"fid10k-train": {"metric": "fid10k-train", "fid": fid10k}})

    runs = [run("hw", HW6, [90.0, 80.0, 75.0], 70.0), run("fl", None, [88.0, 70.0, 66.0], 60.0),
            run("probe", {**HW6, "discriminator_on_hardware": False}, [90.0, 78.0, 72.0], 65.0)]
    lines = report.float_discriminator_probes(runs)
    assert "| 5 |" not in "".join(lines)  # the shared part before the switch
    assert "| 10 | 80.00 | 78.00 | 70.00 |" in lines and "| fid10k-train | 70.00 | 65.00 | 60.00 |" in lines
    assert any("closes: fid10k-train: 50 %" in line for line in lines)
    assert report.float_discriminator_probes(runs[:1] + runs[2:]) == []  # no float run of its recipe: no table
    other_seed = run("hw-s1", HW6, [95.0, 85.0, 80.0], 72.0)
    other_seed.config["train"]["seed"] = 1
    assert report.float_discriminator_probes([other_seed, *runs]) == lines  # the probe's own seed, not another


def test_the_seeds_of_one_plan_are_set_side_by_side_finished_or_still_resuming():
    """A second seed still training shows beside the finished runs of its plan, with how far the seeds lie apart
    at the last epoch both logged and, per seed trained both ways, where the hardware led the float run."""
    report = _report()

    def run(name: str, hardware: dict | None, seed: int, fids: list[float], epochs: int = 100) -> object:
        config = {**_config(hardware, "color"), "train": {"augment": "color", "seed": seed, "epochs": epochs}}
        return report.Run(Path("results/cpu-x"), name, config, _curve(fids))

    runs = [run("fl-s0", None, 0, [88.0, 70.0, 66.0]), run("hw-s1", HW6, 1, [85.0]),
            run("hw-s0", HW6, 0, [90.0, 68.0, 75.0]), run("hw-other-plan", HW6, 2, [50.0], epochs=60)]
    lines = report.seed_curves(runs)
    header = next(line for line in lines if line.startswith("| epoch"))
    assert header.index("hw-s0") < header.index("hw-s1") < header.index("fl-s0") and "hw-other-plan" not in header
    assert "| 5 | 90.00 | 85.00 | 88.00 |" in lines and "| 15 | 75.00 | - | 66.00 |" in lines
    assert "- hw6 at epoch 5, the last all its 2 runs logged: seed 0 90.00, seed 1 85.00, 5.00 apart " \
           "(hardware - float, seed 0: +2.00)." in lines
    assert "- seed 0: the hardware run's FID was below the float run's at 1 of the 3 epochs both logged (10)." in lines
    assert report.seed_curves([runs[0], runs[2], runs[3]]) == []  # one seed of each configuration: no table
    again = run("hw-s1-rerun", HW6, 1, [80.0, 71.0])  # seed 1 redone in another environment: runs by name
    assert "- hw6 at epoch 5, the last all its 3 runs logged: seed 0 90.00, hw-s1 (seed 1) 85.00, hw-s1-rerun " \
           "(seed 1) 80.00, 10.00 apart (hardware - float, seed 0: +2.00)." in report.seed_curves([*runs, again])


def _sweep_folder(folder: Path, grid: dict[str, list[str]], rows: list[dict]) -> Path:
    """A ``spindcgan sweep`` folder as the wire studies leave it: ``sweep.json`` and ``sweep.csv``."""
    folder.mkdir(parents=True)
    (folder / "sweep.json").write_text(json.dumps({"grid": grid, "n": 2000, "seed": 0}))
    columns = [*grid, "fid", "metric", "energy_j", "area_mm2"]
    (folder / "sweep.csv").write_text("\n".join([",".join(columns), *(",".join(
        str({"metric": "fid2k-test", "energy_j": 1.3e-6, "area_mm2": 10.3, **row}[c]) for c in columns)
        for row in rows)]) + "\n")
    return folder


NOT_MEASURED = ("**Wire resistance**: the study of the shipped Fashion-MNIST generator's FID over the wires' "
                "resistance, the array size and compensation has not been measured yet "
                "([circuit.md](circuit.md#the-study-fid-and-energy-over-wire-resistance) has its model and command).")


def test_the_wire_study_is_said_to_be_not_measured_while_its_sweep_folder_is_absent(tmp_path):
    report = _report()
    assert report.wire_resistance(tmp_path) == [NOT_MEASURED, ""]
    (tmp_path / "sweep-fmnist").mkdir()  # started, nothing written yet
    assert report.wire_resistance(tmp_path) == [NOT_MEASURED, ""]
    section = report.beyond_the_paper(tmp_path / "no-study.json", tmp_path / "no-neurosim.json", tmp_path)
    assert section[:2] == ["## Beyond the paper: chip area and wire resistance", ""]
    assert section[-2:] == [NOT_MEASURED, ""] and not any("Chip area" in line for line in section)


def test_the_wire_study_is_a_table_of_fid_per_array_and_wire_without_and_with_compensation(tmp_path):
    """Rows are array sizes, columns wire resistances, each cell without / with compensation; the points not
    measured yet show as '-', and the count of measured points stands above; a second folder extends the study's
    wires; the exact solve's sweeps add their line."""
    report = _report()
    grid = {"array": ["128", "64", "32"], "compensation": ["0", "1"], "wire": ["0.5", "1", "2", "5", "10"]}
    study = _sweep_folder(tmp_path / "sweep-fmnist", grid, [
        {"array": 128, "compensation": 0, "wire": 2, "fid": 30.5}, {"array": 128, "compensation": 1, "wire": 2,
                                                                     "fid": 24.25},
        {"array": 128, "compensation": 0, "wire": 10, "fid": 80.0}, {"array": 32, "compensation": 1, "wire": 0.5,
                                                                      "fid": 22.6}])
    assert report.wire_resistance(tmp_path) == [
        "**Wire resistance** ([circuit.md](circuit.md#the-study-fid-and-energy-over-wire-resistance)): the shipped "
        f"Fashion-MNIST generator with every array read through the wire approximation, from `{study}` (4 of the "
        "grids' 30 points measured). fid2k-test (2,000 generated images of image seed 0, the same at every point), "
        "without / with compensation, by array size and wire resistance per cell segment ('-': not measured):", "",
        "| array | 0.5 ohm | 1 ohm | 2 ohm | 5 ohm | 10 ohm |",
        "|---|---|---|---|---|---|",
        "| 128 x 128 | - / - | - / - | 30.50 / 24.25 | - / - | 80.00 / - |",
        "| 64 x 64 | - / - | - / - | - / - | - / - | - / - |",
        "| 32 x 32 | - / 22.60 | - / - | - / - | - / - | - / - |", "",
        "Where the FID first passes the paper's 27.5: 128 x 128, at 2 ohm (30.50); 128 x 128, compensated, not up to "
        "2 ohm (24.25); 32 x 32, compensated, not up to 0.5 ohm (22.60).", ""]
    high = _sweep_folder(tmp_path / "sweep-fmnist-high", {"array": ["128"], "compensation": ["0", "1"],
                                                          "wire": ["20", "50"]},
                         [{"array": 128, "compensation": 1, "wire": 50, "fid": 40.0}])
    lines = report.wire_resistance(tmp_path)
    assert f"from `{study}` and `{high}` (5 of the grids' 34 points measured)" in lines[0]
    assert lines[2:5] == ["| array | 0.5 ohm | 1 ohm | 2 ohm | 5 ohm | 10 ohm | 20 ohm | 50 ohm |",
                          "|---|---|---|---|---|---|---|---|",
                          "| 128 x 128 | - / - | - / - | 30.50 / 24.25 | - / - | 80.00 / - | - / - | - / 40.00 |"]
    exact = _sweep_folder(tmp_path / "exact-fmnist", {"array": ["128"], "wire": ["2"],
                                                      "wire_solver": ["approximate", "exact"]},
                          [{"array": 128, "wire": 2, "wire_solver": "approximate", "fid": 23.0}])
    assert not any("exact" in line for line in report.wire_resistance(tmp_path))  # one solver measured: no line
    with (exact / "sweep.csv").open("a") as f:
        f.write("128,2,exact,22.5,fid2k-test,1.3e-06,10.3\n")
    assert report.wire_resistance(tmp_path)[-2:] == [
        "The approximation against the exact nodal solve (fid2k-test, the same images for both): FID at array=128 "
        f"wire=2, 23.00 with the approximation and 22.50 with the exact solve (+2.22%; `{exact}`).", ""]
    _sweep_folder(tmp_path / "exact-fmnist-high", {"array": ["128"], "wire": ["50"],
                                                   "wire_solver": ["approximate", "exact"]},
                  [{"array": 128, "wire": 50, "wire_solver": s, "fid": f} for s, f in (("approximate", 44.0),
                                                                                       ("exact", 40.0))])
    assert "exact solve (+2.22%; " in report.wire_resistance(tmp_path)[-2]
    assert report.wire_resistance(tmp_path)[-2].endswith("at array=128 wire=50, 44.00 with the approximation and "
                                                         "40.00 with the exact solve (+10.00%; "
                                                         f"`{tmp_path / 'exact-fmnist-high'}`).")
    study.joinpath("sweep.csv").unlink()
    high.joinpath("sweep.csv").unlink()
    assert report.wire_resistance(tmp_path)[0] == NOT_MEASURED  # the exact line does not need the study


def test_measure_copy_only_copies_a_run_still_training_and_measures_nothing(tmp_path, monkeypatch):
    """experiments/measure.py --copy-only: the curve reached so far goes into the results folder, with no FID
    record and no energy ledger of weights the run will train on from, and with the checkpoint, so a run folder
    rebuilt from the copy resumes bit for bit as the original does."""
    import json
    import shutil
    import sys
    from dataclasses import replace

    import torch

    from spindcgan.models import ModelConfig
    from spindcgan.training import RunConfig, TrainConfig, load_checkpoint, train

    model = ModelConfig.preset("fashion-mnist", width=4)
    train_config = TrainConfig(batch_size=16, limit=32, epochs=2, sample_count=4, threads=2, log_every=1)
    config = RunConfig(model=model, train=train_config)
    first_epoch = replace(config, train=replace(config.train, max_steps=2))  # epoch 1: two steps of 16 images
    run = train(first_epoch, tmp_path / "runs", progress=False)
    measure = load_experiment("measure")
    results = tmp_path / "results"
    monkeypatch.setattr(sys, "argv", ["measure.py", str(run), "--name", "x-s1", "--results", str(results),
                                      "--copy-only"])
    measure.measure()
    copy = results / "runs" / "x-s1"
    assert sorted(p.name for p in copy.iterdir()) == [
        "checkpoint.pt", "config.json", "environment.jsonl", "metrics.jsonl"]
    assert sorted(p.name for p in results.iterdir()) == ["runs"]

    rebuilt = shutil.copytree(copy, tmp_path / "fresh-checkout" / "run")
    train(config, resume=rebuilt, progress=False)
    train(config, resume=run, progress=False)
    original, again = load_checkpoint(run), load_checkpoint(rebuilt)
    assert original["step"] == again["step"] == 4 and again["finished"]
    for net in ("generator", "discriminator"):
        assert all(torch.equal(original[net][k], again[net][k]) for k in original[net])
    def logged(folder):  # every record but its wall-clock seconds
        return [{k: v for k, v in json.loads(ln).items() if k != "elapsed_s"}
                for ln in (folder / "metrics.jsonl").read_text().splitlines()]

    assert logged(rebuilt) == logged(run) and len(logged(run)) > 2
    for grid in ("epoch-001.png", "epoch-002.png"):  # epoch 1's redrawn on resume, the same image
        assert (rebuilt / "samples" / grid).read_bytes() == (run / "samples" / grid).read_bytes()

    monkeypatch.setattr(sys, "argv", ["measure.py", str(run), "--name", "x-s1", "--results", str(results),
                                      "--no-fid"])
    monkeypatch.setattr(measure, "measure_energy", lambda *a: None)  # a finished run's copy: no checkpoint
    (run / "export-fids.jsonl").write_text('{"epoch_end": 2, "fid": 1.0}\n')  # spindcgan fid RUN --exports
    measure.measure()
    assert not (copy / "checkpoint.pt").exists() and (copy / "metrics.jsonl").exists()
    assert (copy / "export-fids.jsonl").read_text() == '{"epoch_end": 2, "fid": 1.0}\n'
    monkeypatch.setattr(sys, "argv", ["measure.py", str(run), "--name", "x", "--results", str(results),
                                      "--copy-only", "--ship"])
    with pytest.raises(SystemExit):
        measure.measure()


def test_a_run_with_other_training_choices_is_its_own_recipe_and_set_beside_the_dcgan_runs_of_its_plan():
    """A run with a spectral-norm discriminator, one with its own learning rate (TTUR), one at another batch
    size, or one trained in bf16 is never a seed of the DCGAN recipe; their curves stand together beside every
    run of the same plan and hardware with DCGAN's choices (all seeds), each with its difference at its last
    epoch. A discriminator learning rate equal to the generator's is DCGAN's; a generator EMA is part of the
    plan by the images it averages over, so batch 64 at decay 0.999 shares the plan of batch 128 at 0.998 and
    batch 64 at 0.998 does not."""
    report = _report()

    def run(name: str, hardware: dict | None, seed: int, fids: list[float], d_norm: str | None = None,
            lr_d: float | None = None, batch: int = 128, ema: float = 0.998, precision: str = "fp32") -> object:
        config = {**_config(hardware, "color"),
                  "train": {"augment": "color", "seed": seed, "epochs": 100, "lr": 2e-4, "lr_d": lr_d,
                            "batch_size": batch, "ema": ema, "precision": precision}}
        if d_norm:
            config["model"] = {**config["model"], "d_norm": d_norm}
        return report.Run(Path("results/cpu-x"), name, config, _curve(fids))

    runs = [run("sn-s0", HW6, 0, [80.0, 60.0], "spectral"), run("bn-s0", HW6, 0, [90.0, 70.0, 66.0]),
            run("bn-s1", HW6, 1, [95.0, 75.0], lr_d=2e-4), run("fl-s0", None, 0, [88.0, 72.0]),
            run("ttur-s0", HW6, 0, [85.0], "spectral", 8e-4), run("b64-s0", HW6, 0, [70.0, 50.0], batch=64, ema=0.999),
            run("b64-short-ema", HW6, 0, [71.0], batch=64), run("bf16-s0", HW6, 0, [91.0], precision="bf16")]
    lines = report.training_recipes(runs)
    header = next(line for line in lines if line.startswith("| epoch"))
    assert "sn-s0 (spectral-norm discriminator, seed 0, 10 epochs done)" in header and "fl-s0" not in header
    assert "ttur-s0 (spectral-norm discriminator at lr 0.0008, seed 0, 5 epochs done)" in header
    assert "b64-s0 (batch 64, seed 0, 10 epochs done)" in header and "b64-short-ema" not in header
    assert "bn-s0 (DCGAN's discriminator and batch, seed 0, 15 epochs done)" in header
    assert "bf16-s0 (bf16 training, seed 0, 5 epochs done)" in header
    assert (header.index("b64-s0") < header.index("bf16-s0") < header.index("sn-s0") < header.index("ttur-s0")
            < header.index("bn-s0") < header.index("bn-s1"))
    assert "| 5 | 70.00 | 91.00 | 80.00 | 85.00 | 90.00 | 95.00 |" in lines
    assert "| 10 | 50.00 | - | 60.00 | - | 70.00 | 75.00 |" in lines
    assert not any(ln.startswith("| 15 |") for ln in lines)
    assert "- sn-s0 at epoch 10, its last: 60.00; DCGAN's discriminator and batch size 70.00 to 75.00 (2 runs), a " \
           "difference of -10.00 to the best of them." in lines
    assert "- ttur-s0 at epoch 5, its last: 85.00; DCGAN's discriminator and batch size 90.00 to 95.00 (2 runs), a " \
           "difference of -5.00 to the best of them." in lines
    assert "spectral-norm discriminator at lr 0.0008" in report.describe(runs[4].config)
    assert "batch 64" in report.describe(runs[5].config) and "batch" not in report.describe(runs[1].config)
    assert "bf16 training" in report.describe(runs[7].config) and "training" not in report.describe(runs[1].config)
    assert runs[7].plan != runs[1].plan == runs[7].plan_with(report.DCGAN_CHOICES)
    assert len({r.plan for r in (runs[0], runs[1], runs[4], runs[5])}) == 4 and runs[1].plan == runs[2].plan
    assert runs[5].plan_with(report.DCGAN_CHOICES) == runs[1].plan != runs[6].plan_with(report.DCGAN_CHOICES)


def test_the_command_reference_is_current_and_its_examples_parse():
    """docs/cli.md is what the argument parser writes (regenerate: python -m spindcgan.cli_reference docs/cli.md),
    and every example in it is a command the parser accepts."""
    import shlex

    from spindcgan.cli import build_parser
    from spindcgan.cli_reference import EXAMPLES, reference

    assert (ROOT / "docs" / "cli.md").read_text() == reference()
    parser = build_parser()
    for _, command in EXAMPLES:
        parser.parse_args(shlex.split(command)[1:])  # argparse exits on an unknown option or a bad choice


def test_the_readme_leads_with_its_set_up_commands_and_its_examples_run():
    """A newcomer's first screen: both set-up commands in the README's first 30 lines; its tour's commands are ones
    the parser accepts, and its ten lines of Python run."""
    import re
    import shlex

    from spindcgan.cli import build_parser

    readme = (ROOT / "README.md").read_text()
    first = readme.splitlines()[:30]
    assert sum(ln.startswith("apt-get update") for ln in first) == 2
    tour = re.search(r"## A tour in five commands\n\n```bash\n(.*?)```", readme, re.S).group(1).splitlines()
    assert len(tour) == 5
    parsed = [build_parser().parse_args(shlex.split(line.split("#")[0])[1:]) for line in tour]
    trained = [a.out for a in parsed if a.command == "train" and not a.float]
    read = {a.checkpoint for a in parsed if a.command in ("fid", "energy")}
    default_out = build_parser().parse_args(["train"]).out  # where the set-up's `spindcgan train` wrote a run
    assert len(trained) == 1 and read == set(trained) and trained[0] != default_out  # a folder of one run
    python = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    assert len(python.strip().splitlines()) <= 12
    names: dict = {}
    exec(python, names)  # noqa: S102 - the README's own example
    assert names["images"].shape == (16, 1, 28, 28) and names["states"].positive.dtype.is_floating_point is False


def test_the_examples_runs_on_the_convert_page_are_their_records(tmp_path, monkeypatch):
    """docs/convert.md's table of the examples' full runs is what experiments/examples_report.py renders from
    results/examples; a record becomes a row with its own network's energy, command and commit; a page without
    the markers is refused."""
    er = load_experiment("examples_report")
    page = (ROOT / "docs" / "convert.md").read_text()
    assert page.split("<!-- examples:begin -->\n")[1].split("<!-- examples:end -->")[0] == er.block()
    monkeypatch.setattr(er, "RESULTS", tmp_path)
    (tmp_path / "paper").mkdir()
    energy = {"upsample + convolution": {"devices": 0.2, "with_peripherals": 400.0},
              "paper: zero-padded deconvolution": {"devices": 0.125, "with_peripherals": 1234.5}}
    record = {"fid": 31.234, "energy_per_image_nJ": energy, "trained": {"epoch": 20, "seconds": 1830.0},
              "command": "python examples/upsample_generator.py --generator paper",
              "environment": {"commit": "ab" * 20}, "sample_seed": 0, "n_generated": 10_000,
              "reference": "fashion-mnist test"}
    (tmp_path / "paper" / "result.json").write_text(json.dumps(record))
    text = er.block()
    assert "| 31.23 | 20 epochs, 30 min | 0.125 | 1,234.5 |" in text and "commit `abababab" in text
    assert "Not run to the end yet" in text and "DIR/conditional" in text and "DIR/paper" not in text
    (tmp_path / "page.md").write_text("no markers")
    with pytest.raises(SystemExit, match="markers"):
        er.fill_block(tmp_path / "page.md", "<!-- examples:begin -->", "<!-- examples:end -->", text)


def test_the_examples_readings_and_second_seed_come_from_their_records(tmp_path, monkeypatch):
    """The prose under the examples' tables is worded from the records (energy ratio, step times), a second seed's
    records sit beside seed 0's, and a run is kept under a seed only when its record says that seed."""
    er = load_experiment("examples_report")
    monkeypatch.setattr(er, "RESULTS", tmp_path)
    energy = {"upsample + convolution": {"devices": 0.2, "with_peripherals": 400.0},
              "paper: zero-padded deconvolution": {"devices": 0.125, "with_peripherals": 1200.0}}
    for folder, fid, seconds in (("upsample", 30.0, 3000.0), ("paper", 29.0, 1500.0), ("upsample-s1", 33.5, 3100.0)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "result.json").write_text(json.dumps(
            {"fid": fid, "energy_per_image_nJ": energy, "trained": {"epoch": 20, "step": 6000, "seconds": seconds}}))
    lines = "\n".join(er.readings())
    assert "**3.0x less energy per image** (400.0 against 1,200.0 nJ" in lines
    assert "about 0.50 s against the paper generator's 0.25 s (50 against 25 min" in lines
    assert "reach fid10k-test 30.00 and 29.00 (seed 0; seed 1: upsample 33.50)" in lines  # paper: seed 0 only
    table = "\n".join(er.seeds_table())
    assert "| upsample | 30.00 | 33.50 |" in table and "| paper |" not in table  # paper: one seed only
    runs = tmp_path / "runs"
    (runs / "paper").mkdir(parents=True)
    (runs / "paper" / "result.json").write_text(json.dumps({"trained": {"seed": 0}}))
    with pytest.raises(SystemExit, match="seed 0, not 1"):
        er.collect(runs, seed=1)


def _long_run(folder: Path, fids: dict[int, float], emas: dict[float, dict[int, float]], legs: list[int],
              resumes: tuple[dict, ...] = ()) -> None:
    """A long run's copies as experiments/anime_leg.py leaves them: 280 steps an epoch, 200 epochs; ``resumes``:
    its metrics.jsonl lines of a resume."""
    run = folder / "runs" / "long"
    run.mkdir(parents=True)
    config = {"model": {"dataset": "anime", "d_channels": [64]}, "hardware": None,
              "train": {"epochs": 200, "batch_size": 64, "lr_decay_start": 100}}
    (run / "config.json").write_text(json.dumps(config))
    ends = [{"step": 280 * e, "epoch_end": e, "mean_loss_d": 0.5} for e in range(1, 1 + max(fids))]
    (run / "metrics.jsonl").write_text("".join(json.dumps(m | ({"fid": fids[m["epoch_end"]], "metric": "fid2k-train",
                                                                 "n_generated": 2000, "n_reference": 19969}
                                                                if m["epoch_end"] in fids else {})) + "\n"
                                               for m in ends) + "".join(json.dumps(r) + "\n" for r in resumes))
    (run / "ema-fids.jsonl").write_text("".join(json.dumps({"epoch_end": e, "half_life_epochs": h, "fid": f}) + "\n"
                                                for h, curve in emas.items() for e, f in curve.items()))
    (folder / "legs.jsonl").write_text("".join(json.dumps({"step_after": s}) + "\n" for s in legs))


def test_the_run_under_way_is_its_committed_curves_and_its_last_leg(tmp_path):
    """The results page's section on the long anime run: where its last leg left it (step / steps an epoch) and
    each generator's in-training FID by epoch, from its copies; nothing while no copies are kept."""
    report = _report()
    folder = tmp_path / "anime-long"
    assert report.under_way([], tmp_path, folder) == []
    _long_run(folder, {10: 223.71, 20: 115.84}, {8.0: {20: 169.1}, 0.5: {20: 105.26}}, [2800, 6300])
    text = "\n".join(report.under_way([], tmp_path, folder))
    assert "After 2 legs it stands at epoch 22.5 (step 6,300)" in text
    assert "| epoch | evaluated generator | EMA half-life 0.5 epochs | EMA half-life 8 epochs |" in text
    assert "| 10 | 223.7 | - | - |" in text and "| 20 | 115.8 | 105.3 | 169.1 |" in text
    assert "2,000 generated faces against the 19,969 training faces" in text
    assert (tmp_path / "long-run.png").stat().st_size > 0
    assert "went on from its committed pack" not in text


def test_the_run_under_way_says_where_it_went_on_from_its_pack(tmp_path):
    """A leg on a machine that lost the run folder: the section says at which step, what the pack lacked and
    which EMA generators started again (their next points are younger averages); an ordinary start of the further
    EMAs is not a resume."""
    folder = tmp_path / "anime-long"
    resumes = ({"step": 2800, "emas_started": ["ema-hl8"]},
               {"step": 5740, "resumed_from_pack": {"dropped": ["optimisers"], "exact": False},
                "emas_started": ["generator_ema", "ema-hl8"]})
    _long_run(folder, {10: 223.71, 20: 115.84}, {8.0: {20: 169.1}}, [2800, 6300], resumes)
    text = "\n".join(_report().under_way([], tmp_path, folder))
    assert ("At step 5,740 (epoch 20.5) a machine without the run folder went on from its committed pack, not "
            "exactly (rounded weights, without Adam's moments; the evaluated EMA, the EMA of half-life 8 epochs "
            "started again).") in text
    assert text.count("went on from its committed pack") == 1
