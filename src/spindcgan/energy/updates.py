"""Synapse state changes made by training: the write side of the training energy.

Each optimiser step reprograms every crossbar layer; a device moved from state n to n' costs
|n' - n| single-state updates (0.87 fJ each by default, ``SkyrmionSynapse.write_energy_per_state``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import torch
import torch.nn as nn

from ..crossbar.programming import program_states
from ..nn import CrossbarLayerMixin

States = list[tuple[torch.Tensor, torch.Tensor | None]]


def synapse_states(*models: nn.Module) -> States:
    """Device states of every crossbar layer with a synapse model, in module order."""
    states = []
    for model in models:
        for layer in model.modules():
            if isinstance(layer, CrossbarLayerMixin) and layer.hardware is not None and layer.hardware.synapse:
                states.append(program_states(layer.weight, layer.hardware))  # no read-back: a step need not wait
    return states


def state_moves(before: States, after: States) -> list[tuple[torch.Tensor, torch.Tensor | None]]:
    """Each device's single-state updates between two snapshots, |n' - n| (int32), array by array."""
    return [((p1.int() - p0.int()).abs(), None if n0 is None else (n1.int() - n0.int()).abs())
            for (p0, n0), (p1, n1) in zip(before, after, strict=True)]


def count_state_changes(before: States, after: States) -> int:
    """Total single-state updates between two snapshots: sum of |n' - n| over all devices."""
    return sum(int(m.sum()) for pair in state_moves(before, after) for m in pair if m is not None)


@dataclass(frozen=True)
class Writes:
    """Synapse state changes per training image, what the training write energy prices, and where the figure
    comes from (said beside it in every ledger)."""

    per_image: float
    source: str


NOT_MEASURED = Writes(0.0, "not measured (no training log and no dataset)")


class WriteCounter(Protocol):
    """How the ledger learns the writes of training, without knowing how training runs: given the training images
    (None when the dataset is not on this machine), the writes per image. ``spindcgan.training.writes`` gives the
    counters of a trained run (its log) and of a fresh model (a few training steps)."""

    def __call__(self, real: torch.Tensor | None) -> Writes: ...


def count_writes(models: tuple[nn.Module, ...], step: Callable[[], None], steps: int, images_per_step: int) -> float:
    """Mean state changes per image over ``steps`` calls of ``step``, each training ``models`` on
    ``images_per_step`` images."""
    before, total = synapse_states(*models), 0
    for _ in range(steps):
        step()
        after = synapse_states(*models)
        total, before = total + count_state_changes(before, after), after
    return total / (steps * images_per_step)
