"""GAN training on the modelled hardware, with exact resume.

A run folder holds ``config.json`` (the resolved RunConfig), ``metrics.jsonl`` (one JSON line per
logged step and per epoch), ``samples/epoch-NNN.png`` (a grid from fixed noise), ``checkpoint.pt``
(written atomically at every epoch end, every ``checkpoint_every`` steps and at the stop) and
``environment.jsonl`` (one line per start or resume: the step, the time, library versions, processor, threads
and the hash of the training images; ``spindcgan.runtime.environment``) and, with ``export_every``,
``exports/epoch-NNN.pt`` (the evaluated generator's device states at those epochs, ``spindcgan.export``).

Exact resume: the data order of epoch ``e`` comes from its own generator seeded by (seed, e), and the
checkpoint stores the global RNG state that draws latent noise, so a resumed run takes the very same
steps as an uninterrupted one.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import datetime
import json
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from tqdm import tqdm

from ..crossbar.terms import parse_noise
from ..data.fashion_mnist import to_model_range
from ..data.registry import load_training_images
from ..energy.updates import synapse_states
from ..errors import SpinDCGANError
from ..io import append_jsonl, load_jsonl, save_grid, save_json, save_jsonl, save_torch, writable_folder
from ..models import Discriminator, Generator
from ..plots import plot_fid_curve
from ..runtime import cpu_has_native_bf16, environment, full_fp32_on_cuda, training_precision
from ..seeds import stream_seed
from . import distributed
from .augment import AdaptiveProbability, augment, parse_policy
from .checkpoint import (
    CHECKPOINT_NAME,
    EMAS_KEY,
    OPTIMISER_KEYS,
    PACK_KEY,
    WARMUP_KEY,
    load_checkpoint,
    require_parts,
    run_lock,
)
from .config import RunConfig, TrainConfig, ema_key
from .distributed import World
from .endurance import WRITES_NAME, DeviceWrites
from .noise import computing_on, step_hardware
from .schedule import check_schedule_kept, learning_rates, steps_per_epoch_of, total_steps_of


class TrainingDiverged(SpinDCGANError):
    """A loss became NaN or infinite; the last good checkpoint is kept."""


@dataclass
class GAN:
    """The two networks and their optimisers."""

    generator: Generator
    discriminator: Discriminator
    opt_g: torch.optim.Adam
    opt_d: torch.optim.Adam
    generator_ema: Generator | None = None
    replicas: tuple[torch.nn.Module, torch.nn.Module] | None = None
    """The generator and discriminator as trained across ranks (``distributed.replicate``); None: one process."""

    emas: dict[float, Generator] = field(default_factory=dict)
    """Further EMA generators by half-life in epochs (``TrainConfig.ema_half_lives``), kept beside the evaluated one."""

    @classmethod
    def build(cls, config: RunConfig, device: str) -> GAN:
        g = Generator(config.model, config.hardware).to(device)
        d = Discriminator(config.model, config.hardware).to(device)
        t = config.train
        betas = (t.beta1, t.beta2)
        ema = copy.deepcopy(g).requires_grad_(False) if t.ema > 0 else None
        emas = {h: copy.deepcopy(g).requires_grad_(False) for h in t.ema_half_lives}
        return cls(g, d, torch.optim.Adam(g.parameters(), t.lr, betas),
                   torch.optim.Adam(d.parameters(), t.discriminator_lr, betas), ema, emas=emas)

    @property
    def evaluated_generator(self) -> Generator:
        """The generator that is sampled and measured: the EMA one when training keeps it."""
        return self.generator_ema if self.generator_ema is not None else self.generator

    @torch.no_grad()
    def update_ema(self, decay: float, half_life_decays: dict[float, float] | None = None) -> None:
        """Move each EMA's shadow weights towards the trained ones (``generator_ema`` by ``decay``, each of ``emas``
        by its entry in ``half_life_decays``); copy BatchNorm statistics."""
        averages = [(self.generator_ema, decay)] if self.generator_ema is not None else []
        averages += [(self.emas[h], rate) for h, rate in (half_life_decays or {}).items()]
        params = list(self.generator.parameters())
        for average, rate in averages:
            ema_params = list(average.parameters())
            if len(ema_params) != len(params):
                raise ValueError("the EMA generator and the generator have different parameters")
            torch._foreach_lerp_(ema_params, params, 1 - rate)  # one call for all: per-tensor lerp_ on a CPU
            for ema_b, b in zip(average.buffers(), self.generator.buffers(), strict=True):
                ema_b.copy_(b)  # the trained generator's statistics: experiments/standing_statistics.py weighs them

    def state_dict(self) -> dict[str, Any]:
        state = {
            "generator": self.generator.state_dict(),
            "discriminator": self.discriminator.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
        }
        if self.generator_ema is not None:
            state["generator_ema"] = self.generator_ema.state_dict()
        if self.emas:
            state[EMAS_KEY] = {ema_key(h): g.state_dict() for h, g in self.emas.items()}
        return state

    def load_state_dict(self, state: dict[str, Any], optimisers: bool = True) -> list[float]:
        """Load a checkpoint's networks (and, with ``optimisers``, Adam's moments); returns the half-lives of
        ``emas`` that the checkpoint lacks (added on a resume): each starts from the evaluated generator."""
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])
        if optimisers:
            self.opt_g.load_state_dict(state["opt_g"])
            self.opt_d.load_state_dict(state["opt_d"])
        if self.generator_ema is not None:
            self.generator_ema.load_state_dict(state["generator_ema"])
        saved, added = state.get(EMAS_KEY, {}), []
        for half_life, average in self.emas.items():
            if ema_key(half_life) in saved:
                average.load_state_dict(saved[ema_key(half_life)])
            else:
                average.load_state_dict(self.evaluated_generator.state_dict())
                added.append(half_life)
        return added


def train_step(gan: GAN, real: torch.Tensor, z: torch.Tensor, policy: tuple[str, ...] = (),
               as_tensors: bool = False, r1: float = 0.0, augment_p: float = 1.0,
               sign_of_real: bool = False) -> dict[str, Any]:
    """One DCGAN step: discriminator on real + fake, then the non-saturating generator loss; ``policy``
    (``augment.parse_policy``) augments every image the discriminator sees, each transform with probability
    ``augment_p``; ``sign_of_real`` adds r_t = E[sign(D(x))] on the real images as ``d_real_sign`` (what
    adaptive augmentation steers by, ``augment.AdaptiveProbability``); ``r1`` > 0 adds the R1 penalty
    r1 / 2 * E||grad_x D(x)||^2 on the (augmented) real images to the discriminator's loss (``TrainConfig.r1``;
    logged as ``r1_penalty``). Returns the losses and the discriminator's mean outputs as floats, or
    (``as_tensors``) as 0-d tensors on the training device, which the loop reads back all at once
    (``host_values``): each read of a CUDA value waits for the device."""
    g, discriminator = gan.replicas or (gan.generator, gan.discriminator)

    def d(x: torch.Tensor) -> torch.Tensor:
        return discriminator(augment(x, policy, augment_p))

    fake = g(z)
    gan.opt_d.zero_grad(set_to_none=True)
    # the real images as D sees them, where R1 takes its gradient (a data batch: detaching it drops nothing)
    seen = augment(real, policy, augment_p).detach().requires_grad_(r1 > 0)
    logits_real, penalty = discriminator(seen), None
    if r1 > 0:
        (grad,) = torch.autograd.grad(logits_real.float().sum(), seen, create_graph=True)
        penalty = r1 / 2 * grad.float().square().sum(dim=tuple(range(1, grad.dim()))).mean()
    logits_fake = d(fake.detach())
    loss_d = F.binary_cross_entropy_with_logits(logits_real, torch.ones_like(logits_real)) + (
        F.binary_cross_entropy_with_logits(logits_fake, torch.zeros_like(logits_fake))
    )
    (loss_d if penalty is None else loss_d + penalty).backward()
    gan.opt_d.step()

    gan.opt_g.zero_grad(set_to_none=True)
    logits_gen = d(fake)
    loss_g = F.binary_cross_entropy_with_logits(logits_gen, torch.ones_like(logits_gen))
    loss_g.backward()
    gan.opt_g.step()
    stats = {
        "loss_d": loss_d.detach(),
        "loss_g": loss_g.detach(),
        "d_real": torch.sigmoid(logits_real.detach()).mean(),
        "d_fake": torch.sigmoid(logits_fake.detach()).mean(),
    }
    if penalty is not None:
        stats["r1_penalty"] = penalty.detach()
    if sign_of_real:
        stats["d_real_sign"] = torch.sign(logits_real.detach()).float().mean()
    return stats if as_tensors else host_values(stats)


def host_values(stats: dict[str, Any]) -> dict[str, Any]:
    """``stats`` with its tensor values read back as floats in one transfer (one wait for a CUDA device, not
    one per value); values exact (read through float64)."""
    tensors = {k: v for k, v in stats.items() if isinstance(v, torch.Tensor)}
    if not tensors:
        return dict(stats)
    values = torch.stack([v.detach().to(torch.float64) for v in tensors.values()]).tolist()
    return {**stats, **dict(zip(tensors, values, strict=True))}


def epoch_order(seed: int, epoch: int, n: int) -> torch.Tensor:
    """The shuffled sample order of one epoch: a function of (seed, epoch) only."""
    # the data order keeps its own stride (its first one), so that every run since replays its batches
    return torch.randperm(n, generator=torch.Generator().manual_seed(stream_seed(seed, epoch, stride=100_003)))


def new_run_dir(out: str | Path, config: RunConfig) -> Path:
    """``out/NNNNN-<dataset>-<hardware>``, numbered after the runs already there."""
    out = writable_folder(out)
    numbers = [int(p.name[:5]) for p in out.iterdir() if p.is_dir() and p.name[:5].isdigit()]
    run_dir = out / f"{max(numbers, default=-1) + 1:05d}-{config.model.dataset}-{config.hardware_tag()}"
    run_dir.mkdir()
    return run_dir


def checkpointed_metrics(run_dir: str | Path, step: int | None = None) -> list[dict]:
    """The records of a run's ``metrics.jsonl`` up to ``step`` (default: its checkpoint's). Lines after the
    checkpoint come from training that a resume redoes, so they describe no saved state."""
    records = load_jsonl(Path(run_dir) / "metrics.jsonl")
    if records and step is None:
        step = load_checkpoint(run_dir)["step"]
    return [r for r in records if r.get("step", 0) <= step]


def _trim_metrics(run_dir: Path, step: int) -> list[dict]:
    """Drop log lines written after ``step`` (by a run that died before its next checkpoint); the kept records."""
    kept = checkpointed_metrics(run_dir, step)
    if (run_dir / "metrics.jsonl").exists():
        save_jsonl(kept, run_dir / "metrics.jsonl")
    return kept


def _epoch_outputs_missing(records: list[dict], run_dir: Path, epoch: int, t: TrainConfig,
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


def due(every: int, epoch: int) -> bool:
    """Whether a per-K-epochs job (``fid_every``, ``export_every``; 0: never) runs at the end of ``epoch``."""
    return bool(every) and epoch % every == 0


def epoch_grid_path(run_dir: Path, epoch: int) -> Path:
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


def _trim_ema_fids(run_dir: Path, step: int) -> None:
    """Drop ``ema-fids.jsonl`` lines measured after ``step`` (a resume measures them again) and cut-off ones."""
    if (run_dir / EMA_FIDS_NAME).exists():
        save_jsonl([r for r in load_jsonl(run_dir / EMA_FIDS_NAME) if r["step"] <= step], run_dir / EMA_FIDS_NAME)


def _resume_notes(state: dict[str, Any], added_emas: list[float], from_pack: bool) -> dict[str, Any]:
    """What a resume changed that the run's logs must say (``environment.jsonl`` and ``metrics.jsonl``): that it
    continued from a pack, not exactly (``training.pack``), and which EMA generators it started; warned too."""
    notes: dict[str, Any] = {}
    if from_pack:
        pack = state[PACK_KEY]
        notes["resumed_from_pack"] = {**pack, "exact": False}
        warm_up = f"; learning rates warm up over {state[WARMUP_KEY]['steps']} steps" if WARMUP_KEY in state else ""
        warnings.warn(f"resumed from the pack {pack['file']} of step {state['step']}, not exactly: its weights were "
                      f"stored as {pack['weights']}, without {', '.join(pack['dropped']) or 'nothing'}{warm_up}",
                      stacklevel=4)
    if added_emas:
        notes["emas_started"] = [ema_key(h) for h in added_emas]
        warnings.warn(f"EMA generator(s) {', '.join(ema_key(h) for h in added_emas)} start at step {state['step']} "
                      "from the evaluated generator's weights", stacklevel=4)
    return notes


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


def fixed_noise(config: RunConfig, device: str) -> torch.Tensor:
    """The latent vectors of the per-epoch sample grids (same for every epoch and on resume)."""
    gen = torch.Generator().manual_seed(config.train.seed + 1)
    return torch.randn(config.train.sample_count, config.model.z_dim, generator=gen).to(device)


def _check_network_kept(saved: RunConfig, config: RunConfig, run_dir: Path) -> None:
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


def train(
    config: RunConfig, out: str | Path = "runs", resume: str | Path | None = None, progress: bool = True,
    time_limit: float | None = None, on_start: Callable[[Path], None] | None = None, world: World | None = None,
    on_step: Callable[[int, GAN], None] | None = None,
) -> Path:
    """Train (or continue) a run; returns its folder. ``resume`` is a run folder to continue.
    ``time_limit`` (seconds) stops cleanly after the step that passes it, with a checkpoint to resume.
    ``on_start`` is told the run folder as soon as it exists (the command prints it). Every stop leaves a sample
    grid: an epoch's end its ``samples/epoch-NNN.png``, any other stop ``samples/step-NNNNNNN.png``.
    ``world`` is this process's rank among several training the run together (``training.distributed``; None:
    one process). ``on_step`` is called after every optimiser step with the step count and the GAN."""
    t = config.train
    if t.threads:
        torch.set_num_threads(t.threads)
    device = t.device if world is None else distributed.rank_device(world, t.device)
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise SpinDCGANError(f"train.device is {device!r} but no CUDA device is available")
    full_fp32_on_cuda(device)
    if t.precision == "bf16" and not device.startswith("cuda") and cpu_has_native_bf16() is False:
        warnings.warn("train.precision bf16: this CPU has no bfloat16 products (no avx512_bf16 or amx_bf16 in "
                      "/proc/cpuinfo), so its steps may be slower than fp32 ones", stacklevel=2)
    if t.export_every and not has_device_states(config):  # before any run folder
        raise SpinDCGANError("train.export_every saves synapse device states, which a run without synapse hardware "
                             "(--float, --float-weights) does not have")
    if world is None:
        if t.sync_batchnorm:
            raise SpinDCGANError("train.sync_batchnorm synchronises BatchNorm across ranks: launch the run with "
                                 "torchrun --nproc_per_node N -m spindcgan train ...")
        return _train(config, device, out, resume, progress, time_limit, on_start, None, on_step)
    if t.r1:  # DistributedDataParallel does not carry a double backward's gradients across ranks
        raise SpinDCGANError("train.r1 (the R1 penalty) trains in one process only for now, not under torchrun")
    distributed.start(world, device, t.batch_size, t.sync_batchnorm)
    completed = False
    try:
        run_dir = _train(config, device, out, resume, progress, time_limit, on_start, world, on_step)
        completed = True
        return run_dir
    finally:
        distributed.stop(completed)


def has_device_states(config: RunConfig) -> bool:
    """Whether the run's networks hold synapse device states (to count writes of, and to export)."""
    return config.hardware is not None and config.hardware.synapse is not None


