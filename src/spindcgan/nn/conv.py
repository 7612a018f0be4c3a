"""Drop-in crossbar layers: ``SpinConv2d`` and ``SpinConvTranspose2d``.

They subclass ``torch.nn.Conv2d`` / ``ConvTranspose2d``: same constructor arguments, same ``weight`` and
``bias`` (the full-precision shadow weights Adam trains), same ``state_dict``; one more keyword,
``hardware``. With ``hardware=None`` they are the float layers. With a ``HardwareConfig`` each forward
programs the weights into skyrmion device states and computes with the resulting conductances:

- fast path: quantised (and varied) weights, then one fused torch convolution; a transposed
  convolution uses ``F.conv_transpose2d``, which gives exactly the zero-padded convolution's result
  without multiplying the inserted zeros;
- crossbar path: the paper's dataflow, explicitly: zero insertion and padding for a deconvolution,
  then per-array matmuls with DAC, read noise and ADC (``spindcgan.crossbar.array``).
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..crossbar.array import crossbar_conv2d
from ..crossbar.circuit import full_input_losses, through_wires
from ..crossbar.config import HardwareConfig
from ..crossbar.deconv import transposed_to_conv_weight, zero_pad_for_transpose
from ..crossbar.faults import held_states
from ..crossbar.programming import (
    ProgrammedWeights,
    device_conductances,
    layer_scale,
    program,
    quantised_weight,
)
from ..seeds import stream_seed


class CrossbarLayerMixin:
    """What a conv layer needs to live on crossbars: programming, variation, read noise."""

    weight: torch.Tensor
    hardware: HardwareConfig | None
    variation_seed: int
    kind: str
    """What the layer computes on its crossbars: "conv", "deconv" or "linear" (the ledger's and the report's
    name)."""

    def crossbar_shape(self) -> tuple[int, int, int]:
        """(groups, rows, columns): its crossbar matrix per group, inputs of one dot product by outputs."""
        groups = self.groups  # type: ignore[attr-defined]
        kh, kw = self.kernel_size  # type: ignore[attr-defined]
        return groups, self.in_channels // groups * kh * kw, self.out_channels // groups  # type: ignore[attr-defined]

    def _init_hardware(self, hardware: HardwareConfig | None) -> None:
        self.hardware = hardware
        self.variation_seed = 0  # models give every layer its own, so variation patterns differ
        self._c2c_eval: torch.Tensor | None = None
        self._wired_eval: tuple[tuple | None, torch.Tensor | None] = (None, None)

    def train(self, mode: bool = True):  # noqa: D102 - a new c2c draw after training changes weights
        self._c2c_eval = None
        self._wired_eval = (None, None)
        return super().train(mode)  # type: ignore[misc]

    def _variation(self) -> torch.Tensor | None:
        """Relative conductance deviation of each device, shape (2, *weight.shape), or None."""
        hw = self.hardware
        if hw is None or (hw.variation.d2d == 0 and hw.variation.c2c == 0):
            return None
        shape = (2, *self.weight.shape)
        variation = torch.zeros(shape, device=self.weight.device)
        if hw.variation.d2d > 0:  # fixed per device: drawn from the seed, never from the global RNG
            gen = torch.Generator().manual_seed(stream_seed(hw.seed, self.variation_seed))
            variation += hw.variation.d2d * torch.randn(shape, generator=gen).to(self.weight.device)
        if hw.variation.c2c > 0:  # a new draw each programming: every training step, once for inference
            if self.training or self._c2c_eval is None:
                draw = hw.variation.c2c * torch.randn(shape, device=self.weight.device)
                self._c2c_eval = None if self.training else draw
            else:
                draw = self._c2c_eval
            variation = (1 + variation) * (1 + draw) - 1
        return variation

    def effective_weight(self) -> torch.Tensor:
        """The weight the crossbar computes with (straight-through gradient to ``self.weight``)."""
        if self.hardware is None or self.hardware.synapse is None:
            return self.weight
        if not self.hardware.array.wires.ideal:
            return self._wired_weight()
        return quantised_weight(self.weight, self.hardware, self._variation(), self.variation_seed, self.training)

    def conv_layout(self, t: torch.Tensor) -> torch.Tensor:
        """A weight-shaped tensor in the layout of the convolution the crossbars compute ([C_out, C_in/g, kh, kw])."""
        return t

    def crossbar_matrices(self, t: torch.Tensor) -> torch.Tensor:
        """A weight-shaped tensor (weights, conductances) as the layer's crossbar matrices [groups, rows, columns]:
        row i of group g's matrix is the i-th input of its dot products, column j its j-th output."""
        groups, rows, cols = self.crossbar_shape()
        return self.conv_layout(t).reshape(groups, cols, rows).transpose(1, 2)

    def _through_wires(self, g: torch.Tensor) -> torch.Tensor:
        """Device conductances (weight-shaped) as the column currents see them through the arrays' wires."""
        wired = through_wires(self.crossbar_matrices(g), self.hardware).reshape(-1)
        return torch.empty_like(wired).index_put_((self._matrix_positions(g),), wired).reshape(g.shape)

    def _matrix_positions(self, g: torch.Tensor) -> torch.Tensor:
        """Where each entry of ``crossbar_matrices`` sits in the weight (flat indices): made once a weight shape,
        not at every forward."""
        cached = getattr(self, "_positions", None)
        if cached is None or cached.numel() != g.numel() or cached.device != g.device:
            cached = self.crossbar_matrices(torch.arange(g.numel(), device=g.device).reshape(g.shape)).reshape(-1)
            self._positions = cached
        return cached

    def full_input_losses(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The worst case of the IR drop on this layer's held states: every row at full input, the share of each
        column's ideal current its wires take, in its G+ arrays and its G- arrays ([arrays, array.cols] each)."""
        g_pos, g_neg = device_conductances(self.held_states(), self.hardware.synapse, self._variation())
        return tuple(full_input_losses(self.crossbar_matrices(g.detach()), self.hardware) for g in (g_pos, g_neg))

    def _wired_weight(self) -> torch.Tensor:
        """``effective_weight`` with wires: the held states' conductances, each array solved with its wires
        (``crossbar.circuit.through_wires``), back to weights; a straight-through (ideal) gradient, as CrossSim and
        aihwkit take the backward pass. The exact solve is kept while the layer is evaluated and unchanged."""
        hw, weight = self.hardware, self.weight
        key = (weight._version, weight.data_ptr(), self.training, id(hw))
        if hw.array.wire_solver == "exact" and not self.training and self._wired_eval[0] == key:
            return self._wired_eval[1] + (weight - weight.detach())
        wired = quantised_weight(weight, hw, self._variation(), self.variation_seed, self.training, self._through_wires)
        self._wired_eval = (key, wired.detach())
        return wired

    def program(self) -> ProgrammedWeights:
        """Integer device states and scale of this layer (needs a hardware config with a synapse)."""
        if self.hardware is None or self.hardware.synapse is None:
            raise ValueError("this layer has no synapse model (hardware is None or hardware.synapse is None)")
        return program(self.weight, self.hardware)

    def held_states(self) -> ProgrammedWeights:
        """The states the array holds for this layer's weights at evaluation: ``program()`` after the hardware's
        faults (stuck devices, write errors, retention loss; ``crossbar.faults``), what reads draw current from."""
        return held_states(self.program(), self.hardware, self.variation_seed)

    def _cell_read_std(self) -> torch.Tensor | None:
        """Std of each weight's read contribution per unit input (weight shape), for read noise."""
        hw = self.hardware
        if hw is None or hw.variation.read_noise == 0 or hw.synapse is None:
            return None
        syn = hw.synapse
        g_pos, g_neg = device_conductances(self.held_states(), syn, self._variation())
        cells = g_pos.square() if g_neg is None else g_pos.square() + g_neg.square()
        factor = 2.0 if g_neg is None else 1.0
        return hw.variation.read_noise * factor * layer_scale(self.weight) / (syn.g_max - syn.g_min) * cells.sqrt()



def crossbar_layers(model: nn.Module) -> list[tuple[str, CrossbarLayerMixin]]:
    """The layers of a model that live on crossbars, by name, in module order."""
    return [(name, m) for name, m in model.named_modules() if isinstance(m, CrossbarLayerMixin)]


def wire_losses(model: nn.Module) -> list[dict[str, float | int | str]]:
    """Per crossbar layer of ``model`` with wires: its arrays and the worst and mean share of a column's ideal
    current that the wires take with every row at full input (``CrossbarLayerMixin.full_input_losses``), over its
    G+ and G- arrays (``arrays`` counts both) and the columns that hold devices."""
    rows = []
    for name, layer in crossbar_layers(model):
        if layer.hardware is None or layer.hardware.synapse is None or layer.hardware.array.wires.ideal:
            continue
        with torch.no_grad():
            per_sign = layer.full_input_losses()
        losses = torch.cat([loss.flatten() for loss in per_sign])
        used = losses[losses != 0] if bool((losses != 0).any()) else torch.zeros(1)
        rows.append({"layer": name, "kind": layer.kind, "arrays": 2 * len(per_sign[0]), "worst": float(used.max()),
                     "mean": float(used.mean())})
    return rows


class SpinConv2d(CrossbarLayerMixin, nn.Conv2d):
    """``nn.Conv2d`` on skyrmion-synapse crossbars (discriminator convolutions)."""

    kind = "conv"

    def __init__(self, *args, hardware: HardwareConfig | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._init_hardware(hardware)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weight = self.effective_weight()
        if self.hardware is None or not self.hardware.needs_crossbar_path:
            return self._conv_forward(x, weight, self.bias)
        mode = "constant" if self.padding_mode == "zeros" else self.padding_mode
        x = F.pad(x, self._reversed_padding_repeated_twice, mode=mode)
        return crossbar_conv2d(
            x, weight, self.bias, self.stride, (0, 0), self.dilation, self.groups, self.hardware,
            self._cell_read_std(),
        )


class SpinConvTranspose2d(CrossbarLayerMixin, nn.ConvTranspose2d):
    """``nn.ConvTranspose2d`` on crossbars, as the paper's zero-padded convolution (generator)."""

    kind = "deconv"

    def __init__(self, *args, hardware: HardwareConfig | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._init_hardware(hardware)

    def conv_layout(self, t: torch.Tensor) -> torch.Tensor:
        return transposed_to_conv_weight(t, self.groups)

    def forward(self, x: torch.Tensor, output_size: list[int] | None = None) -> torch.Tensor:
        output_padding = self._output_padding(
            x, output_size, self.stride, self.padding, self.kernel_size, 2, self.dilation
        )
        weight = self.effective_weight()
        if self.hardware is None or not self.hardware.needs_crossbar_path:
            return F.conv_transpose2d(
                x, weight, self.bias, self.stride, self.padding, output_padding, self.groups, self.dilation
            )
        padded = zero_pad_for_transpose(
            x, self.kernel_size, self.stride, self.padding, tuple(output_padding), self.dilation
        )
        std = self._cell_read_std()
        return crossbar_conv2d(
            padded,
            transposed_to_conv_weight(weight, self.groups),
            self.bias,
            (1, 1),
            (0, 0),
            self.dilation,
            self.groups,
            self.hardware,
            None if std is None else transposed_to_conv_weight(std, self.groups),
        )
