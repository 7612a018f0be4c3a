"""The one table of hardware settings by short name (``bits=6``, ``d2d=0.1``, ``retention=1y``): the spelling of
the CLI's options (``--d2d``), of ``spindcgan sweep --grid`` and ``spindcgan train --train-noise`` words, each with
the HardwareConfig field it sets (its path in config.json under ``hardware``), how its values are read and
checked, and the older spellings that still work."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from ..errors import SpinDCGANError
from ..seeds import MAX_SEED, check_seed
from .config import HardwareConfig
from .faults import parse_duration


def _natural(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError
    return value


def _seed(text: str) -> int:
    try:
        return check_seed(int(text), "seed")
    except SpinDCGANError:
        raise ValueError from None


def _optional_bits(text: str) -> int | None:
    return None if text.lower() in ("none", "ideal") else _natural(text)


def non_negative(text: str) -> float:
    value = float(text)
    if not (math.isfinite(value) and value >= 0):
        raise ValueError
    return value


def positive(text: str) -> float:
    value = float(text)
    if not (math.isfinite(value) and value > 0):
        raise ValueError
    return value


def _fraction(text: str) -> float:
    value = non_negative(text)
    if value > 1:
        raise ValueError
    return value


def _flag(text: str) -> bool:
    if text.lower() in ("0", "off", "no", "false"):
        return False
    if text.lower() in ("1", "on", "yes", "true"):
        return True
    raise ValueError


def one_of(*choices: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in choices:
            raise ValueError
        return text

    return parse


@dataclass(frozen=True)
class Term:
    """One named setting: the config field(s) it sets, how its values are read, and what it means."""

    field: str | tuple[str, ...]
    """A field path in the config it sets, ``HardwareConfig`` here (``variation.d2d``, ``synapse.bits``),
    ``AreaConfig`` in ``energy.area.terms``; several: each takes the value."""
    parse: Callable[[str], Any]
    kind: str
    """What a value is, for errors and docs: "a relative std >= 0"."""
    help: str
    """What the setting models, for the CLI's help and the docs."""
    metavar: str = "X"
    noise: bool = False
    """Whether it draws something (variation, faults, drift): what training can inject (``--train-noise``)."""
    former: tuple[str, ...] = ()
    """Older CLI spellings, still read (not shown in the help)."""
    cost_only: bool = False
    """Whether it changes what the hardware costs but never what it computes (ADC sharing): a sweep measures the FID
    of points that differ only in such settings once."""

    @property
    def fields(self) -> tuple[str, ...]:
        return (self.field,) if isinstance(self.field, str) else self.field



TERMS = {
    "bits": Term("synapse.bits", _natural, "an integer of synapse bits (1-8)", "synapse bits (default 6)", "N"),
    "array": Term(("array.rows", "array.cols"), _natural, "an array size (rows = columns), an integer >= 1",
                  "crossbar rows = columns per array (default 128)", "N", former=("--array-size",)),
    "signed_scheme": Term("array.signed_scheme", one_of("differential", "offset"), "differential or offset",
                          "signed weights as a G+ / G- device pair (differential, default) or one device against "
                          "an offset column (offset)", "SCHEME"),
    "adc_bits": Term("array.adc_bits", _optional_bits, "an integer or none",
                     "ADC resolution of the column read-out (default none: ideal)", "N"),
    "dac_bits": Term("array.dac_bits", _optional_bits, "an integer or none",
                     "DAC resolution of the row inputs (default none: ideal)", "N"),
    "adc_share": Term("array.adc_share", _natural, "an integer >= 1 (weight columns per ADC)",
                      "weight columns that share one ADC (default 1: one per column); the read takes K times as long, "
                      "the ADCs 1/K the area (docs/area.md)", "K", cost_only=True),
    "d2d": Term("variation.d2d", non_negative, "a relative std >= 0",
                "device-to-device conductance variation (relative std, default 0)", "SIGMA", True, ("--d2d-sigma",)),
    "c2c": Term("variation.c2c", non_negative, "a relative std >= 0",
                "cycle-to-cycle programming variation (relative std, default 0)", "SIGMA", True, ("--c2c-sigma",)),
    "read_noise": Term("variation.read_noise", non_negative, "a relative std >= 0",
                       "per-read cell current noise (relative std, default 0)", "SIGMA", True),
    "dw_slope": Term("variation.dw_slope", non_negative, "a relative std >= 0",
                     "device-to-device spread of the DW activations' slope (relative std, default 0)", "SIGMA", True,
                     ("--dw-slope-sigma",)),
    "dw_offset": Term("variation.dw_offset", non_negative, "a std >= 0",
                      "spread of the DW activations' threshold (std in input units, default 0)", "SIGMA", True,
                      ("--dw-offset-sigma",)),
    "stuck": Term("faults.stuck", _fraction, "a share of devices in [0, 1]",
                  "share of synapse devices stuck at the lowest or highest state (default 0)", "FRACTION", True),
    "program_error": Term("faults.program_error", _fraction, "a probability in [0, 1]",
                          "probability that a write lands one state off its target (default 0)", "P", True),
    "retention": Term("retention.time", parse_duration, "a time such as 0, 1h, 1d, 1y",
                      "read the arrays this long after programming, skyrmions lost at the Arrhenius rate "
                      "(default 0)", "TIME", True),
    "wire": Term(("array.wires.row_segment", "array.wires.column_segment"), non_negative,
                 "a resistance >= 0 ohm per cell segment", "word- and bit-line resistance per cell segment "
                 "(default 0: ideal arrays; 0.8-4.8 ohm at 22-3 nm, docs/circuit.md)", "OHMS",
                 former=("--wire-resistance",)),
    "driver": Term("array.wires.driver", non_negative, "a resistance >= 0 ohm", "each row driver's output resistance",
                   "OHMS", former=("--driver-resistance",)),
    "sense": Term("array.wires.sense", non_negative, "a resistance >= 0 ohm", "each column's sense input resistance",
                  "OHMS", former=("--sense-resistance",)),
    "wire_solver": Term("array.wire_solver", one_of("approximate", "exact"), "approximate or exact",
                        "with wires: the arrays' fast approximation (default) or the exact nodal solve (slow; for "
                        "evaluation)", "SOLVER"),
    "compensation": Term("array.wire_compensation", _flag, "0 or 1 (off or on)",
                         "with wires: each column's gain calibrated to read its ideal current at full input "
                         "(docs/circuit.md)", "0|1", former=("--wire-compensation",)),
    "hw_seed": Term("seed", _seed, f"an integer in [0, {MAX_SEED}]",
                    "seed of the device variation pattern and the faulty devices (default 0)", "SEED"),
}
"""Every name, with the field it sets: the CLI's hardware options, ``--grid`` and ``--train-noise`` words."""

