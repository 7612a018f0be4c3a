"""Tile-by-tile crossbar simulation: the reference path.

A convolution with weight W[C_out, C_in/g, kh, kw] is a matrix of C_in/g*kh*kw rows (inputs) by C_out/g
columns per group. It is cut into arrays of ``array.rows x array.cols``; each input patch is driven onto
the rows of every array (through the DAC), each array's columns are read (with read noise, through
the ADC), and CMOS adds the partial sums of the row tiles.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .config import HardwareConfig


def crossbar_matrix(weight: torch.Tensor) -> torch.Tensor:
    """Conv weight [C_out, C_in, kh, kw] -> crossbar matrix [C_in*kh*kw rows, C_out columns]."""
    return weight.reshape(weight.shape[0], -1).t()


def tile_counts(rows: int, cols: int, hardware: HardwareConfig) -> tuple[int, int]:
    """Number of row tiles and column tiles a rows x cols matrix needs."""
    return math.ceil(rows / hardware.array.rows), math.ceil(cols / hardware.array.cols)


def uniform_quantise(x: torch.Tensor, bits: int, full_scale: torch.Tensor) -> torch.Tensor:
    """Signed mid-tread quantiser over [-full_scale, full_scale] (straight-through gradient)."""
    steps = 2 ** (bits - 1) - 1
    step = torch.where(full_scale > 0, full_scale, torch.ones_like(full_scale)) / max(steps, 1)
    q = torch.round(x.detach() / step).clamp(-steps, steps) * step
    return q + (x - x.detach())  # exactly q forward, identity backward


def crossbar_matmul(
    inputs: torch.Tensor,
    matrix: torch.Tensor,
    hardware: HardwareConfig,
    cell_read_std: torch.Tensor | None = None,
) -> torch.Tensor:
    """``inputs @ matrix`` computed array by array.

    inputs: [M, rows] input vectors (one per output pixel); matrix: [rows, cols] effective weights.
    cell_read_std: [rows, cols] std of each cell's read contribution per unit input (weight units);
    with it, each array's column sum gets Gaussian noise of std sqrt(sum_i (x_i * std_ij)^2).
    """
    rows, cols = matrix.shape
    r_step, c_step = hardware.array.rows, hardware.array.cols
    outputs = []
    for c0 in range(0, cols, c_step):
        total = None
        for r0 in range(0, rows, r_step):
            x = inputs[:, r0 : r0 + r_step]
            partial = x @ matrix[r0 : r0 + r_step, c0 : c0 + c_step]
            if cell_read_std is not None:
                var = (x * x) @ cell_read_std[r0 : r0 + r_step, c0 : c0 + c_step].square()
                partial = partial + torch.randn_like(partial) * var.sqrt()
            if hardware.array.adc_bits is not None:
                partial = uniform_quantise(partial, hardware.array.adc_bits, partial.detach().abs().amax())
            total = partial if total is None else total + partial
        outputs.append(total)
    return torch.cat(outputs, dim=1)


def crossbar_conv2d(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int],
    groups: int,
    hardware: HardwareConfig,
    cell_read_std: torch.Tensor | None = None,
) -> torch.Tensor:
    """A convolution evaluated on simulated crossbar arrays (unfold, per-array matmuls, fold back)."""
    n, _, h, w = x.shape
    c_out, c_in_g, kh, kw = weight.shape
    if hardware.array.dac_bits is not None:
        x = uniform_quantise(x, hardware.array.dac_bits, x.detach().abs().amax())
    h_out = (h + 2 * padding[0] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    w_out = (w + 2 * padding[1] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    patches = F.unfold(x, (kh, kw), dilation=dilation, padding=padding, stride=stride)  # [N, C_in*k*k, L]
    c_out_g = c_out // groups
    rows_g = c_in_g * kh * kw
    results = []
    for g in range(groups):
        inputs = patches[:, g * rows_g : (g + 1) * rows_g].transpose(1, 2).reshape(-1, rows_g)
        w_g = weight[g * c_out_g : (g + 1) * c_out_g]
        std_g = None if cell_read_std is None else crossbar_matrix(cell_read_std[g * c_out_g : (g + 1) * c_out_g])
        results.append(crossbar_matmul(inputs, crossbar_matrix(w_g), hardware, std_g))
    out = torch.cat(results, dim=1).reshape(n, h_out * w_out, c_out).transpose(1, 2)
    out = out.reshape(n, c_out, h_out, w_out)
    return out if bias is None else out + bias.view(1, -1, 1, 1)
