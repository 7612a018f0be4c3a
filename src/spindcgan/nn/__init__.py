"""Network layers on the modelled hardware: drop-in ``torch.nn`` modules."""

from .activations import DeviceSpread, DomainWallLeakyReLU, DomainWallReLU
from .conv import CrossbarLayerMixin, SpinConv2d, SpinConvTranspose2d, crossbar_layers, wire_losses
from .linear import SpinLinear
from .spectral import spectral_normalise

__all__ = ["CrossbarLayerMixin", "DeviceSpread", "DomainWallLeakyReLU", "DomainWallReLU", "SpinConv2d",
           "SpinConvTranspose2d", "SpinLinear", "crossbar_layers", "spectral_normalise", "wire_losses"]
