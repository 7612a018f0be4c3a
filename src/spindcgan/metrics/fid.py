"""FID and KID of generators, datasets and image folders, with cached reference statistics.

A metric is named with its protocol: ``fid10k-test`` is 10,000 generated images against the whole
test split; ``fid2k-train5k`` would use only the first 5,000 training images as reference.
Reference statistics are cached on disk under a key made of the dataset fingerprint (a hash of the
very pixels used), the preprocessing protocol and the sample count, so a changed dataset or protocol
never reuses stale statistics. Computing them is resumable: the running moments are saved every
``SAVE_EVERY`` images, so the 60,000 Fashion-MNIST training images (over 4 hours of Inception on one CPU
core) can be measured across interrupted runs and give exactly the statistics of one uninterrupted run.
``spindcgan fid`` caches a generator's statistics the same way (keyed by the generated pixels), so the same
generator measured against the other split costs no second Inception pass, and an interrupted measurement
resumes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from ..cache import cache_dir, digest
from ..data.images import first_image_size, load_images
from ..data.registry import load_images_for
from ..errors import SpinDCGANError
from ..io import atomic_write
from .frechet import FeatureStats, frechet_distance, kernel_inception_distance
from .inception import PROTOCOL, extract_features, quantise_images, resolve_backend

SAVE_EVERY = 2000
"""Images between saves of a reference computation's running moments (a 32 MB write, ~8 min of CPU)."""

DEFAULT_REFERENCE = {"fashion-mnist": "test", "anime": "train"}
"""The reference split FID is measured against by default, per dataset."""


@dataclass
class Statistics:
    """Mean, covariance and a KID sample of the features of one image set."""

    mu: np.ndarray
    sigma: np.ndarray
    kid: np.ndarray
    n: int
    meta: dict[str, Any]


def count_name(n: int) -> str:
    """10000 -> '10k', 2500 -> '2.5k', 500 -> '500'."""
    return f"{n / 1000:g}k" if n >= 1000 else str(n)


def fid_name(n: int, reference: str, ref_n: int | None = None) -> str:
    """The name of an FID with its protocol: ``n`` generated images against the first ``ref_n`` (None: all) of
    ``reference`` (a split, or ``folder``); ``fid10k-test``, ``fid2k-train5k`` (``metrics.registry`` reads it)."""
    return f"fid{count_name(n)}-{reference}" + ("" if ref_n is None else count_name(ref_n))


def fingerprint(pixels: torch.Tensor) -> str:
    """SHA-256 of the uint8 pixels (and their shape): changes whenever the data changes."""
    h = hashlib.sha256(str(tuple(pixels.shape)).encode())
    h.update(np.ascontiguousarray(pixels.numpy()).tobytes())
    return h.hexdigest()


def pixel_batches(pixels: torch.Tensor, batch_size: int) -> Iterator[torch.Tensor]:
    """uint8 images [N, C, H, W] (or [N, H, W]) in batches."""
    if pixels.ndim == 3:
        pixels = pixels[:, None]
    for i in range(0, len(pixels), batch_size):
        yield torch.as_tensor(np.asarray(pixels[i : i + batch_size]))


@torch.inference_mode()
def generator_batches(generator: torch.nn.Module, n: int, seed: int, batch_size: int) -> Iterator[torch.Tensor]:
    """``n`` generated images, quantised to uint8 as saved PNGs, ``batch_size`` at a time."""
    device = next(generator.parameters()).device
    gen = torch.Generator().manual_seed(seed)
    was_training = generator.training
    generator.eval()
    try:
        for i in range(0, n, batch_size):
            z = torch.randn(min(batch_size, n - i), generator.config.z_dim, generator=gen)
            yield quantise_images(generator(z.to(device))).cpu()
    finally:
        generator.train(was_training)


