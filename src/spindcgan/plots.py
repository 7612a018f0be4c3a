"""Plots written into run folders and docs (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from .io import atomic_write, load_jsonl  # noqa: E402


def save_figure(fig, out: Path) -> Path:
    """Write a figure as PNG atomically, then close it."""
    fig.tight_layout()
    atomic_write(out, lambda tmp: fig.savefig(tmp, format="png"))
    plt.close(fig)
    return Path(out)


def plot_fid_curve(metrics_path: Path, out: Path, ema_fids_path: Path | None = None) -> Path:
    """FID (and its metric name) against epoch, from a run's metrics.jsonl, with a curve for each further EMA
    generator whose FIDs ``ema_fids_path`` holds (``ema-fids.jsonl``, ``TrainConfig.ema_half_lives``)."""
    points = [m for m in load_jsonl(metrics_path) if "fid" in m]
    extra = load_jsonl(ema_fids_path) if ema_fids_path is not None else []
    points += [{**m, "metric": f"{m['metric']}, {m['ema']}"} for m in extra if "fid" in m]
    fig, ax = plt.subplots(figsize=(5, 3.2), dpi=120)
    for metric in sorted({m["metric"] for m in points}):
        xs = [m["epoch_end"] for m in points if m["metric"] == metric]
        ax.plot(xs, [m["fid"] for m in points if m["metric"] == metric], "o-", label=metric)
    ax.set_xlabel("epoch")
    ax.set_ylabel("FID")
    ax.grid(alpha=0.3)
    if points:
        ax.legend()
    return save_figure(fig, out)


def plot_pareto(rows: list[dict[str, Any]], out: Path, dataset: str, paper_fid: float | None,
                paper: dict[str, Any] | None) -> Path:
    """A sweep's FID against energy per generated image (``spindcgan.sweep``), and against chip area where the rows
    have one: every point (with its spread), the front joined, the paper's design point (``paper``, a row) starred
    and the paper's FID drawn."""
    axes_of = [("energy_j", 1e9, "energy per generated image (nJ, with peripherals)")]
    if "area_mm2" in rows[0]:
        axes_of.append(("area_mm2", 1.0, "chip area (mm^2, 32 nm)"))
    fig, axes = plt.subplots(1, len(axes_of), figsize=(7 * len(axes_of), 4.5), squeeze=False)
    for ax, (key, scale, label) in zip(axes[0], axes_of, strict=True):
        ax.errorbar([r[key] * scale for r in rows], [r["fid"] for r in rows], yerr=[r["fid_std"] for r in rows],
                    fmt="o", ms=4, color="0.6", ecolor="0.8", label="design points")
        front = sorted((r for r in rows if r["pareto"]), key=lambda r: r[key])
        ax.plot([r[key] * scale for r in front], [r["fid"] for r in front], "o-", color="C0", label="Pareto front")
        if paper is not None:
            ax.plot([paper[key] * scale], [paper["fid"]], "*", ms=14, color="C3",
                    label="the paper's design point (6 bits, ideal)")
        if paper_fid is not None:
            ax.axhline(paper_fid, color="C3", lw=0.8, ls="--", label=f"the paper's FID ({paper_fid})")
        ax.set_xlabel(label)
        ax.set_ylabel(f"FID ({rows[0]['metric']})")
        ax.legend(fontsize=8)
    if len(axes_of) == 1:
        axes[0][0].set_title(f"{dataset}: {len(rows)} design points")
    else:
        fig.suptitle(f"{dataset}: {len(rows)} design points (front over FID, energy and chip area)")
    return save_figure(fig, out)
