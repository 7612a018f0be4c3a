"""How to tell the files spindcgan reads apart where one is given for another: a run's compact fallback pack
(``training.pack``) is a zip that only ``train --resume`` and ``unpack`` read; a file ``torch.save`` wrote is a zip
with a pickle."""

from __future__ import annotations

import zipfile
from pathlib import Path

from .errors import SpinDCGANError

PACK_FORMAT = "spindcgan-pack-v1"
"""The format mark of a run's compact fallback pack (``training.pack``)."""
FORMAT_MEMBER = "format"
"""The pack's zip member that names the format (the parts are ``<name>.pt.xz`` members beside it)."""


def is_pack(path: str | Path) -> bool:
    """Whether ``path`` is a pack (a zip with the pack's format mark), which no command but ``train --resume`` and
    ``unpack`` reads."""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.read(FORMAT_MEMBER).decode() == PACK_FORMAT
    except (OSError, KeyError, UnicodeDecodeError, zipfile.BadZipFile):
        return False


def saved_by_torch(path: str | Path) -> bool:
    """Whether ``path`` is a file ``torch.save`` wrote (a zip with its ``<name>/data.pkl``)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return any(name.endswith("/data.pkl") for name in archive.namelist())
    except (OSError, zipfile.BadZipFile):
        return False


def not_a_pack(path: str | Path) -> None:
    """A one-line error where a pack is given to a command that reads a checkpoint or an export."""
    if is_pack(path):
        raise SpinDCGANError(f"{path}: a pack of a run, not a checkpoint or export: spindcgan unpack PACK --out DIR "
                             "makes its run folder (or spindcgan train --resume PACK continues it)")
