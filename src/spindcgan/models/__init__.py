"""DCGAN models built from crossbar layers and DW activations."""

from .config import D_NORMS, DATASETS, ModelConfig
from .dcgan import Discriminator, Generator

__all__ = ["D_NORMS", "DATASETS", "Discriminator", "Generator", "ModelConfig"]
