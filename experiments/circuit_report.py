"""How far the fast wire approximation is from the exact solve (issue 49), and what the wires take: a record and
the table of docs/circuit.md.

    python experiments/circuit_report.py [--out results/circuit/approximation.json] [--page docs/circuit.md]
    python experiments/circuit_report.py --study results/circuit/sweep-fmnist results/circuit/sweep-fmnist-high \
        --exact results/circuit/exact-fmnist results/circuit/exact-fmnist-high

For each array size (32, 64, 128), wire resistance per cell segment (0.5 to 100 ohm, driver and sense at 0 and at
100 ohm) and conductance pattern, every row at full input: the column currents of the exact nodal solve
(``crossbar.circuit.effective_conductances``) and of the approximation (``approximate_conductances``), as fractions
of each column's ideal full-scale current. Patterns: uniform random conductances over the synapse's range, and the
programmed G+ and G- arrays of the shipped Fashion-MNIST generator (its first whole array of each layer at
that size: the weights a trained network actually holds).

``--study DIR [DIR ...]`` measures nothing: it renders the study block of the page (a table) and its plot
(``docs/img/circuit-study.png``) from ``spindcgan sweep`` folders over ``wire``, ``array`` and ``compensation``
(their ``sweep.json`` and ``sweep.csv``: one study, a second folder extending the first's grid); ``--exact DIR
[DIR ...]`` the block that holds the approximation's FID against the exact solver's, from sweeps over
``wire_solver``.
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
from spindcgan.sweep import PAPER_FID, grid_points
from spindcgan.training import RunConfig

SIZES = (32, 64, 128)
SEGMENTS = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)  # the FID study's range
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
STUDY_TERMS = ("array", "compensation", "wire")
"""What a study sweep varies, in the order its points are keyed and sorted."""


def read_sweep(folder: Path) -> tuple[dict, list[dict]]:
    """A sweep folder's spec (``sweep.json``) and its rows as ``sweep.csv`` has them (text)."""
    with (folder / "sweep.csv").open() as f:
        return json.loads((folder / "sweep.json").read_text()), list(csv.DictReader(f))


def study_rows(*folders: Path) -> tuple[list[dict], list[dict]]:
    """Sweep folders' specs and their rows (``sweep.csv``), numbers read back, sorted by array, compensation, wire:
    one study spread over several folders (a sweep folder keeps its grid; a second one extends the study, e.g. to
    higher resistance). They must share the images (``n``, ``seed``) and measure a point once."""
    specs, rows = [], {}
    for folder in folders:
        spec, raw = read_sweep(folder)
        missing = [t for t in STUDY_TERMS if t not in spec["grid"]]
        if missing:
            raise SystemExit(f"{folder}: not a study sweep (its grid lacks {', '.join(missing)})")
        if specs and (spec["n"], spec["seed"]) != (specs[0]["n"], specs[0]["seed"]):
            raise SystemExit(f"{folder}: generates other images (n {spec['n']}, seed {spec['seed']}) than "
                             f"{folders[0]} (n {specs[0]['n']}, seed {specs[0]['seed']})")
        specs.append(spec)
        for r in raw:
            row = {**r, **{t: TERMS[t].parse(r[t]) for t in STUDY_TERMS}, "fid": float(r["fid"]),
                   "energy_j": float(r["energy_j"]), "device_energy_j": float(r.get("device_energy_j") or "nan"),
                   "wire_energy_j": float(r.get("wire_energy_j") or "nan"), "area_mm2": float(r["area_mm2"])}
            if study_key(row) in rows:
                raise SystemExit(f"{folder}: the point {study_key(row)} is measured in another folder too")
            rows[study_key(row)] = row
    return specs, [rows[key] for key in sorted(rows)]


def study_key(row: dict) -> tuple:
    """A study point: (array, compensation, wire)."""
    return tuple(row[t] for t in STUDY_TERMS)


def variant_name(array: int, compensated: bool) -> str:
    """A line of the study, as the table, the reading and the plot name it."""
    return f"{array} x {array}{', compensated' if compensated else ''}"


def study_lines(rows: list[dict]) -> dict[tuple[int, bool], list[dict]]:
    """The study's rows (``study_rows``: sorted by array, compensation, wire) per (array, compensation), each in
    wire order."""
    return {variant: list(line) for variant, line in itertools.groupby(rows, key=lambda r: study_key(r)[:2])}


def planned_points(specs: list[dict]) -> set[tuple]:
    """Every (array, compensation, wire) that the folders' grids ask for."""
    return {tuple(TERMS[t].parse(p[t]) for t in STUDY_TERMS) for spec in specs for p in grid_points(spec["grid"])}


