"""Checkpoints: everything needed to continue a run bit for bit, or to rebuild its generator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from ..errors import SpinDCGANError
from ..io import save_torch
from ..models import Generator
from .config import RunConfig

CHECKPOINT_NAME = "checkpoint.pt"
OPTIMISER_KEYS = ("opt_g", "opt_d")  # only continuing the run needs them: Adam's two moments per weight
NETWORK_KEYS = ("generator", "discriminator", "generator_ema")


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
    if not isinstance(state, dict) or "config" not in state or not {"generator", "generator_ema"} & state.keys():
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
    generator.load_state_dict(state["generator_ema"] if "generator_ema" in state else state["generator"])
    return generator.eval(), config


def slim_checkpoint(source: str | Path, out: str | Path, drop: tuple[str, ...] = OPTIMISER_KEYS) -> Path:
    """A copy of a checkpoint without the parts named in ``drop``: the optimiser states (the default: Adam's two
    moments per weight, 56 % of a width-64 anime hardware checkpoint) and optionally networks the copy's user will
    not read (a float run's trained generator and discriminator beside its EMA). For moving a run off a machine,
    e.g. a lent GPU whose files come back in pieces of limited size. The copy is measured, exported and ledgered
    like the full checkpoint (it keeps the evaluated generator); it names what it lacks under ``"slimmed"`` and is
    never resumed."""
    path = checkpoint_path(source)
    state = load_checkpoint(path)
    unknown = sorted(set(drop) - {*OPTIMISER_KEYS, *NETWORK_KEYS})
    if unknown:
        raise SpinDCGANError(f"cannot drop {unknown[0]!r}: a checkpoint's droppable parts are "
                             f"{', '.join(OPTIMISER_KEYS + NETWORK_KEYS)}")
    kept = {k: v for k, v in state.items() if k not in drop}
    evaluated = "generator_ema" if "generator_ema" in state else "generator"
    if evaluated not in kept:
        raise SpinDCGANError(f"{path}: the slim copy must keep {evaluated!r}, the generator that is measured")
    kept["slimmed"] = sorted(set(drop) & state.keys() | set(state.get("slimmed", ())))
    save_torch(kept, Path(out))
    return Path(out)


def require_parts(state: dict[str, Any], path: str | Path, parts: tuple[str, ...], purpose: str) -> None:
    """Refuse a checkpoint that lacks a part ``purpose`` needs (a slim one, ``slim_checkpoint``), in one line."""
    missing = [k for k in parts if k not in state]
    if missing:
        raise SpinDCGANError(f"{path}: a slim checkpoint without {', '.join(missing)}: it cannot {purpose}")
