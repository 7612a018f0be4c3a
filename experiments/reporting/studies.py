"""The answers of docs/studies.md, from the records kept in results/: curves logged in training side by side, FID
records of hardware runs beside their float baselines, probes of one training choice, evaluations of one generator
several ways, measurements repeated on a fresh machine."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from provenance import shown

from spindcgan.io import load_jsonl

from .claims import like_for_like
from .runs import (
    DCGAN_BATCH,
    DCGAN_CHOICES,
    DCGAN_LABEL,
    REPRODUCED,
    Run,
    batchnorm,
    choices_label,
    describe,
    generator_hardware,
    hardware_configuration,
    is_ablation,
    same_recipe,
)


def batchnorm_evaluations(records: list[dict]) -> list[str]:
    """The generators measured both with the BatchNorm statistics training left them and with standing ones (FID
    records of one run and metric, ``fid_records``)."""
    by_generator: dict[tuple[str, str], dict[str, dict]] = {}
    for record in records:
        by_generator.setdefault((record["run"], record["metric"]), {})[batchnorm(record)] = record
    pairs = [(name, kinds["running"], kinds["standing"]) for (name, _), kinds in by_generator.items()
             if kinds.keys() == {"running", "standing"}]
    if not pairs:
        return []
    lines = ["The same device states evaluated with the BatchNorm statistics training left them (an EMA generator "
             "carries the trained generator's, copied every step) and with standing statistics of its own weights "
             "(`spindcgan export --standing-statistics`, [training.md](training.md)); only the CMOS BatchNorm "
             "buffers differ. The package ships the file marked *shipped*.", "",
             "| run | metric | running statistics | standing statistics | change |", "|---|---|---|---|---|"]
    for name, running, standing in pairs:
        mark = {id(x): " (shipped)" if x.get("shipped") else "" for x in (running, standing)}
        lines.append(f"| {name} | {running['metric']} | {running['fid']:.2f}{mark[id(running)]} | "
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
        lines += [f"{probe.name} (results/{probe.folder.name}) continued a copy of {hw.name}'s run from a checkpoint "
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


def curve_table(runs: list[Run], label: Callable[[Run], str], epochs: list[int] | None = None) -> list[str]:
    """The in-training FIDs of ``runs`` side by side, one row per epoch (default: every epoch any of them logged),
    each column headed by the run's name, ``label``, seed and epochs done."""
    epochs = sorted(set().union(*(r.logged for r in runs))) if epochs is None else epochs
    return ["| epoch | " + " | ".join(f"{r.name} ({label(r)}, seed {r.seed}, {r.epochs} epochs done)" for r in runs)
            + " |", "|---|" + "---|" * len(runs), *curve_rows(runs, epochs)]


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
                  *curve_table(ordered, lambda r: choices_label(r.config) or DCGAN_LABEL,
                               sorted({epoch for r in others for epoch in r.logged})), ""]
        for r in others:
            last = max(r.logged)
            peers = [p.logged[last] for p in dcgan if last in p.logged]
            if peers:
                lines.append(f"- {r.name} at epoch {last}, its last: {r.logged[last]:.2f}; DCGAN's discriminator "
                             f"and batch size {min(peers):.2f} to {max(peers):.2f} ({len(peers)} runs), a "
                             f"difference of {r.logged[last] - min(peers):+.2f} to the best of them.")
        lines.append("")
    return lines


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
                  *curve_table(ordered, lambda r: hardware_configuration(r.config)), ""]
        lines += [seed_spread(seeds, pairs) for seeds in by_configuration.values() if len(seeds) > 1]
        lines += [lead(hw, fl) for hw, fl in pairs]
        lines.append("")
    return lines


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


