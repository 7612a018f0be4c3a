"""How far the fast wire approximation is from the exact solve (issue 49), and what the wires take: a record and
the table of docs/circuit.md.

    python experiments/circuit_report.py [--out results/circuit/approximation.json] [--page docs/circuit.md]
    python experiments/circuit_report.py --study results/circuit/sweep-fmnist [--exact results/circuit/exact-fmnist]

For each array size (32, 64, 128), wire resistance per cell segment (0.5 to 10 ohm, driver and sense at 0 and at
100 ohm) and conductance pattern, every row at full input: the column currents of the exact nodal solve
(``crossbar.circuit.effective_conductances``) and of the approximation (``approximate_conductances``), as fractions
of each column's ideal full-scale current. Patterns: uniform random conductances over the synapse's range, and the
programmed G+ and G- arrays of the shipped Fashion-MNIST generator (its first whole array of each layer at
that size: the weights a trained network actually holds).

``--study DIR`` measures nothing: it renders the study block of the page (a table) and its plot
(``docs/img/circuit-study.png``) from a ``spindcgan sweep`` folder over ``wire``, ``array`` and ``compensation``
(its ``sweep.json`` and ``sweep.csv``); ``--exact DIR`` the block that holds the approximation's FID against the
exact solver's, from a sweep over ``wire_solver``.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import time
from pathlib import Path

import numpy as np
import torch
from provenance import ROOT, command, commit, fill_block, shown

from spindcgan.api import SHIPPED_MODELS
from spindcgan.crossbar.circuit import approximate_conductances, effective_conductances
from spindcgan.crossbar.config import WireConfig
from spindcgan.crossbar.programming import device_conductances
from spindcgan.crossbar.terms import TERMS
from spindcgan.io import save_json
from spindcgan.loading import load_generator
from spindcgan.nn import crossbar_layers
from spindcgan.training import RunConfig

SIZES = (32, 64, 128)
SEGMENTS = (0.5, 1.0, 2.0, 5.0, 10.0)
ENDS = (0.0, 100.0)  # driver and sense resistance


def trained_arrays(generator: torch.nn.Module, config: RunConfig, size: int) -> dict[str, np.ndarray]:
    """The generator's first whole size x size G+ and G- arrays of each layer big enough."""
    arrays = {}
    for name, layer in crossbar_layers(generator):
        g_pos, g_neg = device_conductances(layer.held_states(), config.hardware.synapse)
        for sign, g in (("G+", g_pos), ("G-", g_neg)):
            matrix = layer.crossbar_matrices(g)[0]
            if matrix.shape[0] >= size and matrix.shape[1] >= size:
                arrays[f"{name} {sign}"] = matrix[:size, :size].double().numpy()
    return arrays


def measure() -> list[dict]:
    generator, config = load_generator(SHIPPED_MODELS["fashion-mnist"])
    synapse = config.hardware.synapse
    rows = []
    for size in SIZES:
        rng = np.random.default_rng(size)
        patterns = {"uniform": rng.uniform(synapse.g_min, synapse.g_max, (size, size)),
                    **trained_arrays(generator, config, size)}
        for pattern, g in patterns.items():
            full = g.sum(0)
            for segment in SEGMENTS:
                for ends in ENDS:
                    wires = WireConfig(row_segment=segment, column_segment=segment, driver=ends, sense=ends)
                    started = time.perf_counter()
                    exact = np.ones(size) @ effective_conductances(g, wires)
                    seconds = time.perf_counter() - started
                    approx = np.ones(size) @ approximate_conductances(torch.from_numpy(g), wires).numpy()
                    rows.append({"size": size, "pattern": pattern, "segment_ohm": segment, "driver_sense_ohm": ends,
                                 "wires_take": float(np.mean(1 - exact / full)),
                                 "error_of_full_scale": float(np.max(np.abs(approx - exact) / full)),
                                 "exact_seconds": round(seconds, 3)})
    return rows


