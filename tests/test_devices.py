"""Domain-wall activation devices: physics transfer curve == module, slopes, saturation, gradients."""

import pytest
import torch

from spindcgan import SpinDCGANError
from spindcgan.devices import DomainWallTrack, dw_leaky_relu_track, dw_relu_track
from spindcgan.nn import DomainWallLeakyReLU, DomainWallReLU

INPUTS = [-10.0, -3.0, -1.0, -0.2, 0.0, 0.3, 1.0, 2.5, 5.9, 6.0, 8.0]


def test_relu_device_gives_zero_for_negative_drive_and_saturates():
    track = dw_relu_track()
    assert track.k_left == float("inf")
    for x in INPUTS:
        assert track.displacement(x) >= 0
        if x <= 0:
            assert track.output(x) == pytest.approx(0.0, abs=1e-12)
    assert track.output(1.0) == pytest.approx(1.0)
    assert track.output(8.0) == pytest.approx(track.saturation)  # DW at the track end
    assert track.displacement(8.0) == pytest.approx(track.length - track.rest_position)


@pytest.mark.parametrize("ratio", [0.05, 0.1, 0.2, 0.5])
def test_leaky_slope_equals_curvature_ratio(ratio):
    track = DomainWallTrack(negative_slope=ratio, rest_position=100e-9, length=240e-9)
    assert track.k_right / track.k_left == pytest.approx(ratio)
    slope = (track.output(-0.5) - track.output(-0.1)) / (-0.5 + 0.1)
    assert slope == pytest.approx(ratio, rel=1e-9)
    assert (track.output(1.0) - track.output(0.5)) / 0.5 == pytest.approx(1.0)


def test_leaky_device_saturates_on_both_track_ends():
    track = dw_leaky_relu_track(0.2)
    low, high = track.output_bounds()
    assert high == pytest.approx(6.0)
    # the left 40 nm at 5x the curvature end at the same input magnitude as the right 200 nm
    assert low == pytest.approx(-0.2 * 6.0)
    assert track.output(-100.0) == pytest.approx(low)
    assert track.output(100.0) == pytest.approx(high)


@pytest.mark.parametrize("module", [DomainWallReLU(), DomainWallLeakyReLU(0.2), DomainWallLeakyReLU(0.1)])
def test_module_matches_device_physics_and_gradients(module):
    x = torch.tensor(INPUTS + [-20.0], dtype=torch.float64, requires_grad=True)
    y = module(x)
    expected = torch.tensor([module.track.output(v) for v in x.tolist()], dtype=torch.float64)
    torch.testing.assert_close(y, expected, atol=1e-9, rtol=1e-9)
    y.sum().backward()
    slope = module.track.negative_slope
    low, high = module.low, module.high
    for v, g in zip(x.tolist(), x.grad.tolist(), strict=True):
        if v > 0 and v < high:
            assert g == 1.0
        elif v < 0 and v * slope > low:
            assert g == pytest.approx(slope)
        elif v > high or v * slope < low:
            assert g == 0.0  # saturated: the DW sits at a track end


def test_read_conductance_grows_with_displacement():
    track = dw_relu_track()
    g = [track.conductance(track.displacement(x)) for x in (0.0, 1.0, 3.0, 6.0)]
    assert g == sorted(g) and g[0] < g[-1] <= track.g_parallel


def test_bad_track_is_a_clear_error():
    with pytest.raises(SpinDCGANError, match="rest_position"):
        DomainWallTrack(rest_position=300e-9)
    with pytest.raises(SpinDCGANError, match="negative_slope"):
        DomainWallTrack(negative_slope=1.5)
