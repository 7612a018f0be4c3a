"""Write docs/results.md and its plots from result folders (no hand-typed numbers).

    python experiments/report.py [results/cpu-2026-11-28 ...]

A result folder (``results/cpu-*``, ``results/gpu-*``) holds ``fid-<run>[-standing][-<ref>].json`` records
(``spindcgan fid`` output, via experiments/measure.py or paper.py), ``energy-<run>/`` ledgers
(``spindcgan energy``) and ``runs/<run>/{config.json, metrics.jsonl, train.log, samples-last-epoch.png}``
copied from the run folders. ``results/ablation-energy/<configuration>/`` holds the ledger of each study
configuration on a fresh model (experiments/ablation_energy.py). ``results/reproduced/`` holds records of files
measured again later (on a fresh machine), each set beside the record it repeats.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import sys
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

import torch
from provenance import shown

from spindcgan.cli import SHIPPED_MODELS
from spindcgan.io import load_jsonl
from spindcgan.plots import plt, save_figure
from spindcgan.training import TrainConfig
from spindcgan.training.export_fids import EXPORT_FIDS_NAME

ROOT = Path(__file__).resolve().parents[1]
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
        augmentation, learning-rate decay, generator-EMA horizon, discriminator, batch size and arithmetic)."""
        return self.schedule_with(self.choices)

    def schedule_with(self, choices: tuple) -> tuple:
        """Its schedule had it trained with ``choices`` (see ``training_choices``)."""
        return (self.width, self.folder.name.split("-")[0], self.augment, self.lr_decay_start,
                ema_horizon(self.config), choices)

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

    @property
    def samples(self) -> Path | None:
        path = self.folder / "runs" / self.name / "samples-last-epoch.png"
        return path if path.exists() else None


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
    if hw["synapse"] is None:
        return "dw-only"
    if hw["relu"] is None and hw["leaky_relu"] is None:
        return "synapse-only"
    if hw["d2d_sigma"]:
        return f"hw6-d2d{hw['d2d_sigma']:.2f}" if hw["synapse"]["bits"] == 6 else f"bits{hw['synapse']['bits']}-d2d"
    return "hw6" if hw["synapse"]["bits"] == 6 else f"bits{hw['synapse']['bits']}"


def float_discriminator(hw: dict | None) -> bool:
    """Whether the run trained against a float discriminator (configs from before the field: never)."""
    return hw is not None and not hw.get("discriminator_on_hardware", True)


def describe(config: dict) -> str:
    hw = config["hardware"]
    parts = ["float"] if hw is None else [
        f"{hw['synapse']['bits']}-bit synapses" if hw["synapse"] else "float weights",
        "DW activations" if hw["relu"] or hw["leaky_relu"] else "CMOS activations"]
    parts += [f"d2d {hw['d2d_sigma']}"] if hw and hw["d2d_sigma"] else []
    parts += ["float discriminator"] if float_discriminator(hw) else []
    parts += [f"DiffAugment {config['train']['augment']}"] if config["train"].get("augment") else []
    return ", ".join(filter(None, [*parts, choices_label(config), lr_schedule(config)]))


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


def load_runs(folder: Path, shipped: set[str] | None = None) -> list[Run]:
    shipped = shipped_hashes() if shipped is None else shipped
    runs = {}
    for run_dir in sorted((folder / "runs").glob("*/")):
        runs[run_dir.name] = Run(folder, run_dir.name, json.loads((run_dir / "config.json").read_text()),
                                 load_jsonl(run_dir / "metrics.jsonl"),
                                 export_fids=load_jsonl(run_dir / EXPORT_FIDS_NAME))
    records: dict[tuple[str, str], list[dict]] = {}
    for path in sorted(folder.glob("fid-*.json")):
        record = json.loads(path.read_text())
        if record["run"] in runs:
            records.setdefault((record["run"], record["metric"]), []).append(record | {"shipped": record.get(
                "asset_sha256") in shipped})  # whether the package ships the measured file now
    for (name, metric), found in records.items():
        chosen = evaluated_record(found)
        runs[name].fids[metric] = chosen
        runs[name].alternatives += [r for r in found if r is not chosen]
    for name, run in runs.items():
        ledgers = sorted((folder / f"energy-{name}").glob("energy-*-zero-padded.json"))
        run.energy = json.loads(ledgers[0].read_text()) if ledgers else None
    return list(runs.values())


def nj(ledger: dict, phase: str, devices_only: bool) -> float:
    """Energy per image in nJ of one phase of a ledger record, devices only or with CMOS peripherals."""
    energy = ledger[phase]
    return 1e9 * (sum(energy["energy"][k] for k in DEVICE_TERMS) if devices_only else energy["total"])


def fid_values(runs: list[Run], metric: str) -> list[float]:
    return [r.fids[metric]["fid"] for r in runs if metric in r.fids]


def fid_summary(runs: list[Run], metric: str) -> str:
    """Mean and every seed's value of one metric over runs of one configuration."""
    return summary(fid_values(runs, metric))


def summary(values: list[float]) -> str:
    """Mean, spread and every seed's value of FIDs of one configuration."""
    if not values:
        return "not measured"
    if len(values) == 1:
        return f"{values[0]:.2f} (1 seed)"
    return (f"**{statistics.mean(values):.2f}** +- {statistics.stdev(values):.2f} (std over {len(values)} seeds: "
            f"{', '.join(f'{v:.2f}' for v in values)})")


class HardwareCost(NamedTuple):
    like: list[float]
    """The hardware FIDs evaluated as the float baseline's were."""
    float_mean: float
    ratio: float
    """Mean of ``like`` over ``float_mean``: the hardware's cost."""
    running: bool
    """``like`` are not the hardware's own claim FIDs but its running-BatchNorm-statistics ones."""


def hardware_cost(hw: list[Run], fl: list[Run], metric: str) -> HardwareCost:
    like, float_mean = like_for_like(hw, fl, metric), mean_fid(fl, metric)
    return HardwareCost(like, float_mean, statistics.mean(like) / float_mean, like != fid_values(hw, metric))