def statistics(batches: Iterator[torch.Tensor], n: int, device: str = "cpu", desc: str = "features",
               progress: bool = True, kid_max: int = 10_000, meta: dict[str, Any] | None = None,
               acc: FeatureStats | None = None, on_batch: Callable[[FeatureStats], None] | None = None) -> Statistics:
    """Feature statistics of a stream of uint8 batches; ``acc`` continues an earlier accumulation (of
    the images before ``batches``), ``on_batch`` sees the accumulator after every batch."""
    acc = acc or FeatureStats(kid_max=kid_max)
    for feats in extract_features(batches, device, n - acc.n, desc, progress):
        acc.add(feats)
        if on_batch is not None:
            on_batch(acc)
    mu, sigma = acc.mean_cov()
    return Statistics(mu, sigma, acc.kid_sample(), acc.n, {"protocol": PROTOCOL, **(meta or {})})


def cached_statistics(pixels: torch.Tensor, label: str, device: str = "cpu", batch_size: int = 100,
                      progress: bool = True, desc: str | None = None) -> Statistics:
    """Statistics of a fixed image set (a dataset split, or a generator's images for a given seed), from the
    cache when the same pixels and protocol were measured before; ``desc`` names the progress bar."""
    meta = {"label": label, "n": len(pixels), "fingerprint": fingerprint(pixels)}
    # each backend its own statistics (they agree to ~1e-7 in FID, not bit for bit); the key of the torch backend's
    # is the one it had before ONNX Runtime came, so statistics cached then still serve it
    backend = resolve_backend(None, device)
    key = {**meta, "protocol": PROTOCOL, **({} if backend == "torch" else {"backend": backend})}
    path = cache_dir("fid") / f"{digest(key)}.npz"
    if path.exists():
        with np.load(path) as f:
            stored = json.loads(str(f["meta"]))
            if stored.get("fingerprint") == meta["fingerprint"] and stored.get("protocol") == PROTOCOL:
                return Statistics(f["mu"], f["sigma"], f["kid"], int(f["n"]), stored)
    partial = path.with_suffix(".partial.npz")  # the running moments of an interrupted computation
    # same batches and backend, so bit-identical features
    partial_meta = json.dumps({**meta, "batch_size": batch_size, "backend": backend})
    acc = None
    if partial.exists():
        with np.load(partial) as f:
            if str(f["meta"]) == partial_meta:
                acc = FeatureStats.from_state(dict(f))
    saved = [acc.n if acc else 0]

    def save_partial(acc: FeatureStats) -> None:
        if acc.n - saved[0] < SAVE_EVERY or acc.n >= len(pixels):
            return

        def write_partial(tmp: Path) -> None:
            with open(tmp, "wb") as f:
                np.savez(f, meta=partial_meta, **acc.state())

        atomic_write(partial, write_partial)
        saved[0] = acc.n

    start = acc.n if acc else 0
    stats = statistics(pixel_batches(pixels[start:], batch_size), len(pixels), device,
                       desc or f"reference {label}", progress, meta=meta, acc=acc, on_batch=save_partial)

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            np.savez(f, mu=stats.mu, sigma=stats.sigma, kid=stats.kid, n=stats.n, meta=json.dumps(stats.meta))

    atomic_write(path, write)
    partial.unlink(missing_ok=True)
    return stats


def compare(real: Statistics, fake: Statistics) -> dict[str, float]:
    """FID and KID (mean, std over subsets) between two feature statistics."""
    fid = frechet_distance(real.mu, real.sigma, fake.mu, fake.sigma)
    kid_mean, kid_std = kernel_inception_distance(real.kid, fake.kid)
    return {"fid": fid, "kid": kid_mean, "kid_std": kid_std}


def reference_pixels(dataset: str, split: str, data: str | None = None, limit: int | None = None,
                     progress: bool = True) -> torch.Tensor:
    """uint8 images of a dataset split, the FID reference set."""
    pixels = load_images_for(dataset, split, data, progress)
    if limit is not None:
        if limit > len(pixels):
            raise SpinDCGANError(f"--ref-n {limit} is more than the {len(pixels)} images of {dataset} {split}")
        pixels = pixels[:limit]
    return pixels


