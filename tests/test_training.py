"""Training: finite losses, bit-exact resume, NaN handling, and the CLI end to end on a tiny run."""

import copy
import hashlib
import json
import math
import warnings

import numpy as np
import pytest
import torch
from PIL import Image

import spindcgan.training.loop as loop
from spindcgan import SpinDCGANError, with_settings
from spindcgan.cli import main
from spindcgan.models import ModelConfig
from spindcgan.training import (
    RunConfig,
    TrainConfig,
    TrainingDiverged,
    load_checkpoint,
    resume_loop_state,
    save_loop_state,
    train,
)

TINY = ModelConfig.preset("fashion-mnist", width=4)


def tiny_config(**train_kwargs) -> RunConfig:
    kwargs = {"batch_size": 16, "limit": 64, "log_every": 1, "sample_count": 4, "threads": 2, **train_kwargs}
    return RunConfig(model=TINY, train=TrainConfig(**kwargs))


def test_few_hardware_steps_give_finite_losses(tmp_path):
    run = train(tiny_config(max_steps=5), tmp_path, progress=False)
    lines = [json.loads(ln) for ln in (run / "metrics.jsonl").read_text().splitlines()]
    steps = [ln for ln in lines if "loss_d" in ln]
    assert [ln["step"] for ln in steps] == [1, 2, 3, 4, 5]
    assert all(math.isfinite(ln["loss_d"]) and math.isfinite(ln["loss_g"]) for ln in steps)
    assert load_checkpoint(run)["step"] == 5
    assert load_checkpoint(run)["finished"] is True
    assert json.loads((run / "config.json").read_text())["hardware"]["synapse"]["bits"] == 6


def test_time_limited_run_is_marked_unfinished_until_resumed(tmp_path):
    run = train(tiny_config(max_steps=3), tmp_path, progress=False, time_limit=0.0)
    assert (load_checkpoint(run)["step"], load_checkpoint(run)["finished"]) == (0, False)
    train(tiny_config(max_steps=3), resume=run, progress=False)
    assert (load_checkpoint(run)["step"], load_checkpoint(run)["finished"]) == (3, True)


def _params(run):
    state = load_checkpoint(run)
    nets = [n for n in ("generator", "discriminator", "generator_ema") if n in state]
    return {f"{net}.{k}": v for net in nets for k, v in state[net].items()}


def _assert_same_parameters(run_a, run_b) -> None:
    """Both checkpoints hold the same networks, tensor for tensor, bit for bit."""
    a, b = _params(run_a), _params(run_b)
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


ADA = {"augment_p": 0.5, "augment_target": 0.6}  # adaptive augmentation, stopped inside an adjustment interval


@pytest.mark.parametrize("hardware_kwargs,ema,policy,d_norm,extra", [
    ({}, 0.0, "", "batch", {}), ({"c2c": 0.05}, 0.9, "", "batch", {}),
    ({}, 0.0, "color,translation,cutout", "batch", {}), ({}, 0.0, "", "spectral", {}),
    ({}, 0.0, "color,translation,cutout", "batch", ADA)])
def test_interrupted_then_resumed_equals_uninterrupted_bit_for_bit(tmp_path, hardware_kwargs, ema, policy, d_norm,
                                                                   extra):
    from dataclasses import replace

    # 4 steps per epoch: the interruption and the resume cross epoch ends; spectral norm's power-iteration
    # vectors are buffers of the checkpoint
    base = tiny_config(epochs=3, ema=ema, augment=policy, **extra)
    base = replace(base, model=replace(base.model, d_norm=d_norm),
                   hardware=with_settings(base.hardware, **hardware_kwargs))
    full = train(base, tmp_path / "full", progress=False)
    part = train(replace(base, train=replace(base.train, max_steps=6)), tmp_path / "part", progress=False)
    assert load_checkpoint(part)["step"] == 6
    resumed = train(base, resume=part, progress=False)
    assert resumed == part
    _assert_same_parameters(full, resumed)
    grids = ["epoch-001.png", "epoch-002.png", "epoch-003.png"]
    assert sorted(p.name for p in (full / "samples").iterdir()) == grids
    assert sorted(p.name for p in (part / "samples").iterdir()) == [*grids, "step-0000006.png"]  # its stop's too
    full_log = (full / "metrics.jsonl").read_text().splitlines()
    resumed_log = (resumed / "metrics.jsonl").read_text().splitlines()
    strip = [{k: v for k, v in json.loads(ln).items() if k != "elapsed_s"} for ln in full_log]
    assert strip == [{k: v for k, v in json.loads(ln).items() if k != "elapsed_s"} for ln in resumed_log]


