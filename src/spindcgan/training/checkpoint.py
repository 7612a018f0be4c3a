"""Checkpoints: everything needed to continue a run bit for bit, or to rebuild its generator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from ..errors import SpinDCGANError
from ..models import Generator
from .config import RunConfig

CHECKPOINT_NAME = "checkpoint.pt"


def checkpoint_path(path: str | Path) -> Path:
    """A checkpoint file, or a run folder's latest checkpoint."""
    path = Path(path)
    if path.is_dir():
        path = path / CHECKPOINT_NAME
    if not path.is_file():
        raise SpinDCGANError(f"{path}: no checkpoint there (give a checkpoint file or a run folder)")
    return path


def _read(path: Path, map_location: str) -> Any:
    try:
        return torch.load(path, map_location=map_location, weights_only=False)
    except Exception as exc:  # noqa: BLE001 - torch raises many types for a bad file
        raise SpinDCGANError(f"{path}: not a readable spindcgan checkpoint ({exc.__class__.__name__})") from None


def _checked(state: Any, path: Path) -> dict[str, Any]:
    if not isinstance(state, dict) or "config" not in state or "generator" not in state:
        raise SpinDCGANError(f"{path}: not a spindcgan checkpoint (missing config or generator)")
    return state


def load_checkpoint(path: str | Path, map_location: str = "cpu") -> dict[str, Any]:
    path = checkpoint_path(path)
    return _checked(_read(path, map_location), path)


def load_generator(path: str | Path, device: str = "cpu") -> tuple[Generator, RunConfig]:
    """The evaluated generator of a checkpoint (or run folder): its EMA when training kept one; in eval
    mode, with its run config. An exported device-state file (``spindcgan export``) works too."""
    from ..export import generator_from_exported, is_exported

    path = checkpoint_path(path)
    state = _read(path, device)  # read once, whichever kind of file it is
    if is_exported(state):
        return generator_from_exported(state, device)
    state = _checked(state, path)
    config = RunConfig.from_dict(state["config"])
    generator = Generator(config.model, config.hardware).to(device)
    generator.load_state_dict(state.get("generator_ema", state["generator"]))
    return generator.eval(), config
