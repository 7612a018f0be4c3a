"""The loader every page shares: a result folder's runs (``Run``) with their FID records, energy ledgers and
training logs, and the labels that name how each was trained (configuration, recipe, plan)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from spindcgan.api import SHIPPED_MODELS
from spindcgan.crossbar.config import nested_hardware
from spindcgan.io import load_jsonl
from spindcgan.training import TrainConfig
from spindcgan.training.export_fids import EXPORT_FIDS_NAME

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
IMG = DOCS / "img" / "results"
REPRODUCED = ROOT / "results" / "reproduced"
# the paper's abstract (reference.md section 1): FID, and energy per image for testing / training
PAPER = {"fashion-mnist": {"fid": 27.5, "inference_nJ": 4.9, "training_nJ": 14.97},
         "anime": {"fid": 45.4, "inference_nJ": 24.72, "training_nJ": 74.7}}
ISSUE_AIM = {"fashion-mnist": 20.0, "anime": 35.0}
DEVICE_TERMS = ("synapse_read", "synapse_write", "dw_activation")
ABLATION_FOLDER = "cpu-ablation"
ABLATION_ORDER = ["float", "synapse-only", "dw-only", "hw6", "hw6-d2d0.05", "hw6-d2d0.10", "bits4", "bits5", "bits8"]


@dataclass
class Run:
    """One trained run as a result folder records it."""

    folder: Path
    name: str
    config: dict
    metrics: list[dict]
    fids: dict[str, dict] = field(default_factory=dict)  # metric name -> the record that stands for the run
    energy: dict | None = None
    alternatives: list[dict] = field(default_factory=list)  # other evaluations of the same generator
    export_fids: list[dict] = field(default_factory=list)  # measured after training from its exports, by epoch

    @property
    def dataset(self) -> str:
        return self.config["model"]["dataset"]

    @property
    def width(self) -> int:
        return self.config["model"]["d_channels"][0]

    @property
    def augment(self) -> str:
        """The DiffAugment policy its discriminator trained with ("" for none)."""
        return self.config["train"].get("augment") or ""

    @property
    def lr_decay_start(self) -> int | None:
        """The epoch its learning rates began their linear fall to zero (None: constant throughout)."""
        return self.config["train"].get("lr_decay_start")

    @property
    def choices(self) -> tuple:
        """Its discriminator, batch size and training arithmetic (``training_choices``)."""
        return training_choices(self.config)

    @property
    def schedule(self) -> tuple:
        """How it trains, apart from hardware, seed and length: (width, machine kind: the folder name's cpu/gpu,
        augmentation, learning-rate decay, generator-EMA horizon, discriminator, batch size and arithmetic, the
        split it trained on)."""
        return self.schedule_with(self.choices)

    def schedule_with(self, choices: tuple) -> tuple:
        """Its schedule had it trained with ``choices`` (see ``training_choices``)."""
        return (self.width, self.folder.name.split("-")[0], self.augment, self.lr_decay_start,
                ema_horizon(self.config), choices, training_split(self.config))

    @property
    def recipe(self) -> tuple:
        """How it was trained, apart from hardware and seed: its schedule and the steps trained."""
        return *self.schedule, self.steps

    @property
    def plan(self) -> tuple:
        """What it is set to train, apart from hardware and seed: its schedule and the epochs configured. A run
        still resuming across sessions shares it with the finished runs of its recipe."""
        return self.plan_with(self.choices)

    def plan_with(self, choices: tuple) -> tuple:
        """Its plan had it trained with ``choices`` (see ``training_choices``)."""
        return *self.schedule_with(choices), self.config["train"].get("epochs")

    @property
    def seed(self) -> int | None:
        return self.config["train"].get("seed")

    @property
    def steps(self) -> int:
        return max((m["step"] for m in self.metrics), default=0)

    @property
    def epochs(self) -> int:
        return max((m["epoch_end"] for m in self.metrics if "epoch_end" in m), default=0)

    @property
    def training_fids(self) -> list[dict]:
        """The FIDs the run measured during training (metrics.jsonl lines with a ``fid``), in order."""
        return [m for m in self.metrics if "fid" in m]

    @cached_property
    def logged(self) -> dict[int, float]:
        """Its in-training FIDs by the epoch at whose end each was logged."""
        return {m["epoch_end"]: m["fid"] for m in self.training_fids}


def configuration(config: dict) -> str:
    """The study configuration a run belongs to (the names of experiments/paper.py, without seed), with
    ``+aug`` for a run whose discriminator saw augmented images."""
    return hardware_configuration(config) + ("+aug" if config["train"].get("augment") else "")


def hardware_configuration(config: dict) -> str:
    """The run's hardware as the study names it; ``-floatd`` marks a float discriminator, a training aid that is
    never the paper's setting or one of its ablations."""
    hw = config["hardware"]
    return "float" if hw is None else generator_hardware(hw) + ("-floatd" if float_discriminator(hw) else "")


