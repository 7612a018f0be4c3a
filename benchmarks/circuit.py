"""What the crossbar circuit model costs (issue 49), as ratios measured in one run against the ideal arrays:

1. the exact solve of one array for a batch of input vectors: building ``G_eff`` (``effective_conductances``) and
   the batch's ``V @ G_eff``, against the ideal ``V @ g`` of the same batch (and the batch alone, G_eff built);
2. the approximation inside a training step: the hardware step of a DCGAN with wires (``--wire``, the
   approximation in every crossbar layer's forward) against the same step without them.

Run it on an idle machine (it prints the load average first): a background training run on the same 2 cores makes
the numbers meaningless. Rounds are interleaved so drifting load hits both sides alike.

    python benchmarks/circuit.py [--size 128] [--batch 1024] [--dataset fashion-mnist] [--steps 5] [--threads 2]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import time

import numpy as np
import torch

from spindcgan import HardwareConfig
from spindcgan.crossbar.circuit import effective_conductances
from spindcgan.crossbar.config import ArrayConfig, WireConfig
from spindcgan.models import ModelConfig
from spindcgan.training import GAN, RunConfig, TrainConfig, train_step

WIRES = WireConfig(row_segment=2.0, column_segment=2.0, driver=100.0, sense=100.0)


def seconds(run, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--dataset", default="fashion-mnist")
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"load average {os.getloadavg()[0]:.2f}, torch threads {args.threads}, torch {torch.__version__}")

    rng = np.random.default_rng(0)
    g = rng.uniform(1e-6, 1e-5, (args.size, args.size))
    v = rng.uniform(0.0, 0.1, (args.batch, args.size))
    ideal = seconds(lambda: v @ g, 20)
    build = seconds(lambda: effective_conductances(g, WIRES), 3)
    g_eff = effective_conductances(g, WIRES)
    batch = seconds(lambda: v @ g_eff, 20)
    print(f"{args.size} x {args.size} array, {args.batch} input vectors: ideal V @ g {ideal * 1e3:.3f} ms; exact: "
          f"G_eff built in {build * 1e3:.0f} ms, then V @ G_eff {batch * 1e3:.3f} ms")
    print(f"ratio exact (build + batch) / ideal: {(build + batch) / ideal:.0f}")
    print(f"ratio exact batch (G_eff built) / ideal: {batch / ideal:.2f}")

    model = ModelConfig.preset(args.dataset, args.width)
    times: dict[str, list[float]] = {"ideal arrays": [], "wires, approximated": []}
    gans = {}
    wired = HardwareConfig(array=ArrayConfig(wires=WIRES))
    for name, hardware in (("ideal arrays", HardwareConfig()), ("wires, approximated", wired)):
        torch.manual_seed(0)
        config = RunConfig(model, hardware, TrainConfig(batch_size=args.batch_size))
        gans[name] = GAN.build(config, "cpu")
    real = torch.rand(args.batch_size, model.channels, model.image_size, model.image_size) * 2 - 1
    for gan in gans.values():  # warm-up
        train_step(gan, real, torch.randn(args.batch_size, model.z_dim))
    for _ in range(args.rounds):
        for name, gan in gans.items():
            times[name].append(seconds(lambda gan=gan: train_step(gan, real, torch.randn(args.batch_size,
                                                                                       model.z_dim)), args.steps))
    step = {name: statistics.median(t) for name, t in times.items()}
    for name, s in step.items():
        print(f"{args.dataset} width {args.width} training step, {name}: {s * 1e3:.1f} ms")
    print(f"ratio training step wires/ideal: {step['wires, approximated'] / step['ideal arrays']:.2f}  (aim <= 3)")
    print(f"(wires: {dataclasses.asdict(WIRES)})")


if __name__ == "__main__":
    main()
