"""Robust training (--train-noise): a fresh chip per step, the run's own hardware kept for everything else, exact
resume, one-line errors."""

import pytest
import torch

from spindcgan import HardwareConfig, SpinDCGANError
from spindcgan.crossbar.terms import parse_noise
from spindcgan.models import ModelConfig
from spindcgan.training import RunConfig, TrainConfig, load_checkpoint, train
from spindcgan.training.noise import computing_on, step_hardware

TINY = ModelConfig.preset("fashion-mnist", width=4)


def _config(**kwargs):
    train_kwargs = {"batch_size": 16, "limit": 64, "log_every": 1, "sample_count": 4, "threads": 2, **kwargs}
    return RunConfig(model=TINY, train=TrainConfig(**train_kwargs))


@pytest.mark.parametrize("text,match", [
    ("bits=4", "'bits' is not a noise"),
    ("d2d", "expected NAME=VALUE"),
    ("d2d=lots", "'lots' is not a relative std"),
    ("retention=1parsec", "is not a time"),
    ("d2d=0.1,d2d=0.2", "given twice"),
])
def test_bad_noise_is_one_line(text, match):
    with pytest.raises(SpinDCGANError, match=match):
        TrainConfig(train_noise=text)


def test_noise_needs_synapse_hardware():
    with pytest.raises(SpinDCGANError, match="needs synapse hardware"):
        RunConfig(model=TINY, hardware=None, train=TrainConfig(train_noise="d2d=0.1"))


def test_each_step_draws_its_own_chip_and_the_layers_get_their_own_back():
    base = HardwareConfig()
    assert parse_noise("d2d=0.1, stuck=0.01") == {"d2d": "0.1", "stuck": "0.01"}
    noise = parse_noise("d2d=0.1,stuck=0.01")
    a, b = step_hardware(base, noise, 0), step_hardware(base, noise, 1)
    assert (a.variation.d2d, a.faults.stuck) == (0.1, 0.01) and a.seed != b.seed != base.seed
    from spindcgan.models import Generator
    g = Generator(TINY, base)
    layer = g.main[0]
    ideal = layer.held_states()
    with computing_on((g,), a):
        assert layer.hardware is a
        assert not torch.equal(layer.held_states().positive, ideal.positive)  # stuck devices of chip a
    assert layer.hardware is base and torch.equal(layer.held_states().positive, ideal.positive)


def test_a_noisy_run_trains_otherwise_resumes_exactly_and_keeps_its_hardware(tmp_path):
    clean = train(_config(max_steps=4), tmp_path / "clean", progress=False)
    noisy = train(_config(max_steps=4, train_noise="d2d=0.2,stuck=0.05"), tmp_path / "noisy", progress=False)
    a, b = load_checkpoint(clean)["generator"], load_checkpoint(noisy)["generator"]
    assert any(not torch.equal(a[k], b[k]) for k in a)
    part = train(_config(max_steps=2, train_noise="d2d=0.2,stuck=0.05"), tmp_path / "part", progress=False)
    train(_config(max_steps=4, train_noise="d2d=0.2,stuck=0.05"), resume=part, progress=False)
    c = load_checkpoint(part)
    assert all(torch.equal(b[k], c["generator"][k]) for k in b)
    assert RunConfig.from_dict(c["config"]).hardware == HardwareConfig()  # evaluated on the run's own hardware