def table(rows: list[dict]) -> str:
    """Per size and resistance: what the wires take (mean over columns, range over patterns) and the
    approximation's worst error over columns and patterns."""
    lines = ["| array | segment (ohm) | driver, sense (ohm) | the wires take (of full scale) | approximation's "
             "largest error (of full scale) |", "|---|---|---|---|---|"]
    for size in SIZES:
        for segment in SEGMENTS:
            for ends in ENDS:
                sel = [r for r in rows if (r["size"], r["segment_ohm"], r["driver_sense_ohm"]) == (size, segment, ends)]
                take = [r["wires_take"] for r in sel]
                lines.append(f"| {size} x {size} | {segment:g} | {ends:g} | {min(take):.2%} - {max(take):.2%} | "
                             f"{max(r['error_of_full_scale'] for r in sel):.3%} |")
    return "\n".join(lines)


STUDY_PLOT = ROOT / "docs" / "img" / "circuit-study.png"
STUDY_TERMS = ("wire", "array", "compensation")


def read_sweep(folder: Path) -> tuple[dict, list[dict]]:
    """A sweep folder's spec (``sweep.json``) and its rows as ``sweep.csv`` has them (text)."""
    with (folder / "sweep.csv").open() as f:
        return json.loads((folder / "sweep.json").read_text()), list(csv.DictReader(f))


def study_rows(folder: Path) -> tuple[dict, list[dict]]:
    """A sweep folder's spec and its rows (``sweep.csv``), numbers read back, sorted by array, compensation, wire."""
    spec, raw = read_sweep(folder)
    missing = [t for t in STUDY_TERMS if t not in spec["grid"]]
    if missing:
        raise SystemExit(f"{folder}: not a study sweep (its grid lacks {', '.join(missing)})")
    rows = [{**r, **{t: TERMS[t].parse(r[t]) for t in STUDY_TERMS}, "fid": float(r["fid"]),
             "energy_j": float(r["energy_j"]),
             "device_energy_j": float(r.get("device_energy_j") or "nan"),
             "wire_energy_j": float(r.get("wire_energy_j") or "nan"), "area_mm2": float(r["area_mm2"])} for r in raw]
    return spec, sorted(rows, key=lambda r: (r["array"], r["compensation"], r["wire"]))


