"""Atomic file writes and image grids: nothing the user had is lost to a half-written file."""

from __future__ import annotations

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


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temp file beside ``path``, then rename it over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the user's usual mode
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def save_torch(obj: Any, path: str | os.PathLike) -> Path:
    return atomic_write(path, lambda tmp: torch.save(obj, tmp))


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


def save_grid(images: torch.Tensor, path: str | os.PathLike, columns: int | None = None) -> Path:
    grid = image_grid(images, columns)
    return atomic_write(path, lambda tmp: grid.save(tmp, format="PNG"))
