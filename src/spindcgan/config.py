"""RunConfig: everything that defines a training run, saved as ``config.json`` in its folder."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .crossbar.config import HardwareConfig, dataclass_from_dict
from .crossbar.terms import comma_items, parse_noise
from .data.registry import TRAIN_SPLITS
from .errors import SpinDCGANError
from .models.config import ModelConfig
from .runtime import PRECISIONS, check_device
from .seeds import check_seed

AUGMENTATIONS = ("color", "translation", "cutout")
"""The DiffAugment transforms, in the order applied (``training.augment``)."""


def parse_policy(policy: str) -> tuple[str, ...]:
    """``"color,translation"`` -> ``("color", "translation")`` in the order applied; ``""`` -> ``()``."""
    names = comma_items(policy, "train.augment")
    unknown = [name for name in names if name not in AUGMENTATIONS]
    if unknown:
        raise SpinDCGANError(f"train.augment: unknown {', '.join(unknown)} (choose from {', '.join(AUGMENTATIONS)})")
    return tuple(name for name in AUGMENTATIONS if name in names)


def check_probability(p: float, target: float | None, policy: str) -> None:
    """One-line errors for a probability or an ADA target that cannot be (``TrainConfig``)."""
    if not (0 <= p <= 1):
        raise SpinDCGANError(f"train.augment_p must be in [0, 1], got {p}")
    if target is not None and not (-1 < target < 1 and math.isfinite(target)):
        raise SpinDCGANError(f"train.augment_target must be in (-1, 1) (r_t, a mean sign), got {target}")
    if (p < 1 or target is not None) and not parse_policy(policy):
        raise SpinDCGANError("train.augment_p and train.augment_target need an augmentation policy (train.augment)")



EMA_KEY_PREFIX = "ema-hl"
"""How ``ema_key``'s names begin (a report reads the half-life back from the rest)."""


def ema_key(half_life: float) -> str:
    """The name of the EMA generator of ``half_life`` epochs: ``ema-hl<H>`` (its checkpoint entry, its exports'
    folder, its FID lines)."""
    return f"{EMA_KEY_PREFIX}{half_life:g}"


LR_DECAY_SHAPES = ("linear", "cosine")
"""The shapes of ``TrainConfig.lr_decay_shape``."""


