"""Fallback packs: a run in a few MB, for continuing it on a machine that lost the run folder.

A full checkpoint of the width-64 anime networks is ~90 MB (fp32 weights, Adam's two moments per weight, a write
counter per device), too much to commit after every leg of a run that spans sessions. A pack keeps what
continuing needs, in as few bytes as keep the training on its course:

- the trained generator's and discriminator's weights as int8 with one scale per tensor, ``weight_steps`` steps
  each side of zero (|w|max / 127 by default: 4x finer than the synapses' own 63 levels, an error of at most ~2
  Adam steps at the DCGAN's 2e-4; 63 halves that precision for ~16 % fewer bytes), their small tensors
  (BatchNorm) in fp16;
- the step, the random state, the adaptive augmentation's state and the run folder's small logs (config, metrics,
  FID records, environment, the write summary);
- where they fit the size limit, in this order: the evaluated EMA generator and then the further ones (as device
  states: the uint8 synapse levels and per-layer scales a chip would hold, ``spindcgan.export.device_states``,
  within half a level of their shadow weights), Adam's moments (bf16), the per-device write counters.

Each part is xz-compressed on its own, so that what fits is a sum of sizes, and stored in a zip file. Measured on
the width-64 anime networks after one epoch: the trained G 3.1 MB, D 2.4 MB, an EMA generator 3.1 MB, both Adam
states 16.6 MB, the write counters 6.1 MB; at step 21,280 (epoch 76, ``experiments/pack_sizes.py``): G 2.73 MB and D
2.06 MB at 127 steps, 2.28 and 1.72 MB at 63, an EMA generator 2.80 MB, both Adam states 17.3 MB.

Continuing from a pack (``unpack``, then an ordinary resume) is not exact: the weights were rounded, and without
Adam's moments the optimisers start afresh, so the learning rates warm up linearly (``DEFAULT_WARMUP_STEPS``); an
EMA generator the pack left out starts again, the evaluated one from the trained generator, the further ones from
the evaluated one. The run's ``metrics.jsonl`` and ``environment.jsonl`` say so at the step it continued from. A
run folder that survived is resumed exactly.
"""

from __future__ import annotations

import datetime
import io
import lzma
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ..config import RunConfig
from ..errors import SpinDCGANError
from ..export import device_states, load_device_states
from ..formats import FORMAT_MEMBER, PACK_FORMAT
from ..io import atomic_write, save_torch
from ..models import Generator
from .checkpoint import (
    CHECKPOINT_NAME,
    COUNTER_KEYS,
    EMAS_KEY,
    EVALUATED_EMA,
    OPTIMISER_KEYS,
    PACK_KEY,
    WARMUP_KEY,
    load_checkpoint,
    require_parts,
)
from .endurance import WRITES_NAME
from .export_fids import EXPORT_FIDS_NAME
from .loop import EMA_FIDS_NAME, ENVIRONMENT_NAME

MAX_WEIGHT_STEPS = 127
"""Steps each side of zero of a packed weight at most, and by default (``int8_weights``): int8's whole range."""
PACK_LIMIT_MB = 25.0
"""The default size limit of a pack: all a width-64 anime run holds but Adam's moments and the write counters
(issue 48's legs pack at 4.5 MB, ``experiments/anime_leg.py``: their history must stay under 120 MB)."""
DEFAULT_WARMUP_STEPS = 200
"""Steps of the learning-rate warm-up after a resume without Adam's moments. Adam's bias-corrected second moment
after n steps averages n squared gradients (relative error ~sqrt(2 / n) for Gaussian ones: 10 % at 200), and its
first moment (beta1 = 0.5) forgets its start within a few steps, so 200 steps at a rising rate keep the first
updates from being scaled by a poor estimate; more would spend training at a reduced rate on every lost machine."""
LOG_FILES = ("config.json", "metrics.jsonl", ENVIRONMENT_NAME, EMA_FIDS_NAME, EXPORT_FIDS_NAME, WRITES_NAME, "fid.png")
"""The run folder's files a pack carries (those present): its record, not its samples or exports."""
KEPT_STATE = ("step", "finished", "epoch_sums", "rng", "cuda_rng", "rng_ranks", "cuda_rng_ranks", "world_size",
              "augment_adaptive", WARMUP_KEY)
