"""The library's front door: the shipped generators and one plain function per task (train, fid, energy, sweep,
generate, export), each taking typed values and returning results. The ``spindcgan`` command parses its options
into these calls and prints what they return; scripts and notebooks call them directly:

    from spindcgan import api
    generator, config = api.load_generator(api.SHIPPED_MODELS["anime"])
    record = api.fid(api.SHIPPED_MODEL, n=2000)
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch

from .config import RunConfig
from .crossbar.config import HardwareConfig
from .energy.area import AreaConfig
from .energy.layers import DEVICE_COMPONENTS, Mapping
from .energy.ledger import Ledger, generation_cost
from .energy.report import model_ledger
from .errors import SpinDCGANError, about
from .export import generator_from_exported, is_exported, network_from_exported, read_exported, save_exported
from .generation import generate as generate_images
from .loading import load_generator, provenance_of
from .metrics.fid import DEFAULT_REFERENCE, PROTOCOL, folder_fid
from .metrics.registry import check_counts, compute_metric, default_metric, metric_spec
from .models import Discriminator, Generator
from .sweep import fid_evaluator, parse_grid, run_sweep
from .training.batchnorm import standing_statistics
from .training.checkpoint import (
    checked_checkpoint,
    checkpoint_path,
    read_file,
    require_parts,
    run_folder,
)
from .training.distributed import World
from .training.export_fids import measure_exports
from .training.loop import train as train_run
from .training.pack import DEFAULT_WARMUP_STEPS, unpack
from .training.writes import write_counter

__all__ = ["SHIPPED_MODEL", "SHIPPED_MODELS", "Generated", "energy", "export", "export_fids", "fid", "folder_fid",
           "generate", "load_generator", "resumed_config", "shipped_model", "sweep", "train"]

SHIPPED_MODELS = {dataset: Path(__file__).parent / "assets" / f"{dataset}-6bit-dw.pt"
                  for dataset in ("fashion-mnist", "anime")}
"""The trained generators inside the package, as device-state exports (docs/results.md has their FIDs)."""
SHIPPED_MODEL = SHIPPED_MODELS["fashion-mnist"]
"""The default generator of ``generate`` and ``sweep``."""

RESUME_MAY_CHANGE = {"epochs", "max_steps", "device", "threads", "checkpoint_every", "checkpoint_epochs", "log_every",
                     "data", "fid_every", "export_every", "fid_n", "fid_ref_n", "precision", "ema_half_lives",
                     "lr_decay_start", "lr_decay_shape"}
"""The TrainConfig fields a resume may change: where and how long it runs, what it measures, the arithmetic of
the steps to come (precision, logged in environment.jsonl), EMA horizons added (they start from the evaluated
generator) and a decay of the steps to come (``training.schedule.check_schedule_kept`` checks it)."""


def shipped_model(dataset: str) -> Path:
    """The shipped generator of ``dataset``; a one-line error when the package was installed without it."""
    if dataset not in SHIPPED_MODELS:
        raise SpinDCGANError(f"no shipped generator of {dataset!r} (shipped: {', '.join(SHIPPED_MODELS)})")
    path = SHIPPED_MODELS[dataset]
    if not path.exists():
        raise SpinDCGANError(f"{path}: the package's shipped generator is missing (reinstall spindcgan, or pass a "
                             f"file from `spindcgan export`)")
    return path


def resumed_config(resume: str | Path, changes: dict[str, Any] | None = None) -> tuple[Path, RunConfig]:
    """The run folder ``resume`` names (a run folder, or an output folder holding one run) and its config with
    the TrainConfig ``changes`` a resume may make (``RESUME_MAY_CHANGE``)."""
    changes = changes or {}
    fixed = sorted(set(changes) - RESUME_MAY_CHANGE)
    if fixed:
        raise SpinDCGANError(f"a resume continues a run as configured; train.{fixed[0]} cannot change")
    folder = run_folder(resume)
    config = RunConfig.load(folder / "config.json")
    return folder, replace(config, train=replace(config.train, **changes))


def train(config: RunConfig | None = None, out: str | Path = "runs", resume: str | Path | None = None,
          changes: dict[str, Any] | None = None, time_limit_s: float | None = None,
          pack_warmup: int | None = None, progress: bool = True, world: World | None = None,
          on_start: Callable[[Path], None] | None = None) -> Path:
    """Train a new run of ``config`` in a new folder under ``out``, or continue ``resume``: a run folder
    (exactly) or a fallback pack (its run folder rebuilt under ``out``; not exactly), with ``changes`` to its
    TrainConfig. Stops cleanly after ``time_limit_s`` seconds. Returns the run folder."""
    if (config is None) == (resume is None):
        raise SpinDCGANError("train a new config or resume a run, one of the two")
    if pack_warmup is not None and not (resume and Path(resume).is_file()):
        raise SpinDCGANError("pack_warmup applies to resuming from a pack, not from a run folder")
    if resume is not None:
        if Path(resume).is_file():
            if world is not None:
                raise SpinDCGANError("under torchrun, rebuild the pack's run folder first (spindcgan unpack PACK "
                                     "--out DIR), then torchrun ... --resume the folder it names")
            resume = unpack(resume, out, DEFAULT_WARMUP_STEPS if pack_warmup is None else pack_warmup)
            print(f"unpacked {resume} from a pack: the run continues, not exactly (see its environment.jsonl)")
        resume, config = resumed_config(resume, changes)
    elif changes:
        config = replace(config, train=replace(config.train, **changes))
    if time_limit_s is not None and time_limit_s < 0:
        raise SpinDCGANError(f"the time limit must be >= 0, got {time_limit_s / 60:g} minutes")
    return train_run(config, out=out, resume=resume, progress=progress, time_limit=time_limit_s, on_start=on_start,
                     world=world)


def fid(source: str | Path, metric: str | None = None, n: int = 10_000, split: str | None = None, seed: int = 0,
        data: str | None = None, ref_n: int | None = None, device: str = "cpu", batch_size: int = 100,
        progress: bool = True) -> dict[str, Any]:
    """FID and KID of the generator in ``source`` (a checkpoint, run folder or export) by ``metric``
    (``fid10k-test``, ``metrics.registry``), or else over ``n`` images against its dataset's ``split`` (default:
    the dataset's, ``metrics.fid.DEFAULT_REFERENCE``), images of ``seed``: the record, with the metric's name, the
    protocol and where the generator came from."""
    generator, config = load_generator(source, device)
    dataset = config.model.dataset
    spec = metric_spec(metric, dataset) if metric else default_metric(dataset, n, split, ref_n)
    record = compute_metric(spec, generator, dataset, seed, data, device, batch_size, progress, cache=True)
    return {**record, "checkpoint": str(source), **provenance_of(source)}


def export_fids(run_dir: str | Path, device: str = "cpu", data: str | None = None,
                progress: bool = True) -> list[dict[str, Any]]:
    """The FID of each device-state export of a run (``train --export-every``) by the run's own in-training
    protocol, kept in its export-fids.jsonl (``training.export_fids``)."""
    return measure_exports(run_dir, device, data, progress)


def energy(config: RunConfig | None = None, checkpoint: str | Path | None = None, mapping: Mapping = "zero-padded",
           peripherals: bool = True, batch: int = 64, update_steps: int = 3, area: AreaConfig | None = None,
           data: str | None = None, before: Callable[[RunConfig], None] | None = None) -> tuple[Ledger, RunConfig]:
    """The per-layer energy, latency and area ledger, per image, of a trained model (``checkpoint``: a checkpoint,
    run folder or device-state export) or of a fresh one of ``config``; synapse writes from the run's log, else
    measured over ``update_steps`` fresh steps; the chip built as ``area`` says (default: 32 nm, ``energy.area``).
    The real images the discriminator sees come from ``data`` (an error where it cannot be read), else from the
    run's own data location when it is here, else the discriminator sees generated images on both sides. An export
    holds no discriminator: its training costs are of a fresh one. ``before(config)`` runs once the config is known,
    before the ledger's work (the command refuses an existing output there)."""
    generator = discriminator = run_dir = None
    if checkpoint is not None:
        path = checkpoint_path(checkpoint)
        state = read_file(path, "cpu")
        if is_exported(state):
            with about(path):
                generator, config = generator_from_exported(state)
        else:
            state = checked_checkpoint(state, path)
            require_parts(state, path, ("generator",), "give the energy of its trained generator")
            config = RunConfig.from_dict(state["config"])
            generator = Generator(config.model, config.hardware)
            generator.load_state_dict(state["generator"])
            if "discriminator" in state:
                discriminator = Discriminator(config.model, config.hardware)
                discriminator.load_state_dict(state["discriminator"])
            run_dir = path.parent
    elif config is None:
        raise SpinDCGANError("give a config or a checkpoint")
    if data is not None:
        config = replace(config, train=replace(config.train, data=data))
    if before is not None:
        before(config)
    writes = write_counter(config, run_dir, update_steps)
    ledger = model_ledger(config, generator, discriminator, mapping, peripherals, batch, writes, area=area,
                          data_required=data is not None)
    return ledger, config


