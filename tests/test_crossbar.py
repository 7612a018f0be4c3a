"""Programming weights into 6-bit devices, STE gradients, and fast path == tiled crossbar path."""

from dataclasses import replace

import pytest
import torch
import torch.nn as nn

from spindcgan import HardwareConfig, SpinDCGANError, with_settings
from spindcgan.crossbar import program
from spindcgan.crossbar.config import ActivationDevices, ArrayConfig, Variation
from spindcgan.devices import SkyrmionSynapse
from spindcgan.nn import SpinConv2d, SpinConvTranspose2d

LAYERS = [
    (SpinConv2d, (6, 5, 3), {"stride": 2, "padding": 1}),
    (SpinConvTranspose2d, (6, 5, 4), {"stride": 2, "padding": 1}),
    (SpinConvTranspose2d, (6, 4, 3), {"stride": 3, "padding": 1, "output_padding": 2, "bias": True}),
]


@pytest.mark.parametrize("bits", [1, 4, 6, 8])
@pytest.mark.parametrize("scheme", ["differential", "offset"])
def test_every_device_holds_one_of_its_levels(bits, scheme):
    torch.manual_seed(0)
    hw = HardwareConfig(synapse=SkyrmionSynapse(bits=bits), array=ArrayConfig(signed_scheme=scheme))
    layer = SpinConvTranspose2d(64, 32, 4, 2, 1, hardware=hw)
    states = layer.program()
    devices = [states.positive] + ([states.negative] if states.negative is not None else [])
    for d in devices:
        assert d.dtype == torch.uint8
        assert int(d.max()) <= 2**bits - 1
        assert len(torch.unique(d)) <= 2**bits
    # the effective weights take at most (2*levels - 1) values for a differential pair, levels for offset
    distinct = len(torch.unique(layer.effective_weight().detach()))
    assert distinct <= (2 * 2**bits - 1 if scheme == "differential" else 2**bits)
    if bits == 6:
        assert len(torch.unique(states.positive)) > 32  # a Gaussian weight uses most of the 64 levels


def test_quantised_weight_is_nearest_level_and_ste_passes_gradient():
    torch.manual_seed(0)
    layer = SpinConv2d(8, 4, 3, hardware=HardwareConfig())
    w = layer.weight.detach()
    q = layer.effective_weight().detach()
    step = w.abs().max() / 63
    assert (q - w).abs().max() <= step / 2 + 1e-7
    assert torch.allclose(q / step, torch.round(q / step), atol=1e-4)  # integer multiples of the step
    x = torch.randn(2, 8, 6, 6)
    layer(x).sum().backward()
    ref = nn.Conv2d(8, 4, 3)
    ref.weight.data.copy_(q)
    ref.bias.data.copy_(layer.bias.detach())
    ref(x).sum().backward()
    # straight-through: the shadow weight receives the gradient of the quantised weight
    torch.testing.assert_close(layer.weight.grad, ref.weight.grad)
    assert layer.weight.grad.abs().sum() > 0


