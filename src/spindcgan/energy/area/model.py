"""The area of a whole model on the hardware: ``reports.mapping`` traces its layers, ``parts`` prices each one,
and the buffer holds the largest feature map; ``format_area`` prints it as a table."""

from __future__ import annotations

import math

import torch
import torch.nn as nn

from ...crossbar.config import HardwareConfig
from ...errors import SpinDCGANError
from ...nn import CrossbarLayerMixin, SpinConvTranspose2d
from ...reports.mapping import LayerMapping, map_model
from ..constants import PeripheralCosts
from ..layers import MAPPINGS
from .config import AreaConfig, check_integer
from .constants import AreaConstants
from .parts import PARTS, ChipArea, LayerArea, chip_area, crossbar_layer_area, dw_activation_area


def crossbar_matrix_shape(m: LayerMapping, mapping: str) -> tuple[int, int]:
    """(rows, columns) per group of a crossbar layer: the mapping's, or for a deconvolution mapped zero-free the
    C_in/g x C_out/g k^2 matrix that ``crossbar.zero_free`` programs."""
    module = m.module
    if mapping == "zero-free" and isinstance(module, SpinConvTranspose2d):
        kh, kw = module.kernel_size
        return module.in_channels // m.groups, module.out_channels // m.groups * kh * kw
    return m.rows, m.cols


def largest_feature_map(mappings: list[LayerMapping]) -> int:
    """Elements of the largest input or output of any layer, per image: what the buffer between layers holds."""
    shapes = [s for m in mappings for s in (m.input_shape, m.output_shape)]
    return max((math.prod(s) for s in shapes), default=0)


def _copies_per_layer(mappings: list[LayerMapping], copies: dict[str, int] | None) -> dict[str, int]:
    """Copies of each crossbar layer's arrays by layer name (1 for a layer ``copies`` leaves out); one error for a
    count that is not an integer >= 1 or a name that is no crossbar layer of ``mappings``."""
    names = [m.name for m in mappings if isinstance(m.module, CrossbarLayerMixin)]
    for name, count in (copies or {}).items():
        if name not in names:
            raise SpinDCGANError(f"copies names {name!r}, which is no crossbar layer (those are {names})")
        check_integer(f"copies of {name!r}", count, 1)
    return {name: (copies or {}).get(name, 1) for name in names}


def layer_areas(mappings: list[LayerMapping], hardware: HardwareConfig, config: AreaConfig,
                constants: AreaConstants, adc_bits: int, mapping: str, columns_per_weight: int = 1,
                copies: dict[str, int] | None = None) -> list[LayerArea]:
    """Each crossbar layer (when ``hardware`` has synapses) and each DW activation layer, priced.

    ``columns_per_weight`` is weight slicing: each weight stored in that many columns of one-bit or multi-level
    cells (NeuroSim's numColPerSynapse = synapse bits / cell bits) rather than in one device, so every layer's
    matrix has that many times its columns, and its cells, sample-and-holds, ADCs and shift-and-adds grow with them.
    ``copies`` maps a crossbar layer's name to how many duplicate sets of its arrays the chip holds (NeuroSim's
    pipeline copies, which let a layer with many input vectors keep pace with the others, and its duplicates of a
    small layer that fill the rest of its tile); a layer left out has one.
    The defaults, 1 and None, price each weight once in one column: the chip of every result so far."""
    check_integer("columns_per_weight", columns_per_weight, 1)
    counts = _copies_per_layer(mappings, copies)
    array = hardware.array
    areas = []
    for m in mappings:
        if isinstance(m.module, CrossbarLayerMixin) and hardware.synapse is not None:
            rows, cols = crossbar_matrix_shape(m, mapping)
            areas.append(crossbar_layer_area(
                rows, cols * columns_per_weight, groups=m.groups * counts[m.name], array_rows=array.rows,
                array_cols=array.cols, signed_scheme=array.signed_scheme, adc_bits=adc_bits,
                dac_bits=array.dac_bits or config.ideal_dac_bits, adc_share=array.adc_share, config=config,
                constants=constants, name=m.name, kind=m.kind))
        elif m.kind.startswith("dw-"):
            areas.append(dw_activation_area(m.activation_devices, config, constants, m.name, m.kind))
    return areas


def model_area(model: nn.Module, example: torch.Tensor | tuple[torch.Tensor, ...], hardware: HardwareConfig,
               config: AreaConfig | None = None, constants: AreaConstants | None = None,
               costs: PeripheralCosts | None = None, mapping: str = "zero-padded", columns_per_weight: int = 1,
               copies: dict[str, int] | None = None) -> ChipArea:
    """The chip area of ``model`` on ``hardware`` for inputs like ``example``: its crossbar layers (the ADC
    resolution of ``hardware.array.adc_bits``, or for an ideal read-out the ledger's costed
    ``PeripheralCosts.adc_bits``), its DW activation devices and a buffer for its largest feature map.
    ``columns_per_weight`` (weight slicing) and ``copies`` (duplicate arrays per layer) are ``layer_areas``'s: to
    price a chip built as another tool builds it (NeuroSim's 8 one-bit columns per 8-bit weight and its pipeline
    copies); the defaults leave the chip as this project maps it."""
    if not isinstance(hardware, HardwareConfig):
        raise SpinDCGANError("the area model needs a hardware config (a float model has no crossbars)")
    if mapping not in MAPPINGS:
        raise SpinDCGANError(f"mapping must be one of {MAPPINGS}, got {mapping!r}")
    config, constants = config or AreaConfig(), constants or AreaConstants()
    adc_bits = hardware.array.adc_bits or (costs or PeripheralCosts()).adc_bits
    mappings = map_model(model, example, hardware)
    layers = layer_areas(mappings, hardware, config, constants, adc_bits, mapping, columns_per_weight, copies)
    bits = largest_feature_map(mappings) * (config.buffer_bits or adc_bits)
    return chip_area(layers, bits, config, constants)


def format_area(chip: ChipArea, title: str = "area per layer, um^2") -> str:
    """A plain-text table of a chip's area by layer and part, with the ADC band and the totals in mm^2."""
    columns = [p for p in PARTS if any(layer.parts[p] for layer in chip.layers)]
    header = f"{'layer':<12} {'kind':<16} {'arrays':>6} " + " ".join(f"{p:>12}" for p in columns) + \
        f" {'total low-high':>21} {'total':>12}"
    lines = [title, header, "-" * len(header)]
    for layer in chip.layers:
        band = layer.band
        lines.append(f"{layer.name:<12} {layer.kind:<16} {layer.counts.get('arrays', ''):>6} "
                     + " ".join(f"{layer.parts[p]:12,.1f}" for p in columns)
                     + f" {f'{band.low:,.0f}-{band.high:,.0f}':>21} {layer.used:12,.1f}")
    lines.append("-" * len(header))
    band = chip.band
    lines.append(f"buffer {chip.buffer_bits:,} bits: {chip.buffer:,.1f} um^2; used {chip.used / 1e6:.4f} mm^2, "
                 f"whitespace {chip.whitespace / 1e6:.4f} mm^2, chip {chip.total / 1e6:.4f} mm^2 "
                 f"({band.low / 1e6:.4f} - {band.high / 1e6:.4f} mm^2 with the ADCs at their lowest / highest model)")
    return "\n".join(lines)
