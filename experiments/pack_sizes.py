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

from spindcgan.training.checkpoint import EMAS_KEY, EVALUATED_EMA, load_checkpoint
from spindcgan.training.pack import compressed, int8_weights, pack_parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a run folder with its checkpoint")
    parser.add_argument("--steps", type=int, nargs="+", default=[127, 63, 31], help="roundings of G's and D's weights")
    args = parser.parse_args()
    torch.set_num_threads(1)
    needed, optional, step = pack_parts(args.run)  # the parts as a pack holds them
    print(f"{args.run} at step {step}: MB of each part, xz-compressed")
    print(f"  run (config, logs, random state): {len(compressed(needed['run'])) / 1e6:.2f}")
    checkpoint = load_checkpoint(args.run)
    for name in ("generator", "discriminator"):
        sizes = ", ".join(f"{s} steps {len(compressed(int8_weights(checkpoint[name], s))) / 1e6:.2f}"
                          for s in args.steps)
        print(f"  {name}: {sizes}")
    for name in (EVALUATED_EMA, *(k for k in optional if k.startswith(f"{EMAS_KEY}/")), "optimisers"):
        if name in optional:
            print(f"  {name}: {len(compressed(optional[name])) / 1e6:.2f}")


if __name__ == "__main__":
    main()
