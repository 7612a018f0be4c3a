"""docs/sweeps.md: the design space of the shipped Fashion-MNIST generator, by one command.

    python experiments/sweeps.py [--threads 2] [--pages-only]

1. Runs, or continues where it stopped (``--pages-only``: measures nothing), ``spindcgan sweep`` of the shipped
   generator over ``GRID`` into ``results/sweep-fmnist-shipped/`` (its points.jsonl, costs.json, sweep.csv,
   pareto.png are committed; each invocation's command and commit are appended to ``provenance.jsonl`` there).
2. Writes docs/sweeps.md from the points measured so far: the Pareto front, the cheapest design point whose FID
   stays within the paper's, each factor's effect from the paper's design point, retention, and the endurance
   of a training leg recorded in ``results/sweep-fmnist-shipped/endurance/`` (its ``device_writes.json`` and
   ``config.json``, copied from a run by ``--endurance-run RUN_DIR``).
3. With ``--robust RUN_DIR`` (a run of the shipped recipe trained with ``--train-noise ROBUST_NOISE``): copies its
   last export and config into ``results/robust-fmnist/`` and sweeps it over ``ROBUST_GRID``, the points of the
   main sweep where variation and faults act, beside the generator trained without the option at equal energy.
   ``--robust-epoch K`` takes its export of epoch K instead of the last, ``--robust-clean EXPORT`` the run without
   the option at the same epoch instead of the shipped file; both generators are swept at ``ROBUST_N`` images.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import torch
from provenance import ROOT, shown
from reporting.folders import LAST_HELD

from spindcgan import api
from spindcgan.api import SHIPPED_MODEL
from spindcgan.crossbar.faults import survival
from spindcgan.io import save_json, save_text
from spindcgan.loading import load_generator
from spindcgan.sweep import (
    COSTS_NAME,
    PLOT_NAME,
    SPEC_NAME,
    cheapest_within,
    grid_points,
    hardware_at,
    is_paper_point,
    load_points,
    parse_grid,
    point_label,
    summarise,
)
from spindcgan.sweep import (
    PAPER_FID as PAPER_FIDS,
)
from spindcgan.training.endurance import endurance_report

GRID = ["bits=4,6", "adc_bits=none,6", "d2d=0,0.1", "stuck=0,0.01", "retention=0,10y"]
"""Bits x ADC x device-to-device variation x stuck devices x retention: 32 points, about an hour on 2 cores."""
N, SEED = 2000, 0
PAPER_FID = PAPER_FIDS["fashion-mnist"]
OUT = ROOT / "results" / "sweep-fmnist-shipped"
ENDURANCE = OUT / "endurance"
PAGE, IMG = ROOT / "docs" / "sweeps.md", ROOT / "docs" / "img" / "sweeps"
ROBUST_NOISE = "d2d=0.1,stuck=0.01"
"""The variation and faults drawn afresh at every step of the robust run (``spindcgan train --train-noise``)."""
ROBUST_GRID = ["bits=6", "adc_bits=none", "d2d=0,0.1", "stuck=0,0.01", "retention=0"]
"""The main sweep's points at the paper's bits and ideal read-out where variation and faults act."""
ROBUST = ROOT / "results" / "robust-fmnist"
ROBUST_N = 1000
"""Generated images per robust-comparison point: half the main sweep's, so both generators fit one session."""


def sweep(generator: Path, grid: list[str], out: Path, threads: int, report_only: bool = False, n: int = N) -> None:
    """``spindcgan sweep`` of ``generator`` into ``out``, continuing its finished points; logs who ran it."""
    torch.set_num_threads(threads)  # the sweep logs who ran it in out/provenance.jsonl
    rows, _ = api.sweep(grid, out, generator, n, SEED, measure=not report_only)
    print(f"{len(rows)} points in {out}")


