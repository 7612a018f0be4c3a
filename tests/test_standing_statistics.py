"""Standing BatchNorm statistics: a generator re-normalised with the statistics of its own weights."""

from __future__ import annotations

import copy

import pytest
import torch

from spindcgan import SpinDCGANError
from spindcgan.models import Generator, ModelConfig
from spindcgan.training.batchnorm import standing_statistics

MODEL = ModelConfig.preset("fashion-mnist", width=4)


def first_norm_output(generator: Generator, z: torch.Tensor) -> torch.Tensor:
    """The eval-mode output of the generator's first BatchNorm for ``z``, channels first."""
    norm = next(m for m in generator.modules() if isinstance(m, torch.nn.BatchNorm2d))
    seen = []
    handle = norm.register_forward_hook(lambda _m, _i, out: seen.append(out))
    with torch.no_grad():
        generator.eval()(z)
    handle.remove()
    return seen[0].transpose(0, 1).flatten(1)


def shadow_with_stale_statistics() -> Generator:
    """A generator whose weights changed after its BatchNorm statistics were taken: what an EMA copy holds."""
    torch.manual_seed(0)
    trained = Generator(MODEL)
    with torch.no_grad():
        trained.train()(torch.randn(256, MODEL.z_dim))  # running statistics of the trained weights
        shadow = copy.deepcopy(trained)
        for p in shadow.parameters():
            if p.ndim > 1:
                p.mul_(0.3)  # other weights, same (now stale) statistics
    return shadow


def test_standing_statistics_normalise_the_generators_own_activations():
    shadow = shadow_with_stale_statistics()
    z = torch.randn(512, MODEL.z_dim, generator=torch.Generator().manual_seed(1))
    stale = first_norm_output(shadow, z)
    gamma_beta = next(m for m in shadow.modules() if isinstance(m, torch.nn.BatchNorm2d))
    gamma, beta = gamma_beta.weight.detach()[:, None], gamma_beta.bias.detach()[:, None]
    assert ((stale - beta) / gamma).std(1).max() < 0.5  # the stale statistics shrink the activations
    standing_statistics(shadow, MODEL.z_dim)
    settled = (first_norm_output(shadow, z) - beta) / gamma
    torch.testing.assert_close(settled.mean(1), torch.zeros(len(settled)), atol=0.1, rtol=0)
    torch.testing.assert_close(settled.std(1), torch.ones(len(settled)), atol=0.1, rtol=0)


def test_standing_statistics_touch_neither_parameters_nor_the_global_rng():
    shadow = shadow_with_stale_statistics()
    params = {k: v.clone() for k, v in shadow.named_parameters()}
    rng = torch.get_rng_state()
    standing_statistics(shadow, MODEL.z_dim)
    first = {k: v.clone() for k, v in shadow.state_dict().items()}
    standing_statistics(shadow, MODEL.z_dim)
    assert torch.equal(torch.get_rng_state(), rng)
    assert all(torch.equal(v, params[k]) for k, v in shadow.named_parameters())
    assert all(torch.equal(v, first[k]) for k, v in shadow.state_dict().items())  # deterministic
    assert not shadow.training


def test_export_with_standing_statistics_keeps_every_device_state(tmp_path):
    """``spindcgan export --standing-statistics``: only the CMOS BatchNorm statistics change, to exactly the
    standing statistics of the generator the source file holds; every synapse state and scale is the source's."""
    from spindcgan.cli import main
    from spindcgan.export import export_generator, save_exported
    from spindcgan.loading import load_generator, provenance_of
    from spindcgan.training import RunConfig, TrainConfig

    source, settled_file = tmp_path / "g.pt", tmp_path / "settled.pt"
    save_exported(shadow_with_stale_statistics_on_hardware(), RunConfig(model=MODEL, train=TrainConfig()), source)
    assert main(["export", str(source), "--standing-statistics", "--out", str(settled_file)]) == 0
    before, after = torch.load(source, weights_only=False), torch.load(settled_file, weights_only=False)
    assert [provenance_of(f)["batchnorm_statistics"] for f in (source, settled_file)] == ["running", "standing"]
    assert before["crossbars"].keys() == after["crossbars"].keys()
    for name, layer in before["crossbars"].items():
        for key, value in layer.items():
            assert torch.equal(torch.as_tensor(value), torch.as_tensor(after["crossbars"][name][key])), (name, key)
    expected, _ = load_generator(source)
    standing_statistics(expected, MODEL.z_dim)
    changed = [k for k, v in before["cmos"].items() if not torch.equal(v, after["cmos"][k])]
    assert changed and all(k.endswith(("running_mean", "running_var", "num_batches_tracked")) for k in changed)
    for key in changed:
        torch.testing.assert_close(after["cmos"][key], expected.state_dict()[key], rtol=0, atol=0)
    with pytest.raises(SpinDCGANError, match="batchnorm statistics must be one of"):
        export_generator(expected, RunConfig(model=MODEL, train=TrainConfig()), batchnorm="averaged")


def shadow_with_stale_statistics_on_hardware() -> Generator:
    """``shadow_with_stale_statistics`` on the paper's hardware (6-bit synapses, DW activations)."""
    from spindcgan.training import RunConfig, TrainConfig

    hardware = RunConfig(model=MODEL, train=TrainConfig()).hardware
    shadow = Generator(MODEL, hardware)
    shadow.load_state_dict(shadow_with_stale_statistics().state_dict())
    return shadow