def test_a_finished_run_lengthened_on_resume_equals_the_longer_run(tmp_path):
    """`spindcgan train --resume RUN --epochs N` continues a finished run (the anime runs went from 15 to 30 epochs
    this way): the result is the run that was configured with N epochs from the start."""
    from dataclasses import replace

    base = tiny_config(epochs=3, ema=0.9, augment="color,translation,cutout")
    full = train(base, tmp_path / "full", progress=False)
    short = train(replace(base, train=replace(base.train, epochs=2)), tmp_path / "short", progress=False)
    assert load_checkpoint(short)["finished"] is True
    assert main(["train", "--resume", str(short), "--epochs", "3", "--no-progress"]) == 0
    assert load_checkpoint(short)["finished"] is True and load_checkpoint(short)["step"] == 12
    assert json.loads((short / "config.json").read_text())["train"]["epochs"] == 3
    _assert_same_parameters(full, short)
    starts = [json.loads(ln) for ln in (short / "environment.jsonl").read_text().splitlines()]
    assert [s["step"] for s in starts] == [0, 8]  # the start, then the resume after its 2 epochs
    assert starts[0]["torch"] == torch.__version__ and starts[1]["threads"] == 2
    assert starts[0]["data_sha256"] == starts[1]["data_sha256"] != hashlib.sha256(b"").hexdigest()


def test_a_resume_in_another_environment_warns_in_one_line(tmp_path):
    """Other training images, or other libraries / processor / threads, than the run's last start: a warning that
    names the file and what changed; the run goes on."""
    run = train(tiny_config(max_steps=2), tmp_path, progress=False)
    path = run / "environment.jsonl"
    first = json.loads(path.read_text())
    path.write_text(json.dumps({**first, "threads": 7, "data_sha256": "0" * 64}) + "\n")
    with pytest.warns(UserWarning) as caught:
        train(tiny_config(max_steps=3), resume=run, progress=False)
    messages = [str(w.message) for w in caught]
    assert any("training images differ from those of the last start (step 0)" in m for m in messages)
    assert any("resumed with another threads than at step 0" in m and str(path) in m for m in messages)
    assert load_checkpoint(run)["step"] == 3 and len(path.read_text().splitlines()) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the same environment again: no warning
        train(tiny_config(max_steps=4), resume=run, progress=False)



def test_two_processes_train_one_config_bit_for_bit_alike(tmp_path):
    """Same config and seed in two fresh processes on one machine and install: the same networks (what makes a
    difference between two sessions' runs of one command a difference of environment, environment.jsonl)."""
    import subprocess
    import sys

    script = ("import sys; from spindcgan.models import ModelConfig; "
              "from spindcgan.training import RunConfig, TrainConfig, train; "
              "train(RunConfig(model=ModelConfig.preset('fashion-mnist', width=4), train=TrainConfig(batch_size=16, "
              "limit=64, max_steps=3, sample_count=4, threads=2, augment='color,translation,cutout')), sys.argv[1], "
              "progress=False)")
    for name in ("a", "b"):
        subprocess.run([sys.executable, "-c", script, str(tmp_path / name)], check=True)
    run_a, run_b = (next((tmp_path / name).iterdir()) for name in ("a", "b"))
    assert load_checkpoint(run_a)["step"] == 3
    _assert_same_parameters(run_a, run_b)


def test_learning_rate_is_constant_then_falls_linearly_to_zero():
    """Hand-computed: lr 2e-4, decay from epoch 2 of 4, 10 steps an epoch (40 steps): steps 0-19 at 2e-4, then
    2e-4 * (40 - step) / 20; the discriminator's 8e-4 (TTUR) falls by the same factor."""
    t = tiny_config(epochs=4, lr=2e-4, lr_d=8e-4, lr_decay_start=2).train
    rates = [loop.learning_rates(t, step, 10, 40) for step in (0, 19, 20, 30, 39)]
    assert [g for g, _ in rates] == pytest.approx([2e-4, 2e-4, 2e-4, 1e-4, 1e-5])
    assert [d for _, d in rates] == pytest.approx([8e-4, 8e-4, 8e-4, 4e-4, 4e-5])
    assert loop.learning_rates(tiny_config(epochs=4).train, 39, 10, 40) == (2e-4, 2e-4)  # no decay, no TTUR
    # exactly the rates of runs trained before lr_d (lr * left / span, in that order: a scale factor first
    # differs in the last bit at about a third of the steps of anime's 100-epoch decay)
    long = tiny_config(epochs=100, lr_decay_start=76).train
    assert all(loop.learning_rates(long, step, 156, 15600)[0] == 2e-4 * (15600 - step) / (15600 - 76 * 156)
               for step in range(76 * 156, 15600))
    with pytest.raises(SpinDCGANError, match="lr_d must be a finite number > 0"):
        tiny_config(lr_d=0.0)
    with pytest.raises(SpinDCGANError, match="lr_decay_start must be in"):
        tiny_config(epochs=4, lr_decay_start=4)


def test_the_discriminator_trains_at_its_own_learning_rate(tmp_path):
    """`--lr-d` reaches the discriminator's optimiser and only it (read back from the checkpoint)."""
    state = load_checkpoint(train(tiny_config(max_steps=2, lr=2e-4, lr_d=8e-4), tmp_path, progress=False))
    assert [g["lr"] for g in state["opt_d"]["param_groups"]] == [8e-4]
    assert [g["lr"] for g in state["opt_g"]["param_groups"]] == [2e-4]


