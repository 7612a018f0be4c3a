"""One entry point for the images of any dataset preset."""

from __future__ import annotations

import torch

from ..errors import SpinDCGANError
from .anime import load_anime
from .fashion_mnist import load_fashion_mnist


def load_images_for(
    dataset: str, split: str = "train", data: str | None = None, progress: bool = True
) -> torch.Tensor:
    """uint8 images of ``dataset``'s ``split``: [N, H, W] (grayscale) or [N, C, H, W]. ``progress``: a bar while
    a set is decoded the first time (Anime Face's JPEGs; Fashion-MNIST reads at once)."""
    if dataset == "fashion-mnist":
        return load_fashion_mnist(split, data)[0]
    if dataset == "anime" and split == "train":  # one split: the whole set trains and is the FID reference
        return load_anime(data, progress=progress)
    raise SpinDCGANError(f"no loader for dataset {dataset!r} split {split!r}")


def load_training_images(dataset: str, data: str | None = None, progress: bool = True) -> torch.Tensor:
    """uint8 training images of ``dataset``."""
    return load_images_for(dataset, "train", data, progress)