@pytest.mark.parametrize("cls,args,kwargs", LAYERS)
@pytest.mark.parametrize("scheme", ["differential", "offset"])
@pytest.mark.parametrize("nonlinearity", [0.0, 2.0])
def test_fast_path_equals_tiled_crossbar_path(cls, args, kwargs, scheme, nonlinearity):
    torch.manual_seed(0)
    syn = SkyrmionSynapse(nonlinearity=nonlinearity)
    fast_hw = HardwareConfig(synapse=syn, array=ArrayConfig(signed_scheme=scheme, path="fast"))
    xbar_hw = replace(fast_hw, array=ArrayConfig(signed_scheme=scheme, path="crossbar", rows=7, cols=2))  # many tiles
    fast, xbar = cls(*args, **kwargs, hardware=fast_hw), cls(*args, **kwargs, hardware=xbar_hw)
    xbar.load_state_dict(fast.state_dict())
    x = torch.randn(3, args[0], 5, 5, requires_grad=True)
    x2 = x.detach().clone().requires_grad_(True)
    y_fast, y_xbar = fast(x), xbar(x2)
    torch.testing.assert_close(y_xbar, y_fast, atol=1e-5, rtol=1e-5)
    y_fast.square().sum().backward()
    y_xbar.square().sum().backward()
    torch.testing.assert_close(x2.grad, x.grad, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(xbar.weight.grad, fast.weight.grad, atol=1e-4, rtol=1e-4)


def test_nonlinear_ladder_programs_nearest_conductance():
    syn = SkyrmionSynapse(nonlinearity=3.0)
    hw = HardwareConfig(synapse=syn)
    w = torch.linspace(-1, 1, 401)
    states = program(w, hw)
    ladder = syn.normalised_levels().float()
    target = w.clamp(min=0)  # positive devices, scale = 1
    nearest = (target[:, None] - ladder[None, :]).abs().argmin(dim=1)
    assert torch.equal(states.positive.long(), nearest)


def test_device_to_device_variation_is_fixed_and_seeded():
    torch.manual_seed(0)
    hw = with_settings(HardwareConfig(), d2d=0.1, hw_seed=3)
    a = SpinConv2d(4, 4, 3, hardware=hw)
    b = SpinConv2d(4, 4, 3, hardware=hw)
    b.load_state_dict(a.state_dict())
    wa1, wa2, wb = a.effective_weight(), a.effective_weight(), b.effective_weight()
    assert torch.equal(wa1, wa2) and torch.equal(wa1, wb)  # same seed, same layer id: same devices
    b.variation_seed = 1
    assert not torch.equal(b.effective_weight(), wa1)  # another layer: another pattern
    ideal = SpinConv2d(4, 4, 3, hardware=HardwareConfig())
    ideal.load_state_dict(a.state_dict())
    rel = (wa1 - ideal.effective_weight()).std() / ideal.effective_weight().std()
    assert 0.02 < rel < 0.5


def test_cycle_to_cycle_variation_redraws_in_training_only():
    torch.manual_seed(0)
    layer = SpinConv2d(4, 4, 3, hardware=with_settings(HardwareConfig(), c2c=0.05))
    assert not torch.equal(layer.effective_weight(), layer.effective_weight())
    layer.eval()
    assert torch.equal(layer.effective_weight(), layer.effective_weight())


def test_adc_and_read_noise_change_the_crossbar_output():
    torch.manual_seed(0)
    base = SpinConv2d(16, 8, 3, hardware=HardwareConfig(array=ArrayConfig(path="crossbar", rows=32)))
    x = torch.randn(2, 16, 6, 6)
    ideal = base(x)
    for hw in (with_settings(HardwareConfig(), adc_bits=3), with_settings(HardwareConfig(), read_noise=0.2)):
        assert hw.needs_crossbar_path
        layer = SpinConv2d(16, 8, 3, hardware=hw)
        layer.load_state_dict(base.state_dict())
        err = (layer(x) - ideal).abs().mean() / ideal.abs().mean()
        assert 1e-3 < err < 1.0
    fine = SpinConv2d(16, 8, 3, hardware=HardwareConfig(array=ArrayConfig(adc_bits=12, rows=32)))
    fine.load_state_dict(base.state_dict())
    assert (fine(x) - ideal).abs().max() < 0.01 * ideal.abs().max()


@pytest.mark.parametrize(
    "group,kwargs,named",
    [(ArrayConfig, {"rows": 0}, "hardware.array.rows"), (Variation, {"d2d": -1.0}, "hardware.variation.d2d"),
     (ArrayConfig, {"adc_bits": 0}, "hardware.array.adc_bits"),
     (ArrayConfig, {"signed_scheme": "triple"}, "hardware.array.signed_scheme"),
     (ArrayConfig, {"path": "gpu"}, "hardware.array.path"), (HardwareConfig, {"seed": -1}, "hardware.seed")],
)
def test_bad_hardware_config_is_a_clear_error(group, kwargs, named):
    with pytest.raises(SpinDCGANError, match=named):
        group(**kwargs)


def test_hardware_config_round_trips_through_dict():
    hw = HardwareConfig(synapse=SkyrmionSynapse(bits=4, nonlinearity=1.0),
                        activations=ActivationDevices(leaky_relu=None), array=ArrayConfig(adc_bits=8))
    assert HardwareConfig.from_dict(hw.to_dict()) == hw
    with pytest.raises(SpinDCGANError, match="unknown field"):
        HardwareConfig.from_dict({**hw.to_dict(), "colour": 3})


def test_synapse_read_energy_is_v_squared_g_t():
    syn = SkyrmionSynapse()
    g = syn.conductance(torch.tensor([0, 63]))
    torch.testing.assert_close(g, torch.tensor([1e-6, 10e-6]))
    assert syn.read_energy(10e-6) == pytest.approx(0.1**2 * 10e-6 * 1e-9)
    assert syn.read_energy(10e-6, 0.0) == 0.0


def test_state_usage_of_hand_made_layers():
    """Signed levels, their mean magnitude, zero share and entropy, computed by hand for both signed schemes."""
    import math

    from spindcgan.crossbar import ProgrammedWeights
    from spindcgan.reports.usage import state_usage

    synapse = SkyrmionSynapse()  # 64 states
    pair = ProgrammedWeights(torch.tensor([3, 0, 0, 63], dtype=torch.uint8),
                             torch.tensor([0, 0, 5, 0], dtype=torch.uint8), 1.0)  # n = 3, 0, -5, 63
    usage = state_usage("x", pair, synapse)
    assert usage.weights == 4 and usage.zero_share == 0.25
    assert usage.mean_magnitude == pytest.approx((3 + 0 + 5 + 63) / 4 / 63)
    assert usage.entropy_bits == pytest.approx(2.0)  # four levels, once each
    assert usage.max_entropy_bits == pytest.approx(math.log2(127))
    assert usage.p999_magnitude == pytest.approx((5 + 0.997 * 58) / 63)  # linear between the top two
    offset = ProgrammedWeights(torch.tensor([0, 63, 32, 32], dtype=torch.uint8), None, 1.0)  # n = -63, 63, 1, 1
    usage = state_usage("y", offset, synapse)
    assert usage.zero_share == 0 and usage.mean_magnitude == pytest.approx((63 + 63 + 1 + 1) / 4 / 63)
    assert usage.entropy_bits == pytest.approx(1.5) and usage.max_entropy_bits == pytest.approx(6.0)