def study_table(rows: list[dict], planned: set[tuple]) -> str:
    """One line per wire resistance; per array size and compensation, the FID and the energy per image in the
    devices and in the wires (the CMOS peripherals' share is said beside the table: it hardly moves with them); a
    point a grid asks for that is not measured yet says so, one no grid asks for is '-'."""
    variants = sorted({(a, c) for a, c, _ in planned})
    head = " | ".join(variant_name(a, c) for a, c in variants)
    measured = {study_key(r): r for r in rows}
    lines = [f"| segment (ohm) | {head} |", "|---|" + "---|" * len(variants)]
    for wire in sorted({w for _, _, w in planned}):
        cells = []
        for array, compensated in variants:
            row = measured.get((array, compensated, wire))
            if row:
                cells.append(f"{row['fid']:.2f} ({row['device_energy_j'] * 1e12:.1f} + "
                             f"{row['wire_energy_j'] * 1e12:.2f} pJ)")
            else:
                cells.append("not measured" if (array, compensated, wire) in planned else "-")
        lines.append(f"| {wire:g} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def where_it_breaks(rows: list[dict], limit: float = PAPER_FID["fashion-mnist"]) -> str:
    """Per array size and compensation, the lowest wire resistance measured whose FID passes ``limit`` (the paper's
    Fashion-MNIST FID: past it, these arrays no longer reach what the paper's ideal ones did), with the last point
    below it; or the highest resistance measured, where none passes."""
    parts = []
    lines = study_lines(rows)
    for array, compensated in sorted(lines, key=lambda v: (-v[0], v[1])):
        line, name = lines[array, compensated], variant_name(array, compensated)
        past = next((i for i, r in enumerate(line) if r["fid"] > limit), None)
        if past is None:
            parts.append(f"{name}, not up to {line[-1]['wire']:g} ohm ({line[-1]['fid']:.2f})")
        else:
            before = f", {line[past - 1]['fid']:.2f} at {line[past - 1]['wire']:g}" if past else ""
            parts.append(f"{name}, at {line[past]['wire']:g} ohm ({line[past]['fid']:.2f}{before})")
    return f"Where the FID first passes the paper's {limit:g}: " + "; ".join(parts) + "."


def plot_study(rows: list[dict], path: Path, metric: str) -> None:
    """FID and energy per image against wire resistance, a line per array size, dashed with compensation; the
    paper's FID dotted."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (fid_ax, energy_ax) = plt.subplots(1, 2, figsize=(10, 4))
    colours = {array: f"C{i}" for i, array in enumerate(sorted({r["array"] for r in rows}))}
    for (array, compensated), sel in study_lines(rows).items():
        style = {"color": colours[array], "linestyle": "--" if compensated else "-", "marker": "o",
                 "label": variant_name(array, compensated)}
        fid_ax.plot([r["wire"] for r in sel], [r["fid"] for r in sel], **style)
        energy_ax.plot([r["wire"] for r in sel], [(r["device_energy_j"] + r["wire_energy_j"]) * 1e12 for r in sel],
                       **style)
    fid_ax.axhline(PAPER_FID["fashion-mnist"], color="gray", linestyle=":", label="the paper's FID (ideal arrays)")
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


def render_study(folders: list[Path], page: Path, plot: Path = STUDY_PLOT) -> str:
    """The study block of the page and its plot, from one or more sweep folders; the block's text."""
    specs, rows = study_rows(*folders)
    if not rows:
        raise SystemExit(f"{', '.join(map(str, folders))}: no point measured yet")
    metric = rows[0]["metric"]
    cmos = [(r["energy_j"] - r["device_energy_j"] - r["wire_energy_j"]) * 1e6 for r in rows]
    planned = planned_points(specs)
    named = " and ".join(f"`{shown(f)}`" for f in folders)
    text = (f"From {named} ({len(rows)} of {len(planned)} points measured; {metric}, image seed "
            f"{specs[0]['seed']}, the same images at every point; driver and sense at 0 ohm; rendered by `python "
            f"experiments/circuit_report.py --study {' '.join(shown(f) for f in folders)}`; each sweep invocation's "
            f"command and commit in its folder's `provenance.jsonl`). FID (energy "
            f"per image in the synapse and DW devices + in the wires' I^2 R; the CMOS peripherals add "
            f"{min(cmos):.3f}-{max(cmos):.3f} uJ):\n\n" + study_table(rows, planned) + "\n\n"
            + where_it_breaks(rows) + f"\n\n![FID and energy over wire resistance](img/{plot.name})")
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


def render_exact(folders: list[Path], page: Path) -> str:
    """The exact block of the page: the approximation's FID against the exact solver's at the points of sweeps over
    ``wire_solver`` (their relative difference, the bar's 2 %), a table row per point of each folder."""
    lines = []
    for folder in folders:
        spec, rows = read_sweep(folder)
        if "wire_solver" not in spec["grid"] or {r["wire_solver"] for r in rows} != {"approximate", "exact"}:
            raise SystemExit(f"{folder}: needs both solvers measured (--grid wire_solver=approximate,exact)")
        lines += [f"| {point} | {approx:.2f} | {exact:.2f} | {(approx - exact) / exact:+.2%} | `{shown(folder)}` |"
                  for point, approx, exact in solver_pairs(spec, rows)]
    named = " ".join(shown(f) for f in folders)
    text = "\n".join([f"FID by solver ({rows[0]['metric']}, image seed {spec['seed']}, the same images for both "
                      f"solvers; rendered by `python experiments/circuit_report.py --exact {named}`):", "",
                      "| point | approximation | exact solve | difference | sweep folder |", "|---|---|---|---|---|",
                      *lines])
    fill_block(page, "<!-- exact:begin -->", "<!-- exact:end -->", text)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "circuit" / "approximation.json")
    parser.add_argument("--page", type=Path, default=ROOT / "docs" / "circuit.md")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--study", type=Path, nargs="+", metavar="SWEEP_DIR",
                        help="render the study block and plot from these sweep folders (one study: a second folder "
                             "extends the first's grid); measure nothing")
    parser.add_argument("--exact", type=Path, nargs="+", metavar="SWEEP_DIR",
                        help="render the approximation-against-exact block from these sweep folders (over "
                             "wire_solver)")
    args = parser.parse_args()
    if args.study or args.exact:
        for folders, render in ((args.study, render_study), (args.exact, render_exact)):
            if folders:
                print(render(folders, args.page))
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
