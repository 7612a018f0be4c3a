"""Design-space sweeps of a trained generator: FID and energy per image at every point of a grid of hardware
settings, after training, and the FID-energy(-area) Pareto front.

At each point the trained weights are programmed anew onto the point's hardware (its bits, ADC and DAC, variation,
faults, retention, wires); variation and faults are drawn ``draws`` times (the hardware seed plus the draw), so each
point has a mean and a spread. Besides the hardware settings, the grid takes the area model's (``node``,
``adc_model``, ``floorplan``: ``energy.area.terms``); points that differ only in what costs and never computes
(those and ``adc_share``) share one FID measurement. Every finished (point, draw) is appended to ``points.jsonl`` in
the sweep folder at once, so an interrupted sweep continues where it stopped; ``sweep.json`` holds what was asked (a
different grid in the same folder is refused), ``provenance.jsonl`` how it was run (command, commit, time),
``sweep.csv`` one row per point and ``pareto.png`` FID against energy per image, the front marked and the paper's
design point drawn.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import statistics
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from time import monotonic
from typing import Any

import torch
from tqdm import tqdm

from .config import RunConfig
from .crossbar.config import HardwareConfig
from .crossbar.terms import TERMS, check_value, field_value, with_terms
from .energy.area import AreaConfig, model_area
from .energy.area.terms import AREA_TERMS, area_with_terms
from .energy.layers import DEVICE_COMPONENTS
from .energy.ledger import generation_cost
from .errors import SpinDCGANError
from .io import save_json, save_text
from .metrics.registry import MetricSpec, compute_metric
from .models import Generator
from .plots import plot_pareto
from .runtime import command_line, source_commit

GRID_TERMS = {**TERMS, **AREA_TERMS}
"""What a grid can vary: the hardware settings (``crossbar.terms``) and the area model's (``energy.area.terms``)."""
GRID_NAMES = tuple(GRID_TERMS)

COST_ONLY = tuple(name for name, term in GRID_TERMS.items() if term.cost_only)
"""The grid names that change a point's costs, never its images (``adc_share``, the area model's)."""


def parse_grid(terms: list[str]) -> dict[str, list[str]]:
    """``["bits=4,6", "retention=0,1y"]`` -> ``{"bits": ["4", "6"], ...}``, each value checked; a one-line error
    naming the term that is wrong."""
    grid: dict[str, list[str]] = {}
    for term in terms:
        name, sep, values = term.partition("=")
        name = name.strip()
        if not sep or not values.strip():
            raise SpinDCGANError(f"--grid {term!r}: expected NAME=V1,V2,... (e.g. bits=4,5,6,8)")
        if name not in GRID_NAMES:
            raise SpinDCGANError(f"--grid {term!r}: unknown name {name!r} (known: {', '.join(GRID_NAMES)})")
        if name in grid:
            raise SpinDCGANError(f"--grid {term!r}: {name} is given twice")
        items = [v.strip() for v in values.split(",")]
        for value in items:
            check_value(name, value, f"--grid {term!r}", GRID_TERMS)
        if len(set(items)) != len(items):
            raise SpinDCGANError(f"--grid {term!r}: a value is repeated")
        grid[name] = items
    if not grid:
        raise SpinDCGANError("a sweep needs at least one --grid NAME=V1,V2,...")
    return grid


def grid_points(grid: dict[str, list[str]]) -> list[dict[str, str]]:
    """Every combination of the grid's values, the last term varying fastest."""
    return [dict(zip(grid, values, strict=True)) for values in itertools.product(*grid.values())]


def hardware_at(base: HardwareConfig, point: dict[str, str], draw: int = 0) -> HardwareConfig:
    """``base`` with the point's settings and the seed of draw ``draw`` (draw 0: the point's seed itself, the
    base's unless the grid sets ``hw_seed``)."""
    try:
        hardware = with_terms(base, {k: v for k, v in point.items() if k in TERMS})
        return replace(hardware, seed=hardware.seed + draw)
    except SpinDCGANError as exc:
        raise SpinDCGANError(f"point {point_label(point)}: {exc}") from None


