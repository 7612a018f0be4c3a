"""The figures: FID against epoch, epoch-mean losses, the last sample grids, the shipped generators' device-state
use."""

from __future__ import annotations

from pathlib import Path

import torch
from provenance import shown

from spindcgan.cli import SHIPPED_MODELS
from spindcgan.plots import plt, save_figure

from .runs import (
    PAPER,
    Run,
    choices_label,
    configuration,
    cpu_fashion_runs,
    hardware_configuration,
    record_epoch,
    shipped_recipe,
)


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
    draw_fid_curves(ax, fid_runs)
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


def draw_fid_curves(ax: plt.Axes, fid_runs: list[Run]) -> None:
    """One dataset's FID-against-epoch curves on ``ax``: in training, or from exports measured afterwards (hollow),
    each claim's 10k-image FID a star at the epoch of the weights it measured, the paper's FID dotted."""
    dataset = fid_runs[0].dataset
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


CLAIMS_FIGURE = "fid-vs-epoch-claims.png"


def claims_fid_figure(behind: list[Run], img: Path) -> list[str]:
    """FID against epoch of the runs behind the claims (those with a curve), one panel per dataset."""
    with_curves = [r for r in behind if r.training_fids or r.export_fids]
    datasets = list(dict.fromkeys(r.dataset for r in with_curves))
    if not datasets:
        return []
    fig, axes = plt.subplots(1, len(datasets), figsize=(6.5 * len(datasets), 4), dpi=110, squeeze=False)
    for ax, dataset in zip(axes[0], datasets, strict=True):
        draw_fid_curves(ax, [r for r in with_curves if r.dataset == dataset])
    save_figure(fig, img / CLAIMS_FIGURE)
    return [f"![FID against epoch of the runs behind the claims](img/results/{CLAIMS_FIGURE})", "",
            "FID against epoch of the runs in the table that measured it while training (2,000 images with a fixed "
            "seed, so it reads higher than the 10,000-image FID of the same generator: the stars) or afterwards from "
            "device states exported every few epochs (hollow markers). Runs without a curve (no in-training FID, no "
            "exports kept) are not drawn; every curve is in [studies.md](studies.md#training-curves-and-samples).", ""]


SHIPPED_FIGURE = "shipped-generators.png"


def shipped_figure(shown: list[tuple[Path, str]], path: Path) -> Path:
    """Sample grids side by side, each with its caption below (the README's picture)."""
    from PIL import Image

    fig, axes = plt.subplots(1, len(shown), figsize=(4.2 * len(shown), 5.0), dpi=110, squeeze=False)
    for ax, (picture, caption) in zip(axes[0], shown, strict=True):
        ax.imshow(Image.open(picture).convert("RGB"))
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel(caption, fontsize=9)
    return save_figure(fig, path)


def ema_lag(run: Run) -> list[str]:
    """Why early in-training FIDs of an EMA generator are high: the share of its initial weights it still holds."""
    decay = run.config["train"]["ema"]
    points = run.training_fids
    if not decay or not points:
        return []
    shares = ", ".join(f"{100 * decay ** m['step']:.1f} % at epoch {m['epoch_end']}" for m in points)
    return [f"The measured generator is the EMA of the trained one (decay {decay}), which after s steps still holds "
            f"{decay}^s of the random initial weights ({run.name}: {shares}): one reason the early points are high."]


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
