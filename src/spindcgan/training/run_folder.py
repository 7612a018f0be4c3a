"""The files of a run folder: where each lives, the numbered new folder, and the environment of each start.

A run folder holds ``config.json`` (the resolved RunConfig), ``metrics.jsonl`` (one JSON line per logged step and
per epoch), ``samples/epoch-NNN.png`` (a grid from fixed noise), ``checkpoint.pt`` (``training.state``),
``environment.jsonl`` (one line per start or resume) and, with ``export_every``, ``exports/epoch-NNN.pt`` (the
evaluated generator's device states at those epochs, ``spindcgan.export``) and ``ema-fids.jsonl``.
"""

from __future__ import annotations

import datetime
import json
import warnings
from pathlib import Path
from typing import Any

from ..config import RunConfig, ema_key
from ..io import writable_folder


def new_run_dir(out: str | Path, config: RunConfig) -> Path:
    """``out/NNNNN-<dataset>-<hardware>``, numbered after the runs already there."""
    out = writable_folder(out)
    numbers = [int(p.name[:5]) for p in out.iterdir() if p.is_dir() and p.name[:5].isdigit()]
    run_dir = out / f"{max(numbers, default=-1) + 1:05d}-{config.model.dataset}-{config.hardware_tag()}"
    run_dir.mkdir()
    return run_dir


def due(every: int, epoch: int) -> bool:
    """Whether a per-K-epochs job (``fid_every``, ``export_every``; 0: never) runs at the end of ``epoch``."""
    return bool(every) and epoch % every == 0


def epoch_grid_path(run_dir: Path, epoch: int) -> Path:
    """The sample grid of the end of ``epoch``."""
    return run_dir / "samples" / f"epoch-{epoch:03d}.png"


def stop_grid_path(run_dir: Path, step: int) -> Path:
    """The sample grid of a run stopped at ``step``, inside an epoch."""
    return run_dir / "samples" / f"step-{step:07d}.png"


EXPORTS_DIR = "exports"


def epoch_export_path(run_dir: Path, epoch: int, half_life: float | None = None) -> Path:
    """Where ``export_every`` puts the device states of the generator evaluated at the end of ``epoch``, or of the
    EMA generator of ``half_life`` epochs (``TrainConfig.ema_half_lives``) in a folder of its own."""
    folder = run_dir / EXPORTS_DIR if half_life is None else run_dir / EXPORTS_DIR / ema_key(half_life)
    return folder / f"epoch-{epoch:03d}.pt"


EMA_FIDS_NAME = "ema-fids.jsonl"
"""The in-training FIDs of the ``TrainConfig.ema_half_lives`` generators, one line each (``metrics.jsonl`` keeps the
evaluated generator's, as before)."""


def epoch_exports(run_dir: Path) -> dict[int, Path]:
    """The exports a run folder holds, by the epoch at whose end each was saved (``epoch_export_path``)."""
    return {int(p.stem.removeprefix("epoch-")): p for p in sorted((run_dir / EXPORTS_DIR).glob("epoch-*.pt"))}


ENVIRONMENT_NAME = "environment.jsonl"
SAME_COMPUTATION = ("torch", "numpy", "cpu", "cpu_capability", "threads", "device", "precision")
"""Environment fields that, changed on a resume, may change the arithmetic (the data hash aside)."""


def record_environment(run_dir: Path, step: int, env: dict[str, Any]) -> None:
    """Append this start's or resume's environment to the run's ``environment.jsonl``; on a resume, warn in one
    line when the training images differ from the last start's (the run then trains on other data) or the
    arithmetic may (other libraries, processor or threads: the run stays valid, but need not equal an
    uninterrupted one bit for bit)."""
    path = run_dir / ENVIRONMENT_NAME
    lines = path.read_text().splitlines() if path.exists() else []
    if lines:
        last = json.loads(lines[-1])
        if last.get("data_sha256") not in (None, env.get("data_sha256")):
            warnings.warn(f"{path}: the training images differ from those of the last start (step {last['step']}): "
                          "check --data and the dataset files", stacklevel=3)
        changed = [k for k in SAME_COMPUTATION if k in last and last[k] != env.get(k)]
        if changed:
            warnings.warn(f"{path}: resumed with another {', '.join(changed)} than at step {last['step']}: the run "
                          "continues, but need not equal an uninterrupted one bit for bit", stacklevel=3)
    utc = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    with path.open("a") as log:
        log.write(json.dumps({"step": step, "utc": utc, **env}) + "\n")
