"""Domain-wall activation modules: the device transfer curves as drop-in ``nn.Module``s.

The forward is the closed form of ``DomainWallTrack.output`` (tests check the two agree): slope 1 for
positive input, the curvature ratio for negative input (0 = pinned = ReLU), clamped at the track
ends. Autograd gives the device's true derivative: 1, the slope, or 0 in saturation. The clamp is written
as ``hardtanh``, whose backward is one fused kernel (a plain ``clamp`` backward costs ~4 passes).
"""

from __future__ import annotations

from dataclasses import replace

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..crossbar.config import HardwareConfig
from ..devices import DomainWallTrack, dw_leaky_relu_track, dw_relu_track
from ..seeds import stream_seed


class DeviceSpread:
    """Device-to-device spread of DW activations (``HardwareConfig.variation.dw_slope`` / ``dw_offset``): each
    channel's device has its own slope factor and input offset, fixed by the hardware seed and the module's
    ``variation_seed``. Off (no spread) unless ``set_spread`` was given a hardware config that models it."""

    slope_sigma: float = 0.0
    offset_sigma: float = 0.0
    hardware_seed: int = 0
    variation_seed: int = 0

    def set_spread(self, hardware: HardwareConfig | None) -> None:
        """Take the spread of a ``HardwareConfig`` (None: no spread)."""
        self.slope_sigma = hardware.variation.dw_slope if hardware else 0.0
        self.offset_sigma = hardware.variation.dw_offset if hardware else 0.0
        self.hardware_seed = hardware.seed if hardware else 0

    def device_spread(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor] | None:
        """(slope factor, input offset) of each channel's device, shaped to broadcast over ``x`` [N, C, ...]."""
        if not (self.slope_sigma or self.offset_sigma):
            return None
        gen = torch.Generator().manual_seed(stream_seed(self.hardware_seed, 500_009 + self.variation_seed))
        draws = torch.randn(2, x.shape[1], generator=gen).to(x)
        shape = (1, x.shape[1], *([1] * (x.ndim - 2)))
        return (1 + self.slope_sigma * draws[0]).view(shape), (self.offset_sigma * draws[1]).view(shape)


class DomainWallReLU(DeviceSpread, nn.Module):
    """Hybrid CMOS/DW ReLU: the DW cannot move left of rest, and stops at the right track end."""

    def __init__(self, track: DomainWallTrack | None = None, hardware: object | None = None) -> None:
        super().__init__()
        self.track = replace(track or dw_relu_track(), negative_slope=0.0)
        self.low, self.high = self.track.output_bounds()
        self.set_spread(hardware)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        spread = self.device_spread(x)
        if spread is not None:
            x = spread[0] * (x - spread[1])
        return F.hardtanh(x, self.low, self.high)  # = clamp, with a fused backward kernel (as ReLU6)

    def extra_repr(self) -> str:
        return f"saturation={self.high:g}"


class DomainWallLeakyReLU(DeviceSpread, nn.Module):
    """Tunable DW Leaky ReLU: negative slope = k_right / k_left of the parabolic anisotropy profile."""

    def __init__(self, negative_slope: float = 0.2, track: DomainWallTrack | None = None,
                 hardware: object | None = None) -> None:
        super().__init__()
        self.track = replace(track or dw_leaky_relu_track(), negative_slope=negative_slope)
        self.negative_slope = negative_slope
        self.low, self.high = self.track.output_bounds()
        self.set_spread(hardware)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        spread = self.device_spread(x)
        if spread is not None:
            x = spread[0] * (x - spread[1])
        return F.hardtanh(F.leaky_relu(x, self.negative_slope), self.low, self.high)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope:g}, range=({self.low:g}, {self.high:g})"
