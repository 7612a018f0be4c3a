"""Time per training step: 6-bit hardware-aware model vs the float model of the same network, and the hardware
model trained in bf16 (``--precision bf16``) vs fp32.

All are measured in one run, interleaved in rounds so drifting machine load hits them alike.
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
from spindcgan.runtime import training_precision
from spindcgan.training import GAN, RunConfig, train_step


def time_steps(gan: GAN, real: torch.Tensor, z_dim: int, steps: int, precision: str = "fp32") -> float:
    """Median seconds of one training step over ``steps`` steps."""
    times = []
    for _ in range(steps):
        z = torch.randn(real.shape[0], z_dim)
        start = time.perf_counter()
        with training_precision(precision, "cpu"):
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
    hardware = GAN.build(RunConfig(model=model, hardware=HardwareConfig()), "cpu")
    runs = {  # name: (GAN, precision); the bf16 run trains the same GAN object, its weights moved by earlier steps
        "float": (GAN.build(RunConfig(model=model, hardware=None), "cpu"), "fp32"),
        "6-bit hardware": (hardware, "fp32"),
        "6-bit hardware, bf16": (hardware, "bf16"),
    }
    for gan, precision in runs.values():  # warm-up: allocator, oneDNN primitive caches
        time_steps(gan, real, model.z_dim, 2, precision)
    results: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.rounds):
        for name, (gan, precision) in runs.items():
            results[name].append(time_steps(gan, real, model.z_dim, args.steps, precision))
    medians = {name: statistics.median(times) for name, times in results.items()}
    for name, s in medians.items():
        print(f"{name:>20}: {s * 1e3:8.1f} ms/step  {args.batch_size / s:8.1f} img/s")
    print(f"ratio hardware/float: {medians['6-bit hardware'] / medians['float']:.3f}  (target <= 1.3)")
    print(f"ratio hardware bf16/fp32: {medians['6-bit hardware, bf16'] / medians['6-bit hardware']:.3f}  "
          "(--precision bf16)")


if __name__ == "__main__":
    main()
