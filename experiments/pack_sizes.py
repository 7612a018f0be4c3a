"""What each part of a run's fallback pack would take, at several roundings of G's and D's weights.

    python experiments/pack_sizes.py RUN_DIR [--steps 127 63 31]

Issue 48 sizes its packs by this (``results/anime-long/NOTES.md``, "The packs' history budget"): every part is
compressed as ``training.pack`` compresses it, so the sum of the parts a pack holds is its size within a few kB
(``ZIP_MARGIN``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from spindcgan.training.checkpoint import load_checkpoint, run_folder
from spindcgan.training.pack import ZIP_MARGIN, checkpoint_parts, compressed, int8_weights


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a run folder with its checkpoint")
    parser.add_argument("--steps", type=int, nargs="+", default=[127, 63, 31], help="roundings of G's and D's weights")
    args = parser.parse_args()
    torch.set_num_threads(1)
    run = run_folder(args.run)
    checkpoint = load_checkpoint(run)
    needed, optional, step = checkpoint_parts(checkpoint, run)  # the parts as a pack holds them
    logs = len(compressed(needed["run"]))
    print(f"{run} at step {step}: MB of each part, xz-compressed")
    print(f"  run (config, logs, random state): {logs / 1e6:.2f}")
    for steps in args.steps:
        networks = [len(compressed(int8_weights(checkpoint[name], steps))) for name in ("generator", "discriminator")]
        print(f"  at {steps} steps: generator {networks[0] / 1e6:.2f}, discriminator {networks[1] / 1e6:.2f}; what "
              f"a pack must hold: {(logs + sum(networks) + ZIP_MARGIN) / 1e6:.2f}")
    for name, part in optional.items():  # what goes in where --limit-mb allows, in this order
        print(f"  {name}: {len(compressed(part)) / 1e6:.2f}")

if __name__ == "__main__":
    main()
