"""DCGAN generator and discriminator on the modelled hardware.

As in the paper: generator deconvolutions and discriminator convolutions on skyrmion crossbars,
DW ReLU (generator) and DW Leaky ReLU (discriminator) activations; BatchNorm, Tanh and the final
Sigmoid in CMOS (float). With ``d_norm="spectral"`` the discriminator has no BatchNorm; its weights are
divided by their largest singular value instead (one power iteration per training forward, in CMOS; ``nn.spectral``).
The discriminator returns logits; the Sigmoid sits inside the BCE loss (``BCEWithLogits``, the same
function, numerically stable). ``hardware=None`` gives the float baseline of the same network.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from ..crossbar.config import HardwareConfig
from ..nn import (
    CrossbarLayerMixin,
    DeviceSpread,
    DomainWallLeakyReLU,
    DomainWallReLU,
    SpinConv2d,
    SpinConvTranspose2d,
    crossbar_layers,
    spectral_normalise,
)
from .config import ModelConfig


def relu(hardware: HardwareConfig | None) -> nn.Module:
    """The generator's activation: a DW ReLU on hardware with one, else CMOS ReLU."""
    return DomainWallReLU(hardware.activations.relu, hardware) if hardware and hardware.activations.relu else nn.ReLU()


def leaky_relu(hardware: HardwareConfig | None, slope: float) -> nn.Module:
    """The discriminator's activation: a DW Leaky ReLU on hardware with one, else CMOS."""
    if hardware and hardware.activations.leaky_relu:
        return DomainWallLeakyReLU(slope, hardware.activations.leaky_relu, hardware)
    return nn.LeakyReLU(slope)


def dcgan_init(module: nn.Module) -> None:
    """DCGAN initialisation (Radford et al. 2016): conv N(0, 0.02); BatchNorm N(1, 0.02), bias 0."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def _number_crossbar_layers(model: nn.Module, offset: int) -> None:
    """Give each crossbar layer, and each DW activation, its own variation seed, so device patterns differ between
    layers (the crossbar layers' numbering is that of every run so far)."""
    for index, layer in enumerate(m for m in model.modules() if isinstance(m, CrossbarLayerMixin)):
        layer.variation_seed = offset + index
    for index, activation in enumerate(m for m in model.modules() if isinstance(m, DeviceSpread)):
        activation.variation_seed = offset + 500 + index


class Generator(nn.Module):
    """z [N, z_dim] (or [N, z_dim, 1, 1]) -> images [N, channels, size, size] in [-1, 1]."""

    def __init__(self, config: ModelConfig, hardware: HardwareConfig | None = None) -> None:
        super().__init__()
        self.config, self.hardware = config, hardware
        widths = (config.z_dim, *config.g_channels)
        layers: list[nn.Module] = []
        for i, (c_in, c_out) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
            kernel, stride, pad = (config.start_size, 1, 0) if i == 0 else (4, 2, 1)
            layers += [
                SpinConvTranspose2d(c_in, c_out, kernel, stride, pad, bias=False, hardware=hardware),
                nn.BatchNorm2d(c_out),
                relu(hardware),
            ]
        layers += [
            SpinConvTranspose2d(widths[-1], config.channels, 4, 2, 1, bias=False, hardware=hardware),
            nn.Tanh(),
        ]
        self.main = nn.Sequential(*layers)
        self.apply(dcgan_init)
        _number_crossbar_layers(self, 0)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.main(z.reshape(z.shape[0], -1, 1, 1))


class Discriminator(nn.Module):
    """images -> one logit per image (Sigmoid in the loss)."""

    def __init__(self, config: ModelConfig, hardware: HardwareConfig | None = None) -> None:
        super().__init__()
        if hardware is not None and not hardware.discriminator_on_hardware:
            hardware = None  # a float discriminator beside the hardware generator (HardwareConfig docstring)
        self.config, self.hardware = config, hardware
        widths = (config.channels, *config.d_channels)
        layers: list[nn.Module] = []
        for i, (c_in, c_out) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
            layers.append(SpinConv2d(c_in, c_out, 4, 2, 1, bias=False, hardware=hardware))
            if i > 0 and config.d_norm == "batch":  # DCGAN: no BatchNorm after the first discriminator layer
                layers.append(nn.BatchNorm2d(c_out))
            layers.append(leaky_relu(hardware, config.leaky_slope))
        layers.append(SpinConv2d(widths[-1], 1, config.start_size, 1, 0, bias=False, hardware=hardware))
        self.main = nn.Sequential(*layers)
        self.apply(dcgan_init)
        if config.d_norm == "spectral":  # after the init: the parametrisation starts its power iteration from it
            for _, layer in crossbar_layers(self):
                spectral_normalise(layer)
        _number_crossbar_layers(self, 1000)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.main(images).reshape(-1)
