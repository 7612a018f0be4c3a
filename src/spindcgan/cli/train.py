"""``spindcgan train``: a new run of the configured DCGAN, or the continuation of one (``api.train``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import api
from ..config import LR_DECAY_SHAPES, RunConfig, TrainConfig
from ..crossbar.terms import comma_items
from ..errors import SpinDCGANError
from ..runtime import PRECISIONS
from ..training.augment import ADA_TARGET
from ..training.distributed import world_from_environment
from ..training.pack import DEFAULT_WARMUP_STEPS
from .options import (
    add_hardware_options,
    add_model_options,
    count,
    device,
    finite,
    hardware_from_args,
    hardware_given,
    model_from_args,
    option_of,
    seed_number,
    whole,
)

TRAIN_OPTIONS = ("epochs", "max_steps", "batch_size", "lr", "seed", "ema", "checkpoint_every", "checkpoint_epochs",
                 "data", "device", "threads", "log_every", "limit", "fid_every", "export_every", "fid_n", "fid_ref_n",
                 "augment", "lr_decay_start", "lr_d", "r1", "precision", "sync_batchnorm", "train_noise",
                 "train_split", "ema_half_lives", "lr_decay_shape")
"""The options that are TrainConfig fields of the same name."""


def half_lives(value: str) -> tuple[float, ...]:
    """``--ema-half-lives``: comma-separated epochs, e.g. 0.5,2,8 (TrainConfig checks each)."""
    try:
        items = comma_items(value, "")
    except SpinDCGANError as exc:
        raise argparse.ArgumentTypeError(str(exc).strip()) from None
    try:
        return tuple(float(v) for v in items)
    except ValueError:
        raise argparse.ArgumentTypeError(f"comma-separated epochs, e.g. 0.5,2,8; got {value!r}") from None


def augment_probability(value: str) -> dict[str, float]:
    """``--augment-p``: a probability in [0, 1], or ``auto`` (adaptive, from p = 0 towards r_t = ADA_TARGET)."""
    if value == "auto":
        return {"augment_p": 0.0, "augment_target": ADA_TARGET}
    try:
        return {"augment_p": float(value)}
    except ValueError:
        raise SpinDCGANError(f"--augment-p must be a probability in [0, 1] or auto, got {value!r}") from None


def run(args: argparse.Namespace) -> None:
    changes = {name: getattr(args, name) for name in TRAIN_OPTIONS if getattr(args, name) is not None}
    if args.augment_p is not None:
        changes.update(augment_probability(args.augment_p))
    if args.pack_warmup is not None and not (args.resume and Path(args.resume).is_file()):
        raise SpinDCGANError("--pack-warmup applies to --resume PACK (a fallback pack), not to a run folder")
    config = None
    if args.resume:  # the options a resume cannot take, named as the user gave them
        fixed = sorted(set(changes) - api.RESUME_MAY_CHANGE) + [o for o in ("dataset", "width", "d_norm")
                                                                 if getattr(args, o) is not None]
        fixed += hardware_given(args)
        if fixed:
            raise SpinDCGANError(f"--resume continues a run as configured; {option_of(fixed[0])} cannot change")
    else:
        config = RunConfig(model_from_args(args), hardware_from_args(args), TrainConfig(**changes))
        changes = {}
    if args.time_limit is not None and args.time_limit < 0:
        raise SpinDCGANError(f"--time-limit must be >= 0 minutes, got {args.time_limit}")
    world = world_from_environment(args.dist_backend)
    limit = None if args.time_limit is None else args.time_limit * 60
    run_dir = api.train(config, args.out, args.resume, changes, limit, args.pack_warmup, not args.no_progress, world,
                        on_start=lambda folder: print(f"run folder: {folder}", flush=True))
    if world is None or world.is_main:
        print(f"run folder: {run_dir}")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a DCGAN on the modelled hardware (writes a run folder)")
    add_model_options(p)
    add_hardware_options(p)
    p.add_argument("--epochs", type=int, help=f"passes over the training images (default {TrainConfig.epochs})")
    p.add_argument("--max-steps", type=int, help="stop after N optimiser steps in total")
    p.add_argument("--batch-size", type=int, help=f"images per optimiser step (default {TrainConfig.batch_size})")
    p.add_argument("--lr", type=finite, help="learning rate (default 2e-4; the generator's, with --lr-d)")
    p.add_argument("--lr-d", type=finite, metavar="LR",
                   help="the discriminator's learning rate (default: --lr); a larger one is TTUR (docs/training.md)")
    p.add_argument("--lr-decay-start", type=int, metavar="EPOCH",
                   help="from this epoch on, learning rates fall linearly to zero at the last step (default: "
                        "constant); with --resume, at or after the run's progress")
    p.add_argument("--seed", type=seed_number,
                   help=f"seed of the weights, data order and noise (default {TrainConfig.seed})")
    p.add_argument("--lr-decay-shape", choices=LR_DECAY_SHAPES, help="how the rates fall from --lr-decay-start: "
                   "linear (default) or cosine (half a cosine, near the full rate for longer)")
    p.add_argument("--ema", type=finite, help="generator weight EMA decay, e.g. 0.999 (default 0: off)")
    p.add_argument("--ema-half-lives", type=half_lives, metavar="H,...", help="further generator EMAs kept beside "
                   "--ema, by half-life in epochs of images, e.g. 0.5,2,8: each measured at --fid-every "
                   "(ema-fids.jsonl) and exported at --export-every (exports/ema-hlH/); a resume may add some")
    p.add_argument("--augment", metavar="POLICY", help="DiffAugment of the discriminator's inputs: comma-separated "
                   "color, translation, cutout (default off; for small datasets such as anime)")
    p.add_argument("--augment-p", metavar="P|auto", help="probability of each --augment transform per image "
                   "(default 1: always); auto: adaptive (ADA), steered from 0 to keep the discriminator's sign on "
                   "real images at 0.6 (docs/training.md)")
    p.add_argument("--r1", type=finite, metavar="GAMMA", help="R1 gradient penalty on the discriminator's real "
                   "images, weight GAMMA (default 0: off; docs/training.md)")
    p.add_argument("--checkpoint-every", type=int, help="also checkpoint every N steps")
    p.add_argument("--checkpoint-epochs", type=int, metavar="K", help="checkpoint at every K-th epoch end (default "
                   "1: each) and at the stop; K > 1 saves time where epochs take seconds (a GPU)")
    p.add_argument("--log-every", type=int, help="metrics line every N steps (default 50)")
    p.add_argument("--limit", type=int, help="train on the first N images only (quick runs)")
    p.add_argument("--data", help="dataset location (default: the dataset's standard search)")
    p.add_argument("--train-split", choices=["train", "fit"], help="train on this split (default train); anime: "
                   "fit leaves out 2,000 faces for spindcgan fid --ref heldout (docs/fid.md)")
    p.add_argument("--out", default="runs", help="parent folder of run folders (default runs)")
    p.add_argument("--resume", metavar="RUN_DIR|PACK", help="continue the run in RUN_DIR from its checkpoint "
                   "(exactly), or from a fallback pack (spindcgan pack: not exactly; its run folder is rebuilt under "
                   "--out)")
    p.add_argument("--pack-warmup", type=whole, metavar="STEPS", help="with --resume PACK without Adam's moments: "
                   f"learning rates warm up linearly over STEPS steps (default {DEFAULT_WARMUP_STEPS})")
    p.add_argument("--device", type=device, help="cpu (default), cuda or cuda:N")
    p.add_argument("--threads", type=count, help="torch CPU threads")
    p.add_argument("--precision", choices=PRECISIONS, help="arithmetic of a training step: fp32 (default) or bf16 "
                   "(mixed precision, ~2x faster anime steps on a CPU with AVX-512 BF16; sampled and measured in "
                   "fp32)")
    p.add_argument("--time-limit", type=finite, metavar="MIN",
                   help="stop cleanly after MIN minutes (checkpointed; continue with --resume)")
    p.add_argument("--fid-every", type=int, help="measure FID every K epochs (logged, plotted to fid.png)")
    p.add_argument("--export-every", type=int, metavar="K",
                   help="save the generator's device states every K epochs to exports/epoch-NNN.pt (default never)")
    p.add_argument("--fid-n", type=int, help="generated images per FID during training (default 2000)")
    p.add_argument("--fid-ref-n", type=count, help="FID reference: first N images of the split (default all)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--train-noise", metavar="NAME=V,...", help="variation / faults drawn afresh at every step, e.g. "
                   "d2d=0.1,stuck=0.01 (robust training; docs/sweeps.md)")
    p.add_argument("--dist-backend", choices=("gloo", "nccl"), help="under torchrun: the ranks' backend (default "
                   "nccl on CUDA, gloo on the CPU; docs/training.md)")
    p.add_argument("--sync-batchnorm", action="store_const", const=True, help="under torchrun on CUDA: BatchNorm "
                   "statistics of the global batch, not of each rank's shard")
    p.set_defaults(func=run)
