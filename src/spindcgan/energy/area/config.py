"""AreaConfig: the choices of the area model (node, cell, ADC model and sharing, buffers, floorplan), checked on
construction so that a bad value is a one-line error naming its field."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ...errors import SpinDCGANError
from .constants import CELLS

ADC_MODELS = ("isaac", "neurosim", "survey")
"""ADC area models (``area.adc``): ISAAC's scaled table (the preset), NeuroSim's SAR formula, the survey fit."""


def _check_number(name: str, value: Any, low: float, high: float = math.inf, low_open: bool = False) -> None:
    """One line naming ``area.<name>`` for a value that is not a finite number in [low, high] ((low, high] if
    ``low_open``)."""
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not (ok and (value > low if low_open else value >= low) and value <= high):
        span = ("> " if low_open else ">= ") + f"{low:g}" + ("" if high == math.inf else f" and <= {high:g}")
        raise SpinDCGANError(f"area.{name} must be a finite number {span}, got {value!r}")


def check_integer(what: str, value: Any, low: int) -> None:
    """One line naming ``what`` (``area.ideal_dac_bits``, ``columns_per_weight``) for a value that is not an
    integer >= low (a bool is none)."""
    if not (isinstance(value, int) and not isinstance(value, bool) and value >= low):
        raise SpinDCGANError(f"{what} must be an integer >= {low}, got {value!r}")


@dataclass(frozen=True)
class AreaConfig:
    """How the chip is built, beyond what ``HardwareConfig`` says: the defaults are a 32 nm chip of 1T1R cells with
    one ISAAC-class ADC per column, no floorplan whitespace."""

    node_nm: float = 32.0
    """Technology node F in nm: 32 nm, ISAAC's node, where its peripheral figures need no scaling (our choice)."""
    cell: str = "1t1r-neurosim"
    """The access cell each synapse device sits in (``constants.CELLS``): NeuroSim's 48 F^2 1T1R by default."""
    device_footprint: bool = True
    """A cell is the larger of its access cell and the skyrmion device's footprint (240 nm x 240 nm). False: the
    access cell alone (a device that fits inside it, as in the ISAAC and NeuRRAM figures)."""
    adc_model: str = "isaac"
    """The ADC area reported as the value: 'isaac' (ISAAC's table scaled by (F/32 nm)^2, 4-10 bits), 'neurosim'
    (NeuroSim's SAR transistor count) or 'survey' (Accelergy's fit to Murmann's survey, >= 4 bits). The others give
    the band around it."""
    adc_rate: float = 1e9
    """Samples/s of one ADC, an input of the survey fit: 1 GS/s, the ledger's 1 ns per conversion
    (``PeripheralCosts.adc_time``)."""
    ideal_dac_bits: int = 1
    """Row DAC resolution costed when the hardware drives ideally (``array.dac_bits`` None): one 1-bit DAC per row
    fed bit-serially, as ISAAC drives its 16-bit inputs (the longer read is not counted here)."""
    adcs_per_shift_add: int = 1
    """ADCs that share one shift-and-add unit: 1 (a unit per ADC); ISAAC shares one between 2 (4 for 8 ADCs)."""
    offset_reference_columns: int = 1
    """Columns of mid-scale reference devices per array in the offset scheme (its current is subtracted from every
    column); 0 where the offset is removed digitally, as ISAAC does."""
    dw_read_transistors: int = 11
    """Transistors of the CMOS read circuit of one DW activation device: 11, NeuroSim's voltage sense amplifier
    (VoltageSenseAmp.cpp: 6 NMOS + 5 PMOS of minimum size), our stand-in for a read-out the papers do not give."""
    buffer_bits: int | None = None
    """Bits per stored activation in the buffer between layers; None: the costed ADC resolution (the word the
    read-out produces)."""
    sram_efficiency: float = 1.0
    """Bit cells' share of the buffer's SRAM macro area: 1.0 counts the cells alone, a lower bound (decoders,
    sense amplifiers and redundancy are left out unless a macro's figure is given here)."""
    floorplan_factor: float = 0.0
    """Whitespace added to the used area, as a share of it (the chip = used x (1 + factor)); 0: sum of parts, as
    Accelergy counts (NeuroSim's bounding boxes include it)."""

    def __post_init__(self) -> None:
        """Refuse a bad choice in one line naming its field (``area.<field>``)."""
        _check_number("node_nm", self.node_nm, 0.0, low_open=True)
        if self.cell not in CELLS:
            raise SpinDCGANError(f"area.cell must be one of {CELLS}, got {self.cell!r}")
        if self.adc_model not in ADC_MODELS:
            raise SpinDCGANError(f"area.adc_model must be one of {ADC_MODELS}, got {self.adc_model!r}")
        _check_number("adc_rate", self.adc_rate, 0.0, low_open=True)
        check_integer("area.ideal_dac_bits", self.ideal_dac_bits, 1)
        check_integer("area.adcs_per_shift_add", self.adcs_per_shift_add, 1)
        check_integer("area.offset_reference_columns", self.offset_reference_columns, 0)
        check_integer("area.dw_read_transistors", self.dw_read_transistors, 0)
        if self.buffer_bits is not None:
            check_integer("area.buffer_bits", self.buffer_bits, 1)
        _check_number("sram_efficiency", self.sram_efficiency, 0.0, 1.0, low_open=True)
        _check_number("floorplan_factor", self.floorplan_factor, 0.0)
        if not isinstance(self.device_footprint, bool):
            raise SpinDCGANError(f"area.device_footprint must be true or false, got {self.device_footprint!r}")
