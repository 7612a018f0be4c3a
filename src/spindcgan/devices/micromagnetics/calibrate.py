"""Run a micromagnetic setup, fit its compact model, and write the calibration JSON and plots.

``spindcgan devices calibrate DEVICE [--quick] [--out DIR]`` calls :func:`calibrate`. The JSON holds the
setup (every parameter), the simulated points, the fitted figures, the compact-model parameters they
imply, the magnum.np version and the command; ``spindcgan.devices.calibration`` reads it back.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import sys
import time
from pathlib import Path

import numpy as np

from ...io import save_json, writable_file
from ...plots import plt, save_figure
from .dw_track import TrackResult, TrackSetup, fit_track, simulate_track
from .solver import magnumnp
from .synapse import SynapseSetup, SynapseStates, depinning_drive, fit_synapse, simulate_states

DEVICES = ("dw-relu", "dw-leaky-relu", "skyrmion-synapse")


def track_setup(device: str) -> TrackSetup:
    """The DW setup of ``dw-relu`` (left side 50x stiffer: pinned) or ``dw-leaky-relu`` (slope 0.2)."""
    ratio = 0.02 if device == "dw-relu" else 0.2
    return TrackSetup(name=device, curvature_ratio=ratio)


def _progress(label: str, enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    bar = tqdm(total=1000, desc=label, unit="‰", leave=True)

    def update(fraction: float) -> None:
        bar.n = int(fraction * 1000)
        bar.refresh()
        if fraction >= 1:
            bar.close()

    return update


def calibrate(
    device: str, out: str | Path, quick: bool = False, progress: bool = True, plots_dir: str | Path | None = None
) -> Path:
    """Simulate ``device``, fit it, write ``<out>/<device>[-quick].json`` and its plots (into ``plots_dir``,
    default ``out``); return the JSON path."""
    if device not in DEVICES:
        raise ValueError(f"unknown device {device!r}; choose one of {', '.join(DEVICES)}")
    magnumnp()  # the solver is optional: say how to install it before any progress bar is drawn
    json_dir = Path(out)
    out = Path(plots_dir) if plots_dir else json_dir
    stem = device + ("-quick" if quick else "")
    writable_file(json_dir / f"{stem}.json"), writable_file(out / f"{stem}.png")  # a file in the way: said now
    started = time.time()
    if device == "skyrmion-synapse":
        setup = SynapseSetup().quick() if quick else SynapseSetup()
        states = simulate_states(setup, _progress(f"{device}: states", progress))
        threshold = depinning_drive(setup)
        fit = fit_synapse(states, threshold)
        points = {
            "state": list(range(setup.states)),
            "core_fraction": states.core_fraction.tolist(),
            "conductance": states.conductance.tolist(),
            "skyrmions": states.skyrmions.tolist(),
            "converged": states.converged.tolist(),
        }
        compact = {
            "bits": setup.bits,
            "update_drive": fit["update_drive"],
            "simulated_update_energy": fit["energy_per_update"],
            "simulated_g_min": fit["g_min"],
            "simulated_g_max": fit["g_max"],
        }
        plots = [_plot_ladder(states, out / f"{stem}-ladder.png"), _plot_film(states, out / f"{stem}-states.png")]
    else:
        setup = track_setup(device)
        setup = setup.quick() if quick else setup
        result = simulate_track(setup, _progress(f"{device}: LLG", progress))
        fit = fit_track(result)
        points = {
            "drive": result.drives.tolist(),
            "displacement": result.displacement.tolist(),
            "conductance": [setup.conductance(f) for f in result.up_fraction()],
            "settling_time": result.settling_time().tolist(),
            "settled": result.settled().tolist(),
        }
        compact = {
            "negative_slope": fit["negative_slope"],
            "drive_at_saturation": fit["saturation_drive"],
            "settling_time": fit["settling_time"],
            "simulated_energy_per_evaluation": fit["energy_per_evaluation"],
        }
        plots = [
            _plot_transfer(result, fit, out / f"{stem}-transfer.png"),
            _plot_track(result, out / f"{stem}-walls.png"),
        ]
    record = {
        "device": device,
        "quick": quick,
        "command": "spindcgan devices calibrate " + device + (" --quick" if quick else ""),
        "argv": sys.argv,
        "spindcgan": importlib.metadata.version("spindcgan"),
        "magnumnp": importlib.metadata.version("magnumnp"),
        "wall_time_s": round(time.time() - started, 1),
        "setup": dataclasses.asdict(setup),
        "points": points,
        "fit": fit,
        "compact_model": compact,
        "plots": [str(p) for p in plots],
    }
    return save_json(_jsonable(record), json_dir / f"{stem}.json")


def _jsonable(value):
    """NaN -> None and numpy scalars -> Python, so the JSON is standard."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.floating, float)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _plot_transfer(result: TrackResult, fit: dict, path: Path) -> Path:
    """Transfer curve: simulated displacement per drive, and the fitted compact model."""
    setup = result.setup
    drives = result.drives
    fig, ax = plt.subplots(figsize=(5, 3.4), dpi=120)
    ax.plot(drives / 1e10, result.displacement * 1e9, "o", label="magnum.np (settled wall)")
    line = np.linspace(drives.min(), drives.max(), 400)
    travel = setup.length - setup.rest_position
    right = fit["slope_right_nm_per_1e10"] * line / 1e10 + fit["offset_right_nm"]
    left = fit["slope_left_nm_per_1e10"] * line / 1e10 + fit["offset_left_nm"]
    model = np.where(line >= 0, np.minimum(np.maximum(right, 0), travel * 1e9), np.minimum(left, 0))
    ax.plot(line / 1e10, model, "-", label=f"fitted lines (negative slope {fit['negative_slope']:.3f})")
    ax.set_xlabel("drive current density (1e10 A/m^2)")
    ax.set_ylabel("wall displacement (nm)")
    ax.set_title(f"{setup.name}: designed slope {setup.curvature_ratio}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return save_figure(fig, path)


def _plot_track(result: TrackResult, path: Path) -> Path:
    """m_z along the track after each drive settled: the wall snapshots."""
    setup = result.setup
    x = (np.arange(result.profiles.shape[1]) + 0.5) * setup.cell * 1e9
    fig, ax = plt.subplots(figsize=(5, 3.4), dpi=120)
    for drive, mz in zip(result.drives, result.profiles, strict=True):
        ax.plot(x, mz, lw=1, label=f"{drive / 1e10:g}")
    ax.axvline(setup.rest_position * 1e9, color="k", lw=0.5, ls=":")
    ax.set_xlabel("position along the track (nm)")
    ax.set_ylabel("m_z")
    ax.legend(title="drive (1e10 A/m^2)", fontsize=6, ncol=2)
    return save_figure(fig, path)


def _plot_ladder(states: SynapseStates, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(5, 3.4), dpi=120)
    n = np.arange(states.setup.states)
    ax.plot(n, states.conductance * 1e6, "o", ms=3, label="magnum.np (relaxed state)")
    slope, intercept = np.polyfit(n, states.conductance, 1)
    ax.plot(n, (slope * n + intercept) * 1e6, "-", label="linear ladder (compact model)")
    ax.set_xlabel("state (skyrmions in the device)")
    ax.set_ylabel("read conductance (uS)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return save_figure(fig, path)


def _plot_film(states: SynapseStates, path: Path) -> Path:
    shots = sorted(states.snapshots.items())
    fig, axes = plt.subplots(1, len(shots), figsize=(2.2 * len(shots), 2.4), dpi=120)
    for ax, (n, mz) in zip(np.atleast_1d(axes), shots, strict=True):
        ax.imshow(mz.T, origin="lower", cmap="RdBu", vmin=-1, vmax=1)
        ax.set_title(f"state {n}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    return save_figure(fig, path)
