"""GAN training on the modelled hardware, with exact resume: the loop, as the sequence of its parts.

``train`` checks the options and starts the ranks; ``_train_holding`` sets the run up (a new run folder,
``training.run_folder``, or the resumed one restored, ``training.resume``) into a ``Run`` (``training.state``:
what the parts share, with the ``TrainingState`` a checkpoint keeps) and takes its steps, each epoch's end handed
to ``training.epoch_end`` (mean line, checkpoint, sample grid, exports, FIDs).

Exact resume: the data order of epoch ``e`` comes from its own generator seeded by (seed, e) (``epoch_order``),
and the checkpoint stores the global RNG state that draws latent noise, so a resumed run takes the very same
steps as an uninterrupted one. The names that other modules, experiments and tests import from here stay
importable from here.
"""

from __future__ import annotations

import contextlib
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from tqdm import tqdm

from ..config import RunConfig, parse_policy
from ..crossbar.terms import parse_noise
from ..data.fashion_mnist import to_model_range
from ..data.registry import load_training_images
from ..energy.updates import States, synapse_states
from ..errors import SpinDCGANError
from ..io import save_json
from ..runtime import check_device, cpu_has_native_bf16, environment, full_fp32_on_cuda, training_precision
from ..seeds import stream_seed
from . import distributed
from .checkpoint import CHECKPOINT_NAME, EMAS_KEY, PACK_KEY, WARMUP_KEY, run_lock
from .distributed import World
from .epoch_end import TRAINING_FID_SEED, finish_epoch, fixed_noise, measure_fid, save_samples, training_metric
from .gan import GAN, host_values, train_step
from .noise import computing_on, step_hardware
from .resume import checkpointed_metrics, finish_cut_off_epoch, restore, resume_notes, trim_logs
from .run_folder import (
    EMA_FIDS_NAME,
    ENVIRONMENT_NAME,
    EXPORTS_DIR,
    SAME_COMPUTATION,
    due,
    epoch_export_path,
    epoch_exports,
    epoch_grid_path,
    new_run_dir,
    record_environment,
    stop_grid_path,
)
from .schedule import learning_rates, steps_per_epoch_of, total_steps_of
from .state import Run, initial_state, save_checkpoint

__all__ = [  # with the names imported from here elsewhere (spindcgan.training, pack, writes, export_fids, tests)
    "EMAS_KEY", "EMA_FIDS_NAME", "ENVIRONMENT_NAME", "EXPORTS_DIR", "GAN", "PACK_KEY", "SAME_COMPUTATION",
    "TRAINING_FID_SEED", "WARMUP_KEY", "TrainingDiverged", "checkpointed_metrics", "due", "epoch_export_path",
    "epoch_exports", "epoch_grid_path", "epoch_order", "fixed_noise", "has_device_states", "host_values",
    "learning_rates", "measure_fid", "new_run_dir", "record_environment", "save_samples", "stop_grid_path", "train",
    "train_step", "training_metric",
]


class TrainingDiverged(SpinDCGANError):
    """A loss became NaN or infinite; the last good checkpoint is kept."""