def test_a_decay_added_on_resume_equals_the_run_configured_with_it(tmp_path):
    """`--resume RUN --epochs N --lr-decay-start E` (E at the run's progress) gives the run configured that way
    from the start; a decay that would rewrite trained steps is refused before anything changes."""
    from dataclasses import replace

    base = tiny_config(epochs=3, ema=0.9)
    full = train(replace(base, train=replace(base.train, lr_decay_start=2)), tmp_path / "full", progress=False)
    short = train(replace(base, train=replace(base.train, epochs=2)), tmp_path / "short", progress=False)
    before = (short / "config.json").read_text()
    with pytest.raises(SpinDCGANError, match="would change the learning rate of step 6"):  # 4 steps an epoch
        train(replace(base, train=replace(base.train, lr_decay_start=1)), resume=short, progress=False)
    assert (short / "config.json").read_text() == before and load_checkpoint(short)["step"] == 8
    assert main(["train", "--resume", str(short), "--epochs", "3", "--lr-decay-start", "2", "--no-progress"]) == 0
    _assert_same_parameters(full, short)
    last = base.train.lr * 1 / 4  # step 11 of 12, decay over steps 8-11
    assert load_checkpoint(short)["opt_g"]["param_groups"][0]["lr"] == pytest.approx(last)
    assert main(["train", "--resume", str(short), "--epochs", "4", "--no-progress"]) == 2  # the decay has begun


def test_resume_finishes_the_fid_and_grid_an_interruption_cut_off(tmp_path, monkeypatch):
    calls = []

    def fake_fid(gan, config):
        calls.append(1)
        return {"metric": "fid2k-test", "fid": 123.0 + len(calls)}

    monkeypatch.setattr(loop, "measure_fid", fake_fid)
    config = tiny_config(epochs=2, fid_every=1)
    run = train(config, tmp_path, progress=False)
    assert len(calls) == 2
    metrics = run / "metrics.jsonl"
    lines = metrics.read_text().splitlines()
    assert '"metric"' in lines[-1]  # killed during the last FID: its line and the grid are lost
    metrics.write_text("".join(ln + "\n" for ln in lines[:-1]))
    (run / "samples" / "epoch-002.png").unlink()
    train(config, resume=run, progress=False)
    assert len(calls) == 3
    fids = [json.loads(ln) for ln in metrics.read_text().splitlines() if '"metric"' in ln]
    assert [(r["epoch_end"], r["fid"]) for r in fids] == [(1, 124.0), (2, 126.0)]
    assert (run / "samples" / "epoch-002.png").exists()
    train(config, resume=run, progress=False)  # nothing missing: no second measurement
    assert len(calls) == 3
    (run / "samples" / "epoch-002.png").unlink()  # a folder rebuilt from a copy: the grid alone is missing
    train(config, resume=run, progress=False)
    assert len(calls) == 3 and (run / "samples" / "epoch-002.png").exists()
    assert len([ln for ln in metrics.read_text().splitlines() if '"metric"' in ln]) == 2


def test_export_every_saves_the_evaluated_generator_of_those_epochs(tmp_path):
    """The device states exported at an epoch's end rebuild the generator that drew that epoch's sample grid; an
    export a resume finds missing is written again, and a run without synapses refuses the option."""
    from spindcgan.loading import load_generator

    config = tiny_config(epochs=4, export_every=2, ema=0.9)
    run = train(config, tmp_path, progress=False)
    exports = run / "exports"
    assert sorted(p.name for p in exports.iterdir()) == ["epoch-002.pt", "epoch-004.pt"]
    noise = loop.fixed_noise(config, "cpu")
    for epoch in (2, 4):
        generator, _ = load_generator(exports / f"epoch-{epoch:03d}.pt")
        redrawn = loop.save_samples(generator, noise, tmp_path / f"redrawn-{epoch}.png")
        drawn = np.asarray(Image.open(run / "samples" / f"epoch-{epoch:03d}.png"), dtype=np.int16)
        again = np.asarray(Image.open(redrawn), dtype=np.int16)
        assert np.abs(drawn - again).max() <= 1  # uint8 rounding of the rebuilt weights at most
        assert torch.load(exports / f"epoch-{epoch:03d}.pt", weights_only=False)["step"] == epoch * 4
    first = torch.load(exports / "epoch-002.pt", weights_only=False)["crossbars"]
    last = torch.load(exports / "epoch-004.pt", weights_only=False)["crossbars"]
    assert any(not torch.equal(first[k]["positive"], last[k]["positive"]) for k in first)
    (exports / "epoch-004.pt").unlink()  # a folder rebuilt from a copy: the export alone is missing
    train(config, resume=run, progress=False)
    again = torch.load(exports / "epoch-004.pt", weights_only=False)["crossbars"]
    assert all(torch.equal(again[k]["positive"], last[k]["positive"]) for k in last)
    with pytest.raises(SpinDCGANError, match="export_every"):
        train(RunConfig(model=TINY, train=config.train, hardware=None), tmp_path / "float", progress=False)
    assert not (tmp_path / "float").exists()  # refused before any run folder
    with pytest.raises(SpinDCGANError, match="export_every must be >= 0"):
        tiny_config(export_every=-1)


