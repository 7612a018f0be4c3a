"""Transposed convolution as the paper's zero-padded convolution (reference.md section 4).

``ConvTranspose2d(C_in, C_out, k, stride s, padding p, output_padding op, dilation d)`` with weight
W[C_in, C_out/g, k, k] equals: insert s-1 zeros between input pixels, pad d(k-1)-p zeros top/left and
d(k-1)-p+op bottom/right (a negative pad crops), then a stride-1 convolution (dilation d) with the
flipped, transposed kernel W'[o, i, a, b] = W[i, o, k-1-a, k-1-b]. The result and its gradients are
the same; this form maps onto an ordinary crossbar.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def insert_zeros(x: torch.Tensor, stride: tuple[int, int]) -> torch.Tensor:
    """Put ``stride - 1`` zero rows/columns between neighbouring input pixels."""
    sh, sw = stride
    if sh == 1 and sw == 1:
        return x
    n, c, h, w = x.shape
    out = x.new_zeros(n, c, (h - 1) * sh + 1, (w - 1) * sw + 1)
    out[:, :, ::sh, ::sw] = x
    return out


def zero_pad_for_transpose(
    x: torch.Tensor,
    kernel_size: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    output_padding: tuple[int, int],
    dilation: tuple[int, int] = (1, 1),
) -> torch.Tensor:
    """Zero insertion and border padding: the crossbar input of a transposed convolution."""
    x = insert_zeros(x, stride)
    pads = []
    for dim in (1, 0):  # F.pad wants (left, right, top, bottom)
        edge = dilation[dim] * (kernel_size[dim] - 1) - padding[dim]
        pads += [edge, edge + output_padding[dim]]
    return F.pad(x, pads)


def transposed_to_conv_weight(weight: torch.Tensor, groups: int = 1) -> torch.Tensor:
    """W[C_in, C_out/g, k, k] of a transposed conv -> W'[C_out, C_in/g, k, k] of the equivalent conv."""
    c_in, c_out_g, kh, kw = weight.shape
    w = weight.reshape(groups, c_in // groups, c_out_g, kh, kw).transpose(1, 2)
    return w.reshape(groups * c_out_g, c_in // groups, kh, kw).flip(-1, -2)


def zero_padded_conv_transpose2d(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None = None,
    stride: tuple[int, int] = (1, 1),
    padding: tuple[int, int] = (0, 0),
    output_padding: tuple[int, int] = (0, 0),
    groups: int = 1,
    dilation: tuple[int, int] = (1, 1),
) -> torch.Tensor:
    """``F.conv_transpose2d`` computed the paper's way (zero insertion + padding + conv)."""
    kernel = tuple(weight.shape[-2:])
    padded = zero_pad_for_transpose(x, kernel, stride, padding, output_padding, dilation)
    return F.conv2d(padded, transposed_to_conv_weight(weight, groups), bias, 1, 0, dilation, groups)
