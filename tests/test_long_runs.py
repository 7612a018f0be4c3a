"""Runs that span sessions (issue 48): a decay over a long tail, several EMA horizons in one run, fallback packs."""

import json
import math
from dataclasses import replace

import pytest
import torch

import spindcgan.training.loop as loop
import spindcgan.training.pack as pack
from spindcgan import SpinDCGANError
from spindcgan.cli import main
from spindcgan.export import device_states, load_device_states
from spindcgan.loading import load_generator
from spindcgan.models import Generator, ModelConfig
from spindcgan.training import RunConfig, TrainConfig, load_checkpoint, train
from spindcgan.training.checkpoint import EVALUATED_EMA

TINY = ModelConfig.preset("fashion-mnist", width=4)


def tiny_config(**train_kwargs) -> RunConfig:
    kwargs = {"batch_size": 16, "limit": 64, "log_every": 1, "sample_count": 4, "threads": 2, **train_kwargs}
    return RunConfig(model=TINY, train=TrainConfig(**kwargs))


def test_cosine_decay_falls_by_half_a_cosine_to_zero():
    """Hand-computed: lr 2e-4, decay from epoch 2 of 4, 10 steps an epoch (40 steps): constant to step 19, then
    2e-4 * (1 + cos(pi * (step - 20) / 20)) / 2: 1e-4 half-way, ~1.2e-6 at the last step."""
    t = tiny_config(epochs=4, lr=2e-4, lr_d=8e-4, lr_decay_start=2, lr_decay_shape="cosine").train
    rates = [loop.learning_rates(t, step, 10, 40) for step in (0, 19, 20, 30, 39)]
    assert [g for g, _ in rates] == pytest.approx([2e-4, 2e-4, 2e-4, 1e-4, 2e-4 * (1 + math.cos(math.pi * 19 / 20))
                                                   / 2])
    assert [d / g for g, d in rates] == pytest.approx([4.0] * 5)  # the discriminator's falls by the same factor
    linear = replace(t, lr_decay_shape="linear")
    assert loop.learning_rates(linear, 30, 10, 40)[0] == pytest.approx(1e-4)
    assert loop.learning_rates(linear, 25, 10, 40)[0] == pytest.approx(1.5e-4)
    assert loop.learning_rates(t, 25, 10, 40)[0] == pytest.approx(1e-4 * (1 + math.cos(math.pi / 4)))  # above it
    with pytest.raises(SpinDCGANError, match="lr_decay_shape must be one of linear, cosine"):
        tiny_config(lr_decay_shape="step")


def test_a_warm_up_ramps_the_rates_linearly_over_its_steps():
    """{"start": 5, "steps": 4}: steps 5-8 at 1/4 .. 4/4 of the scheduled rate, the rest untouched, also in a decay."""
    t = tiny_config(epochs=4, lr=2e-4, lr_decay_start=2).train
    warmup = {"start": 5, "steps": 4}
    assert [loop.learning_rates(t, s, 10, 40, warmup)[0] for s in range(4, 10)] == pytest.approx(
        [2e-4, 0.5e-4, 1e-4, 1.5e-4, 2e-4, 2e-4])
    late = {"start": 30, "steps": 4}
    assert loop.learning_rates(t, 30, 10, 40, late)[0] == pytest.approx(1e-4 / 4)


def test_the_half_life_decay_halves_the_weight_of_the_start_after_half_life_epochs():
    t = TrainConfig(batch_size=64)
    decay = t.ema_decay(2.0, 17_969)
    steps = 2.0 * 17_969 / 64
    assert decay ** steps == pytest.approx(0.5)
    with pytest.raises(SpinDCGANError, match="ema_half_lives must be finite numbers of epochs > 0"):
        TrainConfig(ema_half_lives=(2.0, 0.0))
    with pytest.raises(SpinDCGANError, match="names a half-life twice"):
        TrainConfig(ema_half_lives=(2.0, 2.0))


def test_each_ema_moves_by_its_own_decay():
    """update_ema: the evaluated EMA by ``ema``, each further one by its half-life's decay (hand-computed lerps)."""
    config = tiny_config(ema=0.9, ema_half_lives=(0.5, 8.0))
    gan = loop.GAN.build(config, "cpu")
    start = {k: v.clone() for k, v in gan.generator.state_dict().items()}
    with torch.no_grad():
        for p in gan.generator.parameters():
            p.add_(1.0)
    gan.update_ema(0.9, {0.5: 0.5, 8.0: 0.75})
    key = "main.0.weight"
    moved = start[key] + 1.0
    assert torch.allclose(gan.generator_ema.state_dict()[key], start[key] * 0.9 + moved * 0.1)
    assert torch.allclose(gan.emas[0.5].state_dict()[key], start[key] * 0.5 + moved * 0.5)
    assert torch.allclose(gan.emas[8.0].state_dict()[key], start[key] * 0.75 + moved * 0.25)


