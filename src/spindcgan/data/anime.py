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
HELDOUT_N = 2000
"""Faces kept out of the ``"fit"`` split, so a generator trained on it can be measured against faces it never saw
(the generalisation check): a tenth of the set, enough for an FID against 2,000 references."""
HELDOUT_SEED = 0
"""The fixed draw of the held-out faces: every run and every FID names the same 2,000."""
SEEN_SEED = 1
"""The fixed draw of the ``"seen"`` faces from ``"fit"``: the held-out check's other side."""
ANIME_SPLITS = ("train", "fit", "heldout", "seen")
"""``"train"``: all faces (the paper's protocol: the set trains and is the FID reference); ``"fit"``: all but the
held-out ones; ``"heldout"``: those ``HELDOUT_N``; ``"seen"``: ``HELDOUT_N`` faces of ``"fit"`` drawn the same way
(the set is ordered by id and year, so the first faces of ``"fit"`` would be a biased reference), against which a
fit run's FID compares with its held-out FID at equal counts and make-up."""


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
            return load_images(path, size, 3, progress=progress, strict=True)
    looked = ", ".join(str(p) for p in candidates)
    raise SpinDCGANError(f"Anime Face images not found (looked in: {looked}); pass --data PATH (a folder or zip)")


def drawn_indices(total: int, seed: int) -> torch.Tensor:
    """The sorted indices of ``HELDOUT_N`` faces among ``total`` drawn by ``seed`` (the same at every call)."""
    if total <= HELDOUT_N:
        raise SpinDCGANError(f"the anime set has {total} faces: too few to hold out {HELDOUT_N}")
    draw = torch.randperm(total, generator=torch.Generator().manual_seed(seed))
    return draw[:HELDOUT_N].sort().values


def heldout_indices(total: int) -> torch.Tensor:
    """The sorted indices of the held-out faces among ``total`` (the same for every call with the same set)."""
    return drawn_indices(total, HELDOUT_SEED)


def anime_split(faces: torch.Tensor, split: str) -> torch.Tensor:
    """The faces of ``split`` (``ANIME_SPLITS``), in the set's order."""
    if split == "train":
        return faces
    held = heldout_indices(len(faces))
    if split == "heldout":
        return faces[held]
    if split in ("fit", "seen"):
        keep = torch.ones(len(faces), dtype=torch.bool)
        keep[held] = False
        fit = faces[keep]
        return fit if split == "fit" else fit[drawn_indices(len(fit), SEEN_SEED)]
    raise SpinDCGANError(f"no anime split {split!r}: one of {', '.join(ANIME_SPLITS)}")
