"""Datasets: Fashion-MNIST IDX files (and, later, image folders/zips)."""

from .anime import load_anime
from .fashion_mnist import load_fashion_mnist, read_idx, to_model_range
from .images import load_images
from .registry import load_images_for, load_training_images

__all__ = ["load_anime", "load_fashion_mnist", "load_images", "load_images_for", "load_training_images", "read_idx",
           "to_model_range"]
