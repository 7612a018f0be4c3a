"""Time per training step: 6-bit hardware-aware model vs the float model of the same network, and the hardware
model trained in bf16 (``--precision bf16``) vs fp32; on a CUDA device also bf16 with channels-last tensors.

All are measured in one run, interleaved in rounds so drifting machine load hits them alike. On the CPU run it on
an idle machine (it prints the load average first): a background training run on the same 2 cores makes the
numbers meaningless. On CUDA each timed step ends with a device synchronisation, so a step's time is its whole
time; fp32 there is full fp32 (TF32 off, as in training: ``runtime.full_fp32_on_cuda``).

``--compile`` also times the hardware model in bf16 with both networks under ``torch.compile`` (compiled before
the warm-up, whose first step pays the compilation): whether compiling pays on this device.

``--loop-steps N`` also times ``spindcgan.training.train`` itself for N steps of the hardware model on the real
dataset (its per-step bookkeeping: EMA, synapse-write counters, read-backs, per-epoch checkpoints and grids),
in the precision that is fastest above, against the bare step: what a run gets of the step's speed.

    python benchmarks/train_step.py [--dataset fashion-mnist|anime] [--device cpu|cuda] [--threads 2] [--steps 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import torch

from spindcgan import HardwareConfig
from spindcgan.config import parse_policy
from spindcgan.models import ModelConfig
from spindcgan.runtime import full_fp32_on_cuda, training_precision
from spindcgan.training import GAN, RunConfig, TrainConfig, train, train_step

RECIPE_AUGMENT = "color,translation,cutout"  # the anime recipe's DiffAugment, applied in every timed step


def synchronise(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize(device)


def time_steps(gan: GAN, real: torch.Tensor, z_dim: int, steps: int, precision: str, device: str,
               policy: tuple[str, ...]) -> float:
    """Median seconds of one training step over ``steps`` steps."""
    times = []
    for _ in range(steps):
        z = torch.randn(real.shape[0], z_dim, device=device)
        synchronise(device)
        start = time.perf_counter()
        with training_precision(precision, device):
            train_step(gan, real, z, policy)
        synchronise(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="fashion-mnist", choices=["fashion-mnist", "anime"])
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--augment", default="", help=f"DiffAugment policy in every step (the anime recipe: "
                                                      f"{RECIPE_AUGMENT})")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=10, help="timed steps per model per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--compile", action="store_true", help="also time bf16 with torch.compile'd networks")
    parser.add_argument("--loop-steps", type=int, default=0, help="also time the training loop for N steps (0: no)")
    args = parser.parse_args()

    device = args.device
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit("--device cuda: no CUDA device is available")
    full_fp32_on_cuda(device)
    torch.set_num_threads(args.threads)
    name = torch.cuda.get_device_name(device) if device.startswith("cuda") else f"{torch.get_num_threads()} threads"
    print(f"load average {os.getloadavg()[0]:.2f}, {device}: {name}, torch {torch.__version__}")
    model = ModelConfig.preset(args.dataset, args.width)
    policy = parse_policy(args.augment)
    torch.manual_seed(0)
    real = torch.rand(args.batch_size, model.channels, model.image_size, model.image_size, device=device) * 2 - 1
    hardware = GAN.build(RunConfig(model=model, hardware=HardwareConfig()), device)
    # name: (GAN, precision, batch); the bf16 run trains the same GAN object, its weights moved by earlier steps
    runs = {
        "float": (GAN.build(RunConfig(model=model, hardware=None), device), "fp32", real),
        "6-bit hardware": (hardware, "fp32", real),
        "6-bit hardware, bf16": (hardware, "bf16", real),
    }
    if device.startswith("cuda"):  # cuDNN's bfloat16 kernels read NHWC: the layout that spares its transposes
        laid_out = to_channels_last(GAN.build(RunConfig(model=model, hardware=HardwareConfig()), device))
        nhwc = real.contiguous(memory_format=torch.channels_last)
        runs["6-bit hardware, bf16, channels-last"] = (laid_out, "bf16", nhwc)
    if args.compile:
        compiled = GAN.build(RunConfig(model=model, hardware=HardwareConfig()), device)
        compiled.generator.compile()
        compiled.discriminator.compile()
        runs["6-bit hardware, bf16, compiled"] = (compiled, "bf16", real)
    for gan, precision, batch in runs.values():  # warm-up: allocator, oneDNN / cuDNN primitive caches
        time_steps(gan, batch, model.z_dim, 2, precision, device, policy)
    results: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.rounds):
        for name, (gan, precision, batch) in runs.items():
            results[name].append(time_steps(gan, batch, model.z_dim, args.steps, precision, device, policy))
    medians = {name: statistics.median(times) for name, times in results.items()}
    for name, s in medians.items():
        print(f"{name:>36}: {s * 1e3:8.1f} ms/step  {1 / s:7.1f} steps/s  {args.batch_size / s:8.1f} img/s")
    print(f"ratio hardware/float: {medians['6-bit hardware'] / medians['float']:.3f}  (target <= 1.3)")
    print(f"ratio hardware bf16/fp32: {medians['6-bit hardware, bf16'] / medians['6-bit hardware']:.3f}  "
          "(--precision bf16)")
    if "6-bit hardware, bf16, channels-last" in medians:
        print(f"ratio hardware bf16 channels-last/fp32: "
              f"{medians['6-bit hardware, bf16, channels-last'] / medians['6-bit hardware']:.3f}")
    if "6-bit hardware, bf16, compiled" in medians:
        print(f"ratio hardware bf16 compiled/bf16: "
              f"{medians['6-bit hardware, bf16, compiled'] / medians['6-bit hardware, bf16']:.3f}  (torch.compile)")
    if args.loop_steps:
        bare, precision = min((medians["6-bit hardware"], "fp32"), (medians["6-bit hardware, bf16"], "bf16"))
        train_config = TrainConfig(batch_size=args.batch_size, max_steps=args.loop_steps, augment=args.augment,
                                   ema=0.998, device=device, threads=args.threads, precision=precision)
        per_step = loop_seconds_per_step(RunConfig(model=model, hardware=HardwareConfig(), train=train_config))
        print(f"{'training loop, ' + precision:>36}: {per_step * 1e3:8.1f} ms/step  {1 / per_step:7.1f} steps/s  "
              f"(the bare step: {1 / bare:.1f}; loop/bare {per_step / bare:.3f})")


def loop_seconds_per_step(config: RunConfig) -> float:
    """Seconds per step of ``train`` over its steps after the first 5 (start-up and warm-up left out), epoch ends
    included, in a run folder that is thrown away."""
    times: list[float] = []
    with tempfile.TemporaryDirectory() as out:
        train(config, out=out, progress=False, on_step=lambda step, gan: times.append(time.perf_counter()))
    if len(times) < 7:
        raise SystemExit("--loop-steps: at least 7 steps are needed to time the loop")
    return (times[-1] - times[5]) / (len(times) - 6)


def to_channels_last(gan: GAN) -> GAN:
    """``gan`` with its networks' 4-d weights moved to channels-last layout in place (the optimisers keep the same
    parameters)."""
    for net in (gan.generator, gan.discriminator):
        net.to(memory_format=torch.channels_last)
    return gan


if __name__ == "__main__":
    main()