def _fake_fid(gan, config):
    return {"metric": "fid2k-test", "fid": float(gan.state_dict()["main.0.weight"].abs().sum())}


def test_a_run_with_ema_half_lives_measures_exports_and_resumes_each_bit_for_bit(tmp_path, monkeypatch):
    monkeypatch.setattr(loop, "measure_fid", _fake_fid)
    base = tiny_config(epochs=3, ema=0.9, ema_half_lives=(0.5, 2.0), fid_every=1, export_every=3)
    full = train(base, tmp_path / "full", progress=False)
    part = train(replace(base, train=replace(base.train, max_steps=6)), tmp_path / "part", progress=False)
    train(base, resume=part, progress=False)
    a, b = load_checkpoint(full), load_checkpoint(part)
    assert a[loop.EMAS_KEY].keys() == {"ema-hl0.5", "ema-hl2"}
    for name in a[loop.EMAS_KEY]:
        for key, value in a[loop.EMAS_KEY][name].items():
            assert torch.equal(value, b[loop.EMAS_KEY][name][key]), (name, key)
    w = "main.0.weight"
    averages = [a["generator_ema"][w], a[loop.EMAS_KEY]["ema-hl0.5"][w], a[loop.EMAS_KEY]["ema-hl2"][w]]
    assert all(not torch.equal(x, y) for i, x in enumerate(averages) for y in averages[i + 1:])
    lines = [json.loads(ln) for ln in (full / loop.EMA_FIDS_NAME).read_text().splitlines()]
    assert [(r["epoch_end"], r["ema"]) for r in lines] == [(e, n) for e in (1, 2, 3) for n in ("ema-hl0.5", "ema-hl2")]
    assert (part / loop.EMA_FIDS_NAME).read_text() == (full / loop.EMA_FIDS_NAME).read_text()
    exported, _ = load_generator(full / "exports" / "ema-hl2" / "epoch-003.pt")
    own = Generator(base.model, base.hardware)
    own.load_state_dict(a[loop.EMAS_KEY]["ema-hl2"])
    assert torch.equal(exported.state_dict()[w], load_device_states(own, device_states(own)).state_dict()[w])
    assert (full / "fid.png").is_file()


def test_a_resume_may_add_an_ema_that_starts_from_the_evaluated_generator(tmp_path, monkeypatch):
    run = train(tiny_config(max_steps=4, ema=0.9), tmp_path, progress=False)
    evaluated = load_checkpoint(run)["generator_ema"]
    added = {}
    monkeypatch.setattr(loop.GAN, "update_ema", lambda self, decay, decays=None: added.setdefault(
        "start", {k: v.clone() for k, v in self.emas[4.0].state_dict().items()}))
    with pytest.warns(UserWarning, match="ema-hl4 start at step 4 from the evaluated generator"):
        assert main(["train", "--resume", str(run), "--max-steps", "5", "--ema-half-lives", "4", "--no-progress"]) == 0
    assert all(torch.equal(added["start"][k], evaluated[k]) for k in evaluated)
    last = json.loads((run / "environment.jsonl").read_text().splitlines()[-1])
    assert last["emas_started"] == ["ema-hl4"] and last["step"] == 4


def test_the_precision_may_change_on_resume_and_is_logged(tmp_path):
    run = train(tiny_config(max_steps=2), tmp_path, progress=False)
    with pytest.warns(UserWarning, match="resumed with another precision than at step 0"):
        assert main(["train", "--resume", str(run), "--max-steps", "3", "--precision", "bf16", "--no-progress"]) == 0
    starts = [json.loads(ln) for ln in (run / "environment.jsonl").read_text().splitlines()]
    assert [s["precision"] for s in starts] == ["fp32", "bf16"]
    assert load_checkpoint(run)["step"] == 3


def _hardware_run(tmp_path, **kwargs):
    return train(tiny_config(epochs=2, ema=0.9, ema_half_lives=(1.0,), max_steps=5, **kwargs), tmp_path / "run",
                 progress=False)


