"""What one layer spends in one pass, per image: the counts, energies and latency of a crossbar layer under a
deconvolution mapping (forward and the transposed reads of the backward pass) and of an elementwise CMOS or
domain-wall layer. ``energy.ledger`` sums them over networks.

Per crossbar layer and pass, with ``L`` input vectors per image, ``R x C`` the crossbar matrix per
group, ``r x c`` its tiles and ``x_fs`` the DAC full scale (the largest |input| in the batch):

- reads   = L * arrays;  row activations = L * R;  MACs = L * R * C
- synapse read energy = sum over applied (input, device) pairs of (V_read * x / x_fs)^2 * G * t_read
- DAC conversions = L * R * c;  ADC conversions = L * C * r;  partial-sum adds = L * C * (r - 1)
- latency = L * K * (t_read + t_adc): the arrays of a layer work in parallel, input vectors in sequence, and the
  K columns that share an ADC (``array.adc_share``) one after another.

Mappings of a deconvolution: ``zero-padded`` (the paper: zero insertion + padding + convolution) and
``zero-free`` (``spindcgan.crossbar.zero_free``: each real pixel read once, CMOS overlap-add).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..crossbar.array import crossbar_matrix, tile_counts
from ..crossbar.circuit import wire_power
from ..crossbar.config import HardwareConfig
from ..crossbar.deconv import transposed_to_conv_weight, zero_pad_for_transpose
from ..crossbar.programming import device_conductances
from ..crossbar.zero_free import full_output_size, scatter_matrix
from ..nn import CrossbarLayerMixin, DomainWallLeakyReLU, DomainWallReLU, SpinConvTranspose2d
from .constants import PeripheralCosts

Mapping = Literal["zero-padded", "zero-free"]
Inputs = torch.Tensor | tuple[torch.Tensor, ...]
"""A network's input batch: one tensor, or a tuple of its arguments (a conditional generator's noise and labels)."""
MAPPINGS = ("zero-padded", "zero-free")
DEVICE_COMPONENTS = ("synapse_read", "synapse_write", "dw_activation")
PERIPHERAL_COMPONENTS = ("wire", "dac", "adc", "partial_sum_add", "cmos_elementwise", "cmos_weight_gradient")
"""Beyond the spintronic devices: the arrays' wires (0 for ideal arrays, ``HardwareConfig.array.wires``) and the
CMOS."""
COMPONENTS = DEVICE_COMPONENTS + PERIPHERAL_COMPONENTS


@dataclass
class PassCost:
    """Counts, energy (J) and latency (s) of one layer in one pass, per image."""

    layer: str
    kind: str
    direction: str = "forward"
    arrays: int = 0
    input_vectors: float = 0
    crossbar_reads: float = 0
    row_activations: float = 0
    zero_row_activations: float = 0
    """Row activations whose input is a structural zero (inserted between pixels, or border padding)."""
    macs: float = 0
    zero_macs: float = 0
    """MACs that contribute nothing: a structural-zero input (zero-padded mapping) or a product whose
    output falls in the cropped border (zero-free mapping; its column is not selected, so it draws no
    current and needs no conversion)."""
    dac_conversions: float = 0
    adc_conversions: float = 0
    partial_sum_adds: float = 0
    activation_evaluations: float = 0
    energy: dict[str, float] = field(default_factory=lambda: dict.fromkeys(COMPONENTS, 0.0))
    latency: float = 0.0

    @property
    def total_energy(self) -> float:
        return sum(self.energy.values())


# --- crossbar geometry of one layer under one mapping -------------------------------------------------

@dataclass
class CrossbarView:
    """A layer as crossbars: the matrix the arrays hold, per group, and how inputs reach it."""

    matrix_weight: torch.Tensor
    """[groups, R, C] weights (only for shapes) and conductance sums below."""
    row_conductance: torch.Tensor
    """[groups, R]: sum over the row's devices of G (both devices of a pair, or G + reference)."""
    col_conductance: torch.Tensor
    """[groups, C]: the same per column (for the transposed read)."""


