"""The run under way: issue 48's long Anime Face run, trained on the CPU in legs across sessions
(``experiments/anime_leg.py``, ``results/anime-long/``), as far as its last committed leg took it, beside the
shipped generator's run on the same measure."""

from __future__ import annotations

import json
import os
from pathlib import Path

from spindcgan.config import EMA_KEY_PREFIX
from spindcgan.io import load_jsonl
from spindcgan.plots import plt, save_figure
from spindcgan.training.checkpoint import EVALUATED_EMA

from .claims import CLAIMED_METRICS
from .runs import DOCS, PAPER, ROOT, Run, describe, is_shipped

LONG_RUN = ROOT / "results" / "anime-long"
"""The folder ``experiments/anime_leg.py`` fills at each leg's end: ``legs.jsonl``, ``runs/long/``, NOTES.md."""
LONG_RUN_FIGURE = "long-run.png"
PACK_PARTS = {EVALUATED_EMA: "the evaluated EMA", "optimisers": "Adam's moments",
              "device_writes": "the write counters"}
"""What the parts a pack may leave out are called on the page (``training.pack``)."""


def long_run_curves(run_dir: Path, measured: list[dict]) -> dict[str, dict[int, float]]:
    """The run's in-training FIDs by generator (the evaluated one's, ``measured``, then each further EMA by
    half-life), by epoch."""
    curves = {"evaluated generator": {m["epoch_end"]: m["fid"] for m in measured}}
    emas = sorted(load_jsonl(run_dir / "ema-fids.jsonl"), key=lambda m: m["half_life_epochs"])
    for m in emas:
        curves.setdefault(f"EMA half-life {m['half_life_epochs']:g} epochs", {})[m["epoch_end"]] = m["fid"]
    return curves


def pack_resumes(metrics: list[dict], steps_per_epoch: float) -> str:
    """A sentence for each time the run went on from its committed pack, not exactly (a machine that had lost the
    run folder): what the pack lacked and which EMA generators started again, so that their next points are read
    as younger averages."""
    def told(name: str) -> str:
        if name.startswith(EMA_KEY_PREFIX):
            return f"the EMA of half-life {name.removeprefix(EMA_KEY_PREFIX)} epochs"
        return PACK_PARTS.get(name, name)

    said = []
    for m in (m for m in metrics if "resumed_from_pack" in m):
        restarted = [told(name) for name in m.get("emas_started", [])]
        lacked = ", ".join(map(told, m["resumed_from_pack"].get("dropped", []))) or "nothing"
        said.append(f" At step {m['step']:,} (epoch {m['step'] / steps_per_epoch:.1f}) a machine without the run "
                    f"folder went on from its committed pack, not exactly (rounded weights, without {lacked}"
                    + (f"; {', '.join(restarted)} started again" if restarted else "") + ").")
    return "".join(said)