def pair_ratios(runs: list[Run]) -> list[str]:
    """One line per hardware group of ``runs`` with a float baseline trained the same way and as long."""
    lines = []
    for dataset in sorted({r.dataset for r in runs}):
        for metric in sorted({m for r in runs if r.dataset == dataset for m in r.fids}):
            hw_groups, fl_groups = groups(runs, dataset, "hw6", metric), groups(runs, dataset, "float", metric)
            for key in [k for k in hw_groups if k in fl_groups]:
                hw, fl = hw_groups[key], fl_groups[key]
                cost = hardware_cost(hw, fl, metric)
                how = " measured with running BatchNorm statistics, as the float baseline was," if cost.running else ""
                lines.append(f"- {dataset} hardware / float FID ({metric}, width {key[0]}, {key[-1]} steps): "
                             f"{statistics.mean(cost.like):.2f} / {cost.float_mean:.2f} = **{cost.ratio:.3f}** "
                             f"({names(hw, metric, running=cost.running)}{how} over {names(fl, metric)}; "
                             f"the issue's target: <= 1.10)")
    return lines


def like_for_like(hw: list[Run], fl: list[Run], metric: str) -> list[float]:
    """The hardware runs' FIDs evaluated as the float baseline's were: with running BatchNorm statistics when
    the float generators were measured only so (their records have no standing-statistics evaluation)."""
    if all(batchnorm(r.fids[metric]) == "running" for r in fl):
        return [next((x for x in [r.fids[metric], *r.alternatives] if x["metric"] == metric
                      and batchnorm(x) == "running"), r.fids[metric])["fid"] for r in hw]
    return fid_values(hw, metric)


def mean_fid(runs: list[Run], metric: str) -> float | None:
    values = fid_values(runs, metric)
    return statistics.mean(values) if values else None


def groups(runs: list[Run], dataset: str, hardware: str, metric: str) -> dict[tuple, list[Run]]:
    """Runs of one hardware configuration with ``metric``, by ``Run.recipe``: a hardware group and its float
    baseline share the key, so they are the same network trained the same way and as long; seeds of one recipe
    share it, a longer run of it does not."""
    found: dict[tuple, list[Run]] = {}
    for r in runs:
        if r.dataset == dataset and hardware_configuration(r.config) == hardware and metric in r.fids:
            found.setdefault(r.recipe, []).append(r)
    return found


def claim_groups(hw_groups: dict[tuple, list[Run]], fl_groups: dict[tuple, list[Run]], metric: str) -> list[tuple]:
    """The keys of the claim rows: the hardware group with the best mean FID, and when that one has no float
    baseline (a longer run trained alone) also the best that has one, so the hardware cost stays visible."""
    def best(keys: list[tuple]) -> tuple | None:
        return min(keys, key=lambda k: mean_fid(hw_groups[k], metric), default=None)

    first, paired = best(list(hw_groups)), best([k for k in hw_groups if k in fl_groups])
    return [first] if paired in (None, first) else [first, paired]


def names(group: list[Run], metric: str, running: bool = False) -> str:
    """The runs of a claim row, with what sets each apart (augmentation, standing BatchNorm statistics unless
    ``running``: the FIDs named are those measured with running statistics)."""
    def apart(r: Run) -> str:
        standing = batchnorm(r.fids[metric]) == "standing" and not running
        return ", ".join(filter(None, [f"{r.steps} steps", f"width {r.width}", "DiffAugment" if r.augment else "",
                                       lr_schedule(r.config), choices_label(r.config),
                                       "standing BatchNorm statistics" if standing else ""]))

    return ", ".join(f"{r.name} ({apart(r)})" for r in group) or "-"


def claims(runs: list[Run]) -> list[str]:
    lines = ["## The paper's claims, side by side", "",
             "Each row takes the group of runs (same configuration, width, machine, augmentation, learning-rate "
             "schedule, generator EMA, discriminator, batch size, training arithmetic and training length) with the "
             "best mean FID; where that group has no float baseline trained as long, the best group that has one "
             "follows it. Spread is the standard deviation over seeds. Paper: the abstract's numbers (reference.md "
             "section 1).",
             "", "| claim | paper | here | runs |", "|---|---|---|---|"]
    for dataset, metric, ref in [("fashion-mnist", "fid10k-test", "10k generated vs 10k test"),
                                 ("fashion-mnist", "fid10k-train", "10k generated vs 60k train"),
                                 ("anime", "fid10k-train", "10k generated vs the training set")]:
        hw_groups, fl_groups = groups(runs, dataset, "hw6", metric), groups(runs, dataset, "float", metric)
        for key in claim_groups(hw_groups, fl_groups, metric):
            lines += claim_rows(dataset, metric, ref, hw_groups.get(key, []), fl_groups.get(key, []))
        lines += so_far(runs, dataset, metric)
    for r in energy_runs(runs):
        paper = PAPER[r.dataset]
        which = "shipped" if is_shipped(r) else f"{r.steps} steps"
        for phase, key in (("inference", "inference_nJ"), ("training", "training_nJ")):
            lines.append(f"| {r.dataset} energy per image, {phase} | {paper[key]} nJ | "
                         f"{nj(r.energy, phase, True):.3f} nJ devices only; {nj(r.energy, phase, False):,.1f} nJ "
                         f"with CMOS peripherals | {r.name} ({which}), zero-padded mapping |")
    return lines + ["", "Energy: what the ledger counts and why the peripherals dominate is in "
                    "[energy.md](energy.md); the device energies come from [devices.md](devices.md).", ""]


