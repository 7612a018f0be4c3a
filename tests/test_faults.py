"""Device faults (issue 36): stuck devices, write errors and retention loss, applied to the states an array holds."""

import json
import math
from dataclasses import replace

import pytest
import torch

from spindcgan import HardwareConfig, SpinDCGANError, with_settings
from spindcgan.crossbar.config import Faults, Retention
from spindcgan.crossbar.faults import held_states, parse_duration, survival
from spindcgan.crossbar.programming import ProgrammedWeights
from spindcgan.nn import SpinConv2d

HW = HardwareConfig()
TOP = HW.synapse.levels - 1
N = 200_000


def mid_states() -> ProgrammedWeights:
    return ProgrammedWeights(torch.full((N,), 31, dtype=torch.uint8), torch.full((N,), 5, dtype=torch.uint8), 1.0)


def within(share: float, p: float, n: int = N) -> bool:
    return abs(share - p) <= 4 * math.sqrt(p * (1 - p) / n)


@pytest.mark.parametrize("high", [0.0, 1.0, 0.3])
def test_a_stuck_fraction_sticks_that_share_of_the_devices_at_the_named_state_fixed_by_seed(high):
    hw = replace(HW, faults=Faults(stuck=0.01, stuck_high_share=high))
    held = held_states(mid_states(), hw, layer_seed=3)
    for devices, written in ((held.positive, 31), (held.negative, 5)):
        at_top, at_zero = float((devices == TOP).double().mean()), float((devices == 0).double().mean())
        assert within(at_top, 0.01 * high) and within(at_zero, 0.01 * (1 - high))
        assert float((devices == written).double().mean()) == pytest.approx(1 - at_top - at_zero)
    again = held_states(mid_states(), hw, layer_seed=3)
    assert torch.equal(again.positive, held.positive)  # the same devices, whatever else happens
    other = held_states(mid_states(), replace(hw, seed=1), layer_seed=3)
    assert not torch.equal(other.positive, held.positive)
    layer = held_states(mid_states(), hw, layer_seed=4)
    assert not torch.equal(layer.positive, held.positive)  # each layer its own faulty devices


def test_no_fault_configured_is_the_identity_and_retention_at_zero_time_too():
    written = mid_states()
    assert held_states(written, HW) is written
    assert held_states(written, with_settings(HW, retention=0.0, program_error=0.0)) is written
    assert survival(with_settings(HW, retention=0.0)) == 1.0
    stable = held_states(written, replace(HW, retention=Retention(time=3.15e7, energy_barrier_kT=1000.0)))
    assert torch.equal(stable.positive, written.positive)  # a barrier no thermal energy crosses


def test_retention_loses_skyrmions_at_the_arrhenius_rate():
    hw = replace(HW, retention=Retention(time=parse_duration("1y"), energy_barrier_kT=40.0))
    kept = survival(hw)
    assert kept == pytest.approx(math.exp(-1e9 * math.exp(-40.0) * 365.25 * 86400))
    held = held_states(mid_states(), hw)
    assert float(held.positive.double().mean()) == pytest.approx(31 * kept, rel=0.01)
    assert int(held.positive.max()) <= 31  # annihilation only removes skyrmions


def test_a_write_error_rate_moves_that_share_of_the_states_by_at_most_the_span():
    hw = replace(HW, faults=Faults(program_error=0.05, program_error_span=2))
    held = held_states(mid_states(), hw)
    moved = held.positive.long() - 31
    assert within(float((moved != 0).double().mean()), 0.05)
    assert int(moved.abs().max()) == 2 and within(float((moved > 0).double().mean()), 0.025)
    assert torch.equal(held_states(mid_states(), hw).positive, held.positive)  # evaluation: fixed per seed
    torch.manual_seed(0)
    first = held_states(mid_states(), hw, training=True).positive
    assert not torch.equal(held_states(mid_states(), hw, training=True).positive, first)  # a new draw per write