def generator_hardware(hw: dict) -> str:
    hw = nested_hardware(hw)  # the records of runs before the groups are flat
    d2d = hw["variation"]["d2d"]
    if hw["synapse"] is None:
        return "dw-only"
    if hw["activations"]["relu"] is None and hw["activations"]["leaky_relu"] is None:
        return "synapse-only"
    if d2d:
        return f"hw6-d2d{d2d:.2f}" if hw["synapse"]["bits"] == 6 else f"bits{hw['synapse']['bits']}-d2d"
    return "hw6" if hw["synapse"]["bits"] == 6 else f"bits{hw['synapse']['bits']}"


def float_discriminator(hw: dict | None) -> bool:
    """Whether the run trained against a float discriminator (configs from before the field: never)."""
    return hw is not None and not hw.get("discriminator_on_hardware", True)


def describe(config: dict) -> str:
    hw = config["hardware"] and nested_hardware(config["hardware"])
    parts = ["float"] if hw is None else [
        f"{hw['synapse']['bits']}-bit synapses" if hw["synapse"] else "float weights",
        "DW activations" if hw["activations"]["relu"] or hw["activations"]["leaky_relu"] else "CMOS activations"]
    parts += [f"d2d {hw['variation']['d2d']}"] if hw and hw["variation"]["d2d"] else []
    parts += ["float discriminator"] if float_discriminator(hw) else []
    parts += [f"DiffAugment {config['train']['augment']}"] if config["train"].get("augment") else []
    split = training_split(config)
    parts += [] if split == "train" else [f"trained on {split} (the held-out faces unseen)"]
    return ", ".join(filter(None, [*parts, choices_label(config), lr_schedule(config)]))


def training_split(config: dict) -> str:
    """The split the run trained on (configs from before the option: the whole training set)."""
    return config["train"].get("train_split", "train")


DCGAN_BATCH = TrainConfig.batch_size
"""DCGAN's batch size (Radford et al. 2016), this project's default."""


FP32 = TrainConfig.precision
"""The arithmetic of DCGAN's and of every run from before the option: fp32, this project's default."""


DCGAN_CHOICES = (("batch", None), DCGAN_BATCH, FP32)
"""DCGAN's training choices, as ``training_choices`` names them: a batch-norm discriminator at the generator's
learning rate, DCGAN's batch size, fp32 arithmetic."""


DCGAN_LABEL = "DCGAN's discriminator and batch"
"""How a table column names a run with DCGAN's choices (``choices_label`` is empty for it)."""


def batch_size(config: dict) -> int:
    """The run's images per optimiser step (a config without the field: the default)."""
    return config["train"].get("batch_size", DCGAN_BATCH)


def precision(config: dict) -> str:
    """The arithmetic of its training steps (``TrainConfig.precision``; a config without the field: fp32)."""
    return config["train"].get("precision", FP32)


def training_choices(config: dict) -> tuple:
    """Where the recipes of one plan differ: the discriminator (``discriminator``), the batch size and the
    arithmetic (``precision``)."""
    return discriminator(config), batch_size(config), precision(config)


def choices_label(config: dict) -> str:
    """A run's training choices as its labels name them ("" for DCGAN's)."""
    batch, arithmetic = batch_size(config), precision(config)
    return ", ".join(filter(None, [discriminator_label(config), f"batch {batch}" if batch != DCGAN_BATCH else "",
                                   f"{arithmetic} training" if arithmetic != FP32 else ""]))


def ema_horizon(config: dict) -> int:
    """How many training images the generator's weight EMA averages over, batch / (1 - decay) (0: no EMA): a run
    at half the batch size and half the (1 - decay) averages the same images, so it shares the plan."""
    decay = config["train"].get("ema") or 0.0
    return round(batch_size(config) / (1 - decay)) if decay else 0


def discriminator(config: dict) -> tuple[str, float | None]:
    """How a run's discriminator trained, where recipes differ: its normalisation ("batch", DCGAN's and that of
    runs from before the option, or "spectral") and its own learning rate (None: the generator's)."""
    lr_d = config["train"].get("lr_d")
    return config["model"].get("d_norm", "batch"), None if lr_d in (None, config["train"].get("lr")) else lr_d


def discriminator_label(config: dict) -> str:
    """A run's discriminator as its labels name it ("" for DCGAN's)."""
    norm, lr_d = discriminator(config)
    name = "spectral-norm discriminator" if norm == "spectral" else "discriminator" if lr_d else ""
    return name + (f" at lr {lr_d:g}" if lr_d else "")


def lr_schedule(config: dict) -> str:
    """A run's learning-rate decay as its labels name it ("" for a constant rate)."""
    decay = config["train"].get("lr_decay_start")
    return "" if decay is None else f"lr decay from epoch {decay}"


