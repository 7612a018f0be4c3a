"""``SpinLinear``: a matrix-vector product on skyrmion-synapse crossbars.

A linear layer is the crossbar's own operation: the input vector drives the rows, each output is a column
current. It is a 1x1 convolution over a 1x1 image, so it shares every piece of the convolutions' hardware model
(programming, variation, read noise, DAC / ADC, straight-through gradient) through ``CrossbarLayerMixin`` and
``crossbar_conv2d``: one code path.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..crossbar.array import crossbar_conv2d
from ..crossbar.config import HardwareConfig
from .conv import CrossbarLayerMixin


class SpinLinear(CrossbarLayerMixin, nn.Linear):
    """``nn.Linear`` on crossbars: same constructor, ``weight``, ``bias`` and ``state_dict``; one more keyword,
    ``hardware`` (None: the float layer). Inputs of any shape ``[..., in_features]``, as ``nn.Linear``."""

    kind = "linear"
    groups = 1  # one crossbar matrix, as a convolution with groups=1

    def crossbar_shape(self) -> tuple[int, int, int]:
        return 1, self.in_features, self.out_features

    def __init__(self, *args, hardware: HardwareConfig | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._init_hardware(hardware)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weight = self.effective_weight()
        if self.hardware is None or not self.hardware.needs_crossbar_path:
            return F.linear(x, weight, self.bias)
        rows = x.reshape(-1, self.in_features, 1, 1)
        std = self._cell_read_std()
        out = crossbar_conv2d(rows, weight[:, :, None, None], self.bias, (1, 1), (0, 0), (1, 1), 1, self.hardware,
                              None if std is None else std[:, :, None, None])
        return out.reshape(*x.shape[:-1], self.out_features)
