"""A training run as the loop's parts share it (``Run``), the state a resume restores (``TrainingState``), and the
checkpoint that keeps both.

``checkpoint.pt`` is written atomically at every epoch end (every ``checkpoint_epochs``), every
``checkpoint_every`` steps and at the stop. Beside the networks and Adam's moments it keeps the global RNG state
that draws latent noise (each rank's, under torchrun), so a resumed run takes the very same steps as an
uninterrupted one (``training.resume``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import torch

from .. import io
from ..config import RunConfig
from ..energy.updates import States
from ..models import Generator
from . import distributed
from .augment import AdaptiveProbability
from .checkpoint import CHECKPOINT_NAME, WARMUP_KEY
from .distributed import World
from .endurance import WRITES_NAME, DeviceWrites
from .gan import GAN


@dataclass
class TrainingState:
    """What a checkpoint keeps beside the networks and the RNG, and a resume restores: the steps taken, the running
    sums of the epoch in progress (its mean line), a pack's learning-rate warm-up (``training.pack``), the synapse
    write counters and the adaptive augmentation's probability."""

    step: int = 0
    epoch_sums: dict[str, float] = field(default_factory=dict)
    warmup: dict[str, int] | None = None
    writes: DeviceWrites | None = None
    adaptive: AdaptiveProbability | None = None


def initial_state(config: RunConfig, saved: dict[str, Any], synapses: States | None) -> TrainingState:
    """The state a run starts from: a new run's (``saved`` empty) or that of the checkpoint ``saved`` it resumes;
    ``synapses`` are the networks' device states now (None: no synapses, so no write counters)."""
    t = config.train
    step = saved.get("step", 0)
    writes = DeviceWrites(synapses, counted_from_step=step) if synapses is not None else None
    if writes is not None and "device_writes" in saved:  # else a new run, or a checkpoint from before the counters
        writes.load_state_dict(saved["device_writes"])
    adaptive = AdaptiveProbability(t.augment_p, t.augment_target) if t.augment_target is not None else None
    if adaptive is not None and "augment_adaptive" in saved:
        adaptive.load_state_dict(saved["augment_adaptive"])
    return TrainingState(step, saved.get("epoch_sums", {}), saved.get(WARMUP_KEY), writes, adaptive)


@dataclass
class Run:
    """One training run as the loop, the end-of-epoch work and the checkpoint share it: what it trains, on which
    rank of how many, its folder, its networks, its schedule and its state. ``measure`` is the FID of a generator
    by the run's protocol (``epoch_end.measure_fid``, which tests stand in for); ``log`` is ``metrics.jsonl``,
    open on rank 0 only; ``started`` is when this start began, what the time limit counts from."""

    config: RunConfig
    device: str
    world: World
    launched: bool
    run_dir: Path
    gan: GAN
    steps_per_epoch: int
    total_steps: int
    state: TrainingState
    noise: torch.Tensor
    measure: Callable[[Generator, RunConfig], dict[str, Any]]
    log: TextIO | None = None
    started: float = field(default_factory=time.time)

    @property
    def main(self) -> bool:
        """Whether this process writes the run folder (rank 0, or the single process)."""
        return self.world.is_main

    def write_log(self, record: dict[str, Any]) -> None:
        """Append one line to ``metrics.jsonl`` (rank 0), flushed at once: a kill loses no logged line."""
        if self.log is not None:
            self.log.write(json.dumps(record) + "\n")
            self.log.flush()


def save_checkpoint(run: Run) -> None:
    """Write the run's checkpoint (and the write counters' summary, ``device_writes.json``): every rank takes part,
    handing rank 0 its RNG states, which alone writes."""
    step, state = run.state.step, run.state
    rng = torch.get_rng_state()
    cuda_rng = torch.cuda.get_rng_state() if run.device.startswith("cuda") else None
    ranks = distributed.gather((rng, cuda_rng), run.world) if run.launched else None  # every rank takes part
    if not run.main:
        return
    io.save_torch(  # through the module: a test stands in for the writer there (tests/test_bad_input.py)
        {
            **run.gan.state_dict(),
            "config": run.config.to_dict(),
            "step": step,
            "finished": step >= run.total_steps,  # False: stopped by the time limit, continue with --resume
            "epoch_sums": state.epoch_sums,
            "rng": rng,
            "cuda_rng": cuda_rng,
            "world_size": run.world.size,
            **({"device_writes": state.writes.state_dict()} if state.writes is not None else {}),
            **({"augment_adaptive": state.adaptive.state_dict()} if state.adaptive is not None else {}),
            **({WARMUP_KEY: state.warmup} if state.warmup is not None else {}),
            **({"rng_ranks": [r for r, _ in ranks], "cuda_rng_ranks": [c for _, c in ranks]} if ranks else {}),
        },
        run.run_dir / CHECKPOINT_NAME,
    )
    if state.writes is not None:
        io.save_json(state.writes.summary(step), run.run_dir / WRITES_NAME)
