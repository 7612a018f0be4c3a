"""Hardware settings by short names (``bits=6``, ``d2d=0.1``, ``retention=1y``): the words of ``spindcgan sweep
--grid`` and of ``spindcgan train --train-noise``, each read and checked in one place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from ..errors import SpinDCGANError
from .config import HardwareConfig
from .faults import parse_duration


def _natural(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError
    return value


def _optional_bits(text: str) -> int | None:
    return None if text.lower() in ("none", "ideal") else _natural(text)


def _share(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise ValueError
    return value


def _flag(text: str) -> bool:
    if text.lower() in ("0", "off", "no", "false"):
        return False
    if text.lower() in ("1", "on", "yes", "true"):
        return True
    raise ValueError


@dataclass(frozen=True)
class Term:
    """One named setting: the HardwareConfig field it sets and how its values are read."""

    field: str | tuple[str, ...]
    """A HardwareConfig field, ``synapse.<field>`` or ``wires.<field>``; several: each takes the value."""
    parse: Callable[[str], Any]
    kind: str

    @property
    def fields(self) -> tuple[str, ...]:
        return (self.field,) if isinstance(self.field, str) else self.field


TERMS = {
    "bits": Term("synapse.bits", _natural, "an integer of synapse bits"),
    "adc_bits": Term("adc_bits", _optional_bits, "an integer or none"),
    "dac_bits": Term("dac_bits", _optional_bits, "an integer or none"),
    "d2d": Term("d2d_sigma", _share, "a relative std >= 0"),
    "c2c": Term("c2c_sigma", _share, "a relative std >= 0"),
    "read_noise": Term("read_noise_sigma", _share, "a relative std >= 0"),
    "stuck": Term("stuck_fraction", _share, "a share of devices in [0, 1]"),
    "program_error": Term("program_error_rate", _share, "a probability in [0, 1]"),
    "retention": Term("retention_time", parse_duration, "a time such as 0, 1h, 1d, 1y"),
    "dw_slope": Term("dw_slope_sigma", _share, "a relative std >= 0"),
    "dw_offset": Term("dw_offset_sigma", _share, "a std >= 0"),
    "wire": Term(("wires.row_segment", "wires.column_segment"), _share, "a resistance >= 0 ohm per cell segment"),
    "driver": Term("wires.driver", _share, "a resistance >= 0 ohm"),
    "sense": Term("wires.sense", _share, "a resistance >= 0 ohm"),
    "compensation": Term("wire_compensation", _flag, "0 or 1 (off or on)"),
    "array": Term(("array_rows", "array_cols"), _natural, "an array size (rows = columns), an integer >= 1"),
}
"""Every name, with the field it sets."""

NOISE_TERMS = ("d2d", "c2c", "read_noise", "stuck", "program_error", "retention", "dw_slope", "dw_offset")
"""The names that draw something (variation, faults, drift): what training can inject (``--train-noise``)."""


def check_value(name: str, value: str, where: str) -> None:
    """A one-line error naming ``where`` when ``value`` is not a value of ``name``."""
    try:
        TERMS[name].parse(value)
    except (ValueError, SpinDCGANError):
        raise SpinDCGANError(f"{where}: {value!r} is not {TERMS[name].kind}") from None


def with_terms(base: HardwareConfig, values: dict[str, str], seed: int | None = None) -> HardwareConfig:
    """``base`` with the named settings (and another ``seed`` of its draws when given)."""
    changes: dict[str, Any] = {} if seed is None else {"seed": seed}
    synapse, wires = base.synapse, {}
    for name, text in values.items():
        term = TERMS[name]
        for field in term.fields:
            if field.startswith("synapse."):
                if synapse is None:
                    raise SpinDCGANError(f"{name}: this network has no synapse devices (float weights)")
                synapse = replace(synapse, **{field.removeprefix("synapse."): term.parse(text)})
            elif field.startswith("wires."):
                wires[field.removeprefix("wires.")] = term.parse(text)
            else:
                changes[field] = term.parse(text)
    return replace(base, synapse=synapse, wires=replace(base.wires, **wires), **changes)


def parse_noise(text: str) -> dict[str, str]:
    """``"d2d=0.1,stuck=0.01"`` -> ``{"d2d": "0.1", "stuck": "0.01"}``, names limited to ``NOISE_TERMS`` ("": none)."""
    noise: dict[str, str] = {}
    for item in filter(None, (t.strip() for t in text.split(","))):
        name, sep, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not value:
            raise SpinDCGANError(f"train.train_noise {item!r}: expected NAME=VALUE (e.g. d2d=0.1,stuck=0.01)")
        if name not in NOISE_TERMS:
            raise SpinDCGANError(f"train.train_noise {item!r}: {name!r} is not a noise (known: "
                                 f"{', '.join(NOISE_TERMS)})")
        if name in noise:
            raise SpinDCGANError(f"train.train_noise {item!r}: {name} is given twice")
        check_value(name, value, f"train.train_noise {item!r}")
        noise[name] = value
    return noise