"""Checkpoint entries a pack keeps as they are (small)."""
ZIP_MARGIN = 4096
"""Bytes kept from the size limit for the zip's own headers (about 100 a member)."""
NEEDED_PARTS = ("run", "generator", "discriminator")
"""The parts every pack holds (its record and state, G and D): without one it resumes nothing."""
STORED_AS = "G and D weights int8 ({steps} steps each side of zero, a scale per tensor), their small tensors fp16"
"""How a pack stores the networks it must hold, for the run's logs (``unpack``); the EMA generators it holds are
on their levels."""


@dataclass(frozen=True)
class PackInfo:
    """What ``write_pack`` wrote."""

    path: Path
    megabytes: float
    step: int
    dropped: tuple[str, ...]


def check_weight_steps(steps: int) -> None:
    """Refuse a rounding of packed weights that int8 cannot hold, in one line."""
    if not 1 <= steps <= MAX_WEIGHT_STEPS:
        raise SpinDCGANError(f"a packed weight takes 1 to {MAX_WEIGHT_STEPS} steps each side of zero, got {steps}")


def check_pack_options(limit_mb: float, weight_steps: int) -> None:
    """Refuse a size limit or a rounding no pack can be written with, in one line, before any work."""
    if not (limit_mb > 0):
        raise SpinDCGANError(f"the pack's size limit must be > 0 MB, got {limit_mb}")
    check_weight_steps(weight_steps)


def int8_weights(state: dict[str, torch.Tensor], steps: int = MAX_WEIGHT_STEPS) -> dict[str, Any]:
    """A network's state dict in few bytes: each weight tensor (2 or more dimensions) as int8 times one fp32 scale
    (|w|max / ``steps``, 1 to 127: fewer steps, fewer distinct values, fewer bytes once compressed), other
    floating-point tensors in fp16, integer buffers as they are."""
    check_weight_steps(steps)
    packed: dict[str, Any] = {}
    for key, value in state.items():
        if value.is_floating_point() and value.dim() >= 2:
            scale = value.abs().max().clamp_min(torch.finfo(torch.float32).tiny) / steps
            packed[key] = {"int8": (value / scale).round().to(torch.int8), "scale": scale}
        else:
            packed[key] = value.half() if value.is_floating_point() else value
    return packed


def float_weights(packed: dict[str, Any]) -> dict[str, torch.Tensor]:
    """``int8_weights`` undone, in fp32."""
    return {k: v["int8"].float() * v["scale"] if isinstance(v, dict) else v.float() if v.is_floating_point() else v
            for k, v in packed.items()}


def optimiser_as(state: dict[str, Any], dtype: torch.dtype) -> dict[str, Any]:
    """An Adam state dict with its moments in ``dtype`` (packed in bfloat16: the second moment spans too many
    decades for fp16; unpacked in fp32)."""
    return {**state, "state": {i: {k: v.to(dtype) if torch.is_tensor(v) and v.dim() else v for k, v in s.items()}
                               for i, s in state["state"].items()}}


def compressed(obj: Any) -> bytes:
    """``obj`` as torch saves it, xz-compressed at the highest setting."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return lzma.compress(buffer.getvalue(), preset=9 | lzma.PRESET_EXTREME)


def pack_parts(run: Path, weight_steps: int = MAX_WEIGHT_STEPS) -> tuple[dict[str, Any], dict[str, Any], int]:
    """The parts of a pack of the run in folder ``run`` (its latest checkpoint), by name: those it must hold (G and
    D at ``weight_steps``: ``int8_weights``) and those it takes where they fit, in that order of preference; and
    the checkpoint's step."""
    return checkpoint_parts(load_checkpoint(run), run, weight_steps)