def keep_robust(run_dir: Path, clean: Path | None, epoch: int | None) -> None:
    """Copy the robust run's export of ``epoch`` (default its last) and config, and the clean export it is compared
    with, beside its sweep."""
    exports = sorted((run_dir / "exports").glob("epoch-*.pt" if epoch is None else f"epoch-{epoch:03d}.pt"))
    if not exports:
        raise SystemExit(f"{run_dir}: no exports/epoch-{'*' if epoch is None else f'{epoch:03d}'}.pt "
                         "(train it with --export-every K)")
    config = json.loads((run_dir / "config.json").read_text())
    if config["train"].get("train_noise") != ROBUST_NOISE:
        raise SystemExit(f"{run_dir}: trained with --train-noise {config['train'].get('train_noise')}, "
                         f"not {ROBUST_NOISE}")
    ROBUST.mkdir(parents=True, exist_ok=True)
    shutil.copy2(exports[-1], ROBUST / "robust.pt")
    shutil.copy2(run_dir / "config.json", ROBUST / "config.json")
    shutil.copy2(clean or SHIPPED_MODEL, ROBUST / "clean.pt")
    save_json({"export": exports[-1].name, "clean": shown(clean) if clean else "the shipped generator"},
              ROBUST / "robust.json")


def run_robust(threads: int, report_only: bool = False) -> None:
    """Sweep the robust generator and the one it is compared with over ``ROBUST_GRID``, once they are kept."""
    if (ROBUST / "robust.pt").exists():
        sweep(ROBUST / "robust.pt", ROBUST_GRID, ROBUST / "robust", threads, report_only, ROBUST_N)
        sweep(ROBUST / "clean.pt", ROBUST_GRID, ROBUST / "clean", threads, report_only, ROBUST_N)


def keep_endurance(run_dir: Path) -> None:
    """Copy a training leg's write counts and config beside the sweep (small, committed)."""
    ENDURANCE.mkdir(parents=True, exist_ok=True)
    for name in ("device_writes.json", "config.json", "metrics.jsonl"):
        shutil.copy2(run_dir / name, ENDURANCE / name)


def nj(row: dict) -> str:
    return f"{row['energy_j'] * 1e9:,.1f}"


def row_line(row: dict, grid: dict) -> str:
    spread = f" +- {row['fid_std']:.2f}" if row["draws"] > 1 else ""
    return (f"| {' | '.join(str(row[k]) for k in grid)} | {row['fid']:.2f}{spread} | {nj(row)} | "
            f"{row['device_energy_j'] * 1e9:.3f} | {row['latency_s'] * 1e6:.2f} | {'yes' if row['pareto'] else ''} |")