def _conductance_matrices(layer: CrossbarLayerMixin, hardware: HardwareConfig) -> tuple[torch.Tensor, ...]:
    """(G+ + G-) per weight, in weight shape: the conductance a read voltage sees for each weight."""
    syn = hardware.synapse
    g_pos, g_neg = device_conductances(layer.held_states(), syn)
    if g_neg is None:  # offset scheme: the reference column at mid-scale carries current too
        g_neg = torch.full_like(g_pos, (syn.g_min + syn.g_max) / 2)
    return (g_pos + g_neg,)


def _mapped(layer: CrossbarLayerMixin, g: torch.Tensor, mapping: Mapping) -> torch.Tensor:
    """A weight-shaped tensor as the [groups, rows, cols] matrices the arrays hold under ``mapping``, in float64."""
    groups = layer.groups  # type: ignore[attr-defined]
    if isinstance(layer, SpinConvTranspose2d) and mapping == "zero-free":
        return scatter_matrix(g, groups).double()  # [g, C_in/g, C_out/g*k*k]
    conv_g = transposed_to_conv_weight(g, groups) if isinstance(layer, SpinConvTranspose2d) else g
    c_out_g = conv_g.shape[0] // groups
    return torch.stack([crossbar_matrix(conv_g[i * c_out_g : (i + 1) * c_out_g]) for i in range(groups)]).double()


def crossbar_view(layer: CrossbarLayerMixin, hardware: HardwareConfig, mapping: Mapping) -> CrossbarView:
    """Per-group crossbar matrix of conductance sums, for the layer and mapping."""
    (g_sum,) = _conductance_matrices(layer, hardware)
    mats = _mapped(layer, g_sum, mapping)
    return CrossbarView(mats, mats.sum(2), mats.sum(1))


def _wire_energy(layer: CrossbarLayerMixin, vectors: torch.Tensor, hardware: HardwareConfig, mapping: Mapping,
                 transposed: bool = False) -> float:
    """Per image: the energy the arrays' wires dissipate while the layer's input ``vectors`` ([N, groups, lines,
    L], on the driven lines; the columns in a ``transposed`` read) are applied, over its G+ and G- arrays
    (``crossbar.circuit.wire_power``). 0 for ideal wires. Under the zero-free mapping every column of an array is
    counted as read (an upper bound: that mapping reads only the columns whose outputs are kept)."""
    if hardware.array.wires.ideal:
        return 0.0
    syn = hardware.synapse
    full_scale = vectors.abs().max().double()
    if full_scale == 0:
        return 0.0
    n, groups, lines, length = vectors.shape
    volts = (vectors.double() / full_scale * syn.read_voltage).permute(1, 2, 0, 3).reshape(groups, lines, n * length)
    g_pos, g_neg = device_conductances(layer.held_states(), syn)
    power = sum(wire_power(_mapped(layer, g, mapping), volts, hardware, transposed) for g in (g_pos, g_neg))
    return power * syn.read_time / n


