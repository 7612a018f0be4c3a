"""What a layer's crossbar holds once programmed: its devices' integer states and the CMOS scale (made by
``crossbar.programming``, aged and faulted by ``crossbar.faults``, read back by both)."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class ProgrammedWeights:
    """Integer device states of one layer (same shape as its weight) plus its CMOS scale."""

    positive: torch.Tensor
    """States of the G+ devices (differential) or of the only device (offset); uint8."""
    negative: torch.Tensor | None
    """States of the G- devices (differential); None for the offset scheme."""
    scale: float
    """Weight value that a full-range conductance difference stands for."""
