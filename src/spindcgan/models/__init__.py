"""DCGAN models built from crossbar layers and DW activations."""

from .config import DATASETS, ModelConfig
from .dcgan import Discriminator, Generator

__all__ = ["DATASETS", "Discriminator", "Generator", "ModelConfig"]
