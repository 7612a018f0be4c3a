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

from ..devices import DomainWallTrack, dw_leaky_relu_track, dw_relu_track


class DomainWallReLU(nn.Module):
    """Hybrid CMOS/DW ReLU: the DW cannot move left of rest, and stops at the right track end."""

    def __init__(self, track: DomainWallTrack | None = None) -> None:
        super().__init__()
        self.track = replace(track or dw_relu_track(), negative_slope=0.0)
        self.low, self.high = self.track.output_bounds()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.hardtanh(x, self.low, self.high)  # = clamp, with a fused backward kernel (as ReLU6)

    def extra_repr(self) -> str:
        return f"saturation={self.high:g}"


class DomainWallLeakyReLU(nn.Module):
    """Tunable DW Leaky ReLU: negative slope = k_right / k_left of the parabolic anisotropy profile."""

    def __init__(self, negative_slope: float = 0.2, track: DomainWallTrack | None = None) -> None:
        super().__init__()
        self.track = replace(track or dw_leaky_relu_track(), negative_slope=negative_slope)
        self.negative_slope = negative_slope
        self.low, self.high = self.track.output_bounds()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.hardtanh(F.leaky_relu(x, self.negative_slope), self.low, self.high)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope:g}, range=({self.low:g}, {self.high:g})"