def page() -> str:
    grid = parse_grid(GRID)
    spec = json.loads((OUT / SPEC_NAME).read_text())
    costs = json.loads((OUT / COSTS_NAME).read_text()) if (OUT / COSTS_NAME).exists() else {}
    rows = summarise([r for r in load_points(OUT) if point_label(r["point"]) in costs], grid, costs)
    total = len(grid_points(grid))
    header = [f"| {' | '.join(grid)} | FID ({rows[0]['metric'] if rows else ''}) | nJ per image | devices nJ | "
              "latency (us) | Pareto |", "|" + "---|" * (len(grid) + 5)]
    paper = next((r for r in rows if is_paper_point(r)), None)
    best = cheapest_within(rows, PAPER_FID)
    _, config = load_generator(SHIPPED_MODEL)
    lines = [
        "# Design-space sweep of the shipped Fashion-MNIST generator", "",
        "Written by `python experiments/sweeps.py` from `results/sweep-fmnist-shipped/` (the sweep itself: "
        f"`spindcgan sweep {shown(SHIPPED_MODEL)} {' '.join('--grid ' + t for t in GRID)} --n {N} --seed {SEED} "
        "--out results/sweep-fmnist-shipped`; each invocation's command and commit are in its `provenance.jsonl`).",
        "",
        "At every point the shipped generator's weights are programmed anew onto that point's hardware (bits, ADC, "
        "device-to-device variation, stuck devices, retention time since programming), its FID is measured by "
        f"`spindcgan fid`'s protocol ({N:,} images of sample seed {SEED} against the 10,000 test images; a fid2k is "
        "biased upwards against the fid10k of results.md, so compare points with each other) and the ledger prices "
        "one generated image (zero-padded mapping; energy with the CMOS peripherals, and of the spintronic devices "
        "alone). Variation and faults are drawn once per point (`--draws 1`: no spread measured; the hardware "
        f"seed is {config.hardware.seed}). `ADC none` is an ideal read-out, priced as an 8-bit ADC by the ledger.",
        "",
        f"Measured: {len(rows)} of {total} points (sha256 of the generator file {spec['sha256'][:12]}...).", "",
    ]
    if not rows:
        return "\n".join(lines) + "\n"
    lines += ["![FID against energy per image](img/sweeps/pareto-fashion-mnist.png)", ""]
    if best:
        lines += [f"**Cheapest design point with FID <= {PAPER_FID}** (the paper's): "
                  + ", ".join(f"{k}={best[k]}" for k in grid)
                  + f": FID {best['fid']:.2f}, {nj(best)} nJ per image"
                  + (" (the paper's own design point: no measured point is cheaper within its FID)" if best is paper
                     else f" against {nj(paper)} nJ at the paper's design point (FID {paper['fid']:.2f})" if paper
                     else "")
                  + ".", ""]
    else:
        lines += [f"No measured point has FID <= {PAPER_FID}.", ""]
    front = sorted((r for r in rows if r["pareto"]), key=lambda r: r["energy_j"])
    lines += ["## The Pareto front", "", "No other point has both a lower FID and a lower energy:", "", *header,
              *[row_line(r, grid) for r in front], ""]
    if paper:
        lines += ["## One factor at a time", "", "From the paper's design point (6 bits, ideal read-out, no "
                  "variation, faults or drift), each other value of one term:", "", *header, row_line(paper, grid)]
        for r in rows:
            differs = [k for k in grid if str(r[k]) != str(paper[k])]
            if len(differs) == 1:
                lines.append(row_line(r, grid))
        lines.append("")
    retention = [r for r in rows if r["retention"] != "0"]
    if retention and paper:
        held = hardware_at(config.hardware, {"retention": retention[0]["retention"]})
        lines += ["## Retention", "", f"After {retention[0]['retention']} a skyrmion survives with probability "
                  f"{survival(held):.5f} (Arrhenius, barrier {held.retention.energy_barrier_kT:g} kT, attempt "
                  f"frequency {held.retention.attempt_frequency:.0e} Hz: `HardwareConfig`); at the paper's point the "
                  f"FID goes from "
                  f"{paper['fid']:.2f} to "
                  + ", ".join(f"{r['fid']:.2f}" for r in retention if all(
                      str(r[k]) == str(paper[k]) for k in grid if k != "retention"))
                  + ". The barrier is a stated choice, not a measurement (its docstring says why): a lower one "
                  "shortens every time here exponentially.", ""]
    report = endurance_report(ENDURANCE) if (ENDURANCE / "config.json").exists() else None
    lines += ["## Endurance", ""]
    if report:
        lines += ["The single-state updates each synapse device took in a training leg of the shipped recipe "
                  "(`results/sweep-fmnist-shipped/endurance/`, the counts `spindcgan train` keeps in "
                  "`device_writes.json`; `spindcgan info RUN` prints this):", "", "```", report, "```", "",
                  "Counted over the first steps of the plan and scaled to all of it: early steps move the weights "
                  "most, so this overstates the wear of a whole run.", ""]
    else:
        lines += ["Not measured yet (no training leg with the write counters is recorded here).", ""]
    lines += robust_section()
    lines += ["## Every point", "", *header, *[row_line(r, grid) for r in sorted(rows, key=lambda r: r["energy_j"])],
              ""]
    return "\n".join(lines)


def robust_exports() -> str:
    """Where the two generators of the robust comparison are: here once kept, else the commit that held them."""
    if (ROBUST / "clean.pt").exists():
        return "`results/robust-fmnist/clean.pt`"
    held = LAST_HELD[f"{shown(ROBUST)}/"][0]
    return f"both exports at commit {held}: `git show {held}:results/robust-fmnist/clean.pt`"


