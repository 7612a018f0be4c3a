"""The figures: FID against epoch of the runs behind the claims, the shipped generators' samples and their
device-state use."""

from __future__ import annotations

from pathlib import Path

import torch
from provenance import shown

from spindcgan.api import SHIPPED_MODELS
from spindcgan.plots import plt, save_figure

from .claims import CLAIMED_METRICS
from .runs import (
    PAPER,
    Run,
    choices_label,
    configuration,
    record_epoch,
)

CURVE_STYLES = {"float": "s--", "hw6": "o-", "float+aug": "s-.", "hw6+aug": "o-."}  # bold; the rest dotted


CLAIM_STAR = {"marker": "*", "ls": "none", "ms": 11, "mec": "k", "mew": 0.5}  # a claim's fid10k on the curve


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
        for record in (x for x in r.fids.values() if (r.dataset, x["metric"]) in CLAIMED_METRICS):
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
            "exports kept) are not drawn; the in-training FIDs of the other runs are in [studies.md](studies.md).", ""]


SHIPPED_FIGURE = "shipped-generators.png"


def shipped_figure(shown: list[tuple[Path, str]], path: Path) -> Path:
    """64 images of sample seed 0 from each generator file (``spindcgan generate --model FILE`` draws the same),
    side by side, each with its caption below (the README's picture), as a 256-colour PNG, which keeps the tree
    small."""
    import io

    from PIL import Image

    from spindcgan.generation import generate
    from spindcgan.io import atomic_write, image_grid
    from spindcgan.loading import load_generator

    fig, axes = plt.subplots(1, len(shown), figsize=(4.2 * len(shown), 5.0), dpi=110, squeeze=False)
    for ax, (model, caption) in zip(axes[0], shown, strict=True):
        ax.imshow(image_grid(generate(load_generator(model)[0], 64, seed=0)).convert("RGB"))
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel(caption, fontsize=9)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    picture = Image.open(buffer).convert("RGB").quantize(256, Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    return atomic_write(path, lambda tmp: picture.save(tmp, format="PNG", optimize=True))


def state_use(img: Path, models: dict[str, Path] = SHIPPED_MODELS) -> list[str]:
    """How the shipped generators' weights use their synapse states (``spindcgan info FILE``), per layer, and a
    histogram of their signed levels."""
    from spindcgan.loading import load_generator
    from spindcgan.reports.usage import programmed_layers, signed_levels, state_usage

    rows, fig = [], plt.figure(figsize=(7, 3.2), dpi=110)
    ax = fig.add_subplot()
    for dataset, path in models.items():
        if not path.exists():
            continue
        generator, config = load_generator(path)
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
    return ["Each weight of a crossbar layer is a signed level n, the G+ device's state minus the G- device's "
            "(L = 64 states each, so n runs from -63 to 63), times the layer's CMOS scale, its largest |weight|. "
            "Per layer (`spindcgan info FILE`): the mean |n| / 63, where a typical weight sits (one state step is "
            "1 / mean |n| of it); the 99.9th percentile of |n| / 63, below 1 when a few outliers set the scale; the "
            "share on level 0; and the entropy of the levels held, the information a weight carries, beside "
            "log2(127), the most a differential pair can.", "",
            "| generator | layer | weights | mean abs(n) / 63 | 99.9 % abs(n) / 63 | on level 0 | entropy (bits) |",
            "|---|---|---|---|---|---|---|", *rows, "",
            "![signed levels of the shipped generators' weights](img/results/state-use.png)", ""]