def checkpoint_parts(state: dict[str, Any], run: Path, weight_steps: int = MAX_WEIGHT_STEPS
                     ) -> tuple[dict[str, Any], dict[str, Any], int]:
    """``pack_parts`` of the run folder ``run`` whose checkpoint ``state`` is already loaded."""
    require_parts(state, run, ("generator", "discriminator", *OPTIMISER_KEYS), "be packed")
    config = RunConfig.from_dict(state["config"])
    if config.hardware is None or config.hardware.synapse is None:
        raise SpinDCGANError(f"{run}: a run without synapse hardware has no device states to pack its EMA "
                             "generators as (pack the runs trained on the crossbars)")

    def on_levels(weights: dict[str, torch.Tensor]) -> dict[str, Any]:
        generator = Generator(config.model, config.hardware)
        generator.load_state_dict(weights)
        return device_states(generator)

    utc = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    run_state = {"format": PACK_FORMAT, "run": run.name, "created": utc, "config": state["config"],
                 "files": {name: (run / name).read_bytes() for name in LOG_FILES if (run / name).is_file()},
                 "weight_steps": weight_steps,
                 **{k: state[k] for k in KEPT_STATE if k in state}}
    needed = dict(zip(NEEDED_PARTS, (run_state, int8_weights(state["generator"], weight_steps),
                                     int8_weights(state["discriminator"], weight_steps)), strict=True))
    optional = {EVALUATED_EMA: on_levels(state[EVALUATED_EMA])} if EVALUATED_EMA in state else {}
    optional.update({f"{EMAS_KEY}/{name}": on_levels(weights) for name, weights in state.get(EMAS_KEY, {}).items()})
    optional["optimisers"] = {k: optimiser_as(state[k], torch.bfloat16) for k in OPTIMISER_KEYS}
    optional.update({k: state[k] for k in COUNTER_KEYS if k in state})
    return needed, optional, state["step"]


def write_pack(run: str | Path, out: str | Path, limit_mb: float = PACK_LIMIT_MB,
               weight_steps: int = MAX_WEIGHT_STEPS) -> PackInfo:
    """Pack the run in folder ``run`` into the file ``out`` (written atomically) within ``limit_mb`` megabytes: the
    parts it must hold (G and D at ``weight_steps``), then each optional one that still fits (``pack_parts``); a
    one-line error when the necessary ones alone are over the limit."""
    check_pack_options(limit_mb, weight_steps)
    run = Path(run)
    needed, optional, step = pack_parts(run, weight_steps)
    parts = {name: compressed(part) for name, part in needed.items()}
    total, limit = sum(map(len, parts.values())), limit_mb * 1e6 - ZIP_MARGIN
    if total > limit:
        raise SpinDCGANError(f"{run}: its pack takes {total / 1e6:.1f} MB with only the parts it must hold, over the "
                             f"limit of {limit_mb:g} MB")
    dropped = []
    for name, part in optional.items():
        data = compressed(part)
        if total + len(data) <= limit:
            parts[name], total = data, total + len(data)
        else:
            dropped.append(name)
    def write(tmp: Path) -> None:  # a zip of the parts as they are (stored): unzip -l lists them
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr(FORMAT_MEMBER, PACK_FORMAT)
            for name, data in parts.items():
                archive.writestr(f"{name}.pt.xz", data)

    atomic_write(out, write)
    return PackInfo(Path(out), Path(out).stat().st_size / 1e6, step, tuple(dropped))


