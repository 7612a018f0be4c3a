"""bf16 training (``TrainConfig.precision``): the same gradients to bf16's tolerance, fp32 weights and measurement,
bit-exact resume, and clear errors."""

import copy
import warnings
from dataclasses import replace

import pytest
import torch

from spindcgan import HardwareConfig, SpinDCGANError, with_settings
from spindcgan.cli import main
from spindcgan.models import ModelConfig
from spindcgan.runtime import training_precision
from spindcgan.training import GAN, RunConfig, TrainConfig, load_checkpoint, train, train_step

ANIME = ModelConfig.preset("anime", width=8)


def _step_gradients(gan: GAN, real: torch.Tensor, z: torch.Tensor, precision: str) -> dict[str, torch.Tensor]:
    """The gradients one training step leaves on every parameter (plain SGD at lr 0: nothing moves)."""
    gan = copy.deepcopy(gan)
    gan.opt_g = torch.optim.SGD(gan.generator.parameters(), lr=0.0)
    gan.opt_d = torch.optim.SGD(gan.discriminator.parameters(), lr=0.0)
    with training_precision(precision, "cpu"):
        train_step(gan, real, z)
    nets = {"generator": gan.generator, "discriminator": gan.discriminator}
    return {f"{net}.{name}": p.grad for net, module in nets.items() for name, p in module.named_parameters()}


def test_a_bf16_step_gives_the_fp32_gradients_to_bf16_tolerance():
    """The anime network on 6-bit synapses and DW activations: every crossbar layer's weight gradient points the
    way the fp32 one does, and is not the fp32 one (bf16 really computed). Measured cosines, seeds 0 and 1: the
    discriminator's 0.995-1.0; the generator's, whose gradient comes back through both networks, 0.983-0.994."""
    torch.manual_seed(0)
    gan = GAN.build(RunConfig(model=ANIME, hardware=HardwareConfig()), "cpu")
    real = torch.rand(16, 3, 64, 64) * 2 - 1
    z = torch.randn(16, ANIME.z_dim)
    fp32, bf16 = _step_gradients(gan, real, z, "fp32"), _step_gradients(gan, real, z, "bf16")
    weights = [k for k in fp32 if k.endswith("weight") and fp32[k].dim() == 4]
    assert len(weights) == 10  # five deconvolutions, five convolutions
    for key in weights:
        a, b = fp32[key].flatten(), bf16[key].flatten()
        assert b.dtype == torch.float32, key  # the shadow weights and their gradients stay fp32
        bound = 0.975 if key.startswith("generator") else 0.99
        assert torch.nn.functional.cosine_similarity(a, b, dim=0) > bound, key
    assert any(not torch.equal(fp32[k], bf16[k]) for k in weights)


def test_a_bf16_run_keeps_fp32_weights_and_is_sampled_in_fp32(tmp_path):
    config = RunConfig(model=ModelConfig.preset("fashion-mnist", width=4), train=TrainConfig(
        batch_size=16, limit=32, max_steps=2, sample_count=4, threads=2, precision="bf16"))
    run = train(config, tmp_path, progress=False)
    state = load_checkpoint(run)
    assert state["config"]["train"]["precision"] == "bf16"
    assert {v.dtype for v in state["generator"].values() if v.is_floating_point()} == {torch.float32}
    assert {v.dtype for v in state["discriminator"].values() if v.is_floating_point()} == {torch.float32}
    gan = GAN.build(config, "cpu")
    gan.load_state_dict(state)
    assert gan.evaluated_generator.eval()(torch.randn(2, 100)).dtype == torch.float32


def test_a_bf16_run_resumes_bit_for_bit(tmp_path):
    base = RunConfig(model=ModelConfig.preset("fashion-mnist", width=4), train=TrainConfig(
        batch_size=16, limit=64, epochs=2, sample_count=4, threads=2, ema=0.9, precision="bf16",
        augment="color,translation,cutout"))
    full = train(base, tmp_path / "full", progress=False)
    part = train(replace(base, train=replace(base.train, max_steps=5)), tmp_path / "part", progress=False)
    resumed = train(base, resume=part, progress=False)
    a, b = load_checkpoint(full), load_checkpoint(resumed)
    for net in ("generator", "discriminator", "generator_ema"):
        for key, value in a[net].items():
            assert torch.equal(value, b[net][key]), f"{net}.{key}"


def test_precision_errors_are_one_line_and_name_the_field(tmp_path, capsys):
    with pytest.raises(SpinDCGANError, match="train.precision must be one of fp32, bf16, got 'fp16'"):
        TrainConfig(precision="fp16")
    with pytest.raises(SpinDCGANError, match="train.precision bf16 would round the crossbar read-out"):
        RunConfig(hardware=with_settings(HardwareConfig(), adc_bits=8), train=TrainConfig(precision="bf16"))
    RunConfig(hardware=None, train=TrainConfig(precision="bf16"))  # the float baseline may train in bf16
    assert RunConfig.from_dict({"train": {"epochs": 3}}).train.precision == "fp32"  # configs from before the field

    out = tmp_path / "runs"
    assert main(["train", "--width", "4", "--batch-size", "16", "--limit", "16", "--max-steps", "1", "--out", str(out),
                 "--no-progress", "--precision", "bf16"]) == 0
    (run,) = out.iterdir()
    # a resume may change the arithmetic (a leg on a CPU with or without bfloat16 products), not the hardware's rule
    assert main(["train", "--resume", str(run), "--max-steps", "2", "--precision", "fp32", "--no-progress"]) == 0
    adc = tmp_path / "adc"
    assert main(["train", "--width", "4", "--batch-size", "16", "--limit", "16", "--max-steps", "1", "--out", str(adc),
                 "--no-progress", "--adc-bits", "8"]) == 0
    capsys.readouterr()
    assert main(["train", "--resume", str(next(adc.iterdir())), "--precision", "bf16"]) == 2
    assert "train.precision bf16 would round the crossbar read-out" in capsys.readouterr().err


def test_bf16_on_a_cpu_without_bfloat16_products_warns_in_one_line(tmp_path, monkeypatch):
    import spindcgan.training.loop as loop

    monkeypatch.setattr(loop, "cpu_has_native_bf16", lambda: False)
    config = RunConfig(model=ModelConfig.preset("fashion-mnist", width=4), train=TrainConfig(
        batch_size=16, limit=16, max_steps=1, sample_count=4, threads=2, precision="bf16"))
    with pytest.warns(UserWarning, match="no bfloat16 products") as caught:
        train(config, tmp_path, progress=False)
    assert all("\n" not in str(w.message) for w in caught)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # fp32 never warns about it
        train(replace(config, train=replace(config.train, precision="fp32")), tmp_path, progress=False)