def sweep(grid: list[str], out: str | Path, source: str | Path | None = None, n: int = 2000, seed: int = 0,
          split: str | None = None, data: str | None = None, ref_n: int | None = None, draws: int = 1,
          device: str = "cpu", progress: bool = True, measure: bool = True, time_limit_s: float | None = None
          ) -> tuple[list[dict[str, Any]], RunConfig]:
    """FID and energy per image of a trained generator (default: the shipped Fashion-MNIST one) at every point
    of ``grid`` (``["bits=4,6", "d2d=0,0.1", "node=22,32"]``, names of ``sweep.GRID_TERMS``), resumable in ``out``; the
    rows measured (with ``measure`` False: only those measured before) and the generator's config. ``time_limit_s``
    (from this call): start no measurement that would end past it, by the longest so far."""
    started = time.monotonic()
    if time_limit_s is not None and time_limit_s < 0:
        raise SpinDCGANError(f"the time limit must be >= 0, got {time_limit_s / 60:g} minutes")
    terms = parse_grid(grid)
    check_counts(n, ref_n)
    source = Path(source) if source else shipped_model("fashion-mnist")
    generator, config = load_generator(source, device)
    split = split or DEFAULT_REFERENCE[config.model.dataset]
    spec = {"generator": str(source), "sha256": hashlib.sha256(checkpoint_path(source).read_bytes()).hexdigest(),
            "n": n, "seed": seed, "split": split, "ref_n": ref_n, "protocol": PROTOCOL}
    evaluate = fid_evaluator(config, n, seed, split, data, ref_n, device)
    rows = run_sweep(generator, config, terms, out, evaluate, spec, draws, progress, measure=measure,
                     deadline=None if time_limit_s is None else started + time_limit_s)
    if not rows:
        raise SpinDCGANError(f"{out}: no point measured yet (run without --report-only)")
    return rows, config


