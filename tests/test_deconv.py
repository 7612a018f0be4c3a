"""The paper's zero-padded convolution equals ConvTranspose2d, forward and backward."""

import itertools

import pytest
import torch
import torch.nn as nn

from spindcgan import HardwareConfig
from spindcgan.crossbar import zero_padded_conv_transpose2d
from spindcgan.crossbar.config import ArrayConfig
from spindcgan.nn import SpinConvTranspose2d


def _cases():
    """Valid (stride, kernel, padding, output_padding, dilation, groups, size, bias) combinations."""
    cases = []
    for stride, kernel in itertools.product((1, 2, 3), (1, 2, 3, 4, 5)):
        for padding in sorted({0, kernel // 2, kernel - 1}):
            for output_padding in range(stride):  # output_padding < stride (dilation 1)
                size = 3 + (stride + kernel + padding) % 3  # odd and even input sizes
                if (size - 1) * stride - 2 * padding + kernel + output_padding < 1:
                    continue  # no output: not a valid ConvTranspose2d configuration
                bias = (stride + kernel) % 2 == 0
                cases.append((stride, kernel, padding, output_padding, 1, 1, size, bias))
    cases += [(2, 3, 1, 1, 2, 1, 5, True), (2, 4, 1, 0, 1, 2, 4, True), (3, 3, 2, 2, 1, 3, 5, False)]
    return cases


CASES = _cases()


@pytest.mark.parametrize("stride,kernel,padding,output_padding,dilation,groups,size,bias", CASES)
def test_zero_padded_form_matches_conv_transpose(stride, kernel, padding, output_padding, dilation, groups, size, bias):
    torch.manual_seed(stride * 100 + kernel * 10 + padding)
    c_in, c_out = 3 * groups, 2 * groups
    ref = nn.ConvTranspose2d(c_in, c_out, kernel, stride, padding, output_padding, groups, bias, dilation).double()
    x = torch.randn(2, c_in, size, size + 1, dtype=torch.float64, requires_grad=True)
    x2 = x.detach().clone().requires_grad_(True)
    w2 = ref.weight.detach().clone().requires_grad_(True)
    b2 = ref.bias.detach().clone().requires_grad_(True) if bias else None

    y_ref = ref(x)
    y = zero_padded_conv_transpose2d(
        x2, w2, b2, (stride, stride), (padding, padding), (output_padding, output_padding), groups, (dilation, dilation)
    )
    assert y.shape == y_ref.shape
    torch.testing.assert_close(y, y_ref, atol=1e-12, rtol=1e-10)

    upstream = torch.randn_like(y_ref)
    (y_ref * upstream).sum().backward()
    (y * upstream).sum().backward()
    torch.testing.assert_close(x2.grad, x.grad, atol=1e-12, rtol=1e-10)
    torch.testing.assert_close(w2.grad, ref.weight.grad, atol=1e-12, rtol=1e-10)
    if bias:
        torch.testing.assert_close(b2.grad, ref.bias.grad, atol=1e-12, rtol=1e-10)


@pytest.mark.parametrize("stride,kernel,padding,output_padding,dilation,groups,size,bias", CASES[::4])
def test_layer_crossbar_path_matches_conv_transpose(
    stride, kernel, padding, output_padding, dilation, groups, size, bias
):
    """Float weights through the tiled crossbar path (small arrays, so several tiles) == ConvTranspose2d."""
    torch.manual_seed(0)
    args = (3 * groups, 5 * groups, kernel, stride, padding, output_padding, groups, bias, dilation)
    ref = nn.ConvTranspose2d(*args)
    hw = HardwareConfig(synapse=None, array=ArrayConfig(rows=4, cols=3, path="crossbar"))
    layer = SpinConvTranspose2d(*args, hardware=hw)
    layer.load_state_dict(ref.state_dict())
    x = torch.randn(2, 3 * groups, size, size, requires_grad=True)
    x2 = x.detach().clone().requires_grad_(True)
    torch.testing.assert_close(layer(x2), ref(x), atol=1e-5, rtol=1e-5)
    ref(x).square().sum().backward()
    layer(x2).square().sum().backward()
    torch.testing.assert_close(x2.grad, x.grad, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(layer.weight.grad, ref.weight.grad, atol=1e-4, rtol=1e-4)


def test_float_layer_equals_conv_transpose_and_state_dict_round_trips():
    torch.manual_seed(1)
    ref = nn.ConvTranspose2d(4, 6, 4, 2, 1)
    layer = SpinConvTranspose2d(4, 6, 4, 2, 1, hardware=None)
    layer.load_state_dict(ref.state_dict())
    x = torch.randn(3, 4, 7, 7)
    torch.testing.assert_close(layer(x), ref(x))
    assert layer(x, output_size=[15, 15]).shape == ref(x, output_size=[15, 15]).shape
    torch.testing.assert_close(layer(x, output_size=[15, 15]), ref(x, output_size=[15, 15]))
    assert layer.weight.shape == ref.weight.shape and layer.bias.shape == ref.bias.shape

    hw_layer = SpinConvTranspose2d(4, 6, 4, 2, 1, hardware=HardwareConfig())
    hw_layer.load_state_dict(layer.state_dict())
    for key, value in layer.state_dict().items():
        assert torch.equal(hw_layer.state_dict()[key], value)
