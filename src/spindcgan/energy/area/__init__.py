"""Chip area of the modelled hardware, per crossbar layer and per chip, on the mapping the ledger already has
(docs/area.md): synapse cells, row DACs, sample-and-hold, ADCs (a value and a band over three models), shift-and-add
units, DW activation devices and their read circuits, the activation buffer, and a separate floorplan factor.

Every number lives in ``AreaConstants`` with its source and node; the choices in ``AreaConfig``.
"""

from .adc import ADC_BITS, Band, adc_band, adc_um2, dac_um2
from .config import ADC_MODELS, AreaConfig
from .constants import CELLS, AreaConstants
from .model import format_area, model_area
from .parts import PARTS, ChipArea, LayerArea, buffer_um2, cell_um2, chip_area, crossbar_layer_area, dw_activation_area

__all__ = ["ADC_BITS", "ADC_MODELS", "CELLS", "PARTS", "AreaConfig", "AreaConstants", "Band", "ChipArea", "LayerArea",
           "adc_band", "adc_um2", "buffer_um2", "cell_um2", "chip_area", "crossbar_layer_area", "dac_um2",
           "dw_activation_area", "format_area", "model_area"]
