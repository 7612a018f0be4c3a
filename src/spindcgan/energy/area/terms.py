"""The area model's settings by short name (``node=22``, ``adc_model=survey``, ``floorplan=0.3``): the spelling of
``spindcgan energy``'s options (``--node``) and of ``spindcgan sweep --grid`` words, each with the ``AreaConfig``
field it sets, in the form of the hardware's table (``crossbar.terms.Term``). They change what a chip costs, never
what it computes (``cost_only``): a sweep measures the FID of points that differ only in them once."""

from __future__ import annotations

from ...crossbar.terms import TERMS, Term, check_value, non_negative, one_of, option_of, positive, with_field
from .config import ADC_MODELS, AreaConfig

AREA_TERMS: dict[str, Term] = {
    "node": Term("node_nm", positive, "a technology node in nm > 0", "technology node F in nm (default 32, ISAAC's)",
                 "NM", cost_only=True),
    "adc_model": Term("adc_model", one_of(*ADC_MODELS), f"one of {', '.join(ADC_MODELS)}",
                      f"the ADC area reported as the value: {', '.join(ADC_MODELS)} (default isaac); the others give "
                      "its band", "MODEL", cost_only=True),
    "floorplan": Term("floorplan_factor", non_negative, "a share >= 0",
                      "whitespace added to the used area, as a share of it (default 0)", "FACTOR", cost_only=True),
}
"""Every name, with the ``AreaConfig`` field it sets: ``spindcgan energy``'s area options and ``--grid`` words."""

assert not set(AREA_TERMS) & set(TERMS), "a name of the area model is a hardware setting's too"


def area_with_terms(base: AreaConfig, values: dict[str, str], as_options: bool = False) -> AreaConfig:
    """``base`` with the named area settings given as text (``{"node": "22"}``); an error names the setting, or its
    CLI option (``--node``) with ``as_options``."""
    config = base
    for name, text in values.items():
        value = check_value(name, text, option_of(name) if as_options else name, AREA_TERMS)
        config = with_field(config, AREA_TERMS[name].field, value)
    return config
