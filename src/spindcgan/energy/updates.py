"""Synapse state changes made by training: the write side of the training energy.

Each optimiser step reprograms every crossbar layer; a device moved from state n to n' costs
|n' - n| single-state updates (0.87 fJ each by default, ``SkyrmionSynapse.write_energy_per_state``).
"""

from __future__ import annotations

import torch
import torch.nn as nn

from ..nn import CrossbarLayerMixin

States = list[tuple[torch.Tensor, torch.Tensor | None]]


def synapse_states(*models: nn.Module) -> States:
    """Device states of every crossbar layer with a synapse model, in module order."""
    states = []
    for model in models:
        for layer in model.modules():
            if isinstance(layer, CrossbarLayerMixin) and layer.hardware is not None and layer.hardware.synapse:
                p = layer.program()
                states.append((p.positive, p.negative))
    return states


def count_state_changes(before: States, after: States) -> int:
    """Total single-state updates between two snapshots: sum of |n' - n| over all devices."""
    total = 0
    for (p0, n0), (p1, n1) in zip(before, after, strict=True):
        total += int((p1.int() - p0.int()).abs().sum())
        if n0 is not None:
            total += int((n1.int() - n0.int()).abs().sum())
    return total
