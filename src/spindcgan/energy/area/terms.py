"""The area model's settings by short name (``node=22``, ``adc_model=survey``, ``floorplan=0.3``): the spelling of
``spindcgan energy``'s options (``--node``) and of ``spindcgan sweep --grid`` words, each with the ``AreaConfig``
field it sets. They change what a chip costs, never what it computes: a sweep measures the FID of points that
differ only in them once."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from ...crossbar.terms import option_of
from ...errors import SpinDCGANError
from .config import ADC_MODELS, AreaConfig


def _positive(text: str) -> float:
    value = float(text)
    if not (math.isfinite(value) and value > 0):
        raise ValueError
    return value


def _non_negative(text: str) -> float:
    value = float(text)
    if not (math.isfinite(value) and value >= 0):
        raise ValueError
    return value


def _adc_model(text: str) -> str:
    if text not in ADC_MODELS:
        raise ValueError
    return text


@dataclass(frozen=True)
class AreaTerm:
    """One named setting of the area model: the ``AreaConfig`` field it sets and how its values are read."""

    field: str
    parse: Callable[[str], Any]
    kind: str
    """What a value is, for errors: "a node in nm > 0"."""
    help: str
    metavar: str = "X"


AREA_TERMS: dict[str, AreaTerm] = {
    "node": AreaTerm("node_nm", _positive, "a technology node in nm > 0",
                     "technology node F in nm (default 32, ISAAC's)", "NM"),
    "adc_model": AreaTerm("adc_model", _adc_model, f"one of {', '.join(ADC_MODELS)}",
                          "the ADC area reported as the value (default isaac); the others give its band", "MODEL"),
    "floorplan": AreaTerm("floorplan_factor", _non_negative, "a share >= 0",
                          "whitespace added to the used area, as a share of it (default 0)", "FACTOR"),
}


def check_area_value(name: str, value: str, where: str) -> Any:
    """``value`` read as a value of the area setting ``name``; a one-line error naming ``where`` when it is not."""
    try:
        return AREA_TERMS[name].parse(value)
    except ValueError:
        raise SpinDCGANError(f"{where}: {value!r} is not {AREA_TERMS[name].kind}") from None


def area_with_terms(base: AreaConfig, values: dict[str, str], as_options: bool = False) -> AreaConfig:
    """``base`` with the named area settings given as text (``{"node": "22"}``); an error names the setting, or its
    CLI option (``--node``) with ``as_options``."""
    return replace(base, **{AREA_TERMS[name].field: check_area_value(name, text, option_of(name) if as_options
                                                                     else name) for name, text in values.items()})