def epoch_order(seed: int, epoch: int, n: int) -> torch.Tensor:
    """The shuffled sample order of one epoch: a function of (seed, epoch) only."""
    # the data order keeps its own stride (its first one), so that every run since replays its batches
    return torch.randperm(n, generator=torch.Generator().manual_seed(stream_seed(seed, epoch, stride=100_003)))


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
    check_device(device, "train.device")
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
    """``_train`` inside ``held``: the run set up (a new folder, or the resumed one restored, with what an
    interruption cut off finished first), then its steps."""
    t = config.train
    launched, world = world is not None, world or World()
    main = world.is_main
    pixels, images, steps_per_epoch = _training_images(config, device, progress and main)
    total_steps = total_steps_of(t, steps_per_epoch)
    torch.manual_seed(t.seed)
    gan = GAN.build(config, device)
    if launched:
        gan.replicas = distributed.replicate(gan.generator, gan.discriminator, device, t.sync_batchnorm)
        if world.rank:  # a noise stream of its own; rank 0 keeps the single process's
            torch.manual_seed(distributed.rank_seed(t.seed, world.rank))
    saved, started_emas, records, notes = {}, [], [], {}
    if resume is not None:
        run_dir = Path(resume)
        if main:
            held.enter_context(run_lock(run_dir))
        saved, started_emas = restore(run_dir, config, gan, world, device, steps_per_epoch)
        if main:
            records = trim_logs(run_dir, saved["step"])
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
        notes = resume_notes(saved, started_emas) if resume is not None else {}
        record_environment(run_dir, saved.get("step", 0), {**environment(device, pixels), "world_size": world.size,
                                                           "precision": t.precision, **notes})
    synapses = synapse_states(gan.generator, gan.discriminator) if has_device_states(config) else None
    state = initial_state(config, saved, synapses)
    noise = fixed_noise(config, device)
    steps = _Steps(images, parse_policy(t.augment), parse_noise(t.train_noise),
                   {h: t.ema_decay(h, len(images)) for h in t.ema_half_lives}, synapses)
    log = held.enter_context((run_dir / "metrics.jsonl").open("a")) if main else None
    run = Run(config, device, world, launched, run_dir, gan, steps_per_epoch, total_steps, state, noise, measure_fid,
              log)
    if notes:
        run.write_log({"step": state.step, **notes})
    if resume is not None:  # the time limit counts this too (a first FID can take half an hour)
        finish_cut_off_epoch(run, records, started_emas)
    _take_steps(run, steps, time_limit, progress, on_step)
    return run_dir


def _training_images(config: RunConfig, device: str, progress: bool) -> tuple[torch.Tensor, torch.Tensor, int]:
    """The run's training images as read (uint8, for the environment's data hash) and as trained on (in the
    model's range, on ``device``), and the steps an epoch of them takes; one-line errors for images that do not
    fit the model and for fewer than one batch."""
    t = config.train
    pixels = load_training_images(config.model.dataset, t.data, progress, t.train_split)[: t.limit]
    images = to_model_range(pixels)
    if images.shape[1:] != (config.model.channels, config.model.image_size, config.model.image_size):
        raise SpinDCGANError(f"dataset images {tuple(images.shape[1:])} do not fit model {config.model}")
    images = images.to(device)
    steps_per_epoch = steps_per_epoch_of(t, len(images))
    if steps_per_epoch == 0:
        raise SpinDCGANError(f"dataset has {len(images)} images, fewer than one batch of {t.batch_size}")
    return pixels, images, steps_per_epoch


@dataclass
class _Steps:
    """What each step reads beside the ``Run``: the training images, the DiffAugment policy, the chip noise drawn
    at each step (``--train-noise``), the decays of the half-life EMAs, and the synapses' device states after the
    last step (None: no synapses), which the next step's writes are counted against."""

    images: torch.Tensor
    policy: tuple[str, ...]
    chip_noise: dict[str, str]
    half_life_decays: dict[float, float]
    synapses: States | None


def _take_steps(run: Run, steps: _Steps, time_limit: float | None, progress: bool,
                on_step: Callable[[int, GAN], None] | None) -> None:
    """The steps from the run's step to its last or to the time limit, each epoch's end finished as it comes
    (``epoch_end.finish_epoch``); then the checkpoint of the stop and, inside an epoch, its sample grid."""
    t, state = run.config.train, run.state
    order, order_epoch = None, None
    bar = tqdm(total=run.total_steps, initial=state.step, disable=not (progress and run.main), unit="step",
               dynamic_ncols=True)
    cleanup = contextlib.ExitStack()
    if run.launched:
        cleanup.enter_context(distributed.terminated_in_one_line(run.world, run.run_dir / CHECKPOINT_NAME))
    try:
        while state.step < run.total_steps:
            if time_limit is not None:
                over = time.time() - run.started >= time_limit
                if over if not run.launched else distributed.agree(over):
                    break
            epoch, index = divmod(state.step, run.steps_per_epoch)
            if order_epoch != epoch:  # drawn once an epoch
                order, order_epoch = epoch_order(t.seed, epoch, len(steps.images)), epoch
            stats = _step(run, steps, order[index * t.batch_size : (index + 1) * t.batch_size])
            _count_step(run, stats, epoch, bar)
            if on_step is not None:
                on_step(state.step, run.gan)
        save_checkpoint(run)
        if run.main and (state.step % run.steps_per_epoch or state.step == 0):  # stopped inside an epoch: its picture
            save_samples(run.gan.evaluated_generator, run.noise, stop_grid_path(run.run_dir, state.step))
    except RuntimeError as exc:  # torch.distributed's errors are RuntimeErrors
        if run.launched and distributed.is_lost_peer(exc):
            raise distributed.lost_rank(exc, run.world, run.run_dir / CHECKPOINT_NAME) from None
        raise
    finally:
        cleanup.close()
        bar.close()


