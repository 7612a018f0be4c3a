"""Domain-wall (DW) activation devices: a ReLU and a tunable Leaky ReLU.

Physics (reference.md section 1, companion arXiv 2407.08469): an input current drives a DW along a
ferromagnetic track whose uniaxial anisotropy is parabolic around the rest position ``x0``, with
curvature ``k_right`` on the positive side and ``k_left`` on the negative side. The spin-orbit torque
pushes with a force proportional to the drive, the anisotropy pulls back linearly, so the DW settles at

    dx = eta * J / k_right   (J >= 0)          dx = eta * J / k_left   (J < 0)

and stops at the track ends. A parallel MTJ over the track reads the DW position as a conductance
(the part of the free layer already switched conducts at G_P, the rest at G_AP); CMOS subtracts the
rest conductance and scales, so the output is proportional to dx. Hence:

- positive slope 1 (the scale is chosen so), negative slope ``k_right / k_left``: tunable by the
  anisotropy profile; ``k_left = inf`` (a pinned side) is the ReLU;
- saturation where the DW reaches a track end.

Units: the activation's input ``x`` is the crossbar column output in network units; ``drive_per_unit``
converts it into a current density, so a device parameter can change without retraining the math.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import SpinDCGANError
from .calibration import shipped_figures


@dataclass(frozen=True)
class DomainWallTrack:
    """Geometry, anisotropy profile, read-out and cost of one DW activation device."""

    length: float = 240e-9
    """Track length in metres (our choice: a 240 nm CoFeB-type nanotrack, the size used by DW-MTJ neurons)."""
    rest_position: float = 40e-9
    """DW rest position from the left end. The right part (200 nm) is the range of positive outputs,
    the left part (40 nm) that of negative ones (a Leaky ReLU with slope 0.2 needs 1/5 of the right range)."""
    k_right: float = 1.0
    """Anisotropy curvature right of the rest position (relative units: only ratios enter the transfer
    curve; the micromagnetic calibration of issue 6 gives absolute values)."""
    negative_slope: float = 0.0
    """Leaky slope = k_right / k_left; 0 means the left side is pinned (k_left = inf): the ReLU."""
    saturation: float = 6.0
    """Network-unit input that moves the DW to the right track end (200 nm): sets ``drive_per_unit``.
    6 was chosen so the device behaves like ReLU6, which DCGAN-sized networks train with unharmed."""
    g_parallel: float = 50e-6
    """Siemens of the read MTJ fully parallel (20 kOhm; our choice, typical MgO MTJ of this size)."""
    tmr: float = 1.5
    """Tunnel magnetoresistance (G_P - G_AP) / G_AP = 150 % (our choice; MgO MTJs reach 100-200 %)."""
    read_voltage: float = 0.1
    """Volts across the read MTJ (our choice, as the synapse read)."""
    energy_per_evaluation: float = 9.16e-15
    """Joules per evaluation: 9.16 fJ for the SOT DW ReLU (companion arXiv 2407.08469, J. Appl. Phys.)."""
    evaluation_time: float = 2.0e-9
    """Seconds per evaluation: 9.16 fJ / 4.73 uW = 1.94 ns (companion preprint), rounded to 2 ns."""
    drive_at_saturation: float | None = None
    """A/m^2 in the heavy metal that takes the wall to the end of its travel (input = ``saturation``): from the
    micromagnetic calibration (docs/devices.md); None when uncalibrated."""
    settling_time: float | None = None
    """Seconds the simulated wall takes to settle within 5 % of its final position (calibration)."""
    simulated_energy_per_evaluation: float | None = None
    """Joules per full-scale evaluation in the simulation (drive I^2 R t + MTJ read). Reported beside the published
    ``energy_per_evaluation``, which the energy ledger keeps so that its totals stay comparable with the paper."""
    calibration: str = "none"
    """Which micromagnetic calibration the physical figures above come from."""

    def __post_init__(self) -> None:
        if not 0 < self.rest_position < self.length:
            raise SpinDCGANError(
                f"domain wall rest_position must lie inside the track (0, {self.length}), got {self.rest_position}"
            )
        if not 0 <= self.negative_slope <= 1:
            raise SpinDCGANError(f"domain wall negative_slope must be in [0, 1], got {self.negative_slope}")
        if self.saturation <= 0 or self.k_right <= 0:
            raise SpinDCGANError("domain wall saturation and k_right must be positive")

    @property
    def k_left(self) -> float:
        """Curvature left of the rest position; infinite (pinned) for the ReLU."""
        return math.inf if self.negative_slope == 0 else self.k_right / self.negative_slope

    @property
    def drive_per_unit(self) -> float:
        """Drive (in units of k_right * metres) per network unit, so that ``saturation`` reaches the end."""
        return (self.length - self.rest_position) * self.k_right / self.saturation

    def displacement(self, x: float) -> float:
        """Equilibrium DW displacement (metres) for network input ``x``: force balance, then track ends."""
        drive = x * self.drive_per_unit
        dx = drive / self.k_right if drive >= 0 else drive / self.k_left
        return min(max(dx, -self.rest_position), self.length - self.rest_position)

    def output_bounds(self) -> tuple[float, float]:
        """(lowest, highest) network output: the track ends."""
        per_metre = self.k_right / self.drive_per_unit
        low = -self.rest_position * per_metre if self.negative_slope > 0 else 0.0
        return low, (self.length - self.rest_position) * per_metre

    def conductance(self, dx: float) -> float:
        """Siemens of the parallel read MTJ with the DW displaced by ``dx`` from rest."""
        g_ap = self.g_parallel / (1 + self.tmr)
        switched = (self.rest_position + dx) / self.length
        return g_ap + (self.g_parallel - g_ap) * switched

    def output(self, x: float) -> float:
        """Network output of the device: read conductance minus the rest conductance, scaled to slope 1."""
        g_per_metre = (self.conductance(1e-9) - self.conductance(0.0)) / 1e-9
        per_metre = self.k_right / self.drive_per_unit
        return (self.conductance(self.displacement(x)) - self.conductance(0.0)) / g_per_metre * per_metre


CALIBRATED_FIELDS = ("drive_at_saturation", "settling_time", "simulated_energy_per_evaluation", "calibration")


def dw_relu_track() -> DomainWallTrack:
    """The hybrid CMOS/DW ReLU: left side pinned, 9.16 fJ per evaluation (companion paper), calibrated physics."""
    calibrated = shipped_figures("dw-relu", CALIBRATED_FIELDS)
    return DomainWallTrack(negative_slope=0.0, energy_per_evaluation=9.16e-15, **calibrated)


def dw_leaky_relu_track(negative_slope: float = 0.2) -> DomainWallTrack:
    """The tunable DW Leaky ReLU: slope = curvature ratio, 0.192 pJ per evaluation (paper), calibrated physics."""
    calibrated = shipped_figures("dw-leaky-relu", CALIBRATED_FIELDS)
    return DomainWallTrack(negative_slope=negative_slope, energy_per_evaluation=0.192e-12, **calibrated)