def test_fid_exports_measures_each_export_once_by_the_training_protocol(tmp_path, monkeypatch, capsys):
    """`spindcgan fid RUN --exports` measures every export with the run's in-training FID (here a stand-in that
    reads the generator it is given), records step and epoch beside metrics.jsonl, and measures none twice."""
    from spindcgan.training.export_fids import EXPORT_FIDS_NAME

    seen = []

    def fake_fid(generator, config):
        seen.append((config.train.device, config.train.fid_n))
        with torch.no_grad():
            out = generator(loop.fixed_noise(config, "cpu"))
        return {"metric": "fid2k-test", "fid": float(out.mean())}

    monkeypatch.setattr(loop, "measure_fid", fake_fid)
    config = tiny_config(epochs=3, export_every=1, ema=0.9)
    run = train(config, tmp_path, progress=False)
    assert main(["fid", str(run), "--exports"]) == 0  # before any export-fids.jsonl: measured
    records = [json.loads(ln) for ln in (run / EXPORT_FIDS_NAME).read_text().splitlines()]
    assert [(r["epoch_end"], r["step"], r["export"]) for r in records] == [
        (e, 4 * e, f"exports/epoch-{e:03d}.pt") for e in (1, 2, 3)]
    assert seen == [("cpu", 2000)] * 3
    assert len({r["fid"] for r in records}) == 3  # each epoch's own generator
    assert "epoch 3: fid2k-test" in capsys.readouterr().out
    (run / EXPORT_FIDS_NAME).write_text(json.dumps(records[0]) + "\n")  # interrupted after the first
    assert main(["fid", str(run), "--exports", "--no-progress"]) == 0
    assert len(seen) == 5 and (run / EXPORT_FIDS_NAME).read_text().count("\n") == 3
    assert [json.loads(ln)["fid"] for ln in (run / EXPORT_FIDS_NAME).read_text().splitlines()] == [
        r["fid"] for r in records]
    capsys.readouterr()
    assert main(["fid", str(tmp_path), "--exports", "--no-progress"]) == 0  # the --out folder of this one run
    assert len(seen) == 5 and f"written to {run / EXPORT_FIDS_NAME}" in capsys.readouterr().out
    other = train(tiny_config(max_steps=2), tmp_path, progress=False)
    assert main(["fid", str(other), "--exports"]) == 2
    assert "no exports/epoch-NNN.pt" in capsys.readouterr().err
    assert main(["fid", str(tmp_path), "--exports"]) == 2  # two runs there now: which one is the question
    assert f"{tmp_path} holds 2 runs; name one" in capsys.readouterr().err


def test_the_time_limit_counts_the_fid_a_resume_finishes_first(tmp_path, monkeypatch):
    """A resume that first measures the FID an interruption cut off spends its time limit on it too: a FID longer
    than the limit leaves no time for a training step."""
    import time
    from dataclasses import replace

    monkeypatch.setattr(loop, "measure_fid", lambda gan, config: {"metric": "fid2k-test", "fid": 1.0})
    config = tiny_config(epochs=2, fid_every=1)
    run = train(replace(config, train=replace(config.train, max_steps=4)), tmp_path, progress=False)
    metrics = run / "metrics.jsonl"
    metrics.write_text("".join(ln + "\n" for ln in metrics.read_text().splitlines() if '"metric"' not in ln))

    def slow_fid(gan, config):
        time.sleep(0.5)
        return {"metric": "fid2k-test", "fid": 2.0}

    monkeypatch.setattr(loop, "measure_fid", slow_fid)
    train(config, resume=run, progress=False, time_limit=0.2)
    assert load_checkpoint(run)["step"] == 4 and '"fid": 2.0' in metrics.read_text()


def test_ema_generator_is_the_evaluated_one(tmp_path):
    from spindcgan.loading import load_generator

    run = train(tiny_config(max_steps=4, ema=0.5), tmp_path, progress=False)
    state = load_checkpoint(run)
    g, e = state["generator"], state["generator_ema"]
    weight = "main.0.weight"
    assert not torch.equal(g[weight], e[weight])  # the average lags the trained weights
    loaded, _ = load_generator(run)
    assert torch.equal(loaded.state_dict()[weight], e[weight])