def _step(run: Run, steps: _Steps, batch_ids: torch.Tensor) -> dict[str, float]:
    """One optimiser step on this rank's share of the batch ``batch_ids``, at the schedule's learning rates and on
    the step's chip: the GAN step, the EMAs (rank 0), the synapse writes it made, its values read back (averaged
    over the ranks) and the adaptive augmentation steered by them."""
    t, gan, state, device = run.config.train, run.gan, run.state, run.device
    batch_ids = (distributed.shard(batch_ids, run.world) if run.launched else batch_ids).to(device)
    z = torch.randn(len(batch_ids), run.config.model.z_dim, device=device)
    lr_g, lr_d = learning_rates(t, state.step, run.steps_per_epoch, run.total_steps, state.warmup)
    for optimiser, lr in ((gan.opt_g, lr_g), (gan.opt_d, lr_d)):
        for group in optimiser.param_groups:
            group["lr"] = lr
    chip = (computing_on((gan.generator, gan.discriminator), step_hardware(run.config.hardware, steps.chip_noise,
                                                                           state.step))
            if steps.chip_noise else contextlib.nullcontext())
    adaptive = state.adaptive
    with training_precision(t.precision, device), chip:
        p = t.augment_p if adaptive is None else adaptive.p
        stats = train_step(gan, steps.images[batch_ids], z, steps.policy, as_tensors=True, r1=t.r1, augment_p=p,
                           sign_of_real=adaptive is not None)
    if run.main:
        gan.update_ema(t.ema, steps.half_life_decays)
    if steps.synapses is not None:  # the synapse writes this step made, for the energy ledger
        new_states = synapse_states(gan.generator, gan.discriminator)
        changes = state.writes.add(steps.synapses, new_states)
        stats["state_changes_per_image"] = changes.to(torch.float64) / t.batch_size
        steps.synapses = new_states
    stats = host_values(stats)  # the step's one wait for the device
    if run.launched:
        stats = distributed.reduce_stats(stats, run.world)
    if adaptive is not None:  # after the ranks' reduction, so that every rank steers p alike
        stats["augment_p"] = p
        adaptive.observe(stats["d_real_sign"], t.batch_size)
    return stats


def _count_step(run: Run, stats: dict[str, float], epoch: int, bar: tqdm) -> None:
    """The step just taken, in ``epoch`` (from 0), booked: a non-finite value stops the run (its last checkpoint
    kept), else the step is counted, its values added to the epoch's sums and logged every ``log_every`` steps,
    and the epoch it ends finished, or a checkpoint written every ``checkpoint_every`` steps."""
    t, state = run.config.train, run.state
    if not all(math.isfinite(v) for v in stats.values()):
        raise TrainingDiverged(
            f"loss became {stats} at step {state.step + 1} (epoch {epoch + 1}); training stopped, "
            f"the last good checkpoint is {run.run_dir / CHECKPOINT_NAME}"
        )
    state.step += 1
    for k, v in {**stats, "steps": 1}.items():
        state.epoch_sums[k] = state.epoch_sums.get(k, 0.0) + v
    bar.update(1)
    bar.set_postfix(epoch=epoch + 1, loss_d=f"{stats['loss_d']:.3f}", loss_g=f"{stats['loss_g']:.3f}")
    if state.step % t.log_every == 0:
        run.write_log({"step": state.step, "epoch": epoch + 1, **stats})
    if state.step % run.steps_per_epoch == 0:
        finish_epoch(run)
    elif t.checkpoint_every and state.step % t.checkpoint_every == 0:
        save_checkpoint(run)
