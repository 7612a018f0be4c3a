"""Plots written into run folders and docs (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path

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


def plot_fid_curve(metrics_path: Path, out: Path) -> Path:
    """FID (and its metric name) against epoch, from a run's metrics.jsonl."""
    points = [m for m in load_jsonl(metrics_path) if "fid" in m]
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
