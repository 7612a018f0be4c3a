"""How a trained layer uses its synapses' states: the resolution its weights really get.

A layer's CMOS scale is its largest |weight| (``programming.layer_scale``), so that one weight sits on the top
state and the bell-shaped rest crowds near zero. Each weight is a signed level ``n``: ``G+`` state minus ``G-``
state for a differential pair (``-(L-1) .. L-1``, ``L`` states per device), or ``2 s - (L-1)`` for one device
against the mid-scale reference (offset scheme). The entropy of the levels a layer holds is the information its
weights carry, in bits, next to the most its scheme can (log2 of the number of levels); the mean |n| / (L-1) is
where a typical weight sits on the ladder: one state step is 1 / mean|n| of such a weight.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn

from ..crossbar.states import ProgrammedWeights
from ..devices import SkyrmionSynapse
from ..nn import crossbar_layers


@dataclass(frozen=True)
class StateUsage:
    """The states one crossbar layer holds (see module docstring)."""

    layer: str
    weights: int
    mean_magnitude: float
    """Mean |n| / (L-1): 1 when every weight sits at full scale."""
    p999_magnitude: float
    """99.9th percentile of |n| / (L-1): far below 1 when a few outliers set the scale."""
    zero_share: float
    """Share of weights on level 0 (differential: both devices at their lowest state)."""
    entropy_bits: float
    """Entropy of the layer's level distribution."""
    max_entropy_bits: float
    """log2 of the number of levels the scheme offers."""


def programmed_layers(model: nn.Module) -> list[tuple[str, ProgrammedWeights]]:
    """Every crossbar layer of a (hardware) model, by name, with the device states its weights program into."""
    return [(name, layer.program()) for name, layer in crossbar_layers(model)]


def signed_levels(programmed: ProgrammedWeights, synapse: SkyrmionSynapse) -> torch.Tensor:
    """Every weight's signed level n (int64): G+ minus G- state, or 2 s - (L-1) against the reference column."""
    positive = programmed.positive.long()
    if programmed.negative is None:
        return 2 * positive - (synapse.levels - 1)
    return positive - programmed.negative.long()


def state_usage(layer: str, programmed: ProgrammedWeights, synapse: SkyrmionSynapse) -> StateUsage:
    """How ``layer``'s programmed weights use the states of ``synapse`` (see ``StateUsage``)."""
    levels = signed_levels(programmed, synapse).flatten()
    top = synapse.levels - 1
    offered = 2 * top + 1 if programmed.negative is not None else synapse.levels
    counts = torch.bincount(levels + top).double()
    p = counts[counts > 0] / levels.numel()
    magnitude = levels.abs().double() / top
    return StateUsage(
        layer=layer,
        weights=levels.numel(),
        mean_magnitude=float(magnitude.mean()),
        p999_magnitude=float(torch.quantile(magnitude, 0.999)),
        zero_share=float((levels == 0).double().mean()),
        entropy_bits=float(-(p * p.log2()).sum()),
        max_entropy_bits=math.log2(offered),
    )


def format_usage(rows: list[StateUsage], title: str) -> str:
    """A plain-text table of ``state_usage`` rows."""
    header = f"{'layer':<10} {'weights':>9} {'mean |n|/(L-1)':>15} {'99.9% |n|/(L-1)':>16} {'at 0':>6} {'entropy':>14}"
    lines = [title, header, "-" * len(header)]
    for r in rows:
        lines.append(f"{r.layer:<10} {r.weights:>9} {r.mean_magnitude:>15.3f} {r.p999_magnitude:>16.3f} "
                     f"{r.zero_share:>6.1%} {r.entropy_bits:>6.2f} / {r.max_entropy_bits:.2f} b")
    return "\n".join(lines)