def hardware_at_evaluation(folders: list[Path]) -> list[str]:
    """The records of experiments/hardware_at_evaluation.py: one checkpoint evaluated on and off the hardware."""
    records = [json.loads(p.read_text()) for f in folders for p in sorted(f.glob("hardware-at-evaluation-*.json"))]
    if not records:
        return []
    lines = ["One hardware checkpoint's EMA generator evaluated as the modelled hardware computes it, with the "
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
    return ["A generator file measured a second time, on a machine with no cache (the reference statistics "
            f"recomputed from the dataset), by `experiments/measure.py ... --fid-only --results {shown(folder)}` "
            "(each record has its command).", "",
            "| run | metric | file sha256 | recorded FID | measured again | difference |", "|---|---|---|---|---|---|",
            *rows, ""]


def scale_probes(folders: list[Path]) -> list[str]:
    """The records of experiments/scale_probe.py: a trained generator programmed with its per-layer scale clipped
    at a quantile of |weight| (finer levels for the bulk, the few above saturated), by its in-training protocol."""
    records = [json.loads(p.read_text()) for f in folders for p in sorted(f.glob("scale-probe-*.json"))]
    if not records:
        return []
    lines = ["The same trained weights programmed with each layer's scale at "
             "the q-quantile of |weight| instead of the largest |weight| (q = 1, the standard programming), "
             "BatchNorm running statistics as trained (`experiments/scale_probe.py`):", "",
             "| run | q | scale / largest abs(weight), by layer | metric | FID |", "|---|---|---|---|---|"]
    for record in records:
        lines += [f"| {record['run']} | {point['q']} | "
                  + ", ".join(f"{v:.2f}" for v in point["scale_over_max"].values())
                  + f" | {point['metric']} | {point['fid']:.2f} |" for point in record["points"]]
    lines += ["", *(f"- {r['run']}: `{r['command']}` at commit {r['commit'][:7]}." for r in records)]
    return lines + [""]


def evaluated(records: list[dict], run: str, metric: str) -> dict:
    """A run's FID record of ``metric``, the one evaluated as float baselines are (running BatchNorm statistics)
    where it has one."""
    found = [r for r in records if r["run"] == run and r["metric"] == metric]
    if not found:
        raise SystemExit(f"no {metric} record of {run} in the result folders")
    return min(found, key=lambda r: batchnorm(r) != "running")


def pair_table(records: list[dict], metric: str, pairs: list[tuple[str, str | None]]) -> list[str]:
    """Hardware runs beside their float baselines (trained the same way and as long; None: none was) by their FID
    records of ``metric``, both evaluated with running BatchNorm statistics where the hardware run has that record."""
    lines = [f"| hardware run | {metric} | float baseline | {metric} | hardware / float |", "|---|---|---|---|---|"]
    for hardware, baseline in pairs:
        hw = evaluated(records, hardware, metric)
        standing = " (standing BatchNorm statistics)" if batchnorm(hw) == "standing" else ""
        fl = evaluated(records, baseline, metric) if baseline else None
        cells = [baseline, f"{fl['fid']:.2f}", f"{hw['fid'] / fl['fid']:.3f}"] if fl else ["-", "-", "-"]
        lines.append(f"| {hardware}{standing} | {hw['fid']:.2f} | " + " | ".join(cells) + " |")
    return lines + [""]


def penalty_probe(folder: Path) -> list[str]:
    """Runs of one probe side by side (``<name>-metrics.jsonl`` and ``<name>-fid2k-epoch-<E>.json`` in ``folder``):
    the FID of each at the probe's last epoch and how its discriminator ended that epoch."""
    lines = ["| run | FID | epoch | mean D(real), that epoch | mean D(fake), that epoch |", "|---|---|---|---|---|"]
    for metrics in sorted(folder.glob("*-metrics.jsonl")):
        name = metrics.name.removesuffix("-metrics.jsonl")
        [record_path] = folder.glob(f"{name}-fid2k-epoch-*.json")
        record = json.loads(record_path.read_text())
        last = [m for m in load_jsonl(metrics) if "epoch_end" in m][-1]
        lines.append(f"| {name} | {record['metric']} {record['fid']:.2f} | {last['epoch_end']} | "
                     f"{last['mean_d_real']:.2f} | {last['mean_d_fake']:.2f} |")
    return lines + [""]