def read_pack(path: str | Path, only: tuple[str, ...] | None = None) -> dict[str, Any]:
    """A pack's parts (``only`` those named), decompressed, or a one-line error naming a file that is not a whole
    pack."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if FORMAT_MEMBER not in names or archive.read(FORMAT_MEMBER).decode() != PACK_FORMAT:
                raise SpinDCGANError(f"{path}: not a spindcgan pack (no {PACK_FORMAT} format mark)")
            wanted = [n for n in names if n.endswith(".pt.xz") and (only is None or n.removesuffix(".pt.xz") in only)]
            missing = [part for part in NEEDED_PARTS if (only is None or part in only) and f"{part}.pt.xz" not in names]
            if missing:
                raise SpinDCGANError(f"{path}: not a whole spindcgan pack (no {' and no '.join(missing)} part)")
            return {name.removesuffix(".pt.xz"): torch.load(io.BytesIO(lzma.decompress(archive.read(name))),
                                                            map_location="cpu", weights_only=False)
                    for name in wanted}
    except SpinDCGANError:
        raise
    except zipfile.BadZipFile:
        raise SpinDCGANError(f"{path}: not a spindcgan pack, or a truncated one (not a whole zip file)") from None
    except OSError as exc:
        raise SpinDCGANError(f"{path}: cannot read the pack ({exc.strerror or exc})") from None
    except Exception as exc:  # noqa: BLE001 - torch.load and xz raise many types for a cut or foreign file
        raise SpinDCGANError(f"{path}: not a whole spindcgan pack (truncated or damaged: {exc.__class__.__name__})") \
            from None


def pack_step(path: str | Path) -> int:
    """The step of the run a pack holds (reading only its small ``run`` part)."""
    return int(read_pack(path, only=("run",))["run"]["step"])


def unpack(path: str | Path, out: str | Path, warmup_steps: int = DEFAULT_WARMUP_STEPS) -> Path:
    """Rebuild the run folder of the pack ``path`` under ``out`` (``out/<its run folder's name>``): its logs and a
    checkpoint that ``train(resume=...)`` continues, marked as from a pack (``PACK_KEY``) and, where the pack has
    no Adam moments, with a learning-rate warm-up of ``warmup_steps`` from its step. Refuses a folder that already
    holds a checkpoint (resume that one: exactly)."""
    if warmup_steps < 1:
        raise SpinDCGANError(f"the warm-up after a pack must be >= 1 step, got {warmup_steps}")
    parts = read_pack(path)
    run = parts["run"]
    if Path(out).exists() and not Path(out).is_dir():
        raise SpinDCGANError(f"{out}: not a folder (the pack's run folder goes inside it)")
    run_dir = Path(out) / run["run"]
    if (run_dir / CHECKPOINT_NAME).exists():
        raise SpinDCGANError(f"{run_dir} already holds this run's checkpoint: resume it exactly (--resume {run_dir}) "
                             "or unpack elsewhere (--out)")
    config = RunConfig.from_dict(run["config"])

    def weights(states: dict[str, Any]) -> dict[str, torch.Tensor]:
        return load_device_states(Generator(config.model, config.hardware), states).state_dict()

    state: dict[str, Any] = {"config": run["config"], **{k: run[k] for k in KEPT_STATE if k in run},
                             "generator": float_weights(parts["generator"]),
                             "discriminator": float_weights(parts["discriminator"]),
                             **{k: parts[k] for k in COUNTER_KEYS if k in parts}}
    if "optimisers" in parts:
        state.update({k: optimiser_as(v, torch.float32) for k, v in parts["optimisers"].items()})
    else:
        state[WARMUP_KEY] = {"start": run["step"], "steps": warmup_steps}
    if EVALUATED_EMA in parts:
        state[EVALUATED_EMA] = weights(parts[EVALUATED_EMA])
    emas = {name.split("/", 1)[1]: weights(v) for name, v in parts.items() if name.startswith(f"{EMAS_KEY}/")}
    if emas:
        state[EMAS_KEY] = emas
    dropped = [k for k in ("optimisers", *COUNTER_KEYS) if k not in parts]  # EMAs left out: the resume says which
    stored_as = STORED_AS.format(steps=run.get("weight_steps", MAX_WEIGHT_STEPS))  # older packs: int8's 127
    if EVALUATED_EMA in parts or emas:
        stored_as += "; EMA generators on their levels"
    state[PACK_KEY] = {"file": str(path), "created": run["created"], "weights": stored_as, "dropped": dropped}
    run_dir.mkdir(parents=True, exist_ok=True)
    for name, content in run["files"].items():
        atomic_write(run_dir / name, lambda tmp, content=content: tmp.write_bytes(content))
    save_torch(state, run_dir / CHECKPOINT_NAME)
    return run_dir
