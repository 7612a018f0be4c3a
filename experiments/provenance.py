"""Where a result came from: the command that produced it and the commit it ran at (written into every record)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def commit() -> str:
    """The checked-out commit of this repository, or "unknown" outside a git checkout."""
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True,
                              cwd=ROOT).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def command() -> str:
    """This process's command line as typed (``python experiments/... ARGS``)."""
    return " ".join([Path(sys.executable).name, *sys.argv])
