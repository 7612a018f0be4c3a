"""The area of one ADC and one row DAC by resolution and node, and the ADC's band over three models.

ADC area is the area model's largest uncertainty (about 20x for one spec: a 6-bit ADC at 32 nm is 302 um^2 by
NeuroSim's SAR formula, 627 um^2 from ISAAC's scaled table, 5,180 um^2 by the survey fit at 1 GS/s), so it is
reported as a value from the chosen model and a (low, high) band over every model that covers the resolution.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ...errors import SpinDCGANError
from .config import ADC_MODELS
from .constants import AreaConstants

ADC_BITS = {"isaac": (4, 10), "neurosim": (1, 16), "survey": (4, 20)}
"""Resolutions each ADC model covers: ISAAC's table 4-10 bits, NeuroSim's formula any, the survey fit >= 4 (the
plug-in's own floor; its FOM cap is listed to 20)."""


@dataclass(frozen=True)
class Band:
    """An area with its uncertainty: the chosen model's value and the lowest and highest of the models, um^2."""

    low: float
    value: float
    high: float

    def __add__(self, other: Band) -> Band:
        """Two parts' bands together (their models' errors move together: low with low, high with high)."""
        return Band(self.low + other.low, self.value + other.value, self.high + other.high)

    def scaled(self, factor: float) -> Band:
        """The band of ``factor`` such parts."""
        return Band(self.low * factor, self.value * factor, self.high * factor)


def node_scale(node_nm: float, constants: AreaConstants) -> float:
    """(F / 32 nm)^2: what an ISAAC area at 32 nm becomes at node F."""
    return (node_nm / constants.isaac_node_nm) ** 2


def f2_um2(node_nm: float) -> float:
    """um^2 of one F^2 at node F (nm)."""
    return (node_nm * 1e-3) ** 2


def isaac_adc_um2(bits: int, node_nm: float, constants: AreaConstants) -> float:
    """ISAAC's SAR ADC of ``bits`` from its scaled table, at node F by (F / 32 nm)^2."""
    return dict(constants.isaac_adc_um2)[bits] * node_scale(node_nm, constants)


def neurosim_adc_um2(bits: int, node_nm: float, constants: AreaConstants) -> float:
    """NeuroSim's SAR ADC: its NMOS and PMOS counts for ``bits``, each a minimum transistor of its cell row."""
    n0, n_bit, p0, p_bit = constants.neurosim_sar_transistors
    transistors = n0 + n_bit * (bits - 1) + p0 + p_bit * (bits - 1)
    return transistors * constants.neurosim_transistor_f2 * f2_um2(node_nm)


def survey_adc_energy_pj(bits: int, node_nm: float, rate: float, constants: AreaConstants) -> float:
    """pJ per conversion of the best ADCs of Murmann's survey (Accelergy's fit): the FOM's energy, node-corrected."""
    d0, d1 = constants.survey_foms_fit
    caps = constants.survey_foms_max_by_bits
    foms = min(d0 + d1 * math.log(rate), caps[max(min(math.ceil(bits), len(caps) - 1), 0)])
    sndr = bits * 20 * math.log10(2) + 10 * math.log10(1.5)
    e0, e1, e2, e3 = constants.survey_energy_fit
    return 1 / (2 * 10 ** ((foms - sndr) / 10)) * math.exp(e0 + e1 * math.log(node_nm) + e2 * math.log(bits) + e3)


def survey_adc_um2(bits: int, node_nm: float, rate: float, constants: AreaConstants) -> float:
    """Accelergy's survey fit: ln A = c0 + c1 ln F + c2 ln rate + c3 ln E, E from ``survey_adc_energy_pj``."""
    c0, c1, c2, c3 = constants.survey_area_fit
    energy = survey_adc_energy_pj(bits, node_nm, rate, constants)
    return math.exp(c0 + c1 * math.log(node_nm) + c2 * math.log(rate) + c3 * math.log(energy))


def adc_um2(model: str, bits: int, node_nm: float, rate: float, constants: AreaConstants) -> float:
    """um^2 of one ADC of ``bits`` at node F under ``model``; a resolution outside the model's range is a one-line
    error."""
    if model not in ADC_MODELS:
        raise SpinDCGANError(f"area.adc_model must be one of {ADC_MODELS}, got {model!r}")
    low, high = ADC_BITS[model]
    if not (isinstance(bits, int) and low <= bits <= high):
        others = [f"{m} ({ADC_BITS[m][0]}-{ADC_BITS[m][1]})" for m in ADC_MODELS if m != model]
        raise SpinDCGANError(f"the {model} ADC model covers {low}-{high} bits, got adc_bits {bits!r}: choose another "
                             f"area.adc_model (--adc-model): {', '.join(others)}")
    if model == "isaac":
        return isaac_adc_um2(bits, node_nm, constants)
    if model == "neurosim":
        return neurosim_adc_um2(bits, node_nm, constants)
    return survey_adc_um2(bits, node_nm, rate, constants)


def adc_band(model: str, bits: int, node_nm: float, rate: float, constants: AreaConstants) -> Band:
    """One ADC: ``model``'s area, and the lowest and highest over every model that covers ``bits``."""
    value = adc_um2(model, bits, node_nm, rate, constants)
    areas = [adc_um2(m, bits, node_nm, rate, constants) for m in ADC_MODELS
             if ADC_BITS[m][0] <= bits <= ADC_BITS[m][1]]
    return Band(min(areas), value, max(areas))


def dac_um2(bits: int, node_nm: float, constants: AreaConstants) -> float:
    """One row DAC of ``bits``: ISAAC's 1-bit DAC doubled per added bit, 0.166 x 2^(bits - 1) um^2 at 32 nm, the
    table MNSIM 2.0 derives from ISAAC (Hardware_Model/DAC.py: 1, 2, 3, 4, 6, 8 bits = 0.166 ... 21.248 um^2),
    scaled by (F / 32 nm)^2."""
    if not (isinstance(bits, int) and bits >= 1):
        raise SpinDCGANError(f"dac_bits must be an integer >= 1, got {bits!r}")
    return constants.isaac_dac_1bit_um2 * 2 ** (bits - 1) * node_scale(node_nm, constants)
