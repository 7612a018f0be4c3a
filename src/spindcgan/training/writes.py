"""The synapse writes of training, counted for the energy ledger (``spindcgan.energy.updates.WriteCounter``).

A trained run logged its writes at every step (``state_changes_per_image`` in metrics.jsonl); a fresh model has no
log, so a few training steps from its initial weights are counted instead (early steps move weights more than late
ones: an upper estimate).
"""

from __future__ import annotations

from pathlib import Path

import torch

from ..config import RunConfig
from ..energy.updates import NOT_MEASURED, WriteCounter, Writes, count_writes
from .loop import GAN, checkpointed_metrics, train_step


def logged_writes(run_dir: str | Path) -> float | None:
    """Mean synapse state changes per training image over a run up to its checkpoint, from its metrics log."""
    values = [m["state_changes_per_image"] for m in checkpointed_metrics(run_dir) if "state_changes_per_image" in m]
    return sum(values) / len(values) if values else None


def fresh_model_writes(config: RunConfig, real: torch.Tensor, steps: int = 3, seed: int = 0) -> float:
    """State changes per image over the first ``steps`` training steps of a fresh model of ``config``."""
    torch.manual_seed(seed)
    gan = GAN.build(config, "cpu")
    batch = config.train.batch_size

    def step() -> None:
        ids = torch.randint(0, len(real), (batch,))
        train_step(gan, real[ids], torch.randn(batch, config.model.z_dim))

    return count_writes((gan.generator, gan.discriminator), step, steps, batch)


def write_counter(config: RunConfig, run_dir: str | Path | None = None, steps: int = 3,
                  seed: int = 0) -> WriteCounter:
    """The counter ``spindcgan energy`` uses: the run's log when it has one, else ``steps`` training steps of a
    fresh model when the training images are here, else not measured."""

    def count(real: torch.Tensor | None) -> Writes:
        logged = logged_writes(run_dir) if run_dir else None
        if logged is not None:
            return Writes(logged, f"mean over the training run in {run_dir}")
        if real is not None and steps > 0:
            return Writes(fresh_model_writes(config, real, steps, seed),
                          f"measured over the first {steps} training steps of a fresh model")
        return NOT_MEASURED

    return count