@dataclass(frozen=True)
class TrainConfig:
    """The DCGAN recipe (Radford et al. 2016; PyTorch DCGAN example), reference.md section 3."""

    epochs: int = 20
    """Enough for float-level FID on Fashion-MNIST (reference.md section 9: ~15-25 epochs)."""
    max_steps: int | None = None
    """Stop after this many optimiser steps in total (None: run all epochs)."""
    batch_size: int = 128
    lr: float = 2e-4
    lr_d: float | None = None
    """The discriminator's learning rate (None: ``lr``). A larger one than the generator's is the two time-scale
    update rule (TTUR, Heusel et al. 2017) that SNGAN-style spectral-norm discriminators train with."""
    lr_decay_start: int | None = None
    """Epoch after which both learning rates fall linearly to zero at the run's last step (None: constant).
    SNGAN (Miyato et al. 2018) decays linearly over all of training; here it is a last phase for a run whose
    FID has levelled off. A resume may add or move it while it changes no step already trained."""
    lr_decay_shape: str = "linear"
    """How the rates fall from ``lr_decay_start`` to zero at the last step (``LR_DECAY_SHAPES``): "linear", or
    "cosine", half a cosine (Loshchilov & Hutter 2017, SGDR), which stays near the full rate longer and falls
    faster at the end. Like the start, a resume may change it while it changes no step already trained."""
    beta1: float = 0.5
    beta2: float = 0.999
    seed: int = 0
    ema: float = 0.0
    """Decay of an exponential moving average of the generator's shadow weights (0: off; 0.999 is
    usual). When on, the EMA generator (quantised like any other) is the one sampled, evaluated
    and loaded from checkpoints; training itself is unchanged."""
    ema_half_lives: tuple[float, ...] = ()
    """Further generator EMAs kept beside ``ema``, each by its half-life in epochs of training images (e.g.
    (0.5, 2, 8)): the horizon of a weight average, in images, does not depend on the batch. At no extra training
    cost (a weighted average a step each), a run keeps several horizons and can be measured with each
    (``ema-fids.jsonl``, ``exports/ema-hl<H>/``), where one ``ema`` commits to one before training (Karras et al.
    2024, EDM2, keep several for the same reason). The evaluated generator stays the ``ema`` one. A resume may add
    horizons: a new one starts from the evaluated generator's weights at the resume."""
    checkpoint_every: int = 0
    """Also checkpoint every N steps (0: only at epoch ends and at the stop)."""
    checkpoint_epochs: int = 1
    """Checkpoint at the end of every K-th epoch (1: each), and always at the stop (the time limit's too). A
    width-64 hardware checkpoint is ~90 MB with its per-device write counters and took ~0.3 s to write here, with
    ~0.1 s for the counters' summary (``device_writes.json``): on a GPU, where an epoch takes seconds, K = 10
    saves a tenth or more of the run for at most K epochs lost to a crash (never to a time limit)."""
    log_every: int = 50
    """Write a metrics line every N steps."""
    fid_every: int = 0
    """Measure FID every K epochs (0: never); logged to metrics.jsonl and plotted to fid.png."""
    export_every: int = 0
    """Every K epochs (0: never) also save the evaluated generator's device states to
    ``exports/epoch-NNN.pt`` (the ``spindcgan export`` format, BatchNorm running statistics): small files from
    which FID can be measured afterwards, e.g. for a run on a machine that cannot hold the Inception network."""
    fid_n: int = 2000
    """Generated images per FID measurement during training (stated in the metric name)."""
    fid_ref_n: int | None = None
    """Reference images for FID during training: the first N of the reference split (None: all)."""
    augment: str = ""
    """DiffAugment policy for every image the discriminator sees (``training.augment``): a comma-separated
    subset of color, translation, cutout ("" = off; "color,translation,cutout" is the paper's choice for
    small datasets)."""
    augment_p: float = 1.0
    """Probability with which each transform of ``augment`` is applied to each image (1: always); with
    ``augment_target`` the probability the run starts from."""
    augment_target: float | None = None
    """Adaptive discriminator augmentation (``training.augment.AdaptiveProbability``): the r_t = E[sign(D(x))] on
    real images that p is steered to hold (``--augment-p auto``: 0.6 from p = 0); None: p stays fixed."""
    r1: float = 0.0
    """Weight gamma of the R1 gradient penalty (Mescheder et al. 2018), gamma / 2 * E||grad_x D(x)||^2 on the
    real images the discriminator sees (after ``augment``), added to its loss at every step (0: off). The remedy
    StyleGAN2-ADA uses against a discriminator that wins late; its cost on the crossbars, a double backward, is
    in the energy ledger (``energy.ledger.Ledger.training``)."""
    sample_count: int = 64
    """Images in each epoch's sample grid (from fixed noise)."""
    limit: int | None = None
    """Train on the first N images only (quick experiments and tests; None: all)."""
    data: str | None = None
    """Dataset location (None: the dataset's default search)."""
    train_split: str = "train"
    """The split trained on (``data.registry.TRAIN_SPLITS``): "train", or for Anime Face "fit", all faces but the 2,000
    held out (``data.anime.HELDOUT_N``), so the generator can be measured against faces it never saw
    (``spindcgan fid --ref heldout``)."""
    device: str = "cpu"
    precision: str = "fp32"
    """The arithmetic of a training step (``runtime.training_precision``): "fp32", or "bf16", autocast's mixed
    precision. A training choice, not the hardware: the device levels are computed in fp32 and rounded to
    bfloat16 only for the products of the step, and the run is sampled, measured and exported in fp32
    (docs/training.md)."""
    threads: int | None = None
    """torch CPU threads (None: torch's default; per rank under torchrun)."""
    train_noise: str = ""
    """Variation, faults and drift drawn afresh at every training step (``training.noise``): comma-separated
    NAME=VALUE of d2d, c2c, read_noise, stuck, program_error, retention, dw_slope, dw_offset, e.g.
    "d2d=0.1,stuck=0.01" ("" = off). Robustness to any chip, where a fixed pattern in the hardware config is one
    chip's."""
    sync_batchnorm: bool = False
    """Under torchrun: BatchNorm statistics of the global batch, not of each rank's shard (CUDA only: PyTorch's
    SyncBatchNorm has no CPU kernel). Part of the recipe, as the batch statistics change what is trained."""

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "log_every", "sample_count", "checkpoint_epochs"):
            if getattr(self, name) < 1:
                raise SpinDCGANError(f"train.{name} must be >= 1, got {getattr(self, name)}")
        if self.max_steps is not None and self.max_steps < 1:
            raise SpinDCGANError(f"train.max_steps must be >= 1, got {self.max_steps}")
        if not 0 <= self.ema < 1:
            raise SpinDCGANError(f"train.ema must be in [0, 1), got {self.ema}")
        for half_life in self.ema_half_lives:
            number = isinstance(half_life, int | float) and not isinstance(half_life, bool)
            if not (number and math.isfinite(half_life) and half_life > 0):
                raise SpinDCGANError(f"train.ema_half_lives must be finite numbers of epochs > 0, got {half_life!r}")
        if len({ema_key(h) for h in self.ema_half_lives}) != len(self.ema_half_lives):
            raise SpinDCGANError(f"train.ema_half_lives names a half-life twice: {list(self.ema_half_lives)}")
        if self.lr_decay_shape not in LR_DECAY_SHAPES:
            raise SpinDCGANError(f"train.lr_decay_shape must be one of {', '.join(LR_DECAY_SHAPES)}, got "
                                 f"{self.lr_decay_shape!r}")
        for name in ("limit", "threads", "fid_ref_n"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise SpinDCGANError(f"train.{name} must be >= 1 (or null), got {getattr(self, name)}")
        check_seed(self.seed, "train.seed")
        if self.fid_every < 0 or self.fid_n < 2:
            raise SpinDCGANError("train.fid_every must be >= 0 and train.fid_n >= 2")
        if self.checkpoint_every < 0:
            raise SpinDCGANError("train.checkpoint_every must be >= 0")
        if self.export_every < 0:
            raise SpinDCGANError(f"train.export_every must be >= 0, got {self.export_every}")
        parse_policy(self.augment)
        check_probability(self.augment_p, self.augment_target, self.augment)
        if self.lr_decay_start is not None and not 0 <= self.lr_decay_start < self.epochs:
            raise SpinDCGANError(f"train.lr_decay_start must be in [0, epochs={self.epochs}), got "
                                 f"{self.lr_decay_start}")
        if not (0 < self.lr < math.inf and 0 <= self.beta1 < 1 and 0 <= self.beta2 < 1):
            raise SpinDCGANError(f"train.lr must be a finite number > 0 and betas in [0, 1), got lr {self.lr}, betas "
                                 f"{self.beta1}, {self.beta2}")
        if not (self.r1 >= 0 and math.isfinite(self.r1)):
            raise SpinDCGANError(f"train.r1 must be a finite number >= 0 (0: no R1 penalty), got {self.r1}")
        if self.lr_d is not None and not 0 < self.lr_d < math.inf:
            raise SpinDCGANError(f"train.lr_d must be a finite number > 0 (or null: train.lr), got {self.lr_d}")
        parse_noise(self.train_noise)
        if self.precision not in PRECISIONS:
            raise SpinDCGANError(f"train.precision must be one of {', '.join(PRECISIONS)}, got {self.precision!r}")
        check_device(self.device, "train.device", available=False)  # the machine is checked where it trains

    @property
    def discriminator_lr(self) -> float:
        """The discriminator's learning rate before any decay."""
        return self.lr if self.lr_d is None else self.lr_d

    def ema_decay(self, half_life: float, images_per_epoch: int) -> float:
        """The per-step decay of an EMA whose half-life is ``half_life`` epochs of ``images_per_epoch`` images:
        after that many images, at ``batch_size`` a step, the weights of the average's start count half."""
        return 0.5 ** (self.batch_size / (half_life * images_per_epoch))


@dataclass(frozen=True)
class RunConfig:
    """Model shape + modelled hardware (None = float baseline) + training recipe."""

    model: ModelConfig = field(default_factory=ModelConfig)
    hardware: HardwareConfig | None = field(default_factory=HardwareConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def __post_init__(self) -> None:
        if self.model.dataset not in TRAIN_SPLITS:
            raise SpinDCGANError(f"model.dataset {self.model.dataset!r} is not one of {', '.join(TRAIN_SPLITS)}")
        splits = TRAIN_SPLITS[self.model.dataset]
        if self.train.train_split not in splits:
            raise SpinDCGANError(f"train.train_split {self.train.train_split!r}: {self.model.dataset} runs train "
                                 f"on {' or '.join(splits)}")
        if self.train.train_noise and (self.hardware is None or self.hardware.synapse is None):
            raise SpinDCGANError("train.train_noise draws device variation and faults: it needs synapse hardware "
                                 "(not --float or --float-weights)")
        if self.train.precision != "fp32" and self.hardware is not None and self.hardware.needs_crossbar_path:
            raise SpinDCGANError(f"train.precision {self.train.precision} would round the crossbar read-out that "
                                 "this hardware models (ADC, DAC or read noise) to 8 significant bits: use fp32")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunConfig:
        if not isinstance(data, dict):
            raise SpinDCGANError("run config must be a mapping")
        return cls(
            model=ModelConfig.from_dict(data.get("model", {})),
            hardware=HardwareConfig.from_dict(data.get("hardware")),
            train=dataclass_from_dict(TrainConfig, data.get("train", {}), "train"),
        )

    @classmethod
    def load(cls, path: Path) -> RunConfig:
        try:
            return cls.from_dict(json.loads(Path(path).read_text()))
        except (OSError, json.JSONDecodeError) as exc:
            raise SpinDCGANError(f"{path}: cannot read run config ({exc})") from None
        except SpinDCGANError as exc:  # a field of the wrong type or value: say which file holds it
            raise SpinDCGANError(f"{path}: {exc}") from None

    def hardware_tag(self) -> str:
        """Short name of the hardware setting, for run folder names."""
        hw = self.hardware
        if hw is None:
            return "float"
        bits = f"{hw.synapse.bits}bit" if hw.synapse else "floatw"
        acts = "dw" if hw.activations.any else "cmos"
        return f"{bits}-{acts}" + ("" if hw.discriminator_on_hardware else "-floatd")