def generator_fid(generator: torch.nn.Module, dataset: str, n: int = 10_000, split: str = "test", seed: int = 0,
                  data: str | None = None, ref_n: int | None = None, device: str = "cpu", batch_size: int = 100,
                  progress: bool = True, cache: bool = False) -> dict[str, Any]:
    """FID/KID of ``n`` generated images against a dataset split; a JSON-ready record. ``cache`` keeps the
    generated images' statistics as well (about 115 MB for 10k images), for a final measurement that is
    repeated against another split or interrupted; not for the FIDs during training."""
    ref = reference_pixels(dataset, split, data, ref_n, progress)
    real = cached_statistics(ref, f"{dataset}-{split}", device, batch_size, progress)
    batches = generator_batches(generator, n, seed, batch_size)
    if cache:
        batches = tqdm(batches, desc="generating", total=-(-n // batch_size), disable=not progress, leave=False)
        fake = cached_statistics(torch.cat(list(batches)), "generated", device, batch_size, progress, "generated")
    else:
        fake = statistics(batches, n, device, "generated", progress)
    return {
        "metric": fid_name(n, split, ref_n),
        **compare(real, fake),
        "n_generated": n,
        "n_reference": len(ref),
        "reference": f"{dataset} {split}" + ("" if ref_n is None else f" (first {ref_n})"),
        "seed": seed,
        "protocol": PROTOCOL,
        "backend": resolve_backend(None, device),
    }


def images_fid(images: torch.Tensor, dataset: str, split: str = "test", data: str | None = None,
               device: str = "cpu", batch_size: int = 100, progress: bool = True) -> dict[str, Any]:
    """FID/KID of generated images (a float tensor [N, C, H, W] in [-1, 1], from any generator: a conditional one,
    a converted network) against a dataset split, by the same protocol as ``generator_fid``; a JSON-ready record."""
    ref = reference_pixels(dataset, split, data, None, progress)
    real = cached_statistics(ref, f"{dataset}-{split}", device, batch_size, progress)
    fake = statistics(pixel_batches(quantise_images(images), batch_size), len(images), device, "generated", progress)
    return {"metric": fid_name(len(images), split), **compare(real, fake), "n_generated": len(images),
            "n_reference": len(ref), "reference": f"{dataset} {split}", "protocol": PROTOCOL,
            "backend": resolve_backend(None, device)}


MIN_FOLDER_SIZE = 16
"""The smallest images ``folder_fid`` compares (pixels a side): Inception sees every image upscaled to 299 x 299, and
below this an image holds almost nothing of what its features were trained on (Fashion-MNIST's 28 and CIFAR's 32
are the smallest sets FIDs are published for)."""


def folder_fid(real: str, fake: str, size: int | None = None, device: str = "cpu", batch_size: int = 100,
               progress: bool = True) -> dict[str, Any]:
    """FID/KID between two image folders or zips (images resized to ``size``, default the first real one's)."""
    real_size = first_image_size(real)
    for source, side in ((real, real_size), (fake, first_image_size(fake)), ("--size", size)):
        if side is not None and side < MIN_FOLDER_SIZE:
            raise SpinDCGANError(f"{source}: images of {side}x{side} are too small for an FID (at least "
                                 f"{MIN_FOLDER_SIZE}x{MIN_FOLDER_SIZE})")
    size = size or real_size
    real_px = load_images(real, size, progress=progress)
    fake_px = load_images(fake, size, progress=progress)
    for source, px in ((real, real_px), (fake, fake_px)):
        if len(px) < 2:
            raise SpinDCGANError(f"{source}: {len(px)} image; an FID needs at least 2 on each side")
    gray = {source: bool((px[:, 0] == px[:, 1]).all() and (px[:, 1] == px[:, 2]).all())
            for source, px in ((real, real_px), (fake, fake_px))}
    if len(set(gray.values())) > 1:
        grayscale, colour = sorted(gray, key=gray.get, reverse=True)
        raise SpinDCGANError(f"{grayscale}: grayscale images against the colour ones of {colour}: their FID would "
                             "measure the missing colour, not the images")
    real_stats = cached_statistics(real_px, f"folder {real}", device, batch_size, progress)
    fake_stats = statistics(pixel_batches(fake_px, batch_size), len(fake_px), device, "fake", progress)
    return {
        "metric": fid_name(len(fake_px), "folder", len(real_px)),
        **compare(real_stats, fake_stats),
        "n_generated": len(fake_px),
        "n_reference": len(real_px),
        "reference": str(real),
        "fake": str(fake),
        "size": size,
        "protocol": PROTOCOL,
        "backend": resolve_backend(None, device),
    }