def claim_rows(dataset: str, metric: str, ref: str, hw: list[Run], fl: list[Run]) -> list[str]:
    """A hardware group's claim row, its float baseline's, and their FID ratio."""
    target = f"<= {PAPER[dataset]['fid']} (aim <= {ISSUE_AIM[dataset]})"
    lines = [f"| {dataset} FID, 6-bit synapses + DW activations, {metric} ({ref}) | {target} | "
             f"{fid_summary(hw, metric)} | {names(hw, metric)} |",
             f"| {dataset} FID, float baseline of the same network, {metric} | - | "
             f"{fid_summary(fl, metric) if fl or not hw else 'not trained (no float run of this length)'} | "
             f"{names(fl, metric)} |"]
    if hw and fl:
        cost = hardware_cost(hw, fl, metric)
        verdict = ("not meaningful yet: neither generator is near the paper's FID"
                   if mean_fid(hw, metric) > 2 * PAPER[dataset]["fid"] else
                   "within 10 %" if cost.ratio <= 1.10 else "outside 10 %")
        which = ("means of the two rows above" if not cost.running else
                 f"hardware evaluated as the float baseline was, with running BatchNorm statistics: "
                 f"{', '.join(f'{v:.2f}' for v in cost.like)}")
        lines.append(f"| {dataset} hardware / float FID ({metric}, width {hw[0].width}) | target <= 1.10 | "
                     f"{cost.ratio:.3f} ({verdict}) | {which} |")
    return lines


def so_far(runs: list[Run], dataset: str, metric: str) -> list[str]:
    """Claim rows for CPU runs of ``dataset`` that measured FID during training but not yet ``metric``: the
    curve reached so far (the issue asks for it where a run is still resuming across sessions). A run that
    trained no further than a measured run of its hardware, whatever that run's recipe (augmentation, learning-rate
    schedule), is left out: the measured run stands for the progress reached, and the shorter one was abandoned."""
    lines = []
    for hardware in ("hw6", "float"):
        same = [r for r in runs if r.dataset == dataset and hardware_configuration(r.config) == hardware
                and not is_ablation(r)]
        longest_measured = max((r.steps for r in same if metric in r.fids), default=-1)
        pending = [r for r in same if r.training_fids and metric not in r.fids and r.steps > longest_measured]
        for r in pending:
            points = r.training_fids
            curve = ", ".join(f"epoch {m['epoch_end']}: {m['fid']:.2f}" for m in points)
            after = "".join(f"; after training, by `spindcgan fid`: {rec['metric']} **{rec['fid']:.2f}**"
                            for rec in r.fids.values())
            lines.append(f"| {dataset} FID reached so far, {hardware}, in training ({points[-1]['metric']}: "
                         f"{points[-1]['n_generated']:,} generated vs {points[-1]['n_reference']:,}, EMA generator) | "
                         f"<= {PAPER[dataset]['fid']} at {metric} | {curve}{after} ({metric} not measured yet) | "
                         f"{r.name} ({r.steps} steps, width {r.width}) |")
    return lines


def is_shipped(run: Run) -> bool:
    """A run whose generator ships in the package (a record of it measured the very file shipped now)."""
    return any(record.get("shipped") for record in run.fids.values())


def energy_runs(runs: list[Run]) -> list[Run]:
    """The runs whose energy ledger stands for their dataset in the claims: the shipped one, and for a dataset
    without a shipped generator its longest-trained hardware run that has a ledger."""
    chosen = [r for r in runs if r.energy and is_shipped(r)]
    for dataset in PAPER:
        if not any(r.dataset == dataset for r in chosen):
            candidates = [r for r in runs if r.energy and r.dataset == dataset and configuration(r.config) == "hw6"]
            chosen += [max(candidates, key=lambda r: r.steps)] if candidates else []
    return chosen


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


def shipped_recipe(runs: list[Run], dataset: str) -> list[Run]:
    """The runs of ``dataset`` set to train as its shipped generator was (its ``plan``: any hardware, any seed,
    finished or still resuming)."""
    plans = {r.plan for r in runs if r.dataset == dataset and is_shipped(r)}
    return [r for r in runs if r.dataset == dataset and r.plan in plans]


def ablation(runs: list[Run], energy_root: Path) -> list[str]:
    study = cpu_fashion_runs(runs)[1]
    shipped = shipped_recipe(runs, "fashion-mnist")
    width = study[0].width if study else 32
    epochs = max((r.epochs for r in study), default=10)
    lines = [f"## Ablation (Fashion-MNIST, width {width}, CPU)", "",
             f"FID after {epochs} epochs: the in-training fid2k-test (2,000 generated images, seed 12345, against the "
             f"10,000 test images, EMA generator after quantisation) at the last epoch of each configuration's run of "
             f"the ablation recipe: `python experiments/paper.py --recipe cpu-w32-10ep --out runs/cpu-abl "
             f"--results results/{ABLATION_FOLDER}-10ep --only NAME ...` (the shipped recipe's network and optimiser, "
             f"{epochs} epochs; a full-length run and a fid10k per configuration would cost about 3 CPU hours each). "
             "2,000 images give higher FIDs than 10,000 (the estimator's bias), so compare within a column. "
             "One seed per configuration: differences smaller than the seed-to-seed spread (the std of the hw6 "
             "row's shipped-recipe FID) are not resolved by this table. "
             "Where the shipped recipe (13,870 steps) was also run, its fid10k-test stands beside it.", "",
             "Energy per image, zero-padded mapping: the ledger of the configuration's trained run (its trained "
             "weights and its logged synapse writes, `spindcgan energy RUN_DIR`, written by paper.py) where it has "
             "one, else `python experiments/ablation_energy.py` (`spindcgan energy --width 32 <flags>` on a fresh "
             "model; the ledger is structural, see that script); the last column says which. Energy hardly moves "
             "between the hardware rows: a read costs the same conductance range whatever the number of levels or "
             "their variation, the ADC and DAC are priced at their own resolution (8-bit ADC unless `--adc-bits`), "
             "and only the writes (state changes per training image, devices column) depend on the levels. The writes "
             "themselves are the last column: the mean number of synapse state changes the run's optimiser steps "
             "made per training image (logged during training), which is what device endurance has to absorb.", "",
             f"| configuration | FID after {epochs} epochs (fid2k-test) | runs | FID, shipped recipe (fid10k-test) | "
             "inference nJ (devices / with peripherals) | training nJ (devices / with peripherals) | energy from | "
             "synapse state changes per training image |",
             "|---|---|---|---|---|---|---|---|"]
    for label in ABLATION_ORDER:
        group = [r for r in study if configuration(r.config) == label and r.width == width]
        short = [point["fid"] for r in group if (point := last_training_fid(r))]
        full = [r for r in shipped if configuration(r.config) == label and r.width == width]
        trained = next((r for r in group if r.energy), None)
        fresh = sorted((energy_root / label).glob("energy-*-zero-padded.json")) if trained is None else []
        if trained:
            ledger, source = trained.energy, f"trained run {trained.name}"
        else:
            ledger, source = (json.loads(fresh[0].read_text()), "fresh model") if fresh else (None, "-")
        writes = f"{ledger['synapse_updates']['state_changes_per_image']:,.1f}" if trained else "-"
        missing = "no crossbar ledger (float weights)" if label in ("float", "dw-only") else "not measured"
        cells = [f"{nj(ledger, p, True):.3f} / {nj(ledger, p, False):,.1f}" for p in ("inference", "training")] \
            if ledger else [missing] * 2
        lines.append(f"| {label} | {summary(short) if group else 'not trained yet'} | "
                     f"{', '.join(r.name for r in group) or '-'} | "
                     f"{fid_summary(full, 'fid10k-test') if full else '-'} | {cells[0]} | {cells[1]} | {source} | "
                     f"{writes} |")
    return lines + [""]