def under_way(runs: list[Run], img: Path, folder: Path = LONG_RUN) -> list[str]:
    """The section of docs/results.md on the long run while its copies are in ``folder``: where it stands, its
    fid2k-train by epoch for each generator it keeps, and a figure beside the shipped anime run's curve and
    discriminator loss."""
    run_dir = folder / "runs" / "long"
    if not (run_dir / "config.json").is_file():
        return []
    config = json.loads((run_dir / "config.json").read_text())
    metrics = load_jsonl(run_dir / "metrics.jsonl")
    legs = load_jsonl(folder / "legs.jsonl")
    ends = [m for m in metrics if "epoch_end" in m]
    steps_per_epoch = ends[-1]["step"] / ends[-1]["epoch_end"]
    step = legs[-1]["step_after"] if legs else ends[-1]["step"]
    run = Run(folder, run_dir.name, config, metrics)
    curves = long_run_curves(run_dir, run.training_fids)
    measured = run.training_fids[0]
    shipped = next((r for r in runs if r.dataset == "anime" and is_shipped(r)), None)
    reference = shipped.export_fids or shipped.training_fids if shipped else []
    fid10k = next((rec["fid"] for rec in shipped.fids.values()
                   if rec.get("shipped") and ("anime", rec["metric"]) in CLAIMED_METRICS), None) if shipped else None
    beside = (f"; the shipped generator's run ({shipped.name}) on the same measure, from its exports, ended at "
              f"{reference[-1]['fid']:.1f} (epoch {reference[-1]['epoch_end']}), and its shipped file scores "
              f"fid10k-train {fid10k:.2f}" if reference and fid10k is not None else "")
    epochs = sorted({e for curve in curves.values() for e in curve})
    table = ["| epoch | " + " | ".join(curves) + " |", "|---" * (len(curves) + 1) + "|"]
    table += ["| " + " | ".join([str(e), *(f"{c[e]:.1f}" if e in c else "-" for c in curves.values())]) + " |"
              for e in epochs]
    long_run_figure(curves, measured["metric"], metrics, reference, config, shipped, img / LONG_RUN_FIGURE)
    notes = Path(os.path.relpath(folder / "NOTES.md", DOCS)).as_posix()
    return [
        "## Under way: Anime Face toward the paper's FID", "",
        f"The shipped anime generator does not reach the paper's {PAPER['anime']['fid']} yet. A longer run of its "
        f"network is training on this project's 2-core CPU in legs of a session each (issue 48): width "
        f"{run.width}, {describe(config)}, {config['train']['epochs']} epochs. After "
        f"{len(legs)} legs it stands at epoch {step / steps_per_epoch:.1f} (step {step:,}). The plan, the probe "
        f"that chose its learning-rate schedule and each leg: [{notes.removeprefix('../')}]({notes})."
        f"{pack_resumes(metrics, steps_per_epoch)}", "",
        f"Its {measured['metric']} during training ({measured['n_generated']:,} generated faces against the "
        f"{measured['n_reference']:,} training faces, the same sample seed at every point){beside}:", "",
        *table, "", f"![{measured['metric']} of the long run's generators by epoch](img/results/{LONG_RUN_FIGURE})",
        "", "Below the curves, the discriminator's loss averaged over each epoch: where it falls toward zero the "
        "discriminator tells real faces from generated ones outright. Both runs have such episodes, and a FID "
        "measured inside one can read high.", ""]


def epoch_losses(metrics: list[dict]) -> tuple[list[int], list[float]]:
    """The discriminator's loss averaged over each epoch (near 0: it tells real from generated faces outright)."""
    ends = [m for m in metrics if "mean_loss_d" in m]
    return [m["epoch_end"] for m in ends], [m["mean_loss_d"] for m in ends]


def long_run_figure(curves: dict[str, dict[int, float]], metric: str, metrics: list[dict], reference: list[dict],
                    config: dict, shipped: Run | None, path: Path) -> Path:
    """Above, the long run's FID curves (solid) beside the shipped run's (dashed grey); below, each run's
    epoch-mean discriminator loss (the episodes where it wins outright); each run's decay start a dotted line."""
    fig, (ax, below) = plt.subplots(2, 1, figsize=(6.5, 5.4), dpi=110, sharex=True, height_ratios=(3, 2))
    for name, curve in curves.items():
        ax.plot(list(curve), list(curve.values()), "o-", ms=4, label=f"long run, {name}")
    losses = [epoch_losses(metrics), epoch_losses(shipped.metrics if shipped is not None else [])]
    below.plot(*losses[0], "-", color="C0", lw=1)
    decay = config["train"].get("lr_decay_start")
    if decay is not None:
        ax.axvline(decay, color="C0", ls=":", lw=1, label=f"long run's decay starts (epoch {decay})")
        below.axvline(decay, color="C0", ls=":", lw=1)
    if shipped is not None:
        if reference:
            ax.plot([m["epoch_end"] for m in reference], [m["fid"] for m in reference], "s--", color="0.5", ms=4,
                    label=f"shipped run ({shipped.name})")
        below.plot(*losses[1], "--", color="0.5", lw=1)
        if shipped.lr_decay_start is not None:
            ax.axvline(shipped.lr_decay_start, color="0.5", ls=":", lw=1,
                       label=f"shipped run's decay starts (epoch {shipped.lr_decay_start})")
            below.axvline(shipped.lr_decay_start, color="0.5", ls=":", lw=1)
    ax.set_xlim(0, config["train"]["epochs"])
    ax.set_ylabel(metric)
    ax.legend(fontsize=7)
    if any(v > 0 for _, values in losses for v in values):  # a log axis without them would have no range
        below.set_yscale("log")
    below.set_ylabel("discriminator loss,\nepoch mean")  # the lines as above: long run solid, shipped dashed
    below.set_xlabel("epoch")
    for axis in (ax, below):
        axis.grid(alpha=0.3)
    return save_figure(fig, path)