def test_int8_weights_round_each_weight_to_a_254th_of_its_tensor_s_largest():
    state = {"w": torch.tensor([[0.5, -0.25], [0.001, -1.0]]), "bn": torch.tensor([0.1234567]),
             "n": torch.tensor(3)}
    back = pack.float_weights(pack.int8_weights(state))
    assert torch.equal(back["w"], torch.tensor([[64.0, -32.0], [0.0, -127.0]]) / 127)  # round(w * 127 / 1.0)
    assert torch.equal(back["bn"], state["bn"].half().float()) and back["n"] == 3
    coarser = pack.int8_weights({"w": torch.tensor([[0.3, -0.1], [0.01, -1.0]])}, steps=63)["w"]
    assert coarser["int8"].tolist() == [[19, -6], [1, -63]] and float(coarser["scale"]) == pytest.approx(1 / 63)
    with pytest.raises(SpinDCGANError, match="1 to 127 steps each side of zero, got 128"):
        pack.int8_weights(state, steps=128)


def test_a_pack_holds_the_run_in_int8_and_on_levels(tmp_path):
    """Unpacked: the trained networks are the int8 roundings of the checkpoint's, each EMA generator its exported
    device states, the logs byte for byte; Adam's moments in bf16 where the limit allows them."""
    run = _hardware_run(tmp_path)
    info = pack.write_pack(run, tmp_path / "run.pack")
    assert info.dropped == () and info.step == 5
    restored = pack.unpack(tmp_path / "run.pack", tmp_path / "elsewhere")
    assert restored == tmp_path / "elsewhere" / run.name
    a, b = load_checkpoint(run), load_checkpoint(restored)
    for net in ("generator", "discriminator"):
        rounded = pack.float_weights(pack.int8_weights(a[net]))
        assert all(torch.equal(b[net][k], rounded[k]) for k in a[net]), net
        weight = a[net]["main.0.weight"]
        assert (b[net]["main.0.weight"] - weight).abs().max() <= weight.abs().max() / 254 * 1.0001
    config = RunConfig.from_dict(a["config"])
    for name, before, after in [("generator_ema", a["generator_ema"], b["generator_ema"]),
                                ("ema-hl1", a[loop.EMAS_KEY]["ema-hl1"], b[loop.EMAS_KEY]["ema-hl1"])]:
        own = Generator(config.model, config.hardware)
        own.load_state_dict(before)
        on_levels = load_device_states(Generator(config.model, config.hardware), device_states(own)).state_dict()
        assert all(torch.equal(after[k], on_levels[k]) for k in on_levels), name
    moment = a["opt_g"]["state"][0]["exp_avg_sq"]
    assert torch.equal(b["opt_g"]["state"][0]["exp_avg_sq"], moment.bfloat16().float())
    assert loop.WARMUP_KEY not in b and b[loop.PACK_KEY]["dropped"] == []
    for name in ("config.json", "metrics.jsonl", "environment.jsonl", "device_writes.json"):
        assert (restored / name).read_bytes() == (run / name).read_bytes()
    assert torch.equal(a["rng"], b["rng"]) and a["step"] == b["step"]
    with pytest.warns(UserWarning, match="not exactly"):  # with its moments, without a warm-up: still said
        train(tiny_config(epochs=2, ema=0.9, ema_half_lives=(1.0,), max_steps=6), resume=restored, progress=False)
    notes = [json.loads(ln) for ln in (restored / "metrics.jsonl").read_text().splitlines() if "resumed_from" in ln]
    assert [n["step"] for n in notes] == [5] and loop.PACK_KEY not in load_checkpoint(restored)


def test_a_pack_over_its_limit_leaves_parts_out_and_resumes_with_a_warm_up(tmp_path, capsys):
    run = _hardware_run(tmp_path)
    needed, _, _ = pack.pack_parts(run)
    limit_mb = (sum(len(pack.compressed(p)) for p in needed.values()) + pack.ZIP_MARGIN + 100) / 1e6  # no more
    assert main(["pack", str(run), "--out", str(tmp_path / "p.pack"), "--limit-mb", f"{limit_mb}"]) == 0
    assert "left out (over the limit): generator_ema, generator_emas/ema-hl1, optimisers, device_writes" in \
        capsys.readouterr().out
    out = tmp_path / "continued"
    with pytest.warns(UserWarning, match="not exactly") as warned:
        assert main(["train", "--resume", str(tmp_path / "p.pack"), "--out", str(out), "--pack-warmup", "4",
                     "--max-steps", "7", "--no-progress"]) == 0
    assert any("the evaluated EMA generator starts at step 5 from the trained generator" in str(w.message)
               for w in warned)
    restored = out / run.name
    state = load_checkpoint(restored)
    assert state["step"] == 7 and state[loop.WARMUP_KEY] == {"start": 5, "steps": 4}
    assert [g["lr"] for g in state["opt_g"]["param_groups"]] == pytest.approx([2e-4 * 2 / 4])  # step 6 of the ramp
    records = [json.loads(ln) for ln in (restored / "metrics.jsonl").read_text().splitlines()]
    notes = [r for r in records if "resumed_from_pack" in r]
    assert len(notes) == 1 and notes[0]["step"] == 5 and notes[0]["resumed_from_pack"]["exact"] is False
    assert notes[0]["resumed_from_pack"]["dropped"] == ["optimisers", "device_writes"]
    assert notes[0]["emas_started"] == ["generator_ema", "ema-hl1"]  # left out of the pack: they start again
    assert "resumed_from_pack" in json.loads((restored / "environment.jsonl").read_text().splitlines()[-1])
    # an exact resume inside the warm-up goes on ramping, and a second unpack refuses the folder it would overwrite
    assert main(["train", "--resume", str(restored), "--max-steps", "8", "--no-progress"]) == 0
    assert load_checkpoint(restored)["opt_g"]["param_groups"][0]["lr"] == pytest.approx(2e-4 * 3 / 4)
    assert main(["train", "--resume", str(tmp_path / "p.pack"), "--out", str(out), "--no-progress"]) == 2
    assert "already holds this run's checkpoint" in capsys.readouterr().err


