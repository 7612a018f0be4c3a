"""A trained generator from any file that holds one: a checkpoint, a run folder, or a device-state export.

Checkpoints (``training.checkpoint``) and device-state files (``export``) know nothing of each other; this module
reads either, so the commands that take "a trained generator" (sample, fid, export, info) accept both.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import torch

from .config import RunConfig
from .errors import about
from .export import generator_from_exported, is_exported
from .models import Generator
from .training.checkpoint import EVALUATED_EMA, checked_checkpoint, checkpoint_path, evaluated_key, read_file


def load_generator(path: str | Path, device: str = "cpu") -> tuple[Generator, RunConfig]:
    """The evaluated generator of a checkpoint, run folder or device-state export: a checkpoint's EMA generator
    when training kept one; in eval mode, with its run config."""
    path = checkpoint_path(path)
    state = read_file(path, device)  # read once, whichever kind of file it is
    if is_exported(state):
        with about(path):
            return generator_from_exported(state, device)
    state = checked_checkpoint(state, path)
    config = RunConfig.from_dict(state["config"])
    generator = Generator(config.model, config.hardware).to(device)
    evaluated = evaluated_key(state)
    if evaluated != EVALUATED_EMA and config.train.ema > 0:  # a folder unpacked from a pack that left it out
        warnings.warn(f"{path}: no EMA generator yet (rebuilt from a pack without it): the trained generator is "
                      "evaluated; train --resume on to let the EMA start again", stacklevel=2)
    generator.load_state_dict(state[evaluated])
    return generator.eval(), config


def provenance_of(path: str | Path) -> dict[str, Any]:
    """What a checkpoint, run folder or export says of the generator ``spindcgan fid/sample`` evaluates from it:
    ``batchnorm_statistics``, where its BatchNorm statistics come from (an export says, files from before the
    field hold ``running`` ones, as a checkpoint does), and ``step``, the training step of its weights (None for
    an export from before the field)."""
    data = torch.load(checkpoint_path(path), map_location="cpu", weights_only=False)
    return {"batchnorm_statistics": data.get("batchnorm_statistics", "running"), "step": data.get("step")}