NOISE_TERMS = tuple(name for name, term in TERMS.items() if term.noise)
"""The names that draw something (variation, faults, drift): what training can inject (``--train-noise``)."""


def option_of(name: str) -> str:
    """The CLI option of the setting ``name``: ``read_noise`` -> ``--read-noise``."""
    return "--" + name.replace("_", "-")


def check_value(name: str, value: str, where: str, table: dict[str, Term] = TERMS) -> Any:
    """``value`` read as a value of ``name`` (of ``table``: ``TERMS`` or the area model's ``AREA_TERMS``); a
    one-line error naming ``where`` when it is not one."""
    try:
        return table[name].parse(value)
    except (ValueError, SpinDCGANError):
        raise SpinDCGANError(f"{where}: {value!r} is not {table[name].kind}") from None


def with_field(config: Any, path: str, value: Any) -> Any:
    """A frozen dataclass with the field at dotted ``path`` (``array.wires.sense``) replaced by ``value``."""
    name, _, rest = path.partition(".")
    if not rest:
        return replace(config, **{name: value})
    return replace(config, **{name: with_field(getattr(config, name), rest, value)})


def field_value(config: Any, path: str) -> Any:
    """The value of the field at dotted ``path`` of a (nested) dataclass; None under a None group."""
    for name in path.split("."):
        config = None if config is None else getattr(config, name)
    return config


def settings_of(hardware: HardwareConfig) -> dict[str, Any]:
    """The settings of ``hardware`` that differ from the paper's (``HardwareConfig()``), by name."""
    paper = HardwareConfig()
    return {name: field_value(hardware, term.fields[0]) for name, term in TERMS.items()
            if field_value(hardware, term.fields[0]) != field_value(paper, term.fields[0])}


def with_settings(base: HardwareConfig, **values: Any) -> HardwareConfig:
    """``base`` with settings by name and value, as a library user writes them:
    ``with_settings(HardwareConfig(), d2d=0.1, array=32, retention=3600.0)``."""
    hardware = base
    for name, value in values.items():
        if name not in TERMS:
            raise SpinDCGANError(f"unknown hardware setting {name!r} (known: {', '.join(TERMS)})")
        for path in TERMS[name].fields:
            if path.startswith("synapse.") and hardware.synapse is None:
                raise SpinDCGANError(f"{name}: this network has no synapse devices (float weights)")
            hardware = with_field(hardware, path, value)
    return hardware


def with_terms(base: HardwareConfig, values: dict[str, str], seed: int | None = None) -> HardwareConfig:
    """``base`` with the named settings given as text (``{"d2d": "0.1"}``), and another ``seed`` of its draws
    when given."""
    hardware = with_settings(base, **{name: check_value(name, text, name) for name, text in values.items()})
    return hardware if seed is None else replace(hardware, seed=seed)


def comma_items(text: str, setting: str) -> list[str]:
    """The comma-separated items of a setting, stripped (``""``: none); an empty item (``a,,b``, a trailing comma)
    or one given twice is a one-line error naming ``setting``, not an item silently dropped or counted twice."""
    if not text.strip():
        return []
    items = [item.strip() for item in text.split(",")]
    if "" in items:
        raise SpinDCGANError(f"{setting} {text!r}: an empty item (a comma too many)")
    if repeated := sorted({item for item in items if items.count(item) > 1}):
        raise SpinDCGANError(f"{setting} {text!r}: {', '.join(repeated)} given twice")
    return items


def parse_noise(text: str) -> dict[str, str]:
    """``"d2d=0.1,stuck=0.01"`` -> ``{"d2d": "0.1", "stuck": "0.01"}``, names limited to ``NOISE_TERMS`` ("": none)."""
    noise: dict[str, str] = {}
    for item in comma_items(text, "train.train_noise"):
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
