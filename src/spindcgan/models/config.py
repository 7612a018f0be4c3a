"""ModelConfig: the DCGAN's shape (layer widths, latent size, image size), per dataset preset."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ..crossbar.config import dataclass_from_dict
from ..errors import SpinDCGANError

DATASETS = ("fashion-mnist", "anime")
D_NORMS = ("batch", "spectral")


@dataclass(frozen=True)
class ModelConfig:
    """Generator: z -> g_channels[0] at the start size -> ... -> image; discriminator mirrors it.

    Each stride-2 stage doubles the size, so ``image_size = start_size * 2**len(g_channels)``; the
    start size is the first deconvolution's kernel (7 for 28x28, 4 for 64x64).
    """

    dataset: str = "fashion-mnist"
    image_size: int = 28
    channels: int = 1
    z_dim: int = 100
    g_channels: tuple[int, ...] = (256, 128)
    d_channels: tuple[int, ...] = (64, 128)
    leaky_slope: float = 0.2
    """Discriminator Leaky ReLU slope: 0.2 as in DCGAN (Radford et al. 2016)."""
    d_norm: str = "batch"
    """How the discriminator is normalised: "batch" (DCGAN: BatchNorm after every convolution but the first)
    or "spectral" (SNGAN, Miyato et al. 2018: no BatchNorm, every convolution's weight divided by its largest
    singular value; Kurach et al. 2019 found it the most consistent improvement of a DCGAN discriminator). On
    the crossbars spectral normalisation changes no device state (the per-layer scale absorbs the division)."""

    def __post_init__(self) -> None:
        if not self.g_channels or not self.d_channels:
            raise SpinDCGANError("model.g_channels and model.d_channels need at least one entry")
        if min(self.g_channels + self.d_channels + (self.z_dim, self.channels)) < 1:
            raise SpinDCGANError("model channel counts and z_dim must be positive")
        if self.image_size % (2 ** len(self.g_channels)) or self.start_size < 1:
            raise SpinDCGANError(
                f"model.image_size {self.image_size} is not a multiple of 2**{len(self.g_channels)} "
                "(one doubling per generator stage)"
            )
        if self.image_size != self.start_size * 2 ** len(self.d_channels):
            raise SpinDCGANError("model.d_channels must have as many stages as model.g_channels")
        if self.d_norm not in D_NORMS:
            raise SpinDCGANError(f"model.d_norm must be one of {', '.join(D_NORMS)}, got {self.d_norm!r}")

    @property
    def start_size(self) -> int:
        return self.image_size // 2 ** len(self.g_channels)

    @classmethod
    def preset(cls, dataset: str, width: int = 64) -> ModelConfig:
        """The default network of a dataset; ``width`` is DCGAN's ngf = ndf."""
        w = width
        if dataset == "fashion-mnist":  # reference.md section 3: 100 -> 256x7x7 -> 128x14x14 -> 1x28x28
            return cls("fashion-mnist", 28, 1, 100, (4 * w, 2 * w), (w, 2 * w))
        if dataset == "anime":  # the PyTorch DCGAN tutorial network at 64x64x3
            return cls("anime", 64, 3, 100, (8 * w, 4 * w, 2 * w, w), (w, 2 * w, 4 * w, 8 * w))
        raise SpinDCGANError(f"unknown dataset {dataset!r}; choose one of {', '.join(DATASETS)}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        return dataclass_from_dict(cls, data, "model")
