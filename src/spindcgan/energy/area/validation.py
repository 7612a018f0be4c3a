"""Published chips rebuilt with the area model, configured as they were built: the checks of tests/test_area.py and
the validation table of docs/area.md."""

from __future__ import annotations

from .config import AreaConfig
from .parts import LayerArea, crossbar_layer_area

ISAAC_IMA_UM2 = 10_250.0
"""ISAAC's in-situ multiply-accumulate unit at 32 nm (Shafiee et al., ISCA 2016, Table 2; reference.md 11)."""
ISAAC_ADC_SHARE = 0.94
"""The ADCs' share of it, as ISAAC reports (reference.md 11)."""
NEURRAM_ARRAY_UM2 = 0.139e6
"""NeuRRAM's 256 x 256 1T1R array at 130 nm (Wan et al., Nature 2022; reference.md 11)."""


def isaac_ima() -> LayerArea:
    """ISAAC's IMA at 32 nm: 8 arrays of 128 x 128 (one 128 x 1,024 matrix), one 8-bit ADC per array (K = 128),
    1-bit DACs on every row, a sample-and-hold per column, one shift-and-add unit per 2 ADCs, no differential pairs
    and no reference column (ISAAC removes its weight bias digitally), its own memristor cell."""
    config = AreaConfig(node_nm=32.0, cell="isaac", device_footprint=False, adc_model="isaac",
                        adcs_per_shift_add=2, offset_reference_columns=0)
    return crossbar_layer_area(128, 1024, array_rows=128, array_cols=128, signed_scheme="offset", adc_bits=8,
                               dac_bits=1, adc_share=128, config=config, name="ISAAC IMA", kind="isaac")


def neurram_array() -> LayerArea:
    """NeuRRAM's core array at 130 nm: 256 x 256 cells of its 125.74 F^2 1T1R cell (the cells part is the figure
    to compare; its periphery is other circuits than ISAAC's and is not part of the published figure)."""
    config = AreaConfig(node_nm=130.0, cell="1t1r-neurram", device_footprint=False, offset_reference_columns=0)
    return crossbar_layer_area(256, 256, array_rows=256, array_cols=256, signed_scheme="offset", adc_bits=8,
                               dac_bits=1, config=config, name="NeuRRAM array", kind="neurram")