def area_at(point: dict[str, str]) -> AreaConfig:
    """The chip the point's area is counted on: ``AreaConfig()`` (32 nm) with the point's area settings."""
    try:
        return area_with_terms(AreaConfig(), {k: v for k, v in point.items() if k in AREA_TERMS})
    except SpinDCGANError as exc:
        raise SpinDCGANError(f"point {point_label(point)}: {exc}") from None


def images_of(point: dict[str, str]) -> dict[str, str]:
    """What decides a point's images: its settings less those that only cost (``COST_ONLY``)."""
    return {k: v for k, v in point.items() if k not in COST_ONLY}


def point_label(point: dict[str, str]) -> str:
    return " ".join(f"{k}={v}" for k, v in point.items())


def generator_at(trained: Generator, config: RunConfig, hardware: HardwareConfig) -> Generator:
    """The trained generator's weights (and BatchNorm statistics) programmed onto ``hardware``."""
    generator = Generator(config.model, hardware).to(next(trained.parameters()).device)
    generator.load_state_dict(trained.state_dict())
    return generator.eval()


def cost_at(trained: Generator, config: RunConfig, hardware: HardwareConfig,
            area: AreaConfig | None = None) -> dict[str, float]:
    """Energy (devices only, the wires' I^2 R, and all with peripherals) and latency of one image generated on
    ``hardware``, and the area of the chip that generates it (``area``, by default ``energy.area``'s 32 nm chip;
    with its ADC band)."""
    z = torch.randn(8, config.model.z_dim, generator=torch.Generator().manual_seed(0))
    generator = generator_at(trained, config, hardware)
    passes = generation_cost(generator, hardware, z)
    total = sum(p.total_energy for p in passes)
    devices = sum(p.energy[k] for p in passes for k in DEVICE_COMPONENTS)
    chip = model_area(generator, z[:1], hardware, area)
    wires = sum(p.energy.get("wire", 0.0) for p in passes)
    return {"energy_j": total, "device_energy_j": devices, "wire_energy_j": wires,
            "latency_s": sum(p.latency for p in passes),
            "area_mm2": chip.total / 1e6, "area_low_mm2": chip.band.low / 1e6, "area_high_mm2": chip.band.high / 1e6}


Evaluate = Callable[[Generator], dict[str, Any]]
"""What a point is measured by: a generator -> an FID record (``metrics.fid.generator_fid``'s keys)."""


def fid_evaluator(config: RunConfig, n: int, seed: int, split: str, data: str | None, ref_n: int | None,
                  device: str) -> Evaluate:
    """The FID of ``spindcgan fid`` (same images for the same n and seed) as a sweep's measure."""
    spec = MetricSpec(n, split, ref_n)

    def evaluate(generator: Generator) -> dict[str, Any]:
        return compute_metric(spec, generator, config.model.dataset, seed, data, device, progress=False)

    return evaluate


POINTS_NAME, SPEC_NAME, TABLE_NAME, PLOT_NAME = "points.jsonl", "sweep.json", "sweep.csv", "pareto.png"
PROVENANCE_NAME = "provenance.jsonl"
COSTS_NAME = "costs.json"
"""Energy and latency per image of each measured point (of its draw-0 chip: the ledger is structural, a draw
changes only which devices are stuck), recomputed by every run of the sweep from the current ledger."""


