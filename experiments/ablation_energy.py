"""Energy per image of every Fashion-MNIST configuration of the study (experiments/paper.py RUNS), before training.

    python experiments/ablation_energy.py [--width 32] [--out results/ablation-energy]

The ledger is structural: it counts crossbar reads, conversions and device evaluations of the network's
shape, and the trained weights change it little (the shipped width-32 generator: 1,280.62 nJ with
peripherals, as a fresh model; devices only 0.175 vs 0.178 nJ). So each configuration's energy is measured
here on a fresh model by ``spindcgan energy --width W <its flags>``, and the ablation table of
docs/results.md can show it before (or without) the configuration being trained. Configurations without
synapse crossbars (float, and DW activations with float weights) have no ledger: it prices crossbar
reads, and a digital float MAC array is outside its model.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from paper import RUNS

from spindcgan.cli import main

SKIP_FLAGS = {"--seed", "--dataset"}


def configuration_flags(name: str) -> list[str]:
    """The hardware flags of a study run (its seed and dataset are not part of the configuration)."""
    flags, args = [], RUNS[name]
    i = 0
    while i < len(args):
        if args[i] in SKIP_FLAGS:
            i += 2
            continue
        flags.append(args[i])
        i += 1
    return flags


def run() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--out", type=Path, default=Path("results/ablation-energy"))
    args = p.parse_args()
    seen: set[tuple[str, ...]] = set()
    for name in RUNS:
        flags = configuration_flags(name)
        if not name.startswith("fmnist") or {"--float", "--float-weights"} & set(flags) or tuple(flags) in seen:
            continue
        seen.add(tuple(flags))
        label = name.removeprefix("fmnist-").removesuffix("-s0")
        print(f"== {label}: spindcgan energy --width {args.width} {' '.join(flags)}", flush=True)
        if main(["energy", "--width", str(args.width), *flags, "--out", str(args.out / label)]):
            sys.exit(f"spindcgan energy failed for {label}")


if __name__ == "__main__":
    run()
