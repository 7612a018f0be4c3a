"""Where derived data (decoded image arrays, FID reference statistics) is cached."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any


def cache_dir(kind: str) -> Path:
    """``$SPINDCGAN_CACHE/<kind>``, default ``~/.cache/spindcgan/<kind>``."""
    root = Path(os.environ.get("SPINDCGAN_CACHE", Path.home() / ".cache" / "spindcgan"))
    path = root / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


def digest(obj: Any) -> str:
    """A short stable hash of a JSON-serialisable key."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:20]