def curves(runs: list[Run], img: Path) -> list[str]:
    """Training curves (epoch means of the losses) of the CPU Fashion-MNIST runs of the shipped recipe, the
    in-training FID of every run that measured it (one plot per dataset), and the last sample grid of each
    CPU run."""
    fashion, study = cpu_fashion_runs(runs)
    anime = [r for r in runs if r.dataset == "anime" and r.folder.name.startswith("cpu-")]
    if not fashion and not study and not anime:
        return []
    lines = ["## Training curves and samples", ""]
    img.mkdir(parents=True, exist_ok=True)
    if fashion:
        lines += loss_curves(fashion, img, "the CPU Fashion-MNIST runs", "training-curves-fashion-mnist.png")
    anime_shipped = shipped_recipe(runs, "anime")
    if anime_shipped:
        lines += loss_curves(anime_shipped, img, "the Anime Face runs of the shipped generator's recipe",
                             "training-curves-anime.png")
    fid_runs = [r for r in runs if r.training_fids or r.export_fids]
    for dataset in dict.fromkeys(r.dataset for r in fid_runs):
        lines += fid_curve([r for r in fid_runs if r.dataset == dataset], img)
    if not fid_runs:
        lines += ["FID against epoch: none of these runs measured FID during training (on the CPU the final fid10k "
                  "alone costs 43 minutes per run); paper.py's recipes measure it (`--fid-every`), so the study's "
                  "next runs add that plot here.", ""]
    fashion_shipped = shipped_recipe(fashion, "fashion-mnist")
    fashion_other = [r for r in fashion if r.plan not in {s.plan for s in fashion_shipped}]
    for title, group in (("shipped recipe", [r for r in fashion_shipped if r.samples]),
                         ("other Fashion-MNIST recipes", [r for r in fashion_other if r.samples]),
                         ("ablation recipe", [r for r in study if r.samples]),
                         ("Anime Face recipe", [r for r in anime if r.samples])):
        if group:
            lines += [f"Last sample grids, {title}:", "",
                      "| " + " | ".join(f"{r.name} ({configuration(r.config)}, epoch {r.epochs})" for r in group)
                      + " |", "|" + "---|" * len(group),
                      "| " + " | ".join(f"![{r.name}](../{shown(r.samples)})" for r in group) + " |", ""]
    return lines


def loss_curves(group: list[Run], img: Path, what: str, file: str) -> list[str]:
    """Epoch means of the discriminator and generator losses of ``group`` (float runs dashed): which network is
    winning, epoch by epoch."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), dpi=110)
    for r in group:
        ends = [m for m in r.metrics if "mean_loss_d" in m]
        label = f"{r.name} ({configuration(r.config)})"
        style = "--" if hardware_configuration(r.config) == "float" else "-"
        axes[0].plot([m["epoch_end"] for m in ends], [m["mean_loss_d"] for m in ends], style, label=label)
        axes[1].plot([m["epoch_end"] for m in ends], [m["mean_loss_g"] for m in ends], style, label=label)
    for ax, loss in zip(axes, ("discriminator loss", "generator loss"), strict=True):
        ax.set_xlabel("epoch")
        ax.set_ylabel(f"{loss} (epoch mean)")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    save_figure(fig, img / file)
    return [f"![epoch-mean losses of {what}](img/results/{file})", ""]


CURVE_STYLES = {"float": "s--", "hw6": "o-", "float+aug": "s-.", "hw6+aug": "o-."}  # bold; the rest dotted
CLAIM_STAR = {"marker": "*", "ls": "none", "ms": 11, "mec": "k", "mew": 0.5}  # a claim's fid10k on the curve


def fid_curve(fid_runs: list[Run], img: Path) -> list[str]:
    """The FID-against-epoch plot of one dataset's runs that measured FID during training."""
    dataset = fid_runs[0].dataset
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    for r in fid_runs:
        from_exports = not r.training_fids
        points = r.export_fids if from_exports else r.training_fids
        name = configuration(r.config)
        style = CURVE_STYLES.get(name, ".:")
        after = ", from its exports after training" if from_exports else ""
        label = ", ".join(filter(None, [name, choices_label(r.config), points[0]["metric"] + after]))
        line, = ax.plot([m["epoch_end"] for m in points], [m["fid"] for m in points], style,
                        lw=2 if name in CURVE_STYLES else 1, label=f"{r.name} ({label})",
                        mfc="none" if from_exports else None)
        for record in r.fids.values():
            ax.plot(record_epoch(r, record), record["fid"], color=line.get_color(), **CLAIM_STAR)
    if any(r.fids for r in fid_runs):
        ax.plot([], [], color="0.6", label="10k-image FID of the claims", **CLAIM_STAR)  # the legend's star
    paper_fid = PAPER[dataset]["fid"]
    ax.axhline(paper_fid, color="k", lw=1, ls=":", label=f"paper's FID ({paper_fid}, 10k images)")
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"FID during training ({dataset})")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=6)
    file = "fid-vs-epoch.png" if dataset == "fashion-mnist" else f"fid-vs-epoch-{dataset}.png"
    save_figure(fig, img / file)
    return [f"{dataset}: FID against epoch, measured during training (EMA generator after quantisation, 2,000 "
            "images with a fixed seed, so the epochs are comparable): float (squares) and the paper's hardware "
            "(circles) in bold, dash-dotted where the discriminator saw DiffAugment images (`+aug`), the other "
            "ablation configurations dotted. A star is the 10,000-image FID of the claims, at the epoch of the "
            "weights it measured, in its run's colour. The black dotted line is the paper's FID; FID is biased "
            "upward at small sample counts, so a 2,000-image FID reads higher than the 10,000-image FID of the "
            "same generator that the claims use." + (
                " Hollow markers: a run that could not measure FID where it trained (a lent GPU, which the "
                "Inception file cannot reach), measured afterwards by the same protocol from the device states it "
                "exported every few epochs (`spindcgan train --export-every`, `spindcgan fid RUN --exports`)."
                if any(not r.training_fids for r in fid_runs) else ""), *ema_lag(fid_runs[0]), "",
            f"![FID measured during training, {dataset}](img/results/{file})", ""]