def run_sweep(trained: Generator, config: RunConfig, grid: dict[str, list[str]], out: str | Path, evaluate: Evaluate,
              spec: dict[str, Any], draws: int = 1, progress: bool = True,
              measure: bool = True, deadline: float | None = None) -> list[dict[str, Any]]:
    """Measure every (point, draw) not yet in ``out`` (``measure=False``: none, only the outputs of those done);
    returns the per-point summary (``summarise``). ``spec`` is what identifies the sweep (generator, protocol),
    kept in ``sweep.json``: a folder holding another sweep is refused. ``deadline`` (a ``time.monotonic()``
    time): start no measurement that the longest one so far would carry past it (the first always starts; a rerun
    continues)."""
    if config.hardware is None:
        raise SpinDCGANError("a sweep needs a generator trained on the hardware (this one is a float baseline)")
    if draws < 1:
        raise SpinDCGANError(f"--draws must be >= 1, got {draws}")
    for point in grid_points(grid):  # every point is valid before anything is written
        hardware_at(config.hardware, point)
        area_at(point)
    out = Path(out)
    if not measure and not (out / SPEC_NAME).exists():  # nothing to report: leave no new sweep folder behind
        raise SpinDCGANError(f"{out}: no sweep here (no {SPEC_NAME}); run without --report-only to measure one")
    spec = {**spec, "grid": grid, "draws": draws}
    if (out / SPEC_NAME).exists():
        before, now = json.loads((out / SPEC_NAME).read_text()), json.loads(json.dumps(spec))
        changed = sorted(k for k in {*before, *now} - {"generator"} if before.get(k) != now.get(k))
        if changed:  # the generator is named by its file's hash; its path may differ (another checkout)
            raise SpinDCGANError(f"{out} holds another sweep (its {', '.join(changed)} differ): give a new --out")
    save_json(spec, out / SPEC_NAME)
    log_invocation(out, measure)
    records = load_points(out)
    done = {(point_label(r["point"]), r["draw"]) for r in records}
    todo = [(p, d) for p in grid_points(grid) for d in range(draws) if (point_label(p), d) not in done]
    if not measure:
        todo = []
    longest, stopped = 0.0, False
    with (out / POINTS_NAME).open("a") as log:
        for point, draw in tqdm(todo, desc="sweep", unit="point", disable=not progress or not todo):
            record = same_images(records, point, draw)
            if record is None:
                stopped = stopped or (deadline is not None and monotonic() + longest > deadline)
                if stopped:  # measure no more; the points that copy a measured one are still written
                    continue
                begun = monotonic()
                hardware = hardware_at(config.hardware, point, draw)
                record = {"point": point, "draw": draw, "seed": hardware.seed,
                          **evaluate(generator_at(trained, config, hardware))}
                longest = max(longest, monotonic() - begun)
            records.append(record)
            log.write(json.dumps(record) + "\n")
            log.flush()
    if stopped:
        print("sweep: stopped by the time limit; a rerun continues", file=sys.stderr)
    measured = [p for p in grid_points(grid) if any(r["point"] == p for r in records)]
    costs = {point_label(p): cost_at(trained, config, hardware_at(config.hardware, p), area_at(p)) for p in measured}
    save_json(costs, out / COSTS_NAME)
    rows = summarise(records, grid, costs)
    write_outputs(rows, out, config)
    return rows


def log_invocation(out: Path, measure: bool) -> None:
    """Append how the sweep was run to ``provenance.jsonl``: the command line, the code's commit, when, and whether
    it measured (a sweep's points may come from several invocations and commits)."""
    entry = {"command": command_line(), "commit": source_commit(),
             "started": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "measure": measure}
    with (out / PROVENANCE_NAME).open("a") as log:
        log.write(json.dumps(entry) + "\n")


def same_images(records: list[dict[str, Any]], point: dict[str, str], draw: int) -> dict[str, Any] | None:
    """The FID record of ``point`` taken from a measured point with the same images (one differing only in what
    costs: ``images_of``), naming it under ``same_images_as``; None when there is none."""
    for record in records:
        if record["draw"] == draw and images_of(record["point"]) == images_of(point):
            source = record.get("same_images_as", point_label(record["point"]))
            return {**record, "point": point, "same_images_as": source}
    return None


