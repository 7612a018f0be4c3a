"""How a model maps onto the hardware: per layer, crossbar size, arrays, synapses, activation devices.

Traced from the real model with one forward pass of a single input, so it always matches the code.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn

from ..crossbar.array import tile_counts
from ..crossbar.config import HardwareConfig
from ..nn import CrossbarLayerMixin, DomainWallLeakyReLU, DomainWallReLU
from ..tracing import first_images, trace_leaves


@dataclass
class LayerMapping:
    """One layer of a traced model, as the hardware sees it."""

    name: str
    kind: str
    """'deconv' / 'conv' (crossbar), 'dw-relu' / 'dw-leaky-relu' (DW devices), or 'cmos-<op>'."""
    module: nn.Module
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    rows: int = 0
    """Crossbar rows per group: inputs of one dot product (C_in/groups * k * k)."""
    cols: int = 0
    """Crossbar columns per group: C_out/groups."""
    groups: int = 1
    arrays: int = 0
    synapses: int = 0
    """Programmed synapse devices (two per weight for differential pairs)."""
    activation_devices: int = 0
    """DW devices: one per channel, time-multiplexed over the pixels of a feature map."""
    activation_evaluations: int = 0
    """DW evaluations per image: one per output element."""


def _per_image(shape: torch.Size) -> tuple[int, ...]:
    return tuple(int(s) for s in shape[1:])


def map_model(model: nn.Module, example: torch.Tensor, hardware: HardwareConfig | None) -> list[LayerMapping]:
    """Per-layer hardware mapping of ``model`` for inputs like ``example`` (batch of 1 is enough)."""
    mappings = []
    was_training = model.training
    records = trace_leaves(model.eval(), first_images(example))
    model.train(was_training)
    for record in records:
        module, in_shape, out_shape = record.module, _per_image(record.input.shape), _per_image(record.output.shape)
        m = LayerMapping(record.name, "cmos-" + type(module).__name__.lower(), module, in_shape, out_shape)
        if isinstance(module, CrossbarLayerMixin):
            m.kind = module.kind
            m.groups, m.rows, m.cols = module.crossbar_shape()
            if hardware is not None:
                r, c = tile_counts(m.rows, m.cols, hardware)
                m.arrays = r * c * m.groups
                pair = 2 if hardware.array.signed_scheme == "differential" else 1
                m.synapses = m.rows * m.cols * m.groups * pair if hardware.synapse else 0
        elif isinstance(module, (DomainWallReLU, DomainWallLeakyReLU)):
            m.kind = "dw-relu" if isinstance(module, DomainWallReLU) else "dw-leaky-relu"
            m.activation_devices = out_shape[0]
            m.activation_evaluations = int(torch.Size(out_shape).numel())
        mappings.append(m)
    return mappings


def format_mapping(mappings: list[LayerMapping], title: str) -> str:
    """A plain-text table of a mapping, with totals."""
    header = (
        f"{'layer':<10} {'kind':<22} {'output':<14} {'crossbar':>11} {'arrays':>7} {'synapses':>10} "
        f"{'DW dev':>7} {'DW eval/img':>12}"
    )
    lines = [title, header, "-" * len(header)]
    for m in mappings:
        xbar = f"{m.rows}x{m.cols}" + (f"x{m.groups}g" if m.groups > 1 else "") if m.rows else ""
        out = "x".join(str(s) for s in m.output_shape)
        lines.append(
            f"{m.name:<10} {m.kind:<22} {out:<14} {xbar:>11} {m.arrays or '':>7} {m.synapses or '':>10} "
            f"{m.activation_devices or '':>7} {m.activation_evaluations or '':>12}"
        )
    lines.append("-" * len(header))
    lines.append(
        f"{'total':<10} {'':<22} {'':<14} {'':>11} {sum(m.arrays for m in mappings):>7} "
        f"{sum(m.synapses for m in mappings):>10} {sum(m.activation_devices for m in mappings):>7} "
        f"{sum(m.activation_evaluations for m in mappings):>12}"
    )
    return "\n".join(lines)
