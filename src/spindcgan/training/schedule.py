"""The learning-rate schedule of a run, in optimiser steps: the constant rate, its decay (linear or cosine from
``TrainConfig.lr_decay_start`` to zero at the run's last step) and a resume's warm-up after a pack."""

from __future__ import annotations

import math

from ..config import TrainConfig
from ..errors import SpinDCGANError


def learning_rates(t: TrainConfig, step: int, steps_per_epoch: int, total_steps: int,
                   warmup: dict[str, int] | None = None) -> tuple[float, float]:
    """The generator's and the discriminator's learning rates for the optimiser step that follows ``step`` steps:
    ``t.lr`` and ``t.discriminator_lr``, and from epoch ``t.lr_decay_start`` on, both on a fall of
    ``t.lr_decay_shape`` that would reach zero at ``total_steps``. ``warmup`` ({"start": S, "steps": W}, what a
    resume from a pack sets: ``training.pack``) scales them by (step - S + 1) / W for the W steps from S."""
    start = None if t.lr_decay_start is None else t.lr_decay_start * steps_per_epoch
    ramp = 1.0
    if warmup is not None and warmup["start"] <= step < warmup["start"] + warmup["steps"]:
        ramp = (step - warmup["start"] + 1) / warmup["steps"]

    def at_step(rate: float) -> float:  # rate * left / span, in that order: the rates of runs from before lr_d
        if start is None or step < start:
            return rate * ramp
        if t.lr_decay_shape == "cosine":
            into = min(step - start, total_steps - start) / (total_steps - start)
            return rate * 0.5 * (1 + math.cos(math.pi * into)) * ramp
        return rate * max(total_steps - step, 0) / (total_steps - start) * ramp

    return at_step(t.lr), at_step(t.discriminator_lr)


def steps_per_epoch_of(t: TrainConfig, n_images: int) -> int:
    """The optimiser steps of one epoch over ``n_images`` training images (a last partial batch is not drawn)."""
    return n_images // t.batch_size


def total_steps_of(t: TrainConfig, steps_per_epoch: int) -> int:
    """The optimiser steps a run is configured for: all its epochs, or ``max_steps`` if fewer."""
    all_epochs = t.epochs * steps_per_epoch
    return all_epochs if t.max_steps is None else min(all_epochs, t.max_steps)


def check_schedule_kept(before: TrainConfig, after: TrainConfig, steps_done: int, steps_per_epoch: int) -> None:
    """A resume may lengthen a run or add a learning-rate decay, but not change the rate of a step already
    trained (the result would be no run anyone configured)."""
    total_before, total_after = total_steps_of(before, steps_per_epoch), total_steps_of(after, steps_per_epoch)
    for step in range(steps_done):
        if (learning_rates(before, step, steps_per_epoch, total_before)
                != learning_rates(after, step, steps_per_epoch, total_after)):
            raise SpinDCGANError(
                f"this resume would change the learning rate of step {step + 1}, already trained (train.epochs, "
                f"train.max_steps, train.lr_decay_start and train.lr_decay_shape decide it): the decay must start at "
                f"epoch >= {steps_done / steps_per_epoch:g}, the run's progress")
