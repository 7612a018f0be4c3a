"""One entry point for the images of any dataset preset."""

from __future__ import annotations

import torch

from ..errors import SpinDCGANError
from .anime import ANIME_SPLITS, anime_split, load_anime
from .fashion_mnist import load_fashion_mnist

SPLITS = {"fashion-mnist": ("train", "test"), "anime": ANIME_SPLITS}
"""Each dataset's splits, what an FID may compare with."""
TRAIN_SPLITS = {"fashion-mnist": ("train",), "anime": ("train", "fit")}
"""The splits a run may train on (``train.train_split``): never the ones kept for measuring."""


def load_images_for(
    dataset: str, split: str = "train", data: str | None = None, progress: bool = True
) -> torch.Tensor:
    """uint8 images of ``dataset``'s ``split``: [N, H, W] (grayscale) or [N, C, H, W]. ``progress``: a bar while
    a set is decoded the first time (Anime Face's JPEGs; Fashion-MNIST reads at once)."""
    if dataset == "fashion-mnist":
        return load_fashion_mnist(split, data)[0]
    check_split(dataset, split)
    return anime_split(load_anime(data, progress=progress), split)


def check_split(dataset: str, split: str) -> None:
    """A one-line error where ``dataset`` has no ``split`` (``SPLITS``), before anything reads images."""
    if split not in SPLITS.get(dataset, ()):
        raise SpinDCGANError(f"no {split!r} split of dataset {dataset!r} (its splits: "
                             f"{', '.join(SPLITS.get(dataset, ()))})")


def load_training_images(dataset: str, data: str | None = None, progress: bool = True,
                         split: str = "train") -> torch.Tensor:
    """uint8 training images of ``dataset`` (``split``: the part a run trains on, ``train.train_split``)."""
    return load_images_for(dataset, split, data, progress)
