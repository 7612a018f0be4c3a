"""Zero-free mapping of a transposed convolution (input-stationary scatter, "sub-pixel" dataflow).

Instead of inserting zeros and sliding a window (the paper's zero-padded convolution), each real input
pixel drives the C_in rows of a crossbar of C_in x (C_out * k * k) once; its columns are the pixel's
contributions to a k x k output window, which CMOS overlap-adds (col2im), then the ``padding`` border
is cropped. No inserted or border zero is ever applied: MACs = H_in * W_in * C_in * C_out * k^2 / groups.
Grouping the same products by output phase gives the sub-pixel (phase) decomposition of LerGAN, RED
and GANAX; the arithmetic and the result are the same as ``F.conv_transpose2d``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def full_output_size(size: int, kernel: int, stride: int, dilation: int) -> int:
    """Output length before cropping ``padding`` (and before ``output_padding``)."""
    return (size - 1) * stride + dilation * (kernel - 1) + 1


def scatter_matrix(weight: torch.Tensor, groups: int = 1) -> torch.Tensor:
    """W[C_in, C_out/g, k, k] -> per-group crossbar matrices [g, C_in/g rows, C_out/g*k*k columns]."""
    c_in, c_out_g, kh, kw = weight.shape
    return weight.reshape(groups, c_in // groups, c_out_g * kh * kw)


def zero_free_conv_transpose2d(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None = None,
    stride: tuple[int, int] = (1, 1),
    padding: tuple[int, int] = (0, 0),
    output_padding: tuple[int, int] = (0, 0),
    groups: int = 1,
    dilation: tuple[int, int] = (1, 1),
) -> torch.Tensor:
    """``F.conv_transpose2d`` computed the zero-free way (per-pixel crossbar reads, CMOS overlap-add)."""
    n, c_in, h, w = x.shape
    _, c_out_g, kh, kw = weight.shape
    full = (full_output_size(h, kh, stride[0], dilation[0]), full_output_size(w, kw, stride[1], dilation[1]))
    pixels = x.reshape(n, groups, c_in // groups, h * w)
    contributions = torch.einsum("ngil,gio->ngol", pixels, scatter_matrix(weight, groups))
    contributions = contributions.reshape(n, groups * c_out_g * kh * kw, h * w)
    canvas = F.fold(contributions, full, (kh, kw), dilation=dilation, stride=stride)
    h_out = full[0] - 2 * padding[0] + output_padding[0]
    w_out = full[1] - 2 * padding[1] + output_padding[1]
    # crop the padding border; output_padding may reach one row/column past the canvas (zeros there)
    canvas = F.pad(canvas, (0, max(0, padding[1] + w_out - full[1]), 0, max(0, padding[0] + h_out - full[0])))
    out = canvas[:, :, padding[0] : padding[0] + h_out, padding[1] : padding[1] + w_out]
    return out if bias is None else out + bias.view(1, -1, 1, 1)