def test_nan_loss_stops_with_message_and_keeps_last_good_checkpoint(tmp_path, monkeypatch):
    real_step, calls = loop.train_step, []

    def failing_step(gan, real, z, policy=(), **options):
        stats = real_step(gan, real, z, policy, **options)
        calls.append(1)
        return {**stats, "loss_d": float("nan")} if len(calls) == 3 else stats

    monkeypatch.setattr(loop, "train_step", failing_step)
    with pytest.raises(TrainingDiverged, match="step 3") as info:
        train(tiny_config(max_steps=10, checkpoint_every=2), tmp_path, progress=False)
    assert "last good checkpoint" in str(info.value)
    (run,) = tmp_path.iterdir()
    assert load_checkpoint(run)["step"] == 2


def test_too_little_data_is_a_clear_error(tmp_path):
    with pytest.raises(SpinDCGANError, match="fewer than one batch"):
        train(tiny_config(limit=8), tmp_path, progress=False)


def test_cli_end_to_end(tmp_path, capsys):
    out = tmp_path / "runs"
    args = ["train", "--width", "4", "--batch-size", "16", "--limit", "32", "--epochs", "2", "--out", str(out),
            "--no-progress", "--seed", "3"]
    assert main(args) == 0
    (run,) = out.iterdir()
    assert run.name == "00000-fashion-mnist-6bit-dw"
    assert (run / "samples" / "epoch-002.png").exists()
    config = json.loads((run / "config.json").read_text())
    assert config["train"]["seed"] == 3 and config["model"]["g_channels"] == [16, 8]

    grid_a, grid_b = tmp_path / "a.png", tmp_path / "b.png"
    assert main(["sample", str(run), "--n", "9", "--seed", "5", "--out", str(grid_a)]) == 0
    assert main(["sample", str(run / "checkpoint.pt"), "--n", "9", "--seed", "5", "--out", str(grid_b)]) == 0
    assert Image.open(grid_a).tobytes() == Image.open(grid_b).tobytes()  # same seed, same images
    assert main(["sample", str(run), "--n", "9", "--seed", "5", "--out", str(grid_a)]) == 2  # no clobbering
    assert main(["sample", str(run), "--n", "3", "--out", str(tmp_path / "singles")]) == 0
    assert len(list((tmp_path / "singles").glob("*.png"))) == 3

    assert main(["train", "--resume", str(run), "--bits", "4"]) == 2
    assert main(["train", "--resume", str(run), "--time-limit", "-1"]) == 2
    assert main(["info", str(run)]) == 0
    assert main(["info", "--dataset", "anime", "--float"]) == 0
    captured = capsys.readouterr()
    assert "no clobbering" not in captured.err and "exists" in captured.err
    assert "--time-limit must be >= 0 minutes, got -1.0" in captured.err
    assert "deconv" in captured.out and "none (float baseline)" in captured.out
    assert main(["sample", str(tmp_path / "nothing")]) == 2
    assert "nothing: no such file (give a checkpoint, a run folder or an export)" in capsys.readouterr().err


def test_export_holds_integer_device_states_and_generate_uses_them(tmp_path, capsys):
    from spindcgan.loading import load_generator, provenance_of

    run = train(tiny_config(max_steps=3), tmp_path / "runs", progress=False)
    model, again = tmp_path / "g.pt", tmp_path / "g-standing.pt"
    assert main(["export", str(run), "--out", str(model)]) == 0
    assert main(["export", str(model), "--standing-statistics", "--out", str(again)]) == 0
    assert [provenance_of(f)["step"] for f in (run, model, again)] == [3, 3, 3]  # the FID record says which step
    data = torch.load(model, weights_only=False)
    assert data["crossbars"], "no crossbar layers exported"
    for layer in data["crossbars"].values():
        for states in (layer["positive"], layer["negative"]):
            assert states.dtype == torch.uint8 and int(states.max()) <= 63
        assert layer["scale"] > 0
    exported, _ = load_generator(model)
    original, _ = load_generator(run)
    z = torch.randn(6, 100)
    with torch.no_grad():
        images = exported(z)
        torch.testing.assert_close(images, original(z), atol=1e-6, rtol=1e-5)  # every device on its level
    assert images.std() > 1e-3  # not a constant image
    grid = tmp_path / "gen.png"
    assert main(["generate", "--model", str(model), "--n", "4", "--out", str(grid)]) == 0
    out = capsys.readouterr().out
    assert grid.exists() and "nJ in the spintronic devices" in out
    assert main(["export", str(run), "--out", str(model)]) == 2  # never clobbers
    assert main(["generate", "--model", str(tmp_path / "none.pt")]) == 2


def test_lines_logged_after_the_checkpoint_count_for_nothing(tmp_path):
    from spindcgan.training.loop import checkpointed_metrics
    from spindcgan.training.writes import logged_writes

    run = train(tiny_config(max_steps=4), tmp_path, progress=False)
    logged = checkpointed_metrics(run)
    assert [r["step"] for r in logged if "loss_d" in r] == [1, 2, 3, 4]
    mean = logged_writes(run)
    with (run / "metrics.jsonl").open("a") as log:  # a run that died after step 4's checkpoint, at step 5
        log.write(json.dumps({"step": 5, "epoch": 2, "loss_d": 1.0, "state_changes_per_image": 1e9}) + "\n")
    assert checkpointed_metrics(run) == logged
    assert logged_writes(run) == mean
    assert [r["step"] for r in checkpointed_metrics(run, step=5)][-1] == 5


