"""Exact resume: a run continued from its checkpoint takes the very same steps as an uninterrupted one.

The data order of epoch ``e`` comes from its own generator seeded by (seed, e) (``loop.epoch_order``), and the
checkpoint keeps the global RNG state that draws latent noise; ``restore`` puts both networks, Adam's moments and
that state back, after checking that the run may continue as configured. Log lines written after the checkpoint
describe training the resume redoes, so they are dropped (``trim_logs``), and the outputs of an epoch end that
an interruption cut off are made first (``finish_cut_off_epoch``).
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path
from typing import Any

import torch

from ..config import RunConfig, TrainConfig, ema_key
from ..errors import SpinDCGANError
from ..io import load_jsonl, save_jsonl
from .checkpoint import EMAS_KEY, EVALUATED_EMA, OPTIMISER_KEYS, PACK_KEY, WARMUP_KEY, load_checkpoint, require_parts
from .distributed import World
from .epoch_end import epoch_outputs
from .gan import GAN
from .run_folder import EMA_FIDS_NAME, due, epoch_export_path, epoch_grid_path
from .schedule import check_schedule_kept
from .state import Run


def restore(run_dir: Path, config: RunConfig, gan: GAN, world: World, device: str,
            steps_per_epoch: int) -> tuple[dict[str, Any], list[str]]:
    """Load ``run_dir``'s checkpoint into ``gan`` and this rank's RNG, once it is known to continue the run as
    configured (every part there, as many ranks, the same network, no trained step's learning rate changed); the
    checkpoint, and the names of the EMA generators it lacked (they start now: ``GAN.load_state_dict``)."""
    state = load_checkpoint(run_dir, device)
    from_pack = PACK_KEY in state  # rebuilt by training.pack, maybe without Adam's moments
    moments = all(k in state for k in OPTIMISER_KEYS)
    may_lack = (EMAS_KEY, *OPTIMISER_KEYS, EVALUATED_EMA) if from_pack else (EMAS_KEY,)  # they start afresh
    needed = [k for k in gan.state_dict() if k not in may_lack]
    require_parts(state, run_dir, tuple(needed), "be resumed")  # every part the GAN loads
    if state.get("world_size", 1) != world.size:
        raise SpinDCGANError(f"{run_dir}: trained by {state.get('world_size', 1)} rank(s); resume it with as "
                             f"many (torchrun --nproc_per_node), not {world.size}: another number would draw "
                             "other noise and BatchNorm shards")
    saved = RunConfig.from_dict(state["config"])
    check_network_kept(saved, config, run_dir)
    check_schedule_kept(saved.train, config.train, state["step"], steps_per_epoch)
    started_emas = gan.load_state_dict(state, optimisers=moments)
    # RNG states are CPU byte tensors: the checkpoint was loaded onto ``device``, so bring them back
    torch.set_rng_state((state["rng_ranks"][world.rank] if "rng_ranks" in state else state["rng"]).cpu())
    cuda_rng = state["cuda_rng_ranks"][world.rank] if "cuda_rng_ranks" in state else state.get("cuda_rng")
    if device.startswith("cuda") and cuda_rng is not None:
        torch.cuda.set_rng_state(cuda_rng.cpu())
    return state, started_emas


def check_network_kept(saved: RunConfig, config: RunConfig, run_dir: Path) -> None:
    """The run's config.json must describe the network its checkpoint holds (an edited config.json would load
    weights of other shapes, or train them on other hardware)."""
    for part in ("model", "hardware"):
        before, after = getattr(saved, part), getattr(config, part)
        if before == after:
            continue
        if before is None or after is None:  # a float baseline against a hardware model
            what = f"{part} is {after and 'modelled'}, the checkpoint's {before and 'modelled'}"
        else:
            name = next(f.name for f in dataclasses.fields(before) if getattr(before, f.name) != getattr(after, f.name))
            what = f"{part}.{name} is {getattr(after, name)!r}, the checkpoint's {getattr(before, name)!r}"
        raise SpinDCGANError(f"{run_dir / 'config.json'}: {what}; a resume continues the network as trained: "
                             "restore config.json")


def resume_notes(state: dict[str, Any], started_emas: list[str]) -> dict[str, Any]:
    """What a resume from the checkpoint ``state`` changed that the run's logs must say (``environment.jsonl`` and
    ``metrics.jsonl``): that it continued from a pack, not exactly (``training.pack``), and which EMA generators it
    started; warned too."""
    notes: dict[str, Any] = {}
    if PACK_KEY in state:
        pack = state[PACK_KEY]
        notes["resumed_from_pack"] = {**pack, "exact": False}
        warm_up = f"; learning rates warm up over {state[WARMUP_KEY]['steps']} steps" if WARMUP_KEY in state else ""
        warnings.warn(f"resumed from the pack {pack['file']} of step {state['step']}, not exactly: its weights were "
                      f"stored as {pack['weights']}, without {', '.join(pack['dropped']) or 'nothing'}{warm_up}",
                      stacklevel=4)
    if EVALUATED_EMA in started_emas:
        warnings.warn(f"the evaluated EMA generator starts at step {state['step']} from the trained generator's "
                      "weights", stacklevel=4)
    further = [name for name in started_emas if name != EVALUATED_EMA]
    if further:
        warnings.warn(f"EMA generator(s) {', '.join(further)} start at step {state['step']} from the evaluated "
                      "generator's weights", stacklevel=4)
    if started_emas:
        notes["emas_started"] = started_emas
    return notes


def checkpointed_metrics(run_dir: str | Path, step: int | None = None) -> list[dict]:
    """The records of a run's ``metrics.jsonl`` up to ``step`` (default: its checkpoint's). Lines after the
    checkpoint come from training that a resume redoes, so they describe no saved state."""
    records = load_jsonl(Path(run_dir) / "metrics.jsonl")
    if records and step is None:
        step = load_checkpoint(run_dir)["step"]
    return [r for r in records if r.get("step", 0) <= step]


def trim_logs(run_dir: Path, step: int) -> list[dict]:
    """Drop the ``metrics.jsonl`` and ``ema-fids.jsonl`` lines written after ``step`` (by a run that died before
    its next checkpoint: a resume writes them again); the kept ``metrics.jsonl`` records."""
    kept = checkpointed_metrics(run_dir, step)
    if (run_dir / "metrics.jsonl").exists():
        save_jsonl(kept, run_dir / "metrics.jsonl")
    if (run_dir / EMA_FIDS_NAME).exists():
        save_jsonl([r for r in load_jsonl(run_dir / EMA_FIDS_NAME) if r["step"] <= step], run_dir / EMA_FIDS_NAME)
    return kept


def epoch_outputs_missing(records: list[dict], run_dir: Path, epoch: int, t: TrainConfig,
                          half_lives: list[float]) -> tuple[bool, list[float], bool]:
    """Whether ``epoch`` lacks its FID line (when one was scheduled), which of the EMA generators of ``half_lives``
    lack theirs in ``ema-fids.jsonl``, and whether its sample grid or a device-state export (when one was
    scheduled) is missing: the work after the checkpoint that an interruption can cut off, or that a run folder
    rebuilt from a copy (config, metrics and checkpoint, ``experiments/measure.py --copy-only``) never had."""
    has_fid = any(r.get("epoch_end") == epoch and "metric" in r for r in records)
    measured = {r["ema"] for r in load_jsonl(run_dir / EMA_FIDS_NAME) if r.get("epoch_end") == epoch}
    emas = [h for h in half_lives if ema_key(h) not in measured] if due(t.fid_every, epoch) else []
    exports = [epoch_export_path(run_dir, epoch)] + [epoch_export_path(run_dir, epoch, h) for h in half_lives]
    files_missing = not epoch_grid_path(run_dir, epoch).exists() or (
        due(t.export_every, epoch) and not all(path.exists() for path in exports))
    return due(t.fid_every, epoch) and not has_fid, emas, files_missing


def finish_cut_off_epoch(run: Run, records: list[dict], started_emas: list[str]) -> None:
    """On a resume at an epoch's end, rank 0 first makes the outputs of that epoch that are missing (``records``:
    its kept ``metrics.jsonl``); an EMA generator started now (``started_emas``) has no past to show, so none of
    its outputs is made (a pack carries no grids or exports: without its EMAs, that epoch keeps none)."""
    step, steps_per_epoch = run.state.step, run.steps_per_epoch
    if not (run.main and step > 0 and step % steps_per_epoch == 0):
        return
    kept = [h for h in run.gan.emas if ema_key(h) not in started_emas]
    fid_missing, emas_missing, files_missing = epoch_outputs_missing(records, run.run_dir, step // steps_per_epoch,
                                                                     run.config.train, kept)
    if fid_missing or emas_missing or files_missing:  # stopped between its checkpoint and its FIDs: finish them
        epoch_outputs(run, with_fid=fid_missing, emas=emas_missing, started=tuple(started_emas))