def robust_section() -> list[str]:
    """The robust run beside the generator trained without noise, at the points where noise acts."""
    lines = ["## Robust training", "", f"`spindcgan train --train-noise {ROBUST_NOISE}` trains on a freshly drawn "
             "chip at every step (its own seed per step), so the weights cannot adapt to one chip's pattern; "
             "`spindcgan sweep GENERATOR --draws K` then measures a generator on K chips.", ""]
    if not load_points(ROBUST / "robust"):
        return lines + ["Not measured yet: `python experiments/sweeps.py --robust RUN_DIR` sweeps a run of the shipped "
                        "recipe trained with the option.", ""]
    grid = parse_grid(ROBUST_GRID)
    trained = json.loads((ROBUST / "robust.json").read_text())
    config = json.loads((ROBUST / "config.json").read_text())
    # each generator priced by its own sweep (the read energy follows the programmed states)
    summary = {name: summarise(load_points(ROBUST / name), grid, json.loads((ROBUST / name / COSTS_NAME).read_text()))
               for name in ("robust", "clean")}
    clean = {point_label({k: r[k] for k in grid}): r for r in summary["clean"]}
    mine = summary["robust"]
    t = config["train"]
    width = config["model"]["d_channels"][0]
    lines += [f"Measured: a run of the shipped recipe (width {width}, {t['epochs']} epochs, EMA {t['ema']}, "
              f"lr decay from epoch {t['lr_decay_start']}, seed {t['seed']}) trained with `--train-noise "
              f"{ROBUST_NOISE}`, its export `{trained['export']}`, swept ({ROBUST_N:,} images a point) by "
              f"`python experiments/sweeps.py --robust RUN_DIR` into `results/robust-fmnist/` over "
              f"{' '.join('--grid ' + g for g in ROBUST_GRID)}, against "
              + f"{trained['clean']} (the same recipe without the option, {robust_exports()})"
              + f". Same points, same chips (hardware seed and draw), same {mine[0]['metric']}; the energy per image "
              "is the point's, equal for both generators.", "",
              "| d2d | stuck | FID without | FID with --train-noise | change | nJ per image |",
              "|---|---|---|---|---|---|"]
    for row in mine:
        other = clean.get(point_label({k: row[k] for k in grid}))
        if other is None:
            continue
        lines.append(f"| {row['d2d']} | {row['stuck']} | {other['fid']:.2f} | {row['fid']:.2f} | "
                     f"{row['fid'] - other['fid']:+.2f} | {nj(row)} |")
    return lines + [""]


def main_() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pages-only", action="store_true", help="measure nothing: write the sweep's table, costs and "
                        "plot and docs/sweeps.md from the points so far")
    parser.add_argument("--endurance-run", type=Path, help="copy this run folder's write counts beside the sweep")
    parser.add_argument("--robust", type=Path, help=f"a run trained with --train-noise {ROBUST_NOISE}: keep its last "
                        "export and sweep it beside the shipped generator")
    parser.add_argument("--robust-epoch", type=int, help="the robust run's export of this epoch (default its last)")
    parser.add_argument("--robust-clean", type=Path, help="compare the robust run with this export of the run without "
                        "--train-noise (the same epoch) instead of the shipped generator")
    args = parser.parse_args()
    if args.endurance_run:
        keep_endurance(args.endurance_run)
    if args.robust:
        keep_robust(args.robust, args.robust_clean, args.robust_epoch)
    sweep(SHIPPED_MODEL, GRID, OUT, args.threads, report_only=args.pages_only)
    run_robust(args.threads, report_only=args.pages_only)
    if (OUT / PLOT_NAME).exists():
        IMG.mkdir(parents=True, exist_ok=True)
        shutil.copy2(OUT / PLOT_NAME, IMG / "pareto-fashion-mnist.png")
    save_text(page(), PAGE)
    print(f"wrote {PAGE}")


if __name__ == "__main__":
    main_()
