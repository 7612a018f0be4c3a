"""User-facing errors: the CLI prints these as one line, never a traceback."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path


class SpinDCGANError(Exception):
    """A problem with the user's input (a file, a field, an option) that they can fix."""


@contextlib.contextmanager
def about(path: str | Path) -> Iterator[None]:
    """Errors raised inside name ``path`` first: what is wrong is in that file, and the user must know which."""
    try:
        yield
    except SpinDCGANError as exc:
        if str(exc).startswith(str(path)):
            raise
        raise SpinDCGANError(f"{path}: {exc}") from None