def test_a_pack_of_g_and_d_alone_at_63_steps_starts_its_emas_from_the_trained_generator(tmp_path, capsys):
    """Issue 48's legs: G and D at 63 steps each side of zero and nothing else; unpacked, they are those roundings,
    and the resumed GAN's evaluated EMA and further EMA both hold the trained generator's weights."""
    run = _hardware_run(tmp_path)
    needed, _, _ = pack.pack_parts(run, weight_steps=63)
    limit_mb = (sum(len(pack.compressed(p)) for p in needed.values()) + pack.ZIP_MARGIN + 100) / 1e6
    assert main(["pack", str(run), "--out", str(tmp_path / "p.pack"), "--limit-mb", f"{limit_mb}",
                 "--weight-steps", "63"]) == 0
    assert "left out (over the limit): generator_ema, generator_emas/ema-hl1" in capsys.readouterr().out
    restored = pack.unpack(tmp_path / "p.pack", tmp_path / "elsewhere")
    a, b = load_checkpoint(run), load_checkpoint(restored)
    for net in ("generator", "discriminator"):
        rounded = pack.float_weights(pack.int8_weights(a[net], steps=63))
        assert all(torch.equal(b[net][k], rounded[k]) for k in a[net]), net
        assert not all(torch.equal(b[net][k], pack.float_weights(pack.int8_weights(a[net]))[k]) for k in a[net])
    assert EVALUATED_EMA not in b and "63 steps each side of zero" in b[loop.PACK_KEY]["weights"]
    assert "EMA generators on their levels" not in b[loop.PACK_KEY]["weights"]
    with pytest.warns(UserWarning, match="no EMA generator yet .* the trained generator is evaluated"):
        load_generator(restored)
    gan = loop.GAN.build(RunConfig.from_dict(b["config"]), "cpu")
    assert gan.load_state_dict(b, optimisers=False) == [EVALUATED_EMA, "ema-hl1"]
    trained = gan.generator.state_dict()
    for average in (gan.generator_ema, gan.emas[1.0]):
        assert all(torch.equal(v, trained[k]) for k, v in average.state_dict().items())
    assert main(["pack", str(run), "--out", str(tmp_path / "q.pack"), "--weight-steps", "200"]) == 2
    assert "1 to 127 steps each side of zero, got 200" in capsys.readouterr().err


def test_a_pack_resumed_at_an_epoch_s_end_makes_no_outputs_of_the_emas_it_lacked(tmp_path):
    """A pack carries no grids or exports, so a resume on an epoch's end makes that epoch's missing ones: from the
    EMA generators the pack held, never from one started again from other weights (it would stand for an epoch it
    did not average)."""
    run = train(tiny_config(epochs=2, ema=0.9, ema_half_lives=(1.0,), max_steps=4, export_every=1), tmp_path / "run",
                progress=False)  # 4 steps an epoch: stopped on epoch 1's end
    assert (run / "exports" / "epoch-001.pt").is_file()
    needed, _, _ = pack.pack_parts(run)
    bare = (sum(len(pack.compressed(p)) for p in needed.values()) + pack.ZIP_MARGIN + 100) / 1e6
    for name, limit_mb, made in (("whole", pack.PACK_LIMIT_MB, True), ("bare", bare, False)):
        pack.write_pack(run, tmp_path / f"{name}.pack", limit_mb)
        continued = pack.unpack(tmp_path / f"{name}.pack", tmp_path / name)
        with pytest.warns(UserWarning, match="not exactly"):
            train(tiny_config(epochs=2, ema=0.9, ema_half_lives=(1.0,), max_steps=5, export_every=1),
                  resume=continued, progress=False)
        assert load_checkpoint(continued)["step"] == 5
        outputs = [continued / "samples" / "epoch-001.png", continued / "exports" / "epoch-001.pt",
                   continued / "exports" / "ema-hl1" / "epoch-001.pt"]
        assert [path.is_file() for path in outputs] == [made] * 3, name