def record_epoch(run: Run, record: dict) -> float:
    """The training epoch of the weights a FID record measured (a record without a step, from before the field or
    of an export from before it: the run's end)."""
    step = record.get("step")
    return run.epochs if step is None else step * run.epochs / run.steps


def ema_lag(run: Run) -> list[str]:
    """Why early in-training FIDs of an EMA generator are high: the share of its initial weights it still holds."""
    decay = run.config["train"]["ema"]
    points = run.training_fids
    if not decay or not points:
        return []
    shares = ", ".join(f"{100 * decay ** m['step']:.1f} % at epoch {m['epoch_end']}" for m in points)
    return [f"The measured generator is the EMA of the trained one (decay {decay}), which after s steps still holds "
            f"{decay}^s of the random initial weights ({run.name}: {shares}): one reason the early points are high."]


def section(folder: Path, runs: list[Run]) -> list[str]:
    notes = folder / "NOTES.md"
    lines = [f"## {folder.name}", "", f"Source: `{shown(folder)}` (commands in each run's `train.log`).",
             "", *(notes.read_text().splitlines() + [""] if notes.exists() else []),
             "| run | dataset | configuration | width | steps | epochs done | FID | KID | metric | paper target |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in runs:
        in_training = last_training_fid(r)
        records = [*r.fids.values(), *r.alternatives] or [in_training]
        for fid in records:
            when = f", in training at epoch {fid['epoch_end']}" if fid is in_training and fid else ""
            when += ", standing BatchNorm statistics" if fid and batchnorm(fid) == "standing" else ""
            cells = (f"{fid['fid']:.2f} | {fid['kid']:.4f} | {fid['metric']} ({fid['n_generated']} vs "
                     f"{fid['n_reference']}{when})" if fid else "not measured | | ")
            lines.append(f"| {r.name} | {r.dataset} | {describe(r.config)} | {r.width} | {r.steps} (logged) | "
                         f"{r.epochs} | {cells} | <= {PAPER[r.dataset]['fid']} |")
    provenance = [f"- {r.name}, {fid['metric']}: measured by `{fid['command']}` at commit {fid['commit'][:7]}"
                  + (f" (file sha256 {fid['asset_sha256'][:12]}...)" if "asset_sha256" in fid else "")
                  + (f" (weights of training step {fid['step']})" if fid.get("step") is not None else "")
                  + (" (the package ships another file at that path now; this one is in the path's git history)"
                     if fid["checkpoint"].startswith("src/spindcgan/assets/") and not fid["shipped"] else "")
                  + f"; reproduce with `{fid['reproduce']}`."
                  for r in runs for fid in [*r.fids.values(), *r.alternatives] if "reproduce" in fid]
    curves_after = [f"- {r.name}: FID from its exports after training ({r.export_fids[0]['metric']}, "
                    f"`spindcgan fid RUN --exports`): "
                    + ", ".join(f"epoch {m['epoch_end']}: {m['fid']:.2f}" for m in r.export_fids) + "."
                    for r in runs if r.export_fids]
    ratios = pair_ratios(runs)
    return lines + [part for block in (curves_after, ratios, provenance) if block for part in ("", *block)] + [""]


def batchnorm_evaluations(runs: list[Run]) -> list[str]:
    """The generators measured both with the BatchNorm statistics training left them and with standing ones."""
    pairs = []
    for r in runs:
        for record in r.fids.values():
            others = [a for a in r.alternatives if a["metric"] == record["metric"]]
            if others:
                by_kind = {batchnorm(x): x for x in [record, *others]}
                if by_kind.keys() == {"running", "standing"}:
                    pairs.append((r, by_kind["running"], by_kind["standing"]))
    if not pairs:
        return []
    lines = ["## BatchNorm statistics of the evaluated generator", "",
             "The same device states evaluated with the BatchNorm statistics training left them (an EMA generator "
             "carries the trained generator's, copied every step) and with standing statistics of its own weights "
             "(`spindcgan export --standing-statistics`, [training.md](training.md)); only the CMOS BatchNorm "
             "buffers differ. The package ships the file marked *shipped*.", "",
             "| run | metric | running statistics | standing statistics | change |", "|---|---|---|---|---|"]
    for r, running, standing in pairs:
        mark = {id(x): " (shipped)" if x.get("shipped") else "" for x in (running, standing)}
        lines.append(f"| {r.name} | {running['metric']} | {running['fid']:.2f}{mark[id(running)]} | "
                     f"{standing['fid']:.2f}{mark[id(standing)]} | "
                     f"{100 * (standing['fid'] / running['fid'] - 1):+.1f} % |")
    return lines + [""]


def float_discriminator_probes(runs: list[Run]) -> list[str]:
    """Each run trained against a float discriminator, its FIDs beside those of the hardware and float runs of
    the same recipe (dataset, width, augmentation, decay, steps) and seed, from the epoch its curve leaves the
    hardware run's."""
    lines = []
    for probe in [r for r in runs if hardware_configuration(r.config).endswith("-floatd")]:
        hw = same_recipe(runs, probe, generator_hardware(probe.config["hardware"]))
        fl = same_recipe(runs, probe, "float")
        if hw is None or fl is None:
            continue
        after = [e for e in probe.logged if probe.logged[e] != hw.logged.get(e)]
        in_training = probe.training_fids[-1]["metric"]
        lines += ["## Float-discriminator probes", "",
                  f"{probe.name} (results/{probe.folder.name}) continued a copy of {hw.name}'s run from a checkpoint "
                  f"before epoch {after[0]} with a float discriminator and nothing else changed; beside it the float "
                  "run of the same recipe. In training "
                  f"({in_training}, the same images at each epoch) from its first point after the switch, and the "
                  "claims' "
                  "10k-image FID (the hardware run's evaluated with running BatchNorm statistics, as the other two).",
                  "", f"| epoch | {hw.name} (hardware) | {probe.name} (float discriminator) | {fl.name} (float) |",
                  "|---|---|---|---|"]
        lines += [f"| {e} | {hw.logged[e]:.2f} | {probe.logged[e]:.2f} | {fl.logged[e]:.2f} |"
                  for e in after if e in hw.logged and e in fl.logged]
        shares = []
        for metric in [m for m in probe.fids if m in hw.fids and m in fl.fids]:
            fids = like_for_like([hw], [fl], metric)[0], probe.fids[metric]["fid"], fl.fids[metric]["fid"]
            lines.append(f"| {metric} | " + " | ".join(f"{v:.2f}" for v in fids) + " |")
            shares.append(f"{metric}: {100 * (fids[0] - fids[1]) / (fids[0] - fids[2]):.0f} %")
        lines += ["", f"Share of the hardware / float gap the float discriminator closes: {'; '.join(shares)}."] \
            if shares else []
        lines.append("")
    return lines


def curve_rows(runs: list[Run], epochs: list[int]) -> list[str]:
    """One table row per epoch: the FID each run logged at its end ("-" where it logged none)."""
    return [f"| {epoch} | " + " | ".join(f"{r.logged[epoch]:.2f}" if epoch in r.logged else "-" for r in runs) + " |"
            for epoch in epochs]


def training_recipes(runs: list[Run]) -> list[str]:
    """Each plan trained with other choices than DCGAN's (a spectral-norm discriminator, one with a learning rate
    of its own, another batch size, bf16 arithmetic), epoch by epoch beside every run of the same plan, hardware
    and dataset with DCGAN's choices (all their seeds: the spread two seeds of one recipe show is what a
    difference has to exceed). Epochs are the comparison: equal epochs are equal images seen whatever the batch
    size (a smaller batch takes more steps, and somewhat longer, per epoch)."""
    plans: dict[tuple, list[Run]] = {}
    for r in runs:
        if r.training_fids:
            key = (r.dataset, hardware_configuration(r.config), r.plan_with(DCGAN_CHOICES))
            plans.setdefault(key, []).append(r)
    lines = []
    for group in plans.values():
        others = sorted([r for r in group if r.choices != DCGAN_CHOICES], key=lambda r: r.name)
        dcgan = sorted([r for r in group if r.choices == DCGAN_CHOICES], key=lambda r: (r.seed, r.name))
        if not others or not dcgan:
            continue
        ordered = [*others, *dcgan]
        lines += ["; ".join(f"{r.name} (results/{r.folder.name}): {r.dataset}, {describe(r.config)}" for r in others)
                  + f"; set to train {others[0].config['train'].get('epochs')} epochs, beside the runs of the same "
                  f"plan with DCGAN's choices (a batch-norm discriminator at the generator's learning rate, batches "
                  f"of {DCGAN_BATCH}, fp32 arithmetic), by the FID each logged during training "
                  f"({others[0].training_fids[-1]['metric']}, the same images at each epoch, EMA generator).", "",
                  "| epoch | " + " | ".join(f"{r.name} ({choices_label(r.config) or DCGAN_LABEL}, seed {r.seed}, "
                                           f"{r.epochs} epochs done)" for r in ordered) + " |",
                  "|---|" + "---|" * len(ordered)]
        lines += curve_rows(ordered, sorted({epoch for r in others for epoch in r.logged}))
        lines.append("")
        for r in others:
            last = max(r.logged)
            peers = [p.logged[last] for p in dcgan if last in p.logged]
            if peers:
                lines.append(f"- {r.name} at epoch {last}, its last: {r.logged[last]:.2f}; DCGAN's discriminator "
                             f"and batch size {min(peers):.2f} to {max(peers):.2f} ({len(peers)} runs), a "
                             f"difference of {r.logged[last] - min(peers):+.2f} to the best of them.")
        lines.append("")
    return ["## Training recipes, in training", "", *lines] if lines else []


def seed_curves(runs: list[Run]) -> list[str]:
    """The in-training FIDs of every run of a training plan (``Run.plan``) in which the paper's hardware or its
    float baseline has two or more seeds, finished or still resuming, epoch by epoch: how far two seeds of one
    recipe part, beside how far the hardware and float runs of one seed part."""
    plans: dict[tuple, list[Run]] = {}
    for r in runs:
        if r.training_fids and hardware_configuration(r.config) in ("hw6", "float") and not is_ablation(r):
            plans.setdefault((r.dataset, *r.plan), []).append(r)
    lines = []
    for group in plans.values():
        by_configuration: dict[str, list[Run]] = {}
        for r in sorted(group, key=lambda r: (hardware_configuration(r.config) != "hw6", r.seed)):
            by_configuration.setdefault(hardware_configuration(r.config), []).append(r)
        if max(len(seeds) for seeds in by_configuration.values()) < 2:
            continue
        ordered = [r for seeds in by_configuration.values() for r in seeds]
        pairs = [(hw, fl) for hw in by_configuration.get("hw6", []) for fl in by_configuration.get("float", [])
                 if hw.seed == fl.seed]  # one seed trained both ways
        first = ordered[0]
        lines += [f"{first.dataset}, {describe(first.config)}, set to train {first.config['train'].get('epochs')} "
                  "epochs: every run of this plan, "
                  "finished or not (a run still resuming across sessions, or one stopped), by the FID it logged "
                  "during training "
                  f"({first.training_fids[-1]['metric']}, the same images at each epoch, EMA generator).", "",
                  "| epoch | " + " | ".join(f"{r.name} ({hardware_configuration(r.config)}, seed {r.seed}, "
                                           f"{r.epochs} epochs done)" for r in ordered) + " |",
                  "|---|" + "---|" * len(ordered)]
        lines += curve_rows(ordered, sorted(set().union(*(r.logged for r in ordered))))
        lines.append("")
        lines += [seed_spread(seeds, pairs) for seeds in by_configuration.values() if len(seeds) > 1]
        lines += [lead(hw, fl) for hw, fl in pairs]
        lines.append("")
    return ["## Seeds of one recipe, in training", "", *lines] if lines else []


def seed_spread(seeds: list[Run], pairs: list[tuple[Run, Run]]) -> str:
    """How far the seeds of one configuration lie apart at the last epoch all of them logged, beside the
    hardware / float difference there of each seed trained both ways (``pairs``: hardware run, float run)."""
    name = hardware_configuration(seeds[0].config)
    common = set.intersection(*(set(r.logged) for r in seeds))
    if not common:
        return f"- {name}: its seeds have no logged epoch in common yet."
    epoch = max(common)
    values = [r.logged[epoch] for r in seeds]
    seed_counts = Counter(r.seed for r in seeds)  # one seed run twice (another environment): name the runs
    labels = [f"seed {r.seed}" if seed_counts[r.seed] == 1 else f"{r.name} (seed {r.seed})" for r in seeds]
    gaps = "; ".join(f"hardware - float, seed {hw.seed}: {hw.logged[epoch] - fl.logged[epoch]:+.2f}"
                     for hw, fl in pairs if epoch in hw.logged and epoch in fl.logged)
    return (f"- {name} at epoch {epoch}, the last all its {len(seeds)} runs logged: "
            + ", ".join(f"{label} {v:.2f}" for label, v in zip(labels, values, strict=True))
            + f", {max(values) - min(values):.2f} apart" + (f" ({gaps})." if gaps else "."))


def lead(hw: Run, fl: Run) -> str:
    """The epochs at which a hardware run's logged FID was below its float baseline's (same seed)."""
    common = sorted(hw.logged.keys() & fl.logged.keys())
    below = [e for e in common if hw.logged[e] < fl.logged[e]]
    return (f"- seed {hw.seed}: the hardware run's FID was below the float run's at {len(below)} of the "
            f"{len(common)} epochs both logged ({', '.join(map(str, below)) or 'none'}).")


def same_recipe(runs: list[Run], like: Run, hardware: str) -> Run | None:
    """The run of configuration ``hardware`` on ``like``'s dataset trained as ``like`` was (``Run.recipe``), from
    the same seed."""
    return next((r for r in runs if hardware_configuration(r.config) == hardware and r.dataset == like.dataset
                 and r.recipe == like.recipe and r.seed == like.seed), None)


def hardware_at_evaluation(folders: list[Path]) -> list[str]:
    """The records of experiments/hardware_at_evaluation.py: one checkpoint evaluated on and off the hardware."""
    records = [json.loads(p.read_text()) for f in folders for p in sorted(f.glob("hardware-at-evaluation-*.json"))]
    if not records:
        return []
    lines = ["## Where the hardware cost is made", "",
             "One hardware checkpoint's EMA generator evaluated as the modelled hardware computes it, with the "
             "full-precision shadow weights behind its device states (DW ReLU kept), and with no hardware at all, "
             "each by its run's in-training protocol (the same images as the FID logged at that epoch); beside them "
             "the FID its float baseline logged at the same epoch (`experiments/hardware_at_evaluation.py`).", "",
             "| run | epoch | metric | on the hardware | float weights, DW ReLU | float weights, CMOS ReLU | "
             "logged in training | float baseline, logged |", "|---|---|---|---|---|---|---|---|"]
    for record in records:
        fid = {row["evaluated"]: row["fid"] for row in record["rows"]}
        cells = [fid["hardware"], fid["float weights"], fid["float"], record["logged_fid"],
                 record["baseline_logged_fid"]]
        lines.append(f"| {record['name']} | {record['epoch']} | {record['rows'][0]['metric']} | "
                     + " | ".join("-" if v is None else f"{v:.2f}" for v in cells) + " |")
    lines += ["", *(f"- {r['name']} ({r['run']}): `{r['command']}` at commit {r['commit'][:7]} (sample seed "
                    f"{r['sample_seed']}{'; baseline ' + r['baseline'] if r['baseline'] else ''})." for r in records)]
    return lines + [""]


def reproductions(runs: list[Run], folder: Path = REPRODUCED) -> list[str]:
    """Records of files measured again later (``results/reproduced/``), beside the record they repeat: the same
    run, metric and file hash."""
    rows = []
    for path in sorted(folder.glob("fid-*.json")):
        again = json.loads(path.read_text())
        first = [x for r in runs if r.name == again["run"] for x in [*r.fids.values(), *r.alternatives]
                 if x["metric"] == again["metric"] and x.get("asset_sha256") == again["asset_sha256"]]
        if not first:
            raise SystemExit(f"{shown(path)}: no record of {again['run']} {again['metric']} measured that file")
        rows.append(f"| {again['run']} | {again['metric']} | {again['asset_sha256'][:12]}... | "
                    f"{first[0]['fid']:.3f} (commit {first[0]['commit'][:7]}) | {again['fid']:.3f} (commit "
                    f"{again['commit'][:7]}) | {100 * (again['fid'] / first[0]['fid'] - 1):+.2f} % |")
    if not rows:
        return []
    return ["## Measured again on a fresh machine", "",
            "A generator file measured a second time, on a machine with no cache (the reference statistics "
            f"recomputed from the dataset), by `experiments/measure.py ... --fid-only --results {shown(folder)}` "
            "(each record has its command).", "",
            "| run | metric | file sha256 | recorded FID | measured again | difference |", "|---|---|---|---|---|---|",
            *rows, ""]


def state_use(img: Path, models: dict[str, Path] = SHIPPED_MODELS) -> list[str]:
    """How the shipped generators' weights use their synapse states (``spindcgan info FILE``), per layer, and a
    histogram of their signed levels."""
    from spindcgan.crossbar.usage import programmed_layers, signed_levels, state_usage
    from spindcgan.export import load_exported

    rows, fig = [], plt.figure(figsize=(7, 3.2), dpi=110)
    ax = fig.add_subplot()
    for dataset, path in models.items():
        if not path.exists():
            continue
        generator, config = load_exported(path)
        synapse = config.hardware.synapse
        layers = programmed_layers(generator)
        for name, programmed in layers:
            u = state_usage(name, programmed, synapse)
            rows.append(f"| {dataset} | {name} | {u.weights:,} | {u.mean_magnitude:.3f} | {u.p999_magnitude:.3f} | "
                        f"{100 * u.zero_share:.1f} % | {u.entropy_bits:.2f} of {u.max_entropy_bits:.2f} |")
        levels = torch.cat([signed_levels(p, synapse).flatten() for _, p in layers])
        top = synapse.levels - 1
        counts = torch.bincount(levels + top, minlength=2 * top + 1).double()
        ax.step(range(-top, top + 1), counts / counts.sum(), where="mid", label=f"{dataset} ({shown(path)})")
    if not rows:
        return []
    ax.set_yscale("log")
    ax.set_xlabel("signed level n of a weight (G+ state - G- state)")
    ax.set_ylabel("share of the weights")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    save_figure(fig, img / "state-use.png")
    return ["## How the shipped generators use their device states", "",
            "Each weight of a crossbar layer is a signed level n, the G+ device's state minus the G- device's "
            "(L = 64 states each, so n runs from -63 to 63), times the layer's CMOS scale, its largest |weight|. "
            "Per layer (`spindcgan info FILE`): the mean |n| / 63, where a typical weight sits (one state step is "
            "1 / mean |n| of it); the 99.9th percentile of |n| / 63, below 1 when a few outliers set the scale; the "
            "share on level 0; and the entropy of the levels held, the information a weight carries, beside "
            "log2(127), the most a differential pair can.", "",
            "| generator | layer | weights | mean abs(n) / 63 | 99.9 % abs(n) / 63 | on level 0 | entropy (bits) |",
            "|---|---|---|---|---|---|---|", *rows, "",
            "![signed levels of the shipped generators' weights](img/results/state-use.png)", ""]


def scale_probes(folders: list[Path]) -> list[str]:
    """The records of experiments/scale_probe.py: a trained generator programmed with its per-layer scale clipped
    at a quantile of |weight| (finer levels for the bulk, the few above saturated), by its in-training protocol."""
    records = [json.loads(p.read_text()) for f in folders for p in sorted(f.glob("scale-probe-*.json"))]
    if not records:
        return []
    lines = ["Does a finer scale help after training? The same trained weights programmed with each layer's scale at "
             "the q-quantile of |weight| instead of the largest |weight| (q = 1, the standard programming), "
             "BatchNorm running statistics as trained (`experiments/scale_probe.py`):", "",
             "| run | q | scale / largest abs(weight), by layer | metric | FID |", "|---|---|---|---|---|"]
    for record in records:
        lines += [f"| {record['run']} | {point['q']} | "
                  + ", ".join(f"{v:.2f}" for v in point["scale_over_max"].values())
                  + f" | {point['metric']} | {point['fid']:.2f} |" for point in record["points"]]
    lines += ["", *(f"- {r['run']}: `{r['command']}` at commit {r['commit'][:7]}." for r in records)]
    return lines + [""]


def render(folders: list[Path], img: Path = IMG) -> str:
    """docs/results.md's text for these result folders (its plots are written into ``img``)."""
    by_folder = {folder: load_runs(folder) for folder in folders}
    runs = [r for rs in by_folder.values() for r in rs]
    lines = ["# Results", "", "<!-- generated by experiments/report.py; do not edit by hand -->", "",
             *claims(runs), *batchnorm_evaluations(runs), *hardware_at_evaluation(folders),
             *float_discriminator_probes(runs), *training_recipes(runs), *seed_curves(runs),
             *reproductions(runs),
             *ablation(runs, ROOT / "results" / "ablation-energy"), *curves(runs, img), *state_use(img),
             *scale_probes(folders)]
    for folder, folder_runs in by_folder.items():
        lines += section(folder, folder_runs)
    return "\n".join(lines) + "\n"


def result_folders() -> list[Path]:
    results = ROOT / "results"
    return sorted([*results.glob("cpu-*"), *results.glob("gpu-*")])


def main() -> None:
    folders = [Path(a).resolve() for a in sys.argv[1:]] or result_folders()
    out = DOCS / "results.md"
    out.write_text(render(folders))
    print(out.read_text())


if __name__ == "__main__":
    main()
