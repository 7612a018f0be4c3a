"""Image quality metrics: FID and KID with the TF-compatible Inception, offline."""

from .fid import Statistics, cached_statistics, compare, folder_fid, generator_fid, statistics
from .frechet import FeatureStats, frechet_distance, kernel_inception_distance
from .inception import PROTOCOL, extract_features, load_inception, prepare, tf_bilinear_resize

__all__ = [
    "PROTOCOL",
    "FeatureStats",
    "Statistics",
    "cached_statistics",
    "compare",
    "extract_features",
    "folder_fid",
    "frechet_distance",
    "generator_fid",
    "kernel_inception_distance",
    "load_inception",
    "prepare",
    "statistics",
    "tf_bilinear_resize",
]
