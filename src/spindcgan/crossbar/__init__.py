"""Crossbar mapping: weights -> skyrmion device states in tiled arrays, and their simulation."""

from .array import crossbar_conv2d, crossbar_matmul, crossbar_matrix, tile_counts
from .config import HardwareConfig
from .deconv import transposed_to_conv_weight, zero_pad_for_transpose, zero_padded_conv_transpose2d
from .programming import program, quantised_weight
from .states import ProgrammedWeights

__all__ = [
    "HardwareConfig",
    "ProgrammedWeights",
    "crossbar_conv2d",
    "crossbar_matmul",
    "crossbar_matrix",
    "program",
    "quantised_weight",
    "tile_counts",
    "transposed_to_conv_weight",
    "zero_pad_for_transpose",
    "zero_padded_conv_transpose2d",
]
