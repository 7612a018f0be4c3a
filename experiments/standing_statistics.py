"""How much the EMA generator's BatchNorm statistics matter: one checkpoint, evaluated three ways.

    python experiments/standing_statistics.py RUN_DIR [--n 500] [--threads 2] [--out FILE.json]

- ``stale``: the EMA weights with the trained generator's running statistics (what every checkpoint holds:
  ``update_ema`` copies them every step);
- ``settled``: the EMA weights with their own standing statistics (``spindcgan.training.batchnorm``);
- ``trained``: the trained generator itself (no EMA).

For each: the mean and std of its uint8 pixels (next to the reference set's) and fid<n> against the
dataset's reference statistics (images of sample seed 0). Both EMA variants are rebuilt from the
checkpoint's own tensors.
"""

from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path

import torch
from provenance import command, commit

from spindcgan.io import save_json
from spindcgan.loading import load_generator
from spindcgan.metrics.fid import (
    DEFAULT_REFERENCE,
    cached_statistics,
    compare,
    count_name,
    generator_batches,
    pixel_batches,
    reference_pixels,
    statistics,
)
from spindcgan.training.batchnorm import standing_statistics
from spindcgan.training.checkpoint import load_checkpoint


def variants(run_dir: Path) -> dict[str, torch.nn.Module]:
    """The three generators of one checkpoint (see the module docstring)."""
    ema, config = load_generator(run_dir)
    state = load_checkpoint(run_dir)
    stale = copy.deepcopy(ema)
    buffers = {name for name, _ in ema.named_buffers()}  # BatchNorm statistics: the trained generator's
    stale.load_state_dict({k: state["generator"][k] if k in buffers else v for k, v in state["generator_ema"].items()})
    settled = copy.deepcopy(stale)
    standing_statistics(settled, config.model.z_dim)
    trained = copy.deepcopy(ema)
    trained.load_state_dict(state["generator"])
    return {"stale": stale.eval(), "settled": settled.eval(), "trained": trained.eval()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("run_dir", type=Path)
    p.add_argument("--n", type=int, default=500)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", type=Path, help="also write the rows as JSON here")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    config = json.loads((args.run_dir / "config.json").read_text())
    dataset = config["model"]["dataset"]
    split = DEFAULT_REFERENCE[dataset]
    ref = reference_pixels(dataset, split)
    real = cached_statistics(ref, f"{dataset}-{split}", "cpu", progress=False)
    rows = [{"generator": "reference", "pixel_mean": float(ref.float().mean()), "pixel_std": float(ref.float().std())}]
    for name, generator in variants(args.run_dir).items():
        pixels = torch.cat(list(generator_batches(generator, args.n, 0, 100)))  # generated once, used twice
        fake = statistics(pixel_batches(pixels, 100), args.n, "cpu", name, progress=False)
        rows.append({"generator": name, "pixel_mean": float(pixels.float().mean()),
                     "pixel_std": float(pixels.float().std()),
                     "metric": f"fid{count_name(args.n)}-{split}", **compare(real, fake)})
        print(json.dumps(rows[-1]), flush=True)
    if args.out:
        save_json({"run": str(args.run_dir), "sample_seed": 0, "rows": rows, "command": command(),
                   "commit": commit()}, args.out)


if __name__ == "__main__":
    main()