def test_a_slim_checkpoint_is_measured_like_the_full_one_and_never_resumed(tmp_path, capsys):
    """The copy a lent GPU sends back (``slim_checkpoint``): no optimiser state, the same generator, export and
    energy ledger; a resume from it is a one-line error, not a KeyError."""
    import shutil

    from spindcgan.loading import load_generator
    from spindcgan.training.checkpoint import CHECKPOINT_NAME, slim_checkpoint

    run = train(tiny_config(max_steps=3, ema=0.9), tmp_path / "runs", progress=False)
    slim_run = tmp_path / "slim-run"
    shutil.copytree(run, slim_run)
    slim = slim_checkpoint(run, slim_run / CHECKPOINT_NAME)
    full_state, slim_state = load_checkpoint(run), load_checkpoint(slim)
    assert slim_state["slimmed"] == ["opt_d", "opt_g"] and "opt_g" in full_state
    assert slim.stat().st_size < 0.7 * (run / CHECKPOINT_NAME).stat().st_size
    (full, _), (copy, _) = load_generator(run), load_generator(slim)
    for (name, a), (_, b) in zip(full.state_dict().items(), copy.state_dict().items(), strict=True):
        assert torch.equal(a, b), name
    for i, source in enumerate((run, slim_run)):
        assert main(["energy", str(source), "--out", str(tmp_path / f"energy-{i}")]) == 0
    ledgers = [next((tmp_path / f"energy-{i}").glob("energy-*.json")).read_text() for i in (0, 1)]
    assert ledgers[0] == ledgers[1].replace(str(slim_run), str(run)) and str(run) in ledgers[0]
    assert main(["export", str(slim_run), "--out", str(tmp_path / "g.pt")]) == 0
    capsys.readouterr()
    assert main(["train", "--resume", str(slim_run), "--no-progress"]) == 2
    assert "slim checkpoint without opt_g, opt_d: it cannot be resumed" in capsys.readouterr().err

    assert "device_writes" in full_state  # a hardware run's per-device counters, droppable too
    only_evaluated = slim_checkpoint(run, tmp_path / "ema.pt",
                                     drop=("opt_g", "opt_d", "generator", "discriminator", "device_writes"))
    assert load_checkpoint(only_evaluated)["slimmed"] == ["device_writes", "discriminator", "generator", "opt_d",
                                                          "opt_g"]
    assert "device_writes" not in load_checkpoint(only_evaluated)
    for (name, a), (_, b) in zip(full.state_dict().items(), load_generator(only_evaluated)[0].state_dict().items(),
                                 strict=True):
        assert torch.equal(a, b), name
    assert main(["energy", str(only_evaluated), "--out", str(tmp_path / "e")]) == 2
    assert "without generator: it cannot give the energy" in capsys.readouterr().err
    with pytest.raises(SpinDCGANError, match="must keep 'generator_ema'"):
        slim_checkpoint(run, tmp_path / "x.pt", drop=("generator_ema",))
    with pytest.raises(SpinDCGANError, match="cannot drop 'rng'"):
        slim_checkpoint(run, tmp_path / "x.pt", drop=("rng",))


def test_a_float_discriminator_run_keeps_the_generator_on_the_hardware(tmp_path, capsys):
    """`--float-discriminator`: the generator is programmed into 6-bit states as in the paper's setting, the
    discriminator computes exactly as the float one; the energy ledger, which assumes a hardware discriminator,
    refuses in one line, and a resume cannot switch the discriminator."""
    from spindcgan.models import Discriminator, Generator
    from spindcgan.nn import CrossbarLayerMixin, DomainWallReLU

    out = tmp_path / "runs"
    assert main(["train", "--width", "4", "--batch-size", "16", "--limit", "32", "--epochs", "1", "--out", str(out),
                 "--no-progress", "--float-discriminator"]) == 0
    (run,) = out.iterdir()
    assert run.name == "00000-fashion-mnist-6bit-dw-floatd"
    config = RunConfig.load(run / "config.json")
    assert config.hardware.discriminator_on_hardware is False and config.hardware.synapse.bits == 6

    state = load_checkpoint(run)
    d, d_float = Discriminator(config.model, config.hardware), Discriminator(config.model, None)
    d.load_state_dict(state["discriminator"]), d_float.load_state_dict(state["discriminator"])
    images = torch.randn(5, 1, 28, 28) * 3  # wide enough that a DW Leaky ReLU would saturate
    assert torch.equal(d.eval()(images), d_float.eval()(images))
    g = Generator(config.model, config.hardware)
    g.load_state_dict(state["generator"])
    layers = [m for m in g.modules() if isinstance(m, CrossbarLayerMixin)]
    assert all(m.hardware is config.hardware for m in layers)
    assert any(isinstance(m, DomainWallReLU) for m in g.modules())
    weight = layers[0].effective_weight()
    steps = weight / layers[0].weight.abs().max() * 63  # 6-bit differential: integer multiples of scale / 63
    assert not torch.equal(weight, layers[0].weight) and torch.allclose(steps, steps.round(), atol=1e-4)

    capsys.readouterr()
    assert main(["energy", str(run), "--out", str(tmp_path / "e")]) == 2
    assert "discriminator is float" in capsys.readouterr().err
    assert main(["train", "--resume", str(run), "--float-discriminator"]) == 2
    assert main(["info", "--float", "--float-discriminator"]) == 2


