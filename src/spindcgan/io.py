"""Atomic file writes and image grids: nothing the user had is lost to a half-written file."""

from __future__ import annotations

import io
import json
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from .errors import SpinDCGANError


def _not_a_folder(path: Path) -> Path | None:
    """The first of ``path`` and its parents that exists and is not a folder (None: a folder can be made there)."""
    return next((p for p in (path, *path.parents) if p.exists() and not p.is_dir()), None)


def writable_file(path: str | os.PathLike) -> Path:
    """``path`` as a file to write, refused in one line where it cannot be one: a parent of it is a file, or it is
    a folder or a device (``/dev/full``: a rename over it would replace the device, not write to it)."""
    path = Path(path)
    blocked = _not_a_folder(path.parent)
    if blocked is not None:
        raise SpinDCGANError(f"{path}: {blocked} is not a folder")
    if path.exists() and not path.is_file():
        raise SpinDCGANError(f"{path}: not a regular file ({'a folder' if path.is_dir() else 'a device or pipe'}); "
                             "name a file to write")
    return path


def new_output(path: str | os.PathLike, overwrite: bool, option: str = "--out") -> Path:
    """The file an ``--out`` (or ``option``) names, refused in one line where it exists (without ``overwrite``) or
    cannot be written (``writable_file``)."""
    out = writable_file(path)
    if out.exists() and not overwrite:
        raise SpinDCGANError(f"{out} exists; choose another {option} or pass --overwrite")
    return out


def writable_folder(path: str | os.PathLike) -> Path:
    """``path`` made as a folder (with its parents), refused in one line where a file stands in the way."""
    path = Path(path)
    blocked = _not_a_folder(path)
    if blocked is not None:
        raise SpinDCGANError(f"{path}: {blocked} is not a folder")
    path.mkdir(parents=True, exist_ok=True)
    return path


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temp file beside ``path``, then rename it over ``path``: a crash or a full disk
    leaves ``path`` as it was and no temp file behind."""
    path = writable_file(path)
    path.parent.mkdir(parents=True, exist_ok=True)  # no parent is a file: writable_file checked
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the user's usual mode
        os.replace(tmp, path)
    except OSError as exc:  # a full disk, a quota: said of the file the user asked for, not of the temp file
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def save_torch(obj: Any, path: str | os.PathLike) -> Path:
    """``torch.save`` atomically; serialised in memory first, so that a failed write is Python's OSError (with
    its reason, e.g. a full disk) rather than torch's "iostream error"."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return atomic_write(path, lambda tmp: tmp.write_bytes(buffer.getbuffer()))


def save_json(obj: Any, path: str | os.PathLike) -> Path:
    return atomic_write(path, lambda tmp: tmp.write_text(json.dumps(obj, indent=2) + "\n"))


def save_text(text: str, path: str | os.PathLike) -> Path:
    """A text file (a generated page), written atomically."""
    return atomic_write(path, lambda tmp: tmp.write_text(text))


def save_jsonl(records: list[dict], path: str | os.PathLike) -> Path:
    """One JSON line per record (a metrics log), written atomically."""
    return atomic_write(path, lambda tmp: tmp.write_text("".join(json.dumps(r) + "\n" for r in records)))


def append_jsonl(record: dict, path: str | os.PathLike) -> Path:
    """Add one JSON line to a log (not atomic: ``load_jsonl`` leaves out a last line a crash cut off)."""
    path = Path(path)
    with path.open("a") as log:
        log.write(json.dumps(record) + "\n")
    return path


def load_jsonl(path: str | os.PathLike) -> list[dict]:
    """The records of a JSON-lines file, blank lines skipped; none when the file is absent. A last line cut off
    before its newline (a crash while appending) is left out; any other bad line is an error."""
    path = Path(path)
    if not path.exists():
        return []
    text = path.read_text()
    lines = [line for line in text.splitlines() if line.strip()]
    if lines and not text.endswith("\n"):
        try:
            json.loads(lines[-1])
        except json.JSONDecodeError:
            lines.pop()
    return [json.loads(line) for line in lines]


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """Generator output [N, C, H, W] in [-1, 1] -> uint8 [N, H, W, C] (as if saved as PNG)."""
    x = ((images.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return x.permute(0, 2, 3, 1).numpy()


def image_grid(images: torch.Tensor, columns: int | None = None, border: int = 2) -> Image.Image:
    """Tile images [N, C, H, W] in [-1, 1] into one PIL image, ``columns`` per row."""
    pixels = to_uint8(images)
    n, h, w, c = pixels.shape
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    grid = np.zeros((rows * (h + border) + border, columns * (w + border) + border, c), np.uint8)
    for i in range(n):
        r, q = divmod(i, columns)
        y, x = border + r * (h + border), border + q * (w + border)
        grid[y : y + h, x : x + w] = pixels[i]
    return Image.fromarray(grid[..., 0] if c == 1 else grid)


GRID_FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "TIFF")
"""The formats an image grid is written in, by its file's suffix: those that keep every pixel of an RGB or
grayscale grid at its size (GIF's palette, ICO's 256 px, PDF's pages would not)."""


def image_format(path: str | os.PathLike) -> str | None:
    """The grid format (``GRID_FORMATS``) of ``path``'s suffix (``.png``: PNG, ``.jpg``: JPEG, ...); None where the
    suffix names no image format (a folder such as ``samples`` or ``run.v2``); a one-line error where it names
    another image format."""
    found = Image.registered_extensions().get(Path(path).suffix.lower())
    if found is None or found in GRID_FORMATS:
        return found
    suffixes = sorted(s for s, f in Image.registered_extensions().items() if f in GRID_FORMATS)
    raise SpinDCGANError(f"{path}: a grid is written as {', '.join(suffixes)}, not {found}; a folder of PNGs is "
                         "named without an image suffix")


def save_grid(images: torch.Tensor, path: str | os.PathLike, columns: int | None = None) -> Path:
    """Tile images [N, C, H, W] in [-1, 1] (``image_grid``) into one image file, in the format of its suffix."""
    grid = image_grid(images, columns)
    return atomic_write(path, lambda tmp: grid.save(tmp, format=image_format(path) or "PNG"))
