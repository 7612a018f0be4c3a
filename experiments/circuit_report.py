"""How far the fast wire approximation is from the exact solve (issue 49), and what the wires take: a record and
the table of docs/circuit.md.

    python experiments/circuit_report.py [--out results/circuit/approximation.json] [--page docs/circuit.md]

For each array size (32, 64, 128), wire resistance per cell segment (0.5 to 10 ohm, driver and sense at 0 and at
100 ohm) and conductance pattern, every row at full input: the column currents of the exact nodal solve
(``crossbar.circuit.effective_conductances``) and of the approximation (``approximate_conductances``), as fractions
of each column's ideal full-scale current. Patterns: uniform random conductances over the synapse's range, and the
programmed G+ and G- arrays of the shipped Fashion-MNIST generator (its first whole array of each layer at
that size: the weights a trained network actually holds).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from provenance import ROOT, command, commit, fill_block

from spindcgan.api import SHIPPED_MODELS
from spindcgan.crossbar.circuit import approximate_conductances, effective_conductances
from spindcgan.crossbar.config import WireConfig
from spindcgan.crossbar.programming import device_conductances
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "circuit" / "approximation.json")
    parser.add_argument("--page", type=Path, default=ROOT / "docs" / "circuit.md")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
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
