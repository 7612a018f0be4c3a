"""Does a finer per-layer scale help a trained hardware generator? Program its weights with the scale clipped at a
quantile of |weight| instead of the largest |weight|, and measure each by the run's in-training FID protocol.

Why: the shipped generators' weights sit near |n| = 6-8 of 63 (docs/studies.md, "device-state use"), because the
per-layer scale (``crossbar.programming.layer_scale``) is the largest |weight| and the 99.9th percentile is only
0.5-0.95 of it. A scale at a quantile q < 1 gives the bulk of the weights finer levels and saturates the few above
it at level 63. This is a probe after training (the generator trained with the largest-|weight| scale, and its
BatchNorm running statistics are those of that scale), not a training recipe. q = 1 is the standard programming
and reproduces the FID of the run's own export.

    python experiments/scale_probe.py RUN_DIR --name NAME --q 1.0 0.999 0.99 --out results/FOLDER/scale-probe-NAME.json
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import torch
from provenance import command, commit, shown
from tqdm import tqdm

from spindcgan.crossbar.programming import layer_scale, program
from spindcgan.export import export_generator, generator_from_exported, stored_states
from spindcgan.io import save_json
from spindcgan.loading import load_generator
from spindcgan.nn import crossbar_layers
from spindcgan.training import loop

QUANTILE_SAMPLE = 1_000_000  # torch.quantile takes at most 16M values; a seeded sample of a layer's |weights|


def clipped_scale(weight: torch.Tensor, q: float) -> torch.Tensor:
    """The q-quantile of |weight| (q = 1: the largest, ``layer_scale``'s choice)."""
    if q >= 1:
        return layer_scale(weight)
    magnitude = weight.detach().abs().flatten()
    sample = torch.randperm(magnitude.numel(), generator=torch.Generator().manual_seed(0))[:QUANTILE_SAMPLE]
    return torch.quantile(magnitude[sample], q)


def probe(run_dir: Path, quantiles: list[float]) -> list[dict]:
    generator, config = load_generator(run_dir)
    config = replace(config, train=replace(config.train, device="cpu"))  # where it trained need not be here
    exported = export_generator(generator, config)
    points = []
    for q in tqdm(quantiles, desc="quantiles"):
        crossbars, fractions = {}, {}
        for name, layer in crossbar_layers(generator):
            scale = clipped_scale(layer.weight, q)
            crossbars[name] = stored_states(program(layer.weight.detach().clamp(-scale, scale), config.hardware))
            fractions[name] = float(scale / layer_scale(layer.weight))
        clipped, _ = generator_from_exported({**exported, "crossbars": crossbars})
        points.append({"q": q, "scale_over_max": fractions, **loop.measure_fid(clipped, config)})
        print(f"q {q}: {points[-1]['metric']} {points[-1]['fid']:.2f}", flush=True)
    return points


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--name", required=True, help="the run's name in its results folder")
    parser.add_argument("--q", type=float, nargs="+", default=[1.0, 0.999, 0.99])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if not all(0 < q <= 1 for q in args.q):
        parser.error(f"--q: quantiles in (0, 1], got {args.q}")
    torch.set_num_threads(args.threads)
    points = probe(args.run_dir, args.q)
    save_json({"run": args.name, "checkpoint": shown(args.run_dir), "batchnorm_statistics": "running",
               "points": points, "command": command(), "commit": commit()}, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