def test_the_fields_round_trip_through_the_config_json_and_bad_values_are_one_line_errors():
    hw = replace(HW, faults=Faults(stuck=1e-3, stuck_high_share=0.2, program_error=0.01, program_error_span=3),
                 retention=Retention(time=86400.0, energy_barrier_kT=50.0, attempt_frequency=2e9))
    assert HardwareConfig.from_dict(json.loads(json.dumps(hw.to_dict()))) == hw
    for group, field, value in ((Faults, "stuck", 1.5), (Faults, "program_error", -0.1),
                                (Faults, "program_error_span", 0), (Retention, "time", -1.0)):
        with pytest.raises(SpinDCGANError, match=f"hardware.{group.__name__.lower()}.{field} must be"):
            group(**{field: value})
    assert parse_duration("1h") == 3600 and parse_duration("30s") == 30 and parse_duration("2d") == 172800
    with pytest.raises(SpinDCGANError, match="retention time"):
        parse_duration("one year")


def test_both_compute_paths_and_the_ledger_see_the_faulty_devices():
    from spindcgan.energy.constants import PeripheralCosts
    from spindcgan.energy.layers import crossbar_forward

    torch.manual_seed(0)
    faulty = with_settings(HW, stuck=0.05, program_error=0.02)
    fast = SpinConv2d(8, 6, 3, padding=1, hardware=replace(faulty, array=replace(faulty.array, path="fast"))).eval()
    slow = SpinConv2d(8, 6, 3, padding=1, hardware=replace(faulty, array=replace(faulty.array, path="crossbar"))).eval()
    ideal = SpinConv2d(8, 6, 3, padding=1, hardware=HW).eval()
    slow.load_state_dict(fast.state_dict())
    ideal.load_state_dict(fast.state_dict())
    x = torch.randn(2, 8, 6, 6)
    torch.testing.assert_close(slow(x), fast(x), rtol=1e-5, atol=1e-5)
    assert not torch.allclose(fast(x), ideal(x), atol=1e-3)
    energies = [crossbar_forward(layer, x, layer.hardware, "zero-padded", PeripheralCosts()).energy["synapse_read"]
                for layer in (fast, ideal)]
    assert energies[0] != energies[1]  # stuck-high devices draw more read current


def test_dw_activations_spread_by_device_fixed_by_seed_and_identical_without_it():
    from spindcgan.models import Generator, ModelConfig
    from spindcgan.nn import DomainWallLeakyReLU, DomainWallReLU

    x = torch.randn(4, 16, 5, 5)
    ideal = DomainWallReLU(hardware=HW)
    assert torch.equal(ideal(x), x.clamp(ideal.low, ideal.high))
    spread_hw = with_settings(HW, dw_slope=0.1, dw_offset=0.05)
    spread = DomainWallReLU(hardware=spread_hw)
    y = spread(x)
    ratio = y[:, :, 0, 0] / x[:, :, 0, 0]  # in the linear region: each channel's own slope
    positive = (x[:, :, 0, 0] > 1.0) & (y[:, :, 0, 0] < spread.high)
    assert not torch.allclose(y, ideal(x))
    assert torch.equal(spread(x), y)  # fixed per device
    slopes = spread.device_spread(x)[0].flatten()
    assert 0.02 < float(slopes.std()) < 0.2 and ratio[positive].numel() > 0
    leaky = DomainWallLeakyReLU(0.2, hardware=spread_hw)
    assert torch.equal(leaky(x), leaky(x)) and not torch.allclose(leaky(x), DomainWallLeakyReLU(0.2)(x))
    model = ModelConfig.preset("fashion-mnist", width=4)
    seeds = [m.variation_seed for m in Generator(model, spread_hw).modules() if hasattr(m, "device_spread")]
    assert len(set(seeds)) == len(seeds) == 2  # each activation layer its own devices
    assert HardwareConfig.from_dict(json.loads(json.dumps(spread_hw.to_dict()))) == spread_hw