def _conv_patches(layer: nn.Module, x: torch.Tensor, mapping: Mapping) -> tuple[torch.Tensor, torch.Tensor]:
    """Input vectors [N, groups, R, L] as the arrays receive them, and the structural mask (1 = real input)."""
    groups = layer.groups
    if layer.kind == "linear":  # [N, ..., in]: one vector per position of the middle dimensions
        vectors = x.reshape(x.shape[0], -1, x.shape[-1]).transpose(1, 2).unsqueeze(1)
        return vectors, torch.ones_like(vectors[:1])
    ones = torch.ones_like(x[:1])
    if isinstance(layer, SpinConvTranspose2d):
        if mapping == "zero-free":
            n, c, h, w = x.shape
            return x.reshape(n, groups, c // groups, h * w), ones.reshape(1, groups, c // groups, h * w)
        op = layer.output_padding
        x = zero_pad_for_transpose(x, layer.kernel_size, layer.stride, layer.padding, op, layer.dilation)
        ones = zero_pad_for_transpose(ones, layer.kernel_size, layer.stride, layer.padding, op, layer.dilation)
        stride, padding = (1, 1), (0, 0)
    else:
        stride, padding = layer.stride, layer.padding
    unfold = lambda t: F.unfold(t, layer.kernel_size, layer.dilation, padding, stride)  # noqa: E731
    p, m = unfold(x), unfold(ones)
    return p.reshape(p.shape[0], groups, -1, p.shape[-1]), m.reshape(1, groups, -1, m.shape[-1])


def _tiles(view: CrossbarView, hardware: HardwareConfig) -> tuple[int, int, int, int]:
    groups, rows, cols = view.matrix_weight.shape
    r_tiles, c_tiles = tile_counts(rows, cols, hardware)
    return rows, cols, r_tiles, c_tiles


def _read_energy(vectors: torch.Tensor, conductance: torch.Tensor, hardware: HardwareConfig) -> float:
    """Per image: sum over applied inputs of (V * x / x_fs)^2 * (sum of G on that line) * t_read.

    vectors: [N, groups, lines, L] inputs on the driven lines; conductance: [groups, lines].
    """
    syn = hardware.synapse
    full_scale = vectors.abs().max().double()
    if full_scale == 0:
        return 0.0
    squared = (vectors.double() / full_scale).square().sum(-1).mean(0)  # [groups, lines], per image
    return float((squared * conductance).sum()) * syn.read_voltage**2 * syn.read_time


def crossbar_forward(layer: CrossbarLayerMixin, x: torch.Tensor, hardware: HardwareConfig, mapping: Mapping,
                     costs: PeripheralCosts, name: str = "") -> PassCost:
    """Forward-pass cost of one crossbar layer for the input batch ``x`` (per image)."""
    view = crossbar_view(layer, hardware, mapping)
    vectors, mask = _conv_patches(layer, x.detach(), mapping)
    groups = vectors.shape[1]
    rows, cols, r_tiles, c_tiles = _tiles(view, hardware)
    length = vectors.shape[-1]
    deconv = isinstance(layer, SpinConvTranspose2d)
    cost = PassCost(name, layer.kind, arrays=groups * r_tiles * c_tiles)
    cost.input_vectors = length * groups
    cost.crossbar_reads = length * cost.arrays
    cost.row_activations = length * rows * groups
    cost.zero_row_activations = cost.row_activations - float(mask.sum())
    cost.macs = cost.row_activations * cols
    cost.zero_macs = cost.zero_row_activations * cols
    cost.dac_conversions = cost.row_activations * c_tiles
    cost.adc_conversions = length * groups * cols * r_tiles
    cost.partial_sum_adds = length * groups * cols * (r_tiles - 1)
    cost.energy["synapse_read"] = _read_energy(vectors, view.row_conductance, hardware)
    cost.energy["wire"] = _wire_energy(layer, vectors, hardware, mapping)
    if deconv and mapping == "zero-free":
        kept = _kept_taps(layer, x.shape)  # [k, k, H, W]: 1 where a pixel's tap lands in the output
        products_per_column = float(kept.sum()) / (layer.kernel_size[0] * layer.kernel_size[1])
        cost.zero_macs = cost.macs * (1 - products_per_column / length)
        cost.adc_conversions = float(kept.sum()) * layer.out_channels * r_tiles
        cost.partial_sum_adds = cost.adc_conversions - float(kept.sum()) * layer.out_channels  # row-tile sums
        cost.partial_sum_adds += _overlap_adds(layer, x.shape)
        cost.energy["synapse_read"] = _zero_free_read_energy(layer, x.detach(), kept, hardware)
    _peripheral_energy(cost, costs)
    cost.latency = length * hardware.array.adc_share * (hardware.synapse.read_time + costs.adc_time)
    return cost


def _kept_taps(layer: SpinConvTranspose2d, shape: torch.Size) -> torch.Tensor:
    """[kh, kw, H, W]: 1 where input pixel (i, j) through tap (a, b) lands inside the cropped output."""
    _, _, h, w = shape
    valid = []
    for size, k, s, d, p, op in zip((h, w), layer.kernel_size, layer.stride, layer.dilation, layer.padding,
                                    layer.output_padding, strict=True):
        out = (size - 1) * s - 2 * p + d * (k - 1) + op + 1
        pos = torch.arange(size)[None, :] * s + torch.arange(k)[:, None] * d - p  # [k, size]
        valid.append(((pos >= 0) & (pos < out)).double())
    return valid[0][:, None, :, None] * valid[1][None, :, None, :]


def _zero_free_read_energy(layer: SpinConvTranspose2d, x: torch.Tensor, kept: torch.Tensor,
                           hardware: HardwareConfig) -> float:
    """Per image: (V x / x_fs)^2 * G * t over the (pixel, device) pairs whose output is kept."""
    (g_sum,) = _conductance_matrices(layer, hardware)  # [C_in, C_out/g, k, k]
    full_scale = x.abs().max().double()
    if full_scale == 0:
        return 0.0
    squared = (x.double() / full_scale).square().mean(0)  # [C_in, H, W] per image
    per_tap = g_sum.double().sum(1)  # [C_in, k, k]: each input row's conductance towards one tap
    syn = hardware.synapse
    return float(torch.einsum("cij,cab,abij->", squared, per_tap, kept)) * syn.read_voltage**2 * syn.read_time


def _overlap_adds(layer: SpinConvTranspose2d, shape: torch.Size) -> float:
    """CMOS adds of the zero-free col2im: contributions landing on a kept output beyond the first."""
    _, _, h, w = shape
    kh, kw = layer.kernel_size
    full = tuple(full_output_size(s, k, st, d) for s, k, st, d in
                 zip((h, w), (kh, kw), layer.stride, layer.dilation, strict=True))
    count = F.fold(torch.ones(1, kh * kw, h * w), full, (kh, kw), dilation=layer.dilation, stride=layer.stride)
    ph, pw = layer.padding
    kept = count[..., ph : full[0] - ph + layer.output_padding[0], pw : full[1] - pw + layer.output_padding[1]]
    return float((kept - 1).clamp(min=0).sum()) * layer.out_channels


def crossbar_backward(layer: CrossbarLayerMixin, forward: PassCost, grad_out: torch.Tensor,
                      hardware: HardwareConfig, mapping: Mapping, costs: PeripheralCosts,
                      input_gradient: bool = True) -> PassCost:
    """Backward cost per image, given the layer's forward cost: the transposed crossbar read for input
    gradients (when needed) and the CMOS weight-gradient MACs (one per non-zero forward MAC)."""
    cost = PassCost(forward.layer, forward.kind, "backward", arrays=forward.arrays)
    cost.energy["cmos_weight_gradient"] = (forward.macs - forward.zero_macs) * costs.mac_energy
    if not input_gradient:
        return cost
    view = crossbar_view(layer, hardware, mapping)
    rows, cols, r_tiles, c_tiles = _tiles(view, hardware)
    deltas = _column_inputs(layer, grad_out.detach(), mapping)  # [N, groups, C, L]
    length, groups = deltas.shape[-1], deltas.shape[1]
    cost.input_vectors = length * groups
    cost.crossbar_reads = length * cost.arrays
    cost.row_activations = length * groups * cols  # driven lines are the columns now
    cost.macs = forward.macs
    cost.zero_macs = forward.zero_macs
    cost.dac_conversions = length * groups * cols * r_tiles
    cost.adc_conversions = length * groups * rows * c_tiles
    cost.partial_sum_adds = length * groups * rows * (c_tiles - 1)
    cost.energy["synapse_read"] = _read_energy(deltas, view.col_conductance, hardware)
    cost.energy["wire"] = _wire_energy(layer, deltas, hardware, mapping, transposed=True)
    _peripheral_energy(cost, costs)
    cost.energy["cmos_weight_gradient"] = (forward.macs - forward.zero_macs) * costs.mac_energy
    cost.latency = length * hardware.array.adc_share * (hardware.synapse.read_time + costs.adc_time)
    return cost


def _column_inputs(layer: nn.Module, grad_out: torch.Tensor, mapping: Mapping) -> torch.Tensor:
    """Output gradients as the column inputs of the transposed read, [N, groups, C, L]."""
    groups = layer.groups
    if layer.kind == "linear":  # [N, ..., out]
        return grad_out.reshape(grad_out.shape[0], -1, grad_out.shape[-1]).transpose(1, 2).unsqueeze(1)
    n, c_out, h, w = grad_out.shape
    if isinstance(layer, SpinConvTranspose2d) and mapping == "zero-free":
        # each input pixel gathers the gradients of its k x k output window (im2col of the full canvas)
        ph, pw = layer.padding
        oph, opw = layer.output_padding
        canvas = F.pad(grad_out, (pw, pw - opw, ph, ph - oph))
        cols = F.unfold(canvas, layer.kernel_size, layer.dilation, 0, layer.stride)
        return cols.reshape(n, groups, -1, cols.shape[-1])
    return grad_out.reshape(n, groups, c_out // groups, h * w)


def _peripheral_energy(cost: PassCost, costs: PeripheralCosts) -> None:
    cost.energy["dac"] = cost.dac_conversions * costs.dac_energy
    cost.energy["adc"] = cost.adc_conversions * costs.adc_energy
    cost.energy["partial_sum_add"] = cost.partial_sum_adds * costs.add_energy


def elementwise_forward(module: nn.Module, out: torch.Tensor, costs: PeripheralCosts, name: str) -> PassCost | None:
    """DW activation devices and CMOS BatchNorm / Tanh: cost per image of one forward."""
    elements = out[0].numel()
    if isinstance(module, (DomainWallReLU, DomainWallLeakyReLU)):
        kind = "dw-relu" if isinstance(module, DomainWallReLU) else "dw-leaky-relu"
        cost = PassCost(name, kind, activation_evaluations=elements)
        cost.energy["dw_activation"] = elements * module.track.energy_per_evaluation
        cost.latency = elements / out.shape[1] * module.track.evaluation_time  # one device per channel
        return cost
    per_element = {nn.BatchNorm2d: costs.batchnorm_energy, nn.Tanh: costs.tanh_energy, nn.ReLU: costs.add_energy,
                   nn.LeakyReLU: costs.add_energy, nn.Sigmoid: costs.tanh_energy}.get(type(module))
    if per_element is None:
        return None
    cost = PassCost(name, "cmos-" + type(module).__name__.lower())
    cost.energy["cmos_elementwise"] = elements * per_element
    cost.latency = costs.cmos_op_time
    return cost


def elementwise_backward(forward: PassCost, costs: PeripheralCosts) -> PassCost:
    """Backward of an elementwise layer in CMOS: a derivative multiply per element (DW: a stored mask)."""
    elements = forward.activation_evaluations or forward.energy["cmos_elementwise"] / costs.tanh_energy
    if forward.kind.startswith("cmos-batchnorm"):
        elements = forward.energy["cmos_elementwise"] / costs.batchnorm_energy * 2  # two products per element
    cost = PassCost(forward.layer, forward.kind, "backward")
    cost.energy["cmos_elementwise"] = elements * costs.mac_energy
    cost.latency = costs.cmos_op_time
    return cost