def test_a_spectral_norm_discriminator_keeps_its_device_states_and_drops_batchnorm(tmp_path, capsys):
    """`--d-norm spectral`: no BatchNorm in the discriminator, every crossbar weight divided by its largest
    singular value; the division changes no device state (the per-layer scale absorbs it), training energy is
    measured, and a resume cannot switch the normalisation."""
    from dataclasses import replace

    from spindcgan.crossbar.config import HardwareConfig
    from spindcgan.crossbar.programming import program
    from spindcgan.models import Discriminator
    from spindcgan.nn import crossbar_layers

    torch.manual_seed(0)
    fresh = Discriminator(replace(TINY, d_norm="spectral"), HardwareConfig())
    for _, layer in crossbar_layers(fresh):  # the registration's 15 power iterations have nearly converged
        sigma = torch.linalg.matrix_norm(layer.weight.detach().flatten(1), 2)
        assert sigma.item() == pytest.approx(1.0, rel=1e-2)

    out = tmp_path / "runs"
    assert main(["train", "--width", "4", "--batch-size", "16", "--limit", "32", "--epochs", "1", "--out", str(out),
                 "--no-progress", "--d-norm", "spectral"]) == 0
    (run,) = out.iterdir()
    config = RunConfig.load(run / "config.json")
    assert config.model.d_norm == "spectral"
    d = Discriminator(config.model, config.hardware)
    d.load_state_dict(load_checkpoint(run)["discriminator"])
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in d.modules())
    for name, layer in crossbar_layers(d):  # in training mode: reading states must not move the estimate
        u = layer.parametrizations.weight[0].u.clone()
        original = layer.parametrizations.weight.original
        normalised, raw = layer.program(), program(original, config.hardware)
        assert torch.equal(normalised.positive, raw.positive) and torch.equal(normalised.negative, raw.negative), name
        estimate = layer.parametrizations.weight[0]
        sigma = (estimate.u @ original.flatten(1) @ estimate.v).item()
        assert abs(sigma - 1) > 1e-3 and normalised.scale == pytest.approx(raw.scale / sigma, rel=1e-5), name
        assert torch.equal(estimate.u, u), name

    capsys.readouterr()
    assert main(["energy", str(run), "--out", str(tmp_path / "e")]) == 0
    (ledger_file,) = (tmp_path / "e").glob("*.json")
    rows = json.loads(ledger_file.read_text())["discriminator_forward"]
    assert [r["kind"] for r in rows] == ["conv", "dw-leaky-relu", "conv", "dw-leaky-relu", "conv"]  # its crossbars
    assert main(["train", "--resume", str(run), "--d-norm", "batch"]) == 2
    assert "--d-norm cannot change" in capsys.readouterr().err
    with pytest.raises(SpinDCGANError, match="model.d_norm"):
        replace(TINY, d_norm="layer")


@pytest.mark.parametrize("hardware", [False, True])
def test_r1_penalty_is_half_gamma_times_the_squared_gradient_of_d_at_the_real_images(hardware):
    from spindcgan import HardwareConfig
    from spindcgan.training import GAN, train_step

    config = RunConfig(model=TINY, hardware=HardwareConfig() if hardware else None)
    torch.manual_seed(0)
    gan = GAN.build(config, "cpu")
    twin = GAN.build(config, "cpu")
    twin.load_state_dict(gan.state_dict())
    real, z = torch.rand(8, 1, 28, 28) * 2 - 1, torch.randn(8, 100)
    seen = real.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(copy.deepcopy(gan.discriminator)(seen).sum(), seen)
    expected = 5.0 * grad.square().sum(dim=(1, 2, 3)).mean().item()  # gamma / 2 with gamma 10
    stats = train_step(gan, real, z, r1=10.0)
    assert stats["r1_penalty"] == pytest.approx(expected, rel=1e-5) and expected > 0
    plain = train_step(twin, real, z)
    assert "r1_penalty" not in plain and plain["loss_d"] == pytest.approx(stats["loss_d"], rel=1e-6)
    d, d_twin = gan.discriminator.state_dict(), twin.discriminator.state_dict()
    assert any(not torch.equal(d[k], d_twin[k]) for k in d if k.endswith("weight"))  # the penalty moved D


