"""Training images per second of one run spread over ranks: 1 rank x 2 threads against 2 ranks x 1 thread on this
CPU (gloo), and with ``--device cuda`` 1 rank against N ranks sharing one GPU (gloo: NCCL takes one rank per
device), a stand-in for N GPUs.

Each configuration is launched by torchrun and times the DistributedDataParallel training step of the 6-bit
hardware DCGAN (``train_step`` on the rank's shard of a global batch; the gradient averaging included), after two
warm-up steps; configurations alternate over rounds so drifting load hits them alike. Run it on an idle machine:
it prints the load average first.

    python benchmarks/ddp.py [--width 64] [--batch-size 128] [--steps 8] [--rounds 2] [--device cpu|cuda --ranks 4]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch


def worker(args: argparse.Namespace) -> None:
    """One rank: time ``args.steps`` steps of the replicated GAN; rank 0 writes the median to ``args.result``."""
    import torch.distributed as dist

    from spindcgan import HardwareConfig
    from spindcgan.models import ModelConfig
    from spindcgan.training import GAN, RunConfig, train_step
    from spindcgan.training.distributed import World, replicate, start, world_from_environment

    torch.set_num_threads(args.threads)
    world = world_from_environment("gloo") or World()
    device = "cuda:0" if args.device == "cuda" else "cpu"
    start(world, "cpu", args.batch_size, False)  # gloo, also for ranks sharing one GPU
    model = ModelConfig.preset("fashion-mnist", args.width)
    torch.manual_seed(0)
    gan = GAN.build(RunConfig(model=model, hardware=HardwareConfig()), device)
    gan.replicas = replicate(gan.generator, gan.discriminator, device, False)
    local = args.batch_size // world.size
    real = torch.rand(local, model.channels, model.image_size, model.image_size, device=device) * 2 - 1
    times = []
    for step in range(args.steps + 2):
        z = torch.randn(local, model.z_dim, device=device)
        dist.barrier()
        begin = time.perf_counter()
        train_step(gan, real, z)
        if device != "cpu":
            torch.cuda.synchronize()
        dist.barrier()
        if step >= 2:
            times.append(time.perf_counter() - begin)
    if world.is_main:
        Path(args.result).write_text(json.dumps({"median_s": statistics.median(times)}))
    dist.destroy_process_group()


def launch(ranks: int, threads: int, args: argparse.Namespace) -> float:
    """Median seconds per global step of ``ranks`` ranks of ``threads`` threads each."""
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "result.json"
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(ranks),
                   __file__, "--worker", "--threads", str(threads), "--result", str(result),
                   "--width", str(args.width), "--batch-size", str(args.batch_size), "--steps", str(args.steps),
                   "--device", args.device]
        subprocess.run(command, check=True, env={**os.environ, "OMP_NUM_THREADS": str(threads)},
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return json.loads(result.read_text())["median_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=128, help="the global batch")
    parser.add_argument("--steps", type=int, default=8, help="timed steps per configuration per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--ranks", type=int, default=2, help="with --device cuda: ranks sharing the GPU")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return

    cpus = os.cpu_count() or 1
    print(f"load average {os.getloadavg()[0]:.2f}, {cpus} CPUs, torch {torch.__version__}, width {args.width}, "
          f"global batch {args.batch_size}, device {args.device}")
    if args.device == "cpu":
        configs = {"1 rank x 2 threads": (1, 2), "2 ranks x 1 thread": (2, 1)}
    else:
        configs = {"1 rank on the GPU": (1, 1), f"{args.ranks} ranks sharing the GPU": (args.ranks, 1)}
    results: dict[str, list[float]] = {name: [] for name in configs}
    for _ in range(args.rounds):
        for name, (ranks, threads) in configs.items():
            results[name].append(launch(ranks, threads, args))
    medians = {name: statistics.median(times) for name, times in results.items()}
    for name, s in medians.items():
        print(f"{name:>26}: {s * 1e3:8.1f} ms/step  {args.batch_size / s:8.1f} img/s")
    (one, one_s), (many, many_s) = medians.items()
    print(f"ratio img/s {many} / {one}: {one_s / many_s:.3f}")


if __name__ == "__main__":
    main()
