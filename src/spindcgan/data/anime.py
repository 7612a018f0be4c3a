"""Anime Face (Kaggle "Anime Face Dataset" layout: ``images/<id>_<year>.jpg``), read in place from a zip
or a folder: the project never copies it.

Default location, first found: ``--data PATH``, ``$SPINDCGAN_DATA/anime-faces-64.zip`` (or ``archive.zip``,
the full Kaggle download), then ``shared/data/anime-faces-64.zip`` beside the repository checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from ..errors import SpinDCGANError
from .images import load_images

ANIME_FILES = ("anime-faces-64.zip", "archive.zip")


def anime_candidates(data: str | os.PathLike | None = None) -> list[Path]:
    """Where the anime faces are looked for, in order."""
    if data:
        return [Path(data)]
    found = []
    if os.environ.get("SPINDCGAN_DATA"):
        found += [Path(os.environ["SPINDCGAN_DATA"]) / name for name in ANIME_FILES]
    repo = Path(__file__).resolve().parents[3]  # src/spindcgan/data/anime.py -> the checkout
    for root in (repo, Path.cwd()):
        found += [root.parent / "shared" / "data" / ANIME_FILES[0], root / "shared" / "data" / ANIME_FILES[0]]
    return list(dict.fromkeys(found))


def load_anime(data: str | os.PathLike | None = None, size: int = 64, progress: bool = True) -> torch.Tensor:
    """uint8 RGB faces [N, 3, size, size] (decoded once, then memory-mapped from the cache)."""
    candidates = anime_candidates(data)
    for path in candidates:
        if path.exists():
            return load_images(path, size, 3, progress=progress)
    looked = ", ".join(str(p) for p in candidates)
    raise SpinDCGANError(f"Anime Face images not found (looked in: {looked}); pass --data PATH (a folder or zip)")