@dataclass(frozen=True)
class Generated:
    """Images of an exported generator and what the modelled hardware spends on one of them."""

    images: torch.Tensor
    """[n, channels, size, size] in [-1, 1]."""
    device_energy_j: float
    """Per image, in the spintronic devices (synapse reads, DW activations)."""
    total_energy_j: float
    """Per image, with the CMOS peripherals."""
    latency_s: float
    """Per image."""


def generate(model: str | Path | None = None, n: int = 64, seed: int = 0, mapping: Mapping = "zero-padded"
             ) -> Generated:
    """``n`` images of seed ``seed`` from a device-state export (default: the shipped Fashion-MNIST generator) or
    a converted network of the user's (``spindcgan export --model``), and their energy per image."""
    path = Path(model) if model else shipped_model("fashion-mnist")
    if not path.exists():
        raise SpinDCGANError(f"{path}: no generator there")
    data = read_exported(path)
    with about(path):
        if "factory" in data:  # a converted network of the user's
            generator, shape = network_from_exported(data)
            hardware = HardwareConfig.from_dict(data["hardware"])
            z = torch.randn(n, *shape[1:], generator=torch.Generator().manual_seed(seed))
            with torch.no_grad():
                images = generator(z)
            if images.dim() != 4 or images.shape[1] not in (1, 3):
                raise SpinDCGANError(f"{data['factory']} outputs a tensor of shape {tuple(images.shape)}, not images "
                                     "(N, 1 or 3, H, W): there is nothing to draw")
        else:
            generator, config = generator_from_exported(data)
            hardware, shape = config.hardware, (1, config.model.z_dim)
            images = generate_images(generator, n, seed)
    z = torch.randn(16, *shape[1:], generator=torch.Generator().manual_seed(seed))
    passes = generation_cost(generator, hardware, z, mapping)
    return Generated(images, sum(p.energy[k] for p in passes for k in DEVICE_COMPONENTS),
                     sum(p.total_energy for p in passes), sum(p.latency for p in passes))


def export(source: str | Path, out: str | Path, standing: bool = False) -> Path:
    """The evaluated generator of ``source`` saved as its device states (uint8 states and scales) to ``out``;
    ``standing``: its CMOS BatchNorm statistics recomputed from its own activations first."""
    generator, config = load_generator(source)
    step = provenance_of(source)["step"]
    if standing:
        standing_statistics(generator, config.model.z_dim)
    save_exported(generator, config, out, "standing" if standing else "running", step)
    return Path(out)
