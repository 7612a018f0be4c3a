"""Checkpoints: everything needed to continue a run bit for bit (reading its generator back, whatever the file:
``spindcgan.loading``)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

from ..errors import SpinDCGANError
from ..formats import not_a_pack
from ..io import save_torch

CHECKPOINT_NAME = "checkpoint.pt"
OPTIMISER_KEYS = ("opt_g", "opt_d")  # only continuing the run needs them: Adam's two moments per weight
EMAS_KEY = "generator_emas"
"""The further EMA generators (``TrainConfig.ema_half_lives``), by name (``config.ema_key``)."""
EVALUATED_EMA = "generator_ema"
"""The checkpoint entry of the evaluated EMA generator (``TrainConfig.ema``), beside ``EMAS_KEY``'s further ones."""
NETWORK_KEYS = ("generator", "discriminator", EVALUATED_EMA, EMAS_KEY)
COUNTER_KEYS = ("device_writes",)  # the per-device write counts: continuing needs them, device_writes.json sums them
PACK_KEY = "pack"
"""In a checkpoint rebuilt from a pack (``training.pack``): where it came from and what it lost."""
WARMUP_KEY = "lr_warmup"
"""The learning-rate warm-up after a resume from a pack ({"start": step, "steps": W}), kept in every later
checkpoint (it changes no rate after its W steps)."""


LOCK_NAME = ".training.lock"
"""The file a training holds in its run folder (``run_lock``)."""


@contextlib.contextmanager
def run_lock(run_dir: Path) -> Iterator[None]:
    """Hold a run folder for one training: a second training of the same folder refuses in one line instead of
    both writing its checkpoint and logs. The lock is the kernel's (flock), so a killed training leaves none; the
    temp file of a write it was killed in is deleted when the folder is next held."""
    with (Path(run_dir) / LOCK_NAME).open("a+") as held:
        try:
            fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            held.seek(0)
            holder = held.read().strip() or "another process"
            raise SpinDCGANError(f"{run_dir}: another training is running in this run folder ({holder}); wait for "
                                 "it to stop, or train another folder") from None
        held.seek(0)
        held.truncate()
        held.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
        held.flush()
        for stray in Path(run_dir).glob(".*.tmp"):  # a write that a kill -9 cut off (io.atomic_write's temp file)
            stray.unlink()
        try:
            yield
        finally:
            fcntl.flock(held, fcntl.LOCK_UN)


def runs_in(path: Path) -> list[Path]:
    """The run folders ``path`` (a folder) names: itself where it holds a checkpoint, else those inside it that do."""
    if (path / CHECKPOINT_NAME).is_file():
        return [path]
    return sorted(p for p in path.iterdir() if (p / CHECKPOINT_NAME).is_file())


def run_folder(path: str | Path) -> Path:
    """The run folder ``path`` names: the folder itself when it holds a checkpoint, else the one run folder inside it
    (``path`` is then a ``--out`` folder holding a single run); a one-line error listing them when it holds several."""
    path = Path(path)
    if not path.is_dir():
        raise SpinDCGANError(f"{path}: no such run folder")
    runs = runs_in(path)
    if len(runs) == 1:
        return runs[0]
    if runs:
        raise SpinDCGANError(f"{path} holds {len(runs)} runs; name one: {', '.join(str(r) for r in runs)}")
    raise SpinDCGANError(f"{path}: no checkpoint there (give a checkpoint file, a run folder, or the --out folder "
                         "of a single run)")


def checkpoint_path(path: str | Path) -> Path:
    """A checkpoint file, or the latest checkpoint of a run folder (``run_folder``)."""
    path = Path(path)
    if path.is_dir():
        path = run_folder(path) / CHECKPOINT_NAME
    if not path.is_file():
        raise SpinDCGANError(f"{path}: no such file (give a checkpoint, a run folder or an export)")
    return path


def read_file(path: Path, map_location: str) -> Any:
    """The loaded contents of a file torch saved, or a one-line error naming it."""
    try:
        return torch.load(path, map_location=map_location, weights_only=False)
    except Exception as exc:  # noqa: BLE001 - torch raises many types for a bad file
        not_a_pack(path)
        raise SpinDCGANError(f"{path}: not a readable spindcgan checkpoint ({exc.__class__.__name__})") from None


