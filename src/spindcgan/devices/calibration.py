"""Micromagnetic calibrations of the compact device models: read back what ``spindcgan devices calibrate`` wrote.

The package ships one calibration per device (``spindcgan/devices/calibrations/<device>.json``, from a
full run; docs/devices.md gives the command). The compact models take from it the physical figures the
simulation determines (drive current density, settling time, conductances, simulated energies) and keep
the network-level behaviour (slopes, saturation in network units) and the published per-device energies
the energy ledger uses. Reading a calibration needs no micromagnetic solver.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path

from ..errors import SpinDCGANError

SHIPPED = {"dw-relu", "dw-leaky-relu", "skyrmion-synapse"}


def shipped_path(device: str) -> Path:
    """Where the package keeps the calibration of ``device``."""
    return Path(str(resources.files("spindcgan") / "devices" / "calibrations" / f"{device}.json"))


def load_calibration(device_or_path: str | Path) -> dict:
    """A calibration record: a shipped device name (``dw-relu`` ...) or the path of a calibration JSON."""
    path = shipped_path(str(device_or_path)) if str(device_or_path) in SHIPPED else Path(device_or_path)
    try:
        record = json.loads(path.read_text())
    except FileNotFoundError:
        raise SpinDCGANError(f"no calibration file at {path}") from None
    except (OSError, json.JSONDecodeError) as err:
        raise SpinDCGANError(f"{path}: not a readable calibration JSON ({err})") from None
    for key in ("device", "compact_model", "fit", "setup"):
        if key not in record:
            raise SpinDCGANError(f"{path}: calibration lacks the field '{key}'")
    record["path"] = str(path)
    return record


@cache
def _shipped_compact_model(device: str) -> tuple[tuple[str, object], ...]:
    """Read once per process: every ``HardwareConfig()`` asks for it."""
    path = shipped_path(device)
    if not path.exists():
        return ()
    record = load_calibration(path)
    figures = {**record["compact_model"], "calibration": f"{device}.json ({record['command']})"}
    return tuple(figures.items())


def shipped_compact_model(device: str) -> dict:
    """The compact-model figures of the shipped calibration of ``device``, plus its name ({} if not shipped)."""
    return dict(_shipped_compact_model(device))


def shipped_figures(device: str, keys: tuple[str, ...]) -> dict:
    """Those of ``keys`` the shipped calibration of ``device`` provides: what a compact model takes from it."""
    figures = shipped_compact_model(device)
    return {key: figures[key] for key in keys if key in figures}
