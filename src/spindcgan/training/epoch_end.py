"""The work at the end of an epoch: its mean line and checkpoint, then (rank 0) its sample grid and, when scheduled,
the device-state exports and the in-training FIDs of the evaluated generator and of each further EMA one.

The in-training FID is the metric ``fid<fid_n>-<reference>`` (``metrics.registry``) of ``TRAINING_FID_SEED``'s
latents: the same images at every epoch, so the epochs are comparable.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import torch

from ..config import RunConfig, ema_key
from ..export import save_exported
from ..io import append_jsonl, save_grid
from ..metrics.registry import RETURNS, MetricSpec, compute_metric, default_metric
from ..models import Generator
from ..plots import plot_fid_curve
from .checkpoint import EVALUATED_EMA
from .run_folder import EMA_FIDS_NAME, due, epoch_export_path, epoch_grid_path
from .state import Run, save_checkpoint

TRAINING_FID_SEED = 12345
"""Sample seed of every in-training FID: the same latents at each epoch, so the epochs are comparable."""


def training_metric(config: RunConfig) -> MetricSpec:
    """The run's in-training FID: ``fid_n`` images against the first ``fid_ref_n`` of the dataset's reference."""
    return default_metric(config.model.dataset, config.train.fid_n, ref_n=config.train.fid_ref_n)


def measure_fid(generator: Generator, config: RunConfig) -> dict[str, Any]:
    """FID of a generator by the run's in-training protocol (``training_metric`` of ``TRAINING_FID_SEED``)."""
    t = config.train
    record = compute_metric(training_metric(config), generator, config.model.dataset, seed=TRAINING_FID_SEED,
                            data=t.data, device=t.device, progress=False)
    return {k: record[k] for k in ("metric", *RETURNS, "n_generated", "n_reference")}


def fixed_noise(config: RunConfig, device: str) -> torch.Tensor:
    """The latent vectors of the per-epoch sample grids (same for every epoch and on resume)."""
    gen = torch.Generator().manual_seed(config.train.seed + 1)
    return torch.randn(config.train.sample_count, config.model.z_dim, generator=gen).to(device)


@torch.no_grad()
def save_samples(generator: Generator, noise: torch.Tensor, path: Path) -> Path:
    """A grid of generator samples (eval mode: BatchNorm running statistics, as at inference)."""
    was_training = generator.training
    generator.eval()
    try:
        return save_grid(generator(noise), path)
    finally:
        generator.train(was_training)


def finish_epoch(run: Run) -> None:
    """The epoch that has just ended (the run's step is on its end): its line of mean step values, its checkpoint
    when due (before the long FID, so an interruption there loses no training) and rank 0's ``epoch_outputs``."""
    state, epoch = run.state, run.state.step // run.steps_per_epoch
    summary = {k: v / state.epoch_sums["steps"] for k, v in state.epoch_sums.items() if k != "steps"}
    state.epoch_sums.clear()
    run.write_log({"step": state.step, "epoch_end": epoch, "elapsed_s": time.time() - run.started,
                   **{f"mean_{k}": v for k, v in summary.items()}})
    if due(run.config.train.checkpoint_epochs, epoch):
        save_checkpoint(run)
    if run.main:
        epoch_outputs(run)


def epoch_outputs(run: Run, with_fid: bool = True, emas: list[float] | None = None,
                  started: tuple[str, ...] = ()) -> None:
    """The sample grid and, when scheduled, the device-state exports and (with ``with_fid``) the FID of the epoch
    that just ended, and the FIDs of the EMA generators of ``emas`` (None: all, when scheduled); rank 0's work.
    No grid, export or FID of an EMA generator named in ``started`` (``GAN.load_state_dict``: started again at
    this resume, from another generator's weights, it would stand for an epoch it did not average; a caller's
    ``emas`` leaves those out)."""
    t, gan, step, run_dir = run.config.train, run.gan, run.state.step, run.run_dir
    epoch = step // run.steps_per_epoch
    evaluated = EVALUATED_EMA not in started
    if evaluated:
        save_samples(gan.evaluated_generator, run.noise, epoch_grid_path(run_dir, epoch))
    if due(t.export_every, epoch):
        if evaluated:
            save_exported(gan.evaluated_generator, run.config, epoch_export_path(run_dir, epoch), step=step)
        for half_life, average in gan.emas.items():
            if ema_key(half_life) not in started:
                save_exported(average, run.config, epoch_export_path(run_dir, epoch, half_life), step=step)
    if not due(t.fid_every, epoch):
        return
    if with_fid and evaluated:
        run.write_log({"step": step, "epoch_end": epoch, **run.measure(gan.evaluated_generator, run.config)})
    for half_life in gan.emas if emas is None else emas:
        append_jsonl({"step": step, "epoch_end": epoch, "ema": ema_key(half_life), "half_life_epochs": half_life,
                      **run.measure(gan.emas[half_life], run.config)}, run_dir / EMA_FIDS_NAME)
    plot_fid_curve(run_dir / "metrics.jsonl", run_dir / "fid.png", run_dir / EMA_FIDS_NAME)