def test_a_truncated_or_foreign_pack_is_a_one_line_error(tmp_path, capsys):
    run = _hardware_run(tmp_path)
    whole = tmp_path / "p.pack"
    pack.write_pack(run, whole)
    cut = tmp_path / "cut.pack"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    checkpoint = run / "checkpoint.pt"
    for bad, message in ((cut, "not a spindcgan pack, or a truncated one (not a whole zip file)"),
                         (checkpoint, "not a spindcgan pack (no spindcgan-pack-v1 format mark)")):
        assert main(["train", "--resume", str(bad), "--out", str(tmp_path / "o"), "--no-progress"]) == 2
        err = capsys.readouterr().err.strip()
        assert message in err and str(bad) in err and len(err.splitlines()) == 1
    with pytest.raises(SpinDCGANError, match="over the limit of 1e-06 MB"):
        pack.write_pack(run, tmp_path / "tiny.pack", limit_mb=1e-6)
    assert not (tmp_path / "tiny.pack").exists()
    assert main(["train", "--resume", str(run), "--pack-warmup", "3", "--no-progress"]) == 2  # not a pack
    assert "--pack-warmup applies to --resume PACK" in capsys.readouterr().err


def test_an_interrupted_ema_fid_is_measured_on_resume_and_only_it(tmp_path, monkeypatch):
    """Killed between the evaluated generator's FID and the further EMAs': the resume measures the missing EMA
    lines alone (not the evaluated one again), a cut-off last line is dropped, and nothing is measured twice."""
    calls = []

    def fake(gan, config):
        calls.append(1)
        return _fake_fid(gan, config)

    monkeypatch.setattr(loop, "measure_fid", fake)
    config = tiny_config(epochs=1, ema=0.9, ema_half_lives=(0.5, 2.0), fid_every=1)
    run = train(config, tmp_path, progress=False)
    assert len(calls) == 3
    path = run / loop.EMA_FIDS_NAME
    first = path.read_text().splitlines()[0]
    path.write_text(first + "\n" + '{"step": 4, "epoch_e')  # the second EMA's line cut off
    train(config, resume=run, progress=False)
    assert len(calls) == 4  # the missing EMA only
    lines = [json.loads(ln) for ln in path.read_text().splitlines()]
    assert [r["ema"] for r in lines] == ["ema-hl0.5", "ema-hl2"]
    assert len([ln for ln in (run / "metrics.jsonl").read_text().splitlines() if '"metric"' in ln]) == 1


def test_a_pack_resume_refuses_fixed_options_before_it_writes_anything(tmp_path, capsys):
    run = _hardware_run(tmp_path)
    pack.write_pack(run, tmp_path / "p.pack")
    out = tmp_path / "o"
    assert main(["train", "--resume", str(tmp_path / "p.pack"), "--out", str(out), "--lr", "1e-3"]) == 2
    assert "--lr cannot change" in capsys.readouterr().err and not out.exists()
    assert main(["train", "--resume", str(tmp_path / "p.pack"), "--out", str(out), "--pack-warmup", "0"]) == 2
    assert "warm-up after a pack must be >= 1 step" in capsys.readouterr().err
    assert main(["unpack", str(tmp_path / "p.pack"), "--out", str(out)]) == 0
    assert pack.pack_step(tmp_path / "p.pack") == 5 and load_checkpoint(out / run.name)["step"] == 5


def test_bad_half_lives_and_shapes_are_one_line_usage_errors(capsys):
    for argv, message in ((["--ema-half-lives", "abc"], "argument --ema-half-lives: comma-separated epochs"),
                          (["--ema-half-lives", "2,0"], "train.ema_half_lives must be finite numbers of epochs > 0"),
                          (["--lr-decay-shape", "step"], "argument --lr-decay-shape: invalid choice")):
        try:
            code = main(["train", "--out", "/nonexistent-never-written", *argv])
        except SystemExit as stop:  # argparse's own usage errors
            code = stop.code
        assert code == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err