def study_table(rows: list[dict]) -> str:
    """One line per wire resistance; per array size and compensation, the FID and the energy per image in the
    devices and in the wires (the CMOS peripherals' share is said beside the table: it hardly moves with them)."""
    variants = sorted({(r["array"], r["compensation"]) for r in rows})
    head = " | ".join(f"{a} x {a}{', compensated' if c else ''}" for a, c in variants)
    lines = [f"| segment (ohm) | {head} |", "|---|" + "---|" * len(variants)]
    for wire in sorted({r["wire"] for r in rows}):
        cells = []
        for array, compensated in variants:
            row = next((r for r in rows if (r["wire"], r["array"], r["compensation"]) == (wire, array, compensated)),
                       None)
            pj = (row["device_energy_j"] * 1e12, row["wire_energy_j"] * 1e12) if row else None
            cells.append(f"{row['fid']:.2f} ({pj[0]:.1f} + {pj[1]:.2f} pJ)" if row else "not measured")
        lines.append(f"| {wire:g} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot_study(rows: list[dict], path: Path, metric: str) -> None:
    """FID and energy per image against wire resistance, a line per array size, dashed with compensation."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (fid_ax, energy_ax) = plt.subplots(1, 2, figsize=(10, 4))
    for i, array in enumerate(sorted({r["array"] for r in rows})):
        for compensated in (False, True):
            sel = [r for r in rows if r["array"] == array and r["compensation"] == compensated]
            if not sel:
                continue
            style = {"color": f"C{i}", "linestyle": "--" if compensated else "-", "marker": "o",
                     "label": f"{array} x {array}" + (", compensated" if compensated else "")}
            fid_ax.plot([r["wire"] for r in sel], [r["fid"] for r in sel], **style)
            energy_ax.plot([r["wire"] for r in sel], [(r["device_energy_j"] + r["wire_energy_j"]) * 1e12
                                                      for r in sel], **style)
    for ax, label in ((fid_ax, metric), (energy_ax, "energy per image in the devices and wires (pJ)")):
        ax.set_xscale("symlog", linthresh=0.5)
        ax.set_xlabel("wire resistance per cell segment (ohm)")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    fid_ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def render_study(folder: Path, page: Path, plot: Path = STUDY_PLOT) -> str:
    """The study block of the page and its plot, from a sweep folder; the block's text."""
    spec, rows = study_rows(folder)
    if not rows:
        raise SystemExit(f"{folder}: no point measured yet")
    metric = rows[0]["metric"]
    cmos = [(r["energy_j"] - r["device_energy_j"] - r["wire_energy_j"]) * 1e6 for r in rows]
    points = len(list(itertools.product(*spec["grid"].values())))
    text = (f"From `{shown(folder)}` ({len(rows)} of {points} points measured; {metric}, image seed {spec['seed']}, "
            f"the same images at every point; driver and sense at 0 ohm; rendered by `python "
            f"experiments/circuit_report.py --study {shown(folder)}`; each sweep invocation's command and commit in "
            f"its `provenance.jsonl`). FID (energy "
            f"per image in the synapse and DW devices + in the wires' I^2 R; the CMOS peripherals add "
            f"{min(cmos):.3f}-{max(cmos):.3f} uJ):\n\n" + study_table(rows)
            + f"\n\n![FID and energy over wire resistance](img/{plot.name})")
    plot_study(rows, plot, metric)
    fill_block(page, "<!-- study:begin -->", "<!-- study:end -->", text)
    return text


def solver_pairs(spec: dict, rows: list[dict]) -> list[tuple[str, float, float]]:
    """(point, the approximation's FID, the exact solve's FID) at each point of a sweep over ``wire_solver`` that
    measured both, the point named by its other settings."""
    others = [t for t in spec["grid"] if t != "wire_solver"]
    pairs = []
    for key in sorted({tuple(r[t] for t in others) for r in rows}):
        fid = {r["wire_solver"]: float(r["fid"]) for r in rows if tuple(r[t] for t in others) == key}
        if {"approximate", "exact"} <= fid.keys():
            pairs.append((" ".join(f"{t}={v}" for t, v in zip(others, key, strict=True)), fid["approximate"],
                          fid["exact"]))
    return pairs


def render_exact(folder: Path, page: Path) -> str:
    """The exact block of the page: the approximation's FID against the exact solver's at the points of a sweep over
    ``wire_solver`` (their relative difference, the bar's 2 %)."""
    spec, rows = read_sweep(folder)
    if "wire_solver" not in spec["grid"] or {r["wire_solver"] for r in rows} != {"approximate", "exact"}:
        raise SystemExit(f"{folder}: needs both solvers measured (--grid wire_solver=approximate,exact)")
    lines = [f"From `{shown(folder)}` ({rows[0]['metric']}, image seed {spec['seed']}, the same images for both; "
             f"rendered by `python experiments/circuit_report.py --exact {shown(folder)}`):", "",
             "| point | approximation | exact solve | difference |", "|---|---|---|---|"]
    lines += [f"| {point} | {approx:.2f} | {exact:.2f} | {(approx - exact) / exact:+.2%} |"
              for point, approx, exact in solver_pairs(spec, rows)]
    text = "\n".join(lines)
    fill_block(page, "<!-- exact:begin -->", "<!-- exact:end -->", text)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "circuit" / "approximation.json")
    parser.add_argument("--page", type=Path, default=ROOT / "docs" / "circuit.md")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--study", type=Path, metavar="SWEEP_DIR",
                        help="render the study block and plot from this sweep folder; measure nothing")
    parser.add_argument("--exact", type=Path, metavar="SWEEP_DIR",
                        help="render the approximation-against-exact block from this sweep folder (over wire_solver)")
    args = parser.parse_args()
    if args.study or args.exact:
        for folder, render in ((args.study, render_study), (args.exact, render_exact)):
            if folder:
                print(render(folder, args.page))
        return
    torch.set_num_threads(args.threads)
    rows = measure()
    patterns = sorted({r["pattern"] for r in rows})
    save_json({"command": command(), "commit": commit(), "patterns": patterns, "rows": rows}, args.out)
    note = (f"From `{args.out.relative_to(ROOT)}` ({command()}, commit {commit()}); patterns: "
            f"{', '.join(patterns)}; every row at full input.\n\n")
    fill_block(args.page, "<!-- approximation:begin -->", "<!-- approximation:end -->", note + table(rows))
    print(table(rows))


if __name__ == "__main__":
    main()
