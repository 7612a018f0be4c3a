"""The area of one crossbar layer, one layer of DW activation devices, the activation buffer and the chip, as a sum
of parts in um^2 (docs/area.md). Per crossbar layer, with ``a`` arrays of ``n x m`` weights and K columns per ADC:

- cells = a * n * physical columns (2 m for differential pairs, m + reference columns for the offset scheme), each
  the larger of its access cell (F^2 x F^2 of the node) and the synapse device's footprint
- row DACs = a * n; sample-and-hold = a * m; ADCs = a * ceil(m / K); shift-and-add = ceil(ADCs / ADCs per unit)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ...errors import SpinDCGANError
from .adc import Band, adc_band, dac_um2, f2_um2, node_scale
from .config import AreaConfig, check_integer
from .constants import AreaConstants

CROSSBAR_PARTS = ("cells", "dac", "sample_hold", "adc", "shift_add")
DW_PARTS = ("dw_track", "dw_read")
PARTS = CROSSBAR_PARTS + DW_PARTS
"""The parts of a layer's area, in the order tables show them."""


@dataclass
class LayerArea:
    """One layer's area in um^2 by part (the ADCs at the chosen model), its ADCs' band, and what was counted."""

    name: str
    kind: str
    parts: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PARTS, 0.0))
    adc: Band = Band(0.0, 0.0, 0.0)
    """All of the layer's ADCs together: the chosen model and the lowest and highest model."""
    counts: dict[str, int] = field(default_factory=dict)
    """arrays, cells, dacs, sample_holds, adcs, shift_adds, dw_devices: how many of each the parts count."""

    @property
    def used(self) -> float:
        """um^2: the sum of the parts."""
        return sum(self.parts.values())

    @property
    def band(self) -> Band:
        """um^2: the sum of the parts with the ADCs at their lowest, chosen and highest model."""
        rest = self.used - self.adc.value
        return Band(rest, rest, rest) + self.adc


@dataclass
class ChipArea:
    """The chip: its layers, the activation buffer and the floorplan whitespace, in um^2."""

    layers: list[LayerArea]
    buffer: float
    """um^2 of the SRAM buffer between layers."""
    buffer_bits: int
    floorplan_factor: float

    @property
    def used(self) -> float:
        """um^2 of every layer's parts and the buffer."""
        return sum(layer.used for layer in self.layers) + self.buffer

    @property
    def whitespace(self) -> float:
        """um^2 the floorplan adds (``AreaConfig.floorplan_factor`` x used)."""
        return self.used * self.floorplan_factor

    @property
    def total(self) -> float:
        """um^2 of the chip: used area and whitespace."""
        return self.used + self.whitespace

    @property
    def band(self) -> Band:
        """um^2 of the whole chip with every ADC at its lowest, chosen and highest model."""
        used = sum((layer.band for layer in self.layers), Band(self.buffer, self.buffer, self.buffer))
        return used.scaled(1 + self.floorplan_factor)

    @property
    def adc(self) -> Band:
        """um^2 of all the chip's ADCs at their lowest, chosen and highest model."""
        return sum((layer.adc for layer in self.layers), Band(0.0, 0.0, 0.0))

    def parts(self) -> dict[str, float]:
        """um^2 by part over all layers, then the buffer."""
        totals = {part: sum(layer.parts[part] for layer in self.layers) for part in PARTS}
        return {**totals, "buffer": self.buffer}

    def to_dict(self) -> dict:
        """The chip as JSON-ready numbers (um^2): parts, totals, band, and every layer's parts and counts."""
        band = self.band
        return {"units": "um^2", "parts": self.parts(), "used": self.used, "whitespace": self.whitespace,
                "total": self.total, "band": {"low": band.low, "value": band.value, "high": band.high},
                "buffer_bits": self.buffer_bits,
                "layers": [{"name": layer.name, "kind": layer.kind, "parts": layer.parts, "counts": layer.counts,
                            "adc": vars(layer.adc), "used": layer.used} for layer in self.layers]}


def cell_um2(config: AreaConfig, constants: AreaConstants) -> float:
    """um^2 of one synapse cell: the larger of its access cell and (``config.device_footprint``) the device."""
    access = constants.cell_f2(config.cell) * f2_um2(config.node_nm)
    device = constants.skyrmion_footprint_nm2 * 1e-6 if config.device_footprint else 0.0
    return max(access, device)


