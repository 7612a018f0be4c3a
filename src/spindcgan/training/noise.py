"""Robust training (``--train-noise``): every training step computes on a freshly drawn chip.

Without it the fixed device-to-device variation and the stuck devices of a run are one chip's pattern (the
hardware seed's), and training adapts the weights to that chip. With ``train_noise`` (e.g. ``"d2d=0.1,stuck=0.01"``)
each optimiser step draws these from a seed of its own, so the weights learn to work on any chip with such faults;
the run's own hardware (usually ideal) stays what is sampled, measured, exported and ledgered. ``spindcgan sweep
--draws K`` measures the result on K chips.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch.nn as nn

from ..crossbar.config import HardwareConfig
from ..crossbar.terms import with_terms
from ..seeds import stream_seed


def step_hardware(hardware: HardwareConfig, noise: dict[str, str], step: int) -> HardwareConfig:
    """The chip training step ``step`` computes on: ``hardware`` with ``noise`` (``crossbar.terms.parse_noise`` of
    ``train.train_noise``), drawn from a seed of the step's own (apart from the seeds ``spindcgan sweep`` evaluates
    on: base seed + draw)."""
    return with_terms(hardware, noise, seed=stream_seed(hardware.seed + 1, step))


@contextlib.contextmanager
def computing_on(models: tuple[nn.Module, ...], hardware: HardwareConfig) -> Iterator[None]:
    """Every module of ``models`` that models hardware computes on ``hardware`` inside the block, then on its own
    again (modules with ``hardware=None``, a float discriminator's, stay float)."""
    swapped = [(m, m.hardware) for model in models for m in model.modules()
               if isinstance(getattr(m, "hardware", None), HardwareConfig)]
    for module, _ in swapped:
        module.hardware = hardware
    try:
        yield
    finally:
        for module, own in swapped:
            module.hardware = own
