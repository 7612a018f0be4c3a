"""Time per training step: 6-bit hardware-aware model vs the float model of the same network.

Both are measured in one run, interleaved in rounds so drifting machine load hits both alike.
Run it on an idle machine (it prints the load average first): a background training run on the
same 2 cores makes the numbers meaningless.

    python benchmarks/train_step.py [--dataset fashion-mnist|anime] [--threads 2] [--steps 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import torch

from spindcgan import HardwareConfig
from spindcgan.models import ModelConfig
from spindcgan.training import GAN, RunConfig, train_step


def time_steps(gan: GAN, real: torch.Tensor, z_dim: int, steps: int) -> float:
    """Median seconds of one training step over ``steps`` steps."""
    times = []
    for _ in range(steps):
        z = torch.randn(real.shape[0], z_dim)
        start = time.perf_counter()
        train_step(gan, real, z)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="fashion-mnist", choices=["fashion-mnist", "anime"])
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=10, help="timed steps per model per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    print(f"load average {os.getloadavg()[0]:.2f}, torch threads {torch.get_num_threads()}, torch {torch.__version__}")
    model = ModelConfig.preset(args.dataset, args.width)
    torch.manual_seed(0)
    real = torch.rand(args.batch_size, model.channels, model.image_size, model.image_size) * 2 - 1
    gans = {
        "float": GAN.build(RunConfig(model=model, hardware=None), "cpu"),
        "6-bit hardware": GAN.build(RunConfig(model=model, hardware=HardwareConfig()), "cpu"),
    }
    for gan in gans.values():  # warm-up: allocator, oneDNN primitive caches
        time_steps(gan, real, model.z_dim, 2)
    results: dict[str, list[float]] = {name: [] for name in gans}
    for _ in range(args.rounds):
        for name, gan in gans.items():
            results[name].append(time_steps(gan, real, model.z_dim, args.steps))
    float_s = statistics.median(results["float"])
    hw_s = statistics.median(results["6-bit hardware"])
    for name, s in (("float", float_s), ("6-bit hardware", hw_s)):
        print(f"{name:>15}: {s * 1e3:8.1f} ms/step  {args.batch_size / s:8.1f} img/s")
    print(f"ratio hardware/float: {hw_s / float_s:.3f}  (target <= 1.3)")


if __name__ == "__main__":
    main()
