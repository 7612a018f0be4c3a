"""Image datasets from folders, zip files (read in place) or lists of them.

Any common format is decoded with PIL and converted to RGB (or L): grayscale and palette images are
expanded, RGBA is composited over white, CMYK converted. Each image is resized (shorter side) and
centre-cropped to ``size``. The decoded uint8 array is cached on disk (memory-mapped ``.npy`` keyed by
the sources' names, sizes and times), so an epoch never decodes the JPEGs again.

Unreadable or truncated images are skipped with one warning that counts them and names the first few;
non-image files are ignored; a source without images is a one-line error naming it. A training set is loaded
``strict``: there an unreadable image, one smaller than the model's size (it would be upscaled) or a grayscale one
in a colour set is a one-line error naming it, since a model would train on what the set did not hold.
"""

from __future__ import annotations

import io
import os
import warnings
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from tqdm import tqdm

from ..cache import cache_dir, digest
from ..errors import SpinDCGANError
from ..io import atomic_write

IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm", ".pgm"}
Entry = tuple[str, Callable[[], bytes], tuple]  # name, reader, fingerprint


def _is_image_name(name: str) -> bool:
    return Path(name).suffix.lower() in IMAGE_EXTENSIONS and not Path(name).name.startswith(".")


def list_entries(source: str | os.PathLike) -> list[Entry]:
    """The image files of one folder (recursive) or zip, sorted by name."""
    path = Path(source)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and _is_image_name(p.name))
        return [(str(p), p.read_bytes, (str(p.relative_to(path)), p.stat().st_size, p.stat().st_mtime_ns))
                for p in files]
    if path.is_file() and zipfile.is_zipfile(path):
        archive = zipfile.ZipFile(path)
        infos = sorted((i for i in archive.infolist() if not i.is_dir() and _is_image_name(i.filename)),
                       key=lambda i: i.filename)
        return [(f"{path}:{i.filename}", lambda i=i: archive.read(i), (i.filename, i.file_size, i.CRC))
                for i in infos]
    if path.exists():
        raise SpinDCGANError(f"{path}: not a folder or a zip file of images")
    raise SpinDCGANError(f"{path}: no such folder or zip file")


SINGLE_CHANNEL_MODES = {"1", "L", "LA", "I", "I;16", "F", "La"}


class UnfitImage(ValueError):
    """A readable image that a ``strict`` load refuses (too small, or grayscale in a colour set)."""


def decode(data: bytes, size: int, channels: int = 3, strict: bool = False) -> np.ndarray:
    """Bytes of one image -> uint8 [size, size, channels] (resize shorter side, centre crop); ``strict``
    refuses an image that is smaller than ``size`` or, for a colour set, grayscale (:class:`UnfitImage`)."""
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        if strict and min(im.size) < size:
            raise UnfitImage(f"{im.width}x{im.height}, smaller than the model's {size}x{size}")
        if strict and channels == 3 and im.mode in SINGLE_CHANNEL_MODES:
            raise UnfitImage(f"grayscale (mode {im.mode}) in a colour set")
        if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
            rgba = im.convert("RGBA")
            im = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
        im = im.convert("RGB" if channels == 3 else "L")
        w, h = im.size
        if (w, h) != (size, size):
            scale = size / min(w, h)
            im = im.resize((max(size, round(w * scale)), max(size, round(h * scale))), Image.Resampling.BICUBIC)
            left, top = (im.width - size) // 2, (im.height - size) // 2
            im = im.crop((left, top, left + size, top + size))
        array = np.asarray(im, dtype=np.uint8)
    return array[..., None] if channels == 1 else array


def _save_npy(path: Path, array: np.ndarray) -> None:
    with open(path, "wb") as f:  # a file object: np.save would append ".npy" to a bare path
        np.save(f, array, allow_pickle=False)


def first_image_size(source: str | os.PathLike) -> int:
    """The shorter side of the first image of a source (the natural size to load it at)."""
    for _name, read, _ in list_entries(source):
        try:
            with Image.open(io.BytesIO(read())) as im:
                return min(im.size)
        except (OSError, SyntaxError, ValueError):
            continue
    raise SpinDCGANError(f"{source}: no readable images")


def load_images(sources: str | os.PathLike | Sequence[str | os.PathLike], size: int, channels: int = 3,
                cache: bool = True, progress: bool = True, limit: int | None = None,
                strict: bool = False) -> torch.Tensor:
    """uint8 images [N, channels, size, size] from one source or a list of them (see module docstring);
    ``limit`` keeps the first N image files (by name); ``strict``: a training set, every image must load as is."""
    if isinstance(sources, (str, os.PathLike)):
        sources = [sources]
    entries = []
    for source in sources:
        found = list_entries(source)
        if not found:
            raise SpinDCGANError(f"{source}: no images found (looked for {', '.join(sorted(IMAGE_EXTENSIONS))})")
        entries += found
    entries = entries[:limit]
    key = digest({"entries": [e[2] for e in entries], "sources": [str(s) for s in sources],
                  "size": size, "channels": channels, "version": 1, **({"strict": True} if strict else {})})
    cached = cache_dir("images") / f"{key}.npy"
    if cache and cached.exists():
        try:  # copy-on-write map: pages load on demand, the file is never modified
            return torch.from_numpy(np.load(cached, mmap_mode="c"))
        except (OSError, ValueError, EOFError):
            pass  # a damaged cache entry: decode again and replace it

    images, bad = [], []
    for name, read, _ in tqdm(entries, desc="decoding images", unit="img", disable=not progress, dynamic_ncols=True):
        try:
            images.append(decode(read(), size, channels, strict))
        except UnfitImage as exc:
            bad.append(f"{name} ({exc})")
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
            bad.append(f"{name} (unreadable: {exc.__class__.__name__})")
    if bad:
        shown = "; ".join(bad[:3]) + (f"; and {len(bad) - 3} more" if len(bad) > 3 else "")
        if strict:
            raise SpinDCGANError(f"{len(bad)} image(s) of the training set cannot be trained on as they are: {shown}; "
                                 "fix or remove them")
        warnings.warn(f"skipped {len(bad)} unreadable image(s): {shown}", stacklevel=2)
    if not images:
        raise SpinDCGANError(f"{', '.join(str(s) for s in sources)}: no readable images")
    array = np.ascontiguousarray(np.stack(images).transpose(0, 3, 1, 2))
    if cache:
        atomic_write(cached, lambda tmp: _save_npy(tmp, array))
    return torch.from_numpy(array)