def shipped_hashes() -> set[str]:
    """sha256 of the generator files inside the package now."""
    return {hashlib.sha256(path.read_bytes()).hexdigest() for path in SHIPPED_MODELS.values() if path.exists()}


def batchnorm(record: dict) -> str:
    """Where the measured generator's BatchNorm statistics came from (records from before the field: running)."""
    return record.get("batchnorm_statistics", "running")


def evaluated_record(records: list[dict]) -> dict:
    """Of one run's records of one metric (its generator evaluated with running and with standing BatchNorm
    statistics), the one that stands for the run: the measurement of the file the package ships now, else the
    recipe's evaluation (running statistics)."""
    return min(records, key=lambda r: (not r["shipped"], batchnorm(r) != "running"))


def fid_records(folder: Path, shipped: set[str] | None = None) -> list[dict]:
    """A result folder's FID records (``fid-*.json``), each marked ``shipped`` when the package ships the measured
    file now. A record outlives its run's copy in ``runs/``: the studies page reads records alone."""
    shipped = shipped_hashes() if shipped is None else shipped
    return [record | {"shipped": record.get("asset_sha256") in shipped}
            for record in (json.loads(path.read_text()) for path in sorted(folder.glob("fid-*.json")))]


def load_runs(folder: Path, shipped: set[str] | None = None) -> list[Run]:
    runs = {}
    for run_dir in sorted((folder / "runs").glob("*/")):
        runs[run_dir.name] = Run(folder, run_dir.name, json.loads((run_dir / "config.json").read_text()),
                                 load_jsonl(run_dir / "metrics.jsonl"),
                                 export_fids=load_jsonl(run_dir / EXPORT_FIDS_NAME))
    records: dict[tuple[str, str], list[dict]] = {}
    for record in fid_records(folder, shipped):
        if record["run"] in runs:
            records.setdefault((record["run"], record["metric"]), []).append(record)
    for (name, metric), found in records.items():
        chosen = evaluated_record(found)
        runs[name].fids[metric] = chosen
        runs[name].alternatives += [r for r in found if r is not chosen]
    for name, run in runs.items():
        ledgers = sorted((folder / f"energy-{name}").glob("energy-*-zero-padded.json"))
        run.energy = json.loads(ledgers[0].read_text()) if ledgers else None
    return list(runs.values())


def is_shipped(run: Run) -> bool:
    """A run whose generator ships in the package (a record of it measured the very file shipped now)."""
    return any(record.get("shipped") for record in run.fids.values())


def last_training_fid(run: Run) -> dict | None:
    """The in-training FID of the run's last epoch, if it measured one there."""
    points = run.training_fids
    return points[-1] if points and points[-1]["epoch_end"] == run.epochs else None


def is_ablation(run: Run) -> bool:
    """A run of the ablation recipe (paper.py --recipe cpu-w32-10ep, result folder results/cpu-ablation-*)."""
    return run.folder.name.startswith(ABLATION_FOLDER)


def cpu_fashion_runs(runs: list[Run]) -> tuple[list[Run], list[Run]]:
    """The CPU Fashion-MNIST runs, split into those of the ablation recipe and the others."""
    cpu = [r for r in runs if r.dataset == "fashion-mnist" and r.folder.name.startswith("cpu-")]
    return [r for r in cpu if not is_ablation(r)], [r for r in cpu if is_ablation(r)]


def retired_note(record: dict) -> str:
    """What a FID record of a file the package no longer ships at that path says beside its command."""
    if not record["checkpoint"].startswith("src/spindcgan/assets/") or record["shipped"]:
        return ""
    return " (the package ships another file at that path now; this one is in the path's git history)"


def shipped_recipe(runs: list[Run], dataset: str) -> list[Run]:
    """The runs of ``dataset`` set to train as its shipped generator was (its ``plan``: any hardware, any seed,
    finished or still resuming)."""
    plans = {r.plan for r in runs if r.dataset == dataset and is_shipped(r)}
    return [r for r in runs if r.dataset == dataset and r.plan in plans]


def record_epoch(run: Run, record: dict) -> float:
    """The training epoch of the weights a FID record measured (a record without a step, from before the field or
    of an export from before it: the run's end)."""
    step = record.get("step")
    return run.epochs if step is None else step * run.epochs / run.steps


def same_recipe(runs: list[Run], like: Run, hardware: str) -> Run | None:
    """The run of configuration ``hardware`` on ``like``'s dataset trained as ``like`` was (``Run.recipe``), from
    the same seed."""
    return next((r for r in runs if hardware_configuration(r.config) == hardware and r.dataset == like.dataset
                 and r.recipe == like.recipe and r.seed == like.seed), None)


def result_folders() -> list[Path]:
    results = ROOT / "results"
    return sorted([*results.glob("cpu-*"), *results.glob("gpu-*")])