def checked_checkpoint(state: Any, path: Path) -> dict[str, Any]:
    """``state`` if it is a spindcgan checkpoint (a config and a generator), else a one-line error."""
    if not isinstance(state, dict) or "config" not in state or not {"generator", EVALUATED_EMA} & state.keys():
        raise SpinDCGANError(f"{path}: not a spindcgan checkpoint (missing config or generator)")
    return state


def evaluated_key(state: dict[str, Any]) -> str:
    """The checkpoint entry of the generator that is sampled and measured: the EMA one where training kept it."""
    return EVALUATED_EMA if EVALUATED_EMA in state else "generator"


def load_checkpoint(path: str | Path, map_location: str = "cpu") -> dict[str, Any]:
    path = checkpoint_path(path)
    return checked_checkpoint(read_file(path, map_location), path)


def slim_checkpoint(source: str | Path, out: str | Path, drop: tuple[str, ...] = OPTIMISER_KEYS) -> Path:
    """A copy of a checkpoint without the parts named in ``drop``: the optimiser states (the default: Adam's two
    moments per weight, 56 % of a width-64 anime hardware checkpoint) and optionally networks the copy's user will
    not read (a float run's trained generator and discriminator beside its EMA) and a hardware run's per-device write
    counters (two int32 a weight; their summary stays in ``device_writes.json``). For moving a run off a machine,
    e.g. a lent GPU whose files come back in pieces of limited size. The copy is measured, exported and ledgered
    like the full checkpoint (it keeps the evaluated generator); it names what it lacks under ``"slimmed"`` and is
    never resumed."""
    path = checkpoint_path(source)
    state = load_checkpoint(path)
    droppable = OPTIMISER_KEYS + NETWORK_KEYS + COUNTER_KEYS
    unknown = sorted(set(drop) - set(droppable))
    if unknown:
        raise SpinDCGANError(f"cannot drop {unknown[0]!r}: a checkpoint's droppable parts are {', '.join(droppable)}")
    kept = {k: v for k, v in state.items() if k not in drop}
    evaluated = evaluated_key(state)
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


def save_loop_state(path: str | Path, parts: dict[str, Any], **values: Any) -> Path:
    """The state of a training loop of your own, for continuing it later bit for bit (``resume_loop_state``): each
    part's ``state_dict`` (modules, optimisers, schedulers), torch's CPU random state and ``values`` (epoch, step,
    time spent: anything torch can save). Written atomically: a run stopped while saving keeps its previous state."""
    return save_torch({"loop_parts": {name: part.state_dict() for name, part in parts.items()},
                       "rng": torch.get_rng_state(), "values": values}, Path(path))


def loop_state_values(path: str | Path) -> dict[str, Any]:
    """The ``values`` a ``save_loop_state`` file holds (epoch, step, time spent...), without loading its parts."""
    return read_loop_state(Path(path))["values"]


def read_loop_state(path: Path) -> dict[str, Any]:
    """A ``save_loop_state`` file's contents, or a one-line error naming a file that is not one."""
    state = read_file(path, "cpu")
    if not isinstance(state, dict) or "loop_parts" not in state:
        raise SpinDCGANError(f"{path}: not a saved training-loop state (save_loop_state writes one)")
    return state


def resume_loop_state(path: str | Path, parts: dict[str, Any]) -> dict[str, Any]:
    """Load what ``save_loop_state`` wrote into the same ``parts`` and torch's random state; returns its ``values``.
    A file of another loop (other part names) is a one-line error naming the parts it lacks or has over."""
    path = Path(path)
    state = read_loop_state(path)
    saved = state["loop_parts"]
    if saved.keys() != parts.keys():
        raise SpinDCGANError(f"{path}: holds the parts {', '.join(sorted(saved))}, this loop has "
                             f"{', '.join(sorted(parts))}")
    for name, part in parts.items():
        try:
            part.load_state_dict(saved[name])
        except (RuntimeError, ValueError, KeyError) as exc:
            reason = str(exc).strip().splitlines()[-1].strip() if str(exc).strip() else exc.__class__.__name__
            raise SpinDCGANError(f"{path}: its {name} does not fit this loop's ({reason})") from None
    torch.set_rng_state(state["rng"])
    return state["values"]
