"""Peripheral (CMOS) energy and time constants of the ledger, each with its source or reason.

Device constants (synapse read/write, DW activations) live with the devices in ``spindcgan.devices``;
these are the circuits around them. They are switchable (``include_peripherals``), because the
paper's per-image totals evidently count devices only (see docs/energy.md).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PeripheralCosts:
    """Energy (J) and time (s) of the CMOS circuits around the crossbars."""

    adc_bits: int = 8
    """ADC resolution costed when the hardware config models an ideal read-out (array.adc_bits None)."""
    adc_fom: float = 10e-15
    """Walden figure of merit, J per conversion step: ~10 fJ/step for good SAR ADCs (Murmann's ADC
    survey); E_conversion = fom * 2**bits (2.56 pJ at 8 bits)."""
    adc_time: float = 1e-9
    """Seconds per conversion (columns convert in parallel): 1 GS/s class SAR, as in ISAAC (2016)."""
    dac_energy: float = 0.05e-12
    """J per row-driver conversion: a small switched-capacitor DAC/driver (our choice; NeuroSim-class)."""
    add_energy: float = 0.05e-12
    """J per 16-bit partial-sum add in CMOS: half of Horowitz's 32-bit int add (0.1 pJ, 45 nm, ISSCC 2014)."""
    mac_energy: float = 1.5e-12
    """J per 16-bit float multiply-add in CMOS (weight gradients, DW derivative masks): Horowitz's
    fp16 mult 1.1 pJ + add 0.4 pJ."""
    batchnorm_energy: float = 1.5e-12
    """J per BatchNorm element (one fp16 multiply-add with folded statistics): as ``mac_energy``."""
    tanh_energy: float = 3.0e-12
    """J per Tanh/Sigmoid element: a piecewise-polynomial unit of ~2 multiply-adds (our choice)."""
    cmos_op_time: float = 1e-9
    """Seconds per pipelined CMOS vector operation (1 GHz)."""

    @property
    def adc_energy(self) -> float:
        return self.adc_fom * 2**self.adc_bits
