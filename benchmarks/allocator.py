"""What ``spindcgan.runtime.keep_freed_memory`` buys: FID features and training steps, glibc default vs kept memory.

Each measurement is a fresh child process (glibc's dynamic thresholds make a setting switched back inside one
process a different baseline), alternating between the two settings for ``--rounds`` rounds; each child times
one pass after an untimed warm-up pass. Per workload it prints images/s (best of the rounds), the system CPU
time and minor page faults of each setting, and the speed ratio. Run it on an idle machine.

    python benchmarks/allocator.py [--threads 2] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable

import torch

from spindcgan import HardwareConfig
from spindcgan.data import load_fashion_mnist
from spindcgan.metrics.fid import pixel_batches
from spindcgan.metrics.inception import extract_features
from spindcgan.models import ModelConfig
from spindcgan.runtime import keep_freed_memory
from spindcgan.training import GAN, RunConfig, train_step


def fid_features(images: int) -> Callable[[], int]:
    """Inception features of Fashion-MNIST test images in batches of 100 (the FID's batch size)."""
    pixels = load_fashion_mnist("test")[0][:images, None]

    def run() -> int:
        for _ in extract_features(pixel_batches(pixels, 100), progress=False):
            pass
        return len(pixels)

    return run


def anime_steps(steps: int, width: int = 32) -> Callable[[], int]:
    """Training steps of the 64x64 RGB hardware model (batch 128, random images: only the shapes matter)."""
    model = ModelConfig.preset("anime", width)
    gan = GAN.build(RunConfig(model=model, hardware=HardwareConfig()), "cpu")
    real = torch.rand(128, model.channels, model.image_size, model.image_size) * 2 - 1

    def run() -> int:
        for _ in range(steps):
            train_step(gan, real, torch.randn(128, model.z_dim))
        return steps * 128

    return run


def measure(work: Callable[[], int]) -> tuple[float, float, int]:
    """images/s, system CPU seconds and minor page faults of one call."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    images = work()
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    return images / seconds, after.ru_stime - before.ru_stime, after.ru_minflt - before.ru_minflt


def child(workload: str, keep: bool, threads: int, images: int, steps: int) -> None:
    """One measurement in this process; prints it as a JSON line."""
    torch.set_num_threads(threads)
    if keep and not keep_freed_memory():
        raise SystemExit("no glibc mallopt here: nothing to compare")
    work = fid_features(images) if workload == "fid" else anime_steps(steps)
    work()  # warm-up: JIT profiling runs, oneDNN caches, the heap's first growth
    rate, sys_s, faults = measure(work)
    print(json.dumps({"rate": rate, "sys": sys_s, "faults": faults}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--images", type=int, default=300, help="FID images per timed pass")
    parser.add_argument("--steps", type=int, default=4, help="anime training steps per timed pass")
    parser.add_argument("--child", choices=["fid", "anime"], help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.keep, args.threads, args.images, args.steps)
    print(f"load average {os.getloadavg()[0]:.2f}, torch threads {args.threads}")
    common = ["--threads", str(args.threads), "--images", str(args.images), "--steps", str(args.steps)]
    for workload, name in (("fid", "FID features"), ("anime", "anime training")):
        rows: dict[bool, list[dict]] = {False: [], True: []}
        for _ in range(args.rounds):
            for keep in (False, True):
                cmd = [sys.executable, __file__, "--child", workload, *common, *(["--keep"] if keep else [])]
                out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
                rows[keep].append(json.loads(out.strip().splitlines()[-1]))
        for keep, label in ((False, "glibc default"), (True, "kept memory")):
            rate = max(r["rate"] for r in rows[keep])
            sys_s = sum(r["sys"] for r in rows[keep]) / len(rows[keep])
            faults = sum(r["faults"] for r in rows[keep]) // len(rows[keep])
            print(f"{name:>15} {label:>13}: {rate:7.2f} img/s  system {sys_s:6.2f} s  minor faults {faults:>9,}")
        ratio = max(r["rate"] for r in rows[True]) / max(r["rate"] for r in rows[False])
        print(f"{name:>15} speed ratio kept/default: {ratio:.2f}", flush=True)


if __name__ == "__main__":
    main()