def _train(
    config: RunConfig, device: str, out: str | Path, resume: str | Path | None, progress: bool,
    time_limit: float | None, on_start: Callable[[Path], None] | None, world: World | None,
    on_step: Callable[[int, GAN], None] | None,
) -> Path:
    """``train`` on one rank of ``world`` (None: one process, not under torchrun), its run folder held
    (``run_lock``) from before it is first written to the end, however the training ends."""
    with contextlib.ExitStack() as held:
        return _train_holding(held, config, device, out, resume, progress, time_limit, on_start, world, on_step)


def _train_holding(
    held: contextlib.ExitStack, config: RunConfig, device: str, out: str | Path, resume: str | Path | None,
    progress: bool, time_limit: float | None, on_start: Callable[[Path], None] | None, world: World | None,
    on_step: Callable[[int, GAN], None] | None,
) -> Path:
    t = config.train
    launched, world = world is not None, world or World()
    main = world.is_main
    track_updates = has_device_states(config)
    pixels = load_training_images(config.model.dataset, t.data, progress and main, t.train_split)[: t.limit]
    images = to_model_range(pixels)
    if images.shape[1:] != (config.model.channels, config.model.image_size, config.model.image_size):
        raise SpinDCGANError(f"dataset images {tuple(images.shape[1:])} do not fit model {config.model}")
    images = images.to(device)
    steps_per_epoch = steps_per_epoch_of(t, len(images))
    if steps_per_epoch == 0:
        raise SpinDCGANError(f"dataset has {len(images)} images, fewer than one batch of {t.batch_size}")
    total_steps = total_steps_of(t, steps_per_epoch)

    torch.manual_seed(t.seed)
    gan = GAN.build(config, device)
    if launched:
        gan.replicas = distributed.replicate(gan.generator, gan.discriminator, device, t.sync_batchnorm)
        if world.rank:  # a noise stream of its own; rank 0 keeps the single process's
            torch.manual_seed(distributed.rank_seed(t.seed, world.rank))
    step, epoch_sums, records, state, warmup, added_emas, from_pack = 0, {}, [], {}, None, [], False
    if resume is not None:
        run_dir = Path(resume)
        if main:
            held.enter_context(run_lock(run_dir))
        state = load_checkpoint(run_dir, device)
        from_pack = PACK_KEY in state  # rebuilt by training.pack, maybe without Adam's moments
        moments = all(k in state for k in OPTIMISER_KEYS)
        needed = [k for k in gan.state_dict() if k != EMAS_KEY and not (from_pack and k in OPTIMISER_KEYS)]
        require_parts(state, run_dir, tuple(needed), "be resumed")  # every part the GAN loads
        if state.get("world_size", 1) != world.size:
            raise SpinDCGANError(f"{run_dir}: trained by {state.get('world_size', 1)} rank(s); resume it with as "
                                 f"many (torchrun --nproc_per_node), not {world.size}: another number would draw "
                                 "other noise and BatchNorm shards")
        saved = RunConfig.from_dict(state["config"])
        _check_network_kept(saved, config, run_dir)
        check_schedule_kept(saved.train, t, state["step"], steps_per_epoch)
        added_emas = gan.load_state_dict(state, optimisers=moments)
        step, epoch_sums = state["step"], state.get("epoch_sums", {})
        warmup = state.get(WARMUP_KEY)
        # RNG states are CPU byte tensors: the checkpoint was loaded onto ``device``, so bring them back
        torch.set_rng_state((state["rng_ranks"][world.rank] if "rng_ranks" in state else state["rng"]).cpu())
        cuda_rng = state["cuda_rng_ranks"][world.rank] if "cuda_rng_ranks" in state else state.get("cuda_rng")
        if device.startswith("cuda") and cuda_rng is not None:
            torch.cuda.set_rng_state(cuda_rng.cpu())
        if main:
            records = _trim_metrics(run_dir, step)
            _trim_ema_fids(run_dir, step)
    else:
        run_dir = new_run_dir(out, config) if main else None
        if main:
            held.enter_context(run_lock(run_dir))
        if launched:
            run_dir = distributed.broadcast(run_dir)
    if main:
        save_json(config.to_dict(), run_dir / "config.json")
        if on_start is not None:
            on_start(run_dir)
        resumed = _resume_notes(state, added_emas, from_pack) if resume is not None else {}
        record_environment(run_dir, step, {**environment(device, pixels), "world_size": world.size,
                                           "precision": t.precision, **resumed})
    states = synapse_states(gan.generator, gan.discriminator) if track_updates else None
    writes = DeviceWrites(states, counted_from_step=step) if track_updates else None
    if writes is not None and "device_writes" in state:  # else a new run, or a checkpoint from before the counters
        writes.load_state_dict(state["device_writes"])
    noise = fixed_noise(config, device)
    policy = parse_policy(t.augment)
    adaptive = AdaptiveProbability(t.augment_p, t.augment_target) if t.augment_target is not None else None
    if adaptive is not None and "augment_adaptive" in state:
        adaptive.load_state_dict(state["augment_adaptive"])
    chip_noise = parse_noise(t.train_noise)
    nets = (gan.generator, gan.discriminator)
    half_life_decays = {h: t.ema_decay(h, len(images)) for h in t.ema_half_lives}

    def checkpoint() -> None:
        rng = torch.get_rng_state()
        cuda_rng = torch.cuda.get_rng_state() if device.startswith("cuda") else None
        ranks = distributed.gather((rng, cuda_rng), world) if launched else None  # every rank takes part
        if not main:
            return
        save_torch(
            {
                **gan.state_dict(),
                "config": config.to_dict(),
                "step": step,
                "finished": step >= total_steps,  # False: stopped by the time limit, continue with --resume
                "epoch_sums": epoch_sums,
                "rng": rng,
                "cuda_rng": cuda_rng,
                "world_size": world.size,
                **({"device_writes": writes.state_dict()} if writes is not None else {}),
                **({"augment_adaptive": adaptive.state_dict()} if adaptive is not None else {}),
                **({WARMUP_KEY: warmup} if warmup is not None else {}),
                **({"rng_ranks": [r for r, _ in ranks], "cuda_rng_ranks": [c for _, c in ranks]} if ranks else {}),
            },
            run_dir / CHECKPOINT_NAME,
        )
        if writes is not None:
            save_json(writes.summary(step), run_dir / WRITES_NAME)

    log = (run_dir / "metrics.jsonl").open("a") if main else None

    def write_log(record: dict[str, Any]) -> None:
        if log is not None:
            log.write(json.dumps(record) + "\n")
            log.flush()

    if main and resumed:
        write_log({"step": step, **resumed})

    def end_of_epoch(with_fid: bool = True, emas: list[float] | None = None) -> None:
        """The sample grid and, when scheduled, the device-state exports and (with ``with_fid``) the FID of the
        epoch that just ended (``step`` is on its end), and the FIDs of the EMA generators of ``emas`` (None: all,
        when scheduled); rank 0's work."""
        epoch = step // steps_per_epoch
        save_samples(gan.evaluated_generator, noise, epoch_grid_path(run_dir, epoch))
        if due(t.export_every, epoch):
            from ..export import save_exported

            save_exported(gan.evaluated_generator, config, epoch_export_path(run_dir, epoch), step=step)
            for half_life, average in gan.emas.items():
                save_exported(average, config, epoch_export_path(run_dir, epoch, half_life), step=step)
        if not due(t.fid_every, epoch):
            return
        if with_fid:
            write_log({"step": step, "epoch_end": epoch, **measure_fid(gan.evaluated_generator, config)})
        for half_life in gan.emas if emas is None else emas:
            append_jsonl({"step": step, "epoch_end": epoch, "ema": ema_key(half_life), "half_life_epochs": half_life,
                          **measure_fid(gan.emas[half_life], config)}, run_dir / EMA_FIDS_NAME)
        plot_fid_curve(run_dir / "metrics.jsonl", run_dir / "fid.png", run_dir / EMA_FIDS_NAME)

    started = time.time()  # the time limit counts the catch-up below too (a first FID can take half an hour)
    if main and resume is not None and step > 0 and step % steps_per_epoch == 0:
        kept = [h for h in gan.emas if h not in added_emas]  # one started now has no past to measure
        fid_missing, emas_missing, files_missing = _epoch_outputs_missing(records, run_dir, step // steps_per_epoch,
                                                                          t, kept)
        if fid_missing or emas_missing or files_missing:  # stopped between its checkpoint and its FIDs: finish them
            end_of_epoch(with_fid=fid_missing, emas=emas_missing)
    order, order_epoch = None, None
    bar = tqdm(total=total_steps, initial=step, disable=not (progress and main), unit="step", dynamic_ncols=True)
    cleanup = contextlib.ExitStack()
    if launched:
        cleanup.enter_context(distributed.terminated_in_one_line(world, run_dir / CHECKPOINT_NAME))
    try:
        while step < total_steps:
            if time_limit is not None:
                over = time.time() - started >= time_limit
                if over if not launched else distributed.agree(over):
                    break
            epoch, index = divmod(step, steps_per_epoch)
            if order_epoch != epoch:  # drawn once an epoch
                order, order_epoch = epoch_order(t.seed, epoch, len(images)), epoch
            batch_ids = order[index * t.batch_size : (index + 1) * t.batch_size]
            batch_ids = (distributed.shard(batch_ids, world) if launched else batch_ids).to(device)
            z = torch.randn(len(batch_ids), config.model.z_dim, device=device)
            lr_g, lr_d = learning_rates(t, step, steps_per_epoch, total_steps, warmup)
            for optimiser, lr in ((gan.opt_g, lr_g), (gan.opt_d, lr_d)):
                for group in optimiser.param_groups:
                    group["lr"] = lr
            chip = (computing_on(nets, step_hardware(config.hardware, chip_noise, step)) if chip_noise
                    else contextlib.nullcontext())
            with training_precision(t.precision, device), chip:
                p = t.augment_p if adaptive is None else adaptive.p
                stats = train_step(gan, images[batch_ids], z, policy, as_tensors=True, r1=t.r1, augment_p=p,
                                   sign_of_real=adaptive is not None)
            if main:
                gan.update_ema(t.ema, half_life_decays)
            if track_updates:  # the synapse writes this step made, for the energy ledger
                new_states = synapse_states(gan.generator, gan.discriminator)
                stats["state_changes_per_image"] = writes.add(states, new_states).to(torch.float64) / t.batch_size
                states = new_states
            stats = host_values(stats)  # the step's one wait for the device
            if launched:
                stats = distributed.reduce_stats(stats, world)
            if adaptive is not None:  # after the ranks' reduction, so that every rank steers p alike
                stats["augment_p"] = p
                adaptive.observe(stats["d_real_sign"], t.batch_size)
            if not all(math.isfinite(v) for v in stats.values()):
                raise TrainingDiverged(
                    f"loss became {stats} at step {step + 1} (epoch {epoch + 1}); training stopped, "
                    f"the last good checkpoint is {run_dir / CHECKPOINT_NAME}"
                )
            step += 1
            for k, v in {**stats, "steps": 1}.items():
                epoch_sums[k] = epoch_sums.get(k, 0.0) + v
            bar.update(1)
            bar.set_postfix(epoch=epoch + 1, loss_d=f"{stats['loss_d']:.3f}", loss_g=f"{stats['loss_g']:.3f}")
            if step % t.log_every == 0:
                write_log({"step": step, "epoch": epoch + 1, **stats})
            if step % steps_per_epoch == 0:
                summary = {k: v / epoch_sums["steps"] for k, v in epoch_sums.items() if k != "steps"}
                epoch_sums.clear()
                write_log({"step": step, "epoch_end": epoch + 1, "elapsed_s": time.time() - started,
                           **{f"mean_{k}": v for k, v in summary.items()}})
                if due(t.checkpoint_epochs, epoch + 1):
                    checkpoint()  # before the (long) FID, so an interruption there loses no training
                if main:
                    end_of_epoch()
            elif t.checkpoint_every and step % t.checkpoint_every == 0:
                checkpoint()
            if on_step is not None:
                on_step(step, gan)
        checkpoint()
        if main and (step % steps_per_epoch or step == 0):  # stopped inside an epoch: its picture too
            save_samples(gan.evaluated_generator, noise, stop_grid_path(run_dir, step))
    except RuntimeError as exc:  # torch.distributed's errors are RuntimeErrors
        if launched and distributed.is_lost_peer(exc):
            raise distributed.lost_rank(exc, world, run_dir / CHECKPOINT_NAME) from None
        raise
    finally:
        cleanup.close()
        bar.close()
        if log is not None:
            log.close()
    return run_dir


TRAINING_FID_SEED = 12345
"""Sample seed of every in-training FID: the same latents at each epoch, so the epochs are comparable."""


def measure_fid(generator: Generator, config: RunConfig) -> dict[str, Any]:
    """FID of a generator by the run's in-training protocol (``fid_n`` images of ``TRAINING_FID_SEED``)."""
    from ..metrics.fid import DEFAULT_REFERENCE, generator_fid

    dataset = config.model.dataset
    t = config.train
    record = generator_fid(generator, dataset, t.fid_n, DEFAULT_REFERENCE[dataset], seed=TRAINING_FID_SEED,
                           data=t.data, ref_n=t.fid_ref_n, device=t.device, progress=False)
    return {k: record[k] for k in ("metric", "fid", "kid", "kid_std", "n_generated", "n_reference")}


@torch.no_grad()
def save_samples(generator: Generator, noise: torch.Tensor, path: Path) -> Path:
    """A grid of generator samples (eval mode: BatchNorm running statistics, as at inference)."""
    was_training = generator.training
    generator.eval()
    try:
        return save_grid(generator(noise), path)
    finally:
        generator.train(was_training)
