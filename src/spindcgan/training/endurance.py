"""Endurance: how many single-state updates each synapse device takes over a training run, and how many such runs
a chip survives.

Training reprograms every crossbar layer at each optimiser step (``energy.updates``: a device moved from state n to
n' takes |n' - n| update pulses). ``DeviceWrites`` keeps one counter per device (both devices of a differential
pair), checkpointed with the run so a resume continues the count; rank 0 writes its summary to the run folder as
``device_writes.json`` at every checkpoint. The device that wears first is the one with the most updates, so a chip
survives ``SkyrmionSynapse.endurance / max`` runs of the same recipe (``spindcgan info RUN``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..config import RunConfig, TrainConfig
from ..devices import SkyrmionSynapse
from ..energy.updates import States, state_moves
from ..errors import SpinDCGANError
from ..io import load_jsonl
from .checkpoint import run_folder
from .schedule import total_steps_of

WRITES_NAME = "device_writes.json"
QUANTILES = (0.5, 0.9, 0.99, 0.999)


class DeviceWrites:
    """Update pulses per device since ``counted_from_step``, in the order of ``energy.updates.synapse_states``."""

    def __init__(self, states: States, counted_from_step: int = 0) -> None:
        self.counts = [(torch.zeros(p.shape, dtype=torch.int32, device=p.device),
                        None if n is None else torch.zeros(n.shape, dtype=torch.int32, device=n.device))
                       for p, n in states]
        self.counted_from_step = counted_from_step

    def add(self, before: States, after: States) -> torch.Tensor:
        """Count the updates between two snapshots; returns their total as a 0-d int64 tensor on the counters'
        device (``energy.updates.count_state_changes``; not read back here, so a CUDA step need not wait)."""
        totals = []
        for moves, counts in zip(state_moves(before, after), self.counts, strict=True):
            for move, count in zip(moves, counts, strict=True):
                if count is not None:
                    count += move
                    totals.append(move.sum(dtype=torch.int64))
        return torch.stack(totals).sum() if totals else torch.zeros((), dtype=torch.int64)

    def state_dict(self) -> dict[str, Any]:
        return {"counts": self.counts, "counted_from_step": self.counted_from_step}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        shapes = [(p.shape, None if n is None else n.shape) for p, n in self.counts]
        loaded = [(p.shape, None if n is None else n.shape) for p, n in state["counts"]]
        if shapes != loaded:
            raise SpinDCGANError("the checkpoint's device write counters do not fit this network's crossbar layers")
        self.counts = [(p.to(torch.int32), None if n is None else n.to(torch.int32)) for p, n in state["counts"]]
        self.counted_from_step = state["counted_from_step"]

    def summary(self, step: int) -> dict[str, Any]:
        """What ``device_writes.json`` holds: the distribution of updates over devices at training step ``step``.
        Computed from how many devices have each count (a bincount, on the counters' device), not from the
        millions of counts themselves: this is written at every checkpoint, every epoch of a GPU run."""
        flat = [c.flatten() for pair in self.counts for c in pair if c is not None]
        tally = torch.bincount(torch.cat(flat)).cpu().numpy().astype(np.int64) if flat else np.zeros(0, np.int64)
        devices = int(tally.sum())
        top = len(tally) - 1 if devices else 0
        updates = int((np.arange(len(tally), dtype=np.int64) * tally).sum())
        edges = [0, 1] + [2**k for k in range(1, max(1, math.ceil(math.log2(top + 1))) + 1)]
        histogram = [int(tally[lo:hi].sum()) for lo, hi in zip(edges, [*edges[1:], None], strict=True)]
        return {
            "steps": step - self.counted_from_step,
            "counted_from_step": self.counted_from_step,
            "devices": devices,
            "updates": updates,
            "max_per_device": top,
            "mean_per_device": updates / devices if devices else 0.0,
            "quantiles": {str(q): tally_quantile(tally, q) for q in QUANTILES} if devices else {},
            "never_written": float(tally[0] / devices) if devices else 0.0,
            "histogram": {"lower_edges": edges, "devices": histogram},
        }


def tally_quantile(tally: np.ndarray, q: float) -> float:
    """``np.quantile(counts, q)`` (its default, linear method, to the bit) of the counts that ``tally`` (a bincount)
    describes, without them: the two order statistics it interpolates between are read off the cumulative tally."""
    n = int(tally.sum())
    cumulative = np.cumsum(tally)
    virtual = n * q + (1 - q) - 1  # numpy's virtual index for alpha = beta = 1, in its order of operations
    previous = math.floor(virtual)  # >= 0 for q in [0, 1]
    # the i-th smallest count (0-based) is the first value whose cumulative tally exceeds i
    below, above = (int(np.searchsorted(cumulative, min(i, n - 1), side="right")) for i in (previous, previous + 1))
    gamma = virtual - previous
    difference = above - below
    return float(above - difference * (1 - gamma) if gamma >= 0.5 else below + difference * gamma)


def load_writes(run_dir: str | Path) -> dict[str, Any] | None:
    """A run folder's ``device_writes.json`` (None when it has none: a float run, or one from before counting)."""
    path = Path(run_dir) / WRITES_NAME
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SpinDCGANError(f"{path}: cannot read the device write counts ({exc})") from None


def runs_survived(writes: dict[str, Any], synapse: SkyrmionSynapse, total_steps: int | None = None) -> float:
    """Full training runs a chip survives: the endurance over the most-written device's updates, scaled to
    ``total_steps`` (the run's plan) when the count covers fewer steps."""
    top = writes["max_per_device"]
    if top == 0:
        return math.inf
    per_run = top * (total_steps / writes["steps"] if total_steps and writes["steps"] else 1.0)
    return synapse.endurance / per_run


def format_endurance(writes: dict[str, Any], synapse: SkyrmionSynapse, total_steps: int | None = None) -> str:
    """The lines ``spindcgan info RUN`` prints about device wear."""
    q = writes["quantiles"]
    lines = [
        f"device writes over {writes['steps']:,} training steps (from step {writes['counted_from_step']:,}): "
        f"{writes['devices']:,} synapse devices, {writes['updates']:,} single-state updates",
        f"  per device: mean {writes['mean_per_device']:,.1f}, median {q.get('0.5', 0):,.0f}, 99th percentile "
        f"{q.get('0.99', 0):,.0f}, 99.9th {q.get('0.999', 0):,.0f}, max {writes['max_per_device']:,}; "
        f"never written {writes['never_written']:.1%}",
        f"  endurance {synapse.endurance:.0e} updates per device (SkyrmionSynapse.endurance): the chip survives "
        f"{runs_survived(writes, synapse, total_steps):,.3g} full runs of this recipe"
        + ("" if not total_steps or total_steps == writes["steps"] else
           f" (the count scaled from {writes['steps']:,} to the plan's {total_steps:,} steps)"),
    ]
    return "\n".join(lines)


def planned_steps(run_dir: Path, train: TrainConfig) -> int | None:
    """The optimiser steps the run is configured for, from its log's first epoch end (None before one, unless
    ``max_steps`` says it)."""
    ends = [r for r in load_jsonl(run_dir / "metrics.jsonl") if "epoch_end" in r and "elapsed_s" in r]
    if not ends:
        return train.max_steps
    return total_steps_of(train, ends[0]["step"] // ends[0]["epoch_end"])


def endurance_report(path: str | Path) -> str | None:
    """``format_endurance`` of a run folder (or the ``--out`` folder of one run); None for a file or a run without
    counters."""
    if not Path(path).is_dir():
        return None
    folder = Path(path) if (Path(path) / WRITES_NAME).is_file() else run_folder(path)  # a copy keeps no checkpoint
    writes = load_writes(folder)
    config = RunConfig.load(folder / "config.json")
    if writes is None or config.hardware is None or config.hardware.synapse is None:
        return None
    return format_endurance(writes, config.hardware.synapse, planned_steps(folder, config.train))