def load_points(out: Path) -> list[dict[str, Any]]:
    """The finished measurements of a sweep folder (a line cut off by a kill is dropped)."""
    path = Path(out) / POINTS_NAME
    if not path.exists():
        return []
    records = []
    for line in path.read_text().splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def summarise(records: list[dict[str, Any]], grid: dict[str, list[str]],
              costs: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    """One row per grid point: the mean and spread of FID over its draws, its energy and latency, whether it is on
    the Pareto front (no other point ``dominates`` it)."""
    rows = []
    for point in grid_points(grid):
        mine = [r for r in records if r["point"] == point]
        if not mine:
            continue
        fids = [r["fid"] for r in mine]
        spread = statistics.stdev(fids) if len(fids) > 1 else 0.0
        rows.append({**point, "fid": statistics.mean(fids), "fid_std": spread, "draws": len(fids),
                     "metric": mine[0]["metric"],
                     **costs[point_label(point)]})
    for row in rows:
        row["pareto"] = not any(dominates(o, row) for o in rows)
    return rows


ENERGY_TOLERANCE = 1e-3
"""Energies (and areas) within 0.1 % count as equal: stuck or decayed devices change the read energy by a hair,
which should not put a worse FID on the front."""


def dominates(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """``a`` is at least as good as ``b`` in FID, energy and (where both have one) chip area, and better in one."""
    costs = ["energy_j"] + (["area_mm2"] if "area_mm2" in a and "area_mm2" in b else [])
    no_worse = all(a[c] <= b[c] * (1 + ENERGY_TOLERANCE) for c in costs)
    better = any(a[c] < b[c] * (1 - ENERGY_TOLERANCE) for c in costs)
    return a["fid"] <= b["fid"] and no_worse and (a["fid"] < b["fid"] or better)


def cheapest_within(rows: list[dict[str, Any]], fid_limit: float) -> dict[str, Any] | None:
    """The point with the lowest energy per image whose mean FID stays within ``fid_limit`` (of equal energies, the
    lowest FID, then the smallest chip)."""
    kept = [r for r in rows if r["fid"] <= fid_limit]
    if not kept:
        return None
    least = min(r["energy_j"] for r in kept)  # energies within ENERGY_TOLERANCE are a tie, won by the lower FID
    return min((r for r in kept if r["energy_j"] <= least * (1 + ENERGY_TOLERANCE)),
               key=lambda r: (r["fid"], r.get("area_mm2", 0.0)))


PAPER_FID = {"fashion-mnist": 27.5, "anime": 45.4}
"""The paper's FIDs (reference.md): the line of the Pareto plot, the bar the cheapest point is named under."""

PAPER_EXEMPT = ("hw_seed", "wire_solver")
"""Grid names whose value does not move a point off the paper's design: which devices a draw varies, how the wires
are solved."""


def is_paper_point(row: dict[str, Any]) -> bool:
    """Whether a row is the paper's design point: every setting of the grid at its default (``HardwareConfig()``:
    6-bit synapses, 128 x 128 arrays, ideal read-out and wires, no variation, faults or drift; ``AreaConfig()``:
    one ADC per column, 32 nm)."""
    paper = {"hardware": HardwareConfig(), "area": AreaConfig()}
    return all(GRID_TERMS[k].parse(str(row[k])) == field_value(paper["hardware" if k in TERMS else "area"],
                                                               GRID_TERMS[k].fields[0])
               for k in GRID_TERMS if k in row and k not in PAPER_EXEMPT)


def write_outputs(rows: list[dict[str, Any]], out: Path, config: RunConfig) -> None:
    """``sweep.csv`` and ``pareto.png`` of the points measured so far."""
    if not rows:
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    save_text(buffer.getvalue(), out / TABLE_NAME)
    dataset, paper = config.model.dataset, next((r for r in rows if is_paper_point(r)), None)
    plot_pareto(rows, out / PLOT_NAME, dataset, PAPER_FID.get(dataset), paper)