def test_r1_must_be_a_finite_non_negative_weight():
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(SpinDCGANError, match="train.r1"):
            TrainConfig(r1=bad)
    assert main(["train", "--r1", "-1", "--max-steps", "1", "--no-progress"]) == 2


def test_a_run_with_r1_logs_its_penalty(tmp_path):
    run = train(tiny_config(max_steps=2, r1=1.0), tmp_path, progress=False)
    lines = [json.loads(ln) for ln in (run / "metrics.jsonl").read_text().splitlines()]
    assert all(ln["r1_penalty"] > 0 for ln in lines if "loss_d" in ln)
    assert RunConfig.load(run / "config.json").train.r1 == 1.0


def test_augment_p_auto_steers_and_logs_the_probability(tmp_path):
    from spindcgan.training.augment import ADA_TARGET, AdaptiveProbability

    out = tmp_path / "runs"
    tiny = ["train", "--width", "4", "--batch-size", "16", "--limit", "64", "--no-progress", "--log-every", "1"]
    assert main([*tiny, "--augment", "cutout", "--augment-p", "auto", "--max-steps", "9", "--out", str(out)]) == 0
    (run,) = out.iterdir()
    steps = [json.loads(ln) for ln in (run / "metrics.jsonl").read_text().splitlines()]
    steps = [ln for ln in steps if "loss_d" in ln]
    replay = AdaptiveProbability(0.0, ADA_TARGET)  # the logged signs, replayed, give every logged p
    for ln in steps:
        assert ln["augment_p"] == replay.p and -1 <= ln["d_real_sign"] <= 1
        replay.observe(ln["d_real_sign"], 16)
    assert load_checkpoint(run)["augment_adaptive"] == replay.state_dict()
    assert replay.steps == 1  # stopped one step into an interval
    assert main([*tiny, "--augment-p", "often", "--out", str(out)]) == 2


def test_a_loop_of_ones_own_saves_and_continues_bit_for_bit(tmp_path):
    """save_loop_state / resume_loop_state: modules, optimisers and torch's random state, then the loop's values."""
    def make():
        torch.manual_seed(0)
        net = torch.nn.Linear(3, 2)
        return net, torch.optim.Adam(net.parameters(), 1e-2)

    def steps(net, opt, n):
        for _ in range(n):
            loss = net(torch.randn(4, 3)).square().mean()
            opt.zero_grad()
            loss.backward()
            opt.step()

    whole, opt = make()
    steps(whole, opt, 6)
    net, opt = make()
    steps(net, opt, 3)
    save_loop_state(tmp_path / "loop.pt", {"net": net, "opt": opt}, epoch=3, note="half")
    net, opt = make()  # a new process: fresh parts, another random state
    torch.randn(5)
    assert resume_loop_state(tmp_path / "loop.pt", {"net": net, "opt": opt}) == {"epoch": 3, "note": "half"}
    steps(net, opt, 3)
    assert torch.equal(net.weight, whole.weight) and torch.equal(net.bias, whole.bias)


def test_a_loop_state_that_does_not_fit_is_one_line(tmp_path):
    net = torch.nn.Linear(3, 2)
    save_loop_state(tmp_path / "loop.pt", {"net": net})
    with pytest.raises(SpinDCGANError, match=r"holds the parts net, this loop has net, opt"):
        resume_loop_state(tmp_path / "loop.pt", {"net": net, "opt": torch.optim.Adam(net.parameters())})
    with pytest.raises(SpinDCGANError, match=r"loop.pt: its net does not fit this loop's \(.*size mismatch"):
        resume_loop_state(tmp_path / "loop.pt", {"net": torch.nn.Linear(4, 2)})
    torch.save({"generator": {}}, tmp_path / "other.pt")
    with pytest.raises(SpinDCGANError, match="other.pt: not a saved training-loop state"):
        resume_loop_state(tmp_path / "other.pt", {"net": net})


def test_checkpoint_epochs_writes_every_kth_epoch_end_and_the_stop(tmp_path):
    """--checkpoint-epochs 2: after epoch 1 no checkpoint yet, after epoch 2 one at its end, epoch 3's only at the
    stop; the run's outputs per epoch (grids) are unchanged."""
    run_dirs, seen = [], {}

    def on_step(step, gan):
        if step % 4 == 0:  # 64 images in batches of 16: an epoch is 4 steps
            path = run_dirs[0] / "checkpoint.pt"
            seen[step // 4] = load_checkpoint(path)["step"] if path.exists() else None

    run = train(tiny_config(epochs=3, checkpoint_epochs=2), tmp_path, progress=False, on_start=run_dirs.append,
                on_step=on_step)
    assert seen == {1: None, 2: 8, 3: 8} and load_checkpoint(run)["step"] == 12
    assert sorted(p.name for p in (run / "samples").glob("epoch-*.png")) == [f"epoch-00{e}.png" for e in (1, 2, 3)]
    with pytest.raises(SpinDCGANError, match="train.checkpoint_epochs must be >= 1"):
        TrainConfig(checkpoint_epochs=0)
