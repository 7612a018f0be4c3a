"""Fashion-MNIST from the original IDX files (gz or raw), read where the user keeps them.

Where: ``--data DIR`` when given (and only there: a folder the user named is never replaced by another);
otherwise ``$SPINDCGAN_DATA``, then Debian's ``dataset-fashion-mnist`` package (``/usr/share/datasets/fashion-mnist``).
Every problem is one line naming the file.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np
import torch

from ..errors import SpinDCGANError

DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
IMAGE_MAGIC, LABEL_MAGIC = 2051, 2049
INSTALL_HINT = "install it with: apt-get install dataset-fashion-mnist (or pass --data DIR)"


def search_dirs(data_dir: str | os.PathLike | None = None) -> list[Path]:
    """Where Fashion-MNIST is looked for, in order: the folder the user named, else the standard search."""
    if data_dir:
        if not Path(data_dir).is_dir():
            raise SpinDCGANError(f"--data {data_dir}: no such folder (it should hold the Fashion-MNIST IDX files)")
        return [Path(data_dir)]
    dirs = []
    if os.environ.get("SPINDCGAN_DATA"):
        dirs.append(Path(os.environ["SPINDCGAN_DATA"]))
    return dirs + [DEBIAN_DIR]


def find_file(stem: str, data_dir: str | os.PathLike | None = None) -> Path:
    """The first ``stem`` or ``stem.gz`` in the search directories, or a one-line error."""
    dirs = search_dirs(data_dir)
    for d in dirs:
        for name in (f"{stem}.gz", stem):
            if (d / name).is_file():
                return d / name
    looked = ", ".join(str(d) for d in dirs)
    raise SpinDCGANError(f"Fashion-MNIST file {stem}[.gz] not found (looked in: {looked}); {INSTALL_HINT}")


def read_idx(path: Path, expected_magic: int) -> np.ndarray:
    """An IDX array of unsigned bytes (images [N, 28, 28] or labels [N]), validated against its header."""
    try:
        raw = gzip.open(path).read() if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError) as exc:
        raise SpinDCGANError(f"{path}: cannot read ({exc.__class__.__name__}: {exc})") from None
    if len(raw) < 8:
        raise SpinDCGANError(f"{path}: file too short for an IDX header ({len(raw)} bytes)")
    magic = int.from_bytes(raw[:4], "big")
    if magic != expected_magic:
        raise SpinDCGANError(
            f"{path}: bad magic number {magic} (expected {expected_magic}); not an IDX file of this kind"
        )
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise SpinDCGANError(f"{path}: truncated IDX header")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(shape))
    if len(raw) != expected:
        raise SpinDCGANError(
            f"{path}: wrong size {len(raw)} bytes for shape {shape} (expected {expected}); truncated or corrupt"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def load_fashion_mnist(
    split: str = "train", data_dir: str | os.PathLike | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """(images uint8 [N, 28, 28], labels int64 [N]) of the ``train`` (60k) or ``test`` (10k) split."""
    if split not in FILES:
        raise SpinDCGANError(f"unknown Fashion-MNIST split {split!r}; use 'train' or 'test'")
    image_stem, label_stem = FILES[split]
    image_path, label_path = find_file(image_stem, data_dir), find_file(label_stem, data_dir)
    images, labels = read_idx(image_path, IMAGE_MAGIC), read_idx(label_path, LABEL_MAGIC)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise SpinDCGANError(f"{image_path}: {images.shape} images do not match {labels.shape} labels in {label_path}")
    return torch.from_numpy(images.copy()), torch.from_numpy(labels.astype(np.int64))


def to_model_range(images: torch.Tensor) -> torch.Tensor:
    """uint8 [N, H, W] or [N, C, H, W] -> float [N, C, H, W] in [-1, 1] (the generator's Tanh range)."""
    x = images.float() / 127.5 - 1.0
    return x.unsqueeze(1) if x.ndim == 3 else x
