"""Skyrmion multi-level synapse: the device each crossbar cell holds.

A circular bilayer skyrmion device stores one of ``2**bits`` states (the number/position of skyrmions
under a "labyrinth-maze" anisotropy profile); an MTJ on top reads the state as a conductance.
Every constant below carries its source or the reason it was chosen (reference.md sections 1-3).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..errors import SpinDCGANError
from .calibration import shipped_figures


@dataclass(frozen=True)
class SkyrmionSynapse:
    """Compact model of one skyrmion synapse.

    Conductance of state ``n`` (0 .. levels-1) is ``g_min + (g_max - g_min) * f(n / (levels-1))`` with
    ``f(u) = u`` when ``nonlinearity == 0`` and ``f(u) = (1 - exp(-a u)) / (1 - exp(-a))`` otherwise
    (the usual saturating potentiation curve of analog synapses; ``a`` > 0 bends it).
    """

    bits: int = 6
    """6 bits = 64 states: the paper's synapse (arXiv 2601.01441) and its companion (arXiv 2407.08469)."""
    g_min: float = 1.0e-6
    """Siemens. Lowest state, 1 MOhm: a typical MgO-MTJ read-out of a small free layer (our choice;
    the papers give no absolute conductance). Only ratios matter for the network, energy scales with it."""
    g_max: float = 10.0e-6
    """Siemens. Highest state, 100 kOhm: an on/off ratio of 10 (our choice, a common crossbar figure)."""
    nonlinearity: float = 0.0
    """Bend ``a`` of the state -> conductance map; 0 = linear (skyrmion count adds conductance linearly)."""
    read_voltage: float = 0.1
    """Volts on a row during a read: 0.1 V keeps the read far below the write threshold (our choice)."""
    read_time: float = 1.0e-9
    """Seconds a row is driven per read: 1 ns (our choice, a common analog crossbar read pulse)."""
    write_energy_per_state: float = 0.87e-15
    """Joules per one-state update (potentiation or depression): 0.87 fJ, companion paper arXiv 2407.08469."""
    write_time_per_state: float = 1.0e-9
    """Seconds per one-state update pulse (our choice; skyrmion gyration-driven moves take ~ns)."""
    update_drive: float | None = None
    """A/m^2 of the update pulse: 1.2x the simulated depinning threshold (micromagnetic calibration)."""
    simulated_update_energy: float | None = None
    """Joules of one simulated update pulse, reported beside the published ``write_energy_per_state`` (which the
    energy ledger keeps, to stay comparable with the paper)."""
    simulated_g_min: float | None = None
    """Siemens of the simulated empty device (0 skyrmions) under its MTJ."""
    simulated_g_max: float | None = None
    """Siemens of the simulated full device (``levels - 1`` skyrmions)."""
    calibration: str = "none"
    """Which micromagnetic calibration the simulated figures come from."""
    endurance: float = 1e12
    """Single-state update pulses a device survives (``spindcgan info RUN``: full trainings per chip). No measured
    endurance of a skyrmion synapse is known to us; the update current flows in the heavy-metal layer, and the read
    MTJ's MgO barrier is what wears under pulsed stress in MRAM (dielectric breakdown: Carboni et al., IEEE T-ED
    2016, on breakdown-limited STT-MRAM endurance). 1e12 is the conservative figure usually quoted for STT-MRAM;
    our choice, to be replaced by a device's own."""

    def __post_init__(self) -> None:
        if not 1 <= self.bits <= 8:
            raise SpinDCGANError(f"synapse.bits must be between 1 and 8, got {self.bits}")
        if not 0 < self.g_min < self.g_max:
            raise SpinDCGANError(f"synapse needs 0 < g_min < g_max, got g_min={self.g_min}, g_max={self.g_max}")
        if self.nonlinearity < 0:
            raise SpinDCGANError(f"synapse.nonlinearity must be >= 0, got {self.nonlinearity}")
        if not self.endurance > 0:
            raise SpinDCGANError(f"synapse.endurance must be > 0 updates, got {self.endurance}")

    @property
    def levels(self) -> int:
        """Number of distinct states a device can hold."""
        return 2**self.bits

    def normalised_levels(self) -> torch.Tensor:
        """``f(n / (levels-1))`` for every state n: the conductance ladder scaled to [0, 1]."""
        u = torch.linspace(0.0, 1.0, self.levels, dtype=torch.float64)
        if self.nonlinearity == 0:
            return u
        a = self.nonlinearity
        return (1 - torch.exp(-a * u)) / (1 - torch.exp(torch.tensor(-a, dtype=torch.float64)))

    def conductance(self, state: torch.Tensor) -> torch.Tensor:
        """Siemens of integer states (any shape)."""
        ladder = self.normalised_levels().to(dtype=torch.float32, device=state.device)
        return self.g_min + (self.g_max - self.g_min) * ladder[state.long()]

    def read_energy(self, conductance: torch.Tensor | float, input_fraction: torch.Tensor | float = 1.0):
        """Joules of one read: ``(V * input)^2 * G * t`` (a zero input draws no current)."""
        v = self.read_voltage * input_fraction
        return v * v * conductance * self.read_time


CALIBRATED_FIELDS = ("update_drive", "simulated_update_energy", "simulated_g_min", "simulated_g_max", "calibration")


def calibrated_synapse() -> SkyrmionSynapse:
    """The default synapse: the published/chosen constants above plus the shipped micromagnetic calibration."""
    return SkyrmionSynapse(**shipped_figures("skyrmion-synapse", CALIBRATED_FIELDS))
