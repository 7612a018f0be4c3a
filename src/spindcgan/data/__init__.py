"""Datasets: Fashion-MNIST IDX files (and, later, image folders/zips)."""

from .fashion_mnist import load_fashion_mnist, read_idx, to_model_range

__all__ = ["load_fashion_mnist", "read_idx", "to_model_range"]
