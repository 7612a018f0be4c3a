"""Ledgers of whole models (a checkpoint or a preset) and their stacked bar chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from ..config import RunConfig  # noqa: E402
from ..data.fashion_mnist import to_model_range  # noqa: E402
from ..data.registry import load_training_images  # noqa: E402
from ..errors import SpinDCGANError  # noqa: E402
from ..models import Discriminator, Generator  # noqa: E402
from ..plots import save_figure  # noqa: E402
from .area import AreaConfig  # noqa: E402
from .constants import PeripheralCosts  # noqa: E402
from .layers import COMPONENTS, DEVICE_COMPONENTS, Mapping  # noqa: E402
from .ledger import Ledger, build_ledger  # noqa: E402
from .updates import NOT_MEASURED, WriteCounter  # noqa: E402


def model_ledger(config: RunConfig, generator: Generator | None = None, discriminator: Discriminator | None = None,
                 mapping: Mapping = "zero-padded", include_peripherals: bool = True, batch: int = 64,
                 writes: WriteCounter | None = None, costs: PeripheralCosts | None = None, seed: int = 0,
                 area: AreaConfig | None = None, data_required: bool = False) -> Ledger:
    """The ledger of a trained model (given networks) or of a freshly initialised one (from ``config``); the
    training writes come from ``writes`` (``spindcgan.training.writes.write_counter``; None: not measured). The
    discriminator's real images come from ``config.train.data``; where it cannot be read, an error with
    ``data_required`` (the user named it), else generated images stand in for them."""
    if config.hardware is None or config.hardware.synapse is None:
        raise SpinDCGANError("the energy ledger needs synapse hardware (not --float or --float-weights)")
    if not config.hardware.discriminator_on_hardware:
        raise SpinDCGANError("the energy ledger models training on the paper's hardware discriminator; this "
                             "configuration's discriminator is float (hardware.discriminator_on_hardware is false)")
    torch.manual_seed(seed)
    generator = generator or Generator(config.model, config.hardware)
    discriminator = discriminator or Discriminator(config.model, config.hardware)
    try:
        real = to_model_range(load_training_images(config.model.dataset, config.train.data,
                                                   split=config.train.train_split))
    except SpinDCGANError:
        if data_required:
            raise
        real = None
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(batch, config.model.z_dim, generator=gen)
    if real is not None:
        real_batch = real[torch.randperm(len(real), generator=gen)[:batch]]
    else:  # no dataset here: the discriminator sees generated images on both sides
        with torch.no_grad():
            real_batch = generator.eval()(torch.randn(batch, config.model.z_dim, generator=gen))
    counted = writes(real) if writes is not None else NOT_MEASURED
    return build_ledger(generator, discriminator, config.hardware, z, real_batch, mapping, costs, counted.per_image,
                        counted.source, include_peripherals, config.train.r1 > 0, area)


def plot_ledger(ledgers: dict[str, Ledger], out: Path) -> Path:
    """Stacked bars of energy per image by component (devices only, and everything) and, where the ledgers carry
    one, of the inference chip's area by part."""
    with_area = {name: ledger.area for name, ledger in ledgers.items() if ledger.area is not None}
    fig, axes = plt.subplots(1, 2 + bool(with_area), figsize=(10 + 5 * bool(with_area), 4), dpi=120)
    colours = dict(zip(COMPONENTS, plt.get_cmap("tab10").colors, strict=False))
    for ax, components, title in ((axes[0], DEVICE_COMPONENTS, "spintronic devices"),
                                  (axes[1], COMPONENTS, "devices + CMOS peripherals")):
        bars = [(f"{name}\ninference", ledger.inference) for name, ledger in ledgers.items()]
        bars += [(f"{name}\ntraining", ledger.training) for name, ledger in ledgers.items()]
        stacked_bars(ax, bars, components, colours, 1e9)
        ax.set_ylabel("nJ per image")
        ax.set_title(title)
    if with_area:
        parts = [(name, chip.parts()) for name, chip in with_area.items()]
        names = [p for p in parts[0][1] if any(totals[p] for _, totals in parts)]
        stacked_bars(axes[2], parts, names, dict(zip(names, plt.get_cmap("tab10").colors, strict=False)), 1e-6)
        axes[2].set_ylabel("mm^2")
        axes[2].set_title("inference chip area (energy.area)")
    return save_figure(fig, out)


def stacked_bars(ax: plt.Axes, bars: list[tuple[str, dict[str, float]]], stack: list[str] | tuple[str, ...],
                 colours: dict[str, Any], scale: float) -> None:
    """One bar per (label, totals), its totals of ``stack`` stacked in that order, times ``scale``."""
    bottoms = [0.0] * len(bars)
    for part in stack:
        heights = [totals.get(part, 0.0) * scale for _, totals in bars]
        ax.bar(range(len(bars)), heights, bottom=bottoms, label=part, color=colours[part])
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    ax.set_xticks(range(len(bars)), [label for label, _ in bars], fontsize=7)
    ax.legend(fontsize=6)