def _check_shape(**sizes: int) -> None:
    """One line naming the first size that is not an integer >= 1."""
    for name, value in sizes.items():
        check_integer(f"crossbar layer {name}", value, 1)


def crossbar_layer_area(rows: int, cols: int, *, groups: int = 1, array_rows: int = 128, array_cols: int = 128,
                        signed_scheme: str = "differential", adc_bits: int = 8, dac_bits: int = 1, adc_share: int = 1,
                        config: AreaConfig | None = None, constants: AreaConstants | None = None,
                        name: str = "", kind: str = "crossbar") -> LayerArea:
    """The area of one crossbar layer whose matrix is ``rows x cols`` per group, cut into ``array_rows x array_cols``
    arrays (the numbers ``reports.mapping`` gives), with its row DACs, column read-out (one ADC per ``adc_share``
    weight columns, ``HardwareConfig.array.adc_share``) and accumulators."""
    config, constants = config or AreaConfig(), constants or AreaConstants()
    _check_shape(rows=rows, cols=cols, groups=groups, array_rows=array_rows, array_cols=array_cols, adc_share=adc_share)
    if signed_scheme not in ("differential", "offset"):
        raise SpinDCGANError(f"signed_scheme must be 'differential' or 'offset', got {signed_scheme!r}")
    if adc_share > array_cols:
        raise SpinDCGANError(f"adc_share (K = {adc_share}) exceeds the {array_cols} columns of an array")
    arrays = groups * math.ceil(rows / array_rows) * math.ceil(cols / array_cols)
    physical_cols = 2 * array_cols if signed_scheme == "differential" else array_cols + config.offset_reference_columns
    adcs = arrays * math.ceil(array_cols / adc_share)
    counts = {"arrays": arrays, "cells": arrays * array_rows * physical_cols, "dacs": arrays * array_rows,
              "sample_holds": arrays * array_cols, "adcs": adcs,
              "shift_adds": math.ceil(adcs / config.adcs_per_shift_add)}
    scale = node_scale(config.node_nm, constants)
    one_adc = adc_band(config.adc_model, adc_bits, config.node_nm, config.adc_rate, constants)
    area = LayerArea(name, kind, adc=one_adc.scaled(adcs), counts=counts)
    area.parts.update(cells=counts["cells"] * cell_um2(config, constants),
                      dac=counts["dacs"] * dac_um2(dac_bits, config.node_nm, constants),
                      sample_hold=counts["sample_holds"] * constants.isaac_sample_hold_um2 * scale,
                      adc=adcs * one_adc.value,
                      shift_add=counts["shift_adds"] * constants.isaac_shift_add_um2 * scale)
    return area


def dw_activation_area(devices: int, config: AreaConfig | None = None, constants: AreaConstants | None = None,
                       name: str = "", kind: str = "dw") -> LayerArea:
    """The area of ``devices`` DW activation devices: each a track and its CMOS read circuit
    (``config.dw_read_transistors`` minimum transistors)."""
    config, constants = config or AreaConfig(), constants or AreaConstants()
    if not (isinstance(devices, int) and devices >= 0):
        raise SpinDCGANError(f"DW activation devices must be an integer >= 0, got {devices!r}")
    transistor = constants.neurosim_transistor_f2 * f2_um2(config.node_nm)
    area = LayerArea(name, kind, counts={"dw_devices": devices})
    area.parts.update(dw_track=devices * constants.dw_track_footprint_nm2 * 1e-6,
                      dw_read=devices * config.dw_read_transistors * transistor)
    return area


def buffer_um2(bits: int, config: AreaConfig | None = None, constants: AreaConstants | None = None) -> float:
    """um^2 of an SRAM buffer of ``bits``: 6T cells over the array efficiency."""
    config, constants = config or AreaConfig(), constants or AreaConstants()
    return bits * constants.sram_6t_cell_f2 * f2_um2(config.node_nm) / config.sram_efficiency


def chip_area(layers: list[LayerArea], buffer_bits: int, config: AreaConfig | None = None,
              constants: AreaConstants | None = None) -> ChipArea:
    """The chip: the layers' parts, a buffer of ``buffer_bits`` and the floorplan factor of ``config``."""
    config = config or AreaConfig()
    return ChipArea(layers, buffer_um2(buffer_bits, config, constants), buffer_bits, config.floorplan_factor)
