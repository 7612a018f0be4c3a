"""Image quality metrics: FID and KID with the TF-compatible Inception, offline, and named by their protocol."""

from .fid import Statistics, cached_statistics, compare, folder_fid, generator_fid, statistics
from .frechet import FeatureStats, frechet_distance, kernel_inception_distance
from .inception import PROTOCOL, extract_features, load_inception, prepare, tf_bilinear_resize
from .registry import METRICS, MetricSpec, compute_metric, metric_spec

__all__ = [
    "METRICS",
    "PROTOCOL",
    "FeatureStats",
    "MetricSpec",
    "Statistics",
    "cached_statistics",
    "compare",
    "compute_metric",
    "extract_features",
    "folder_fid",
    "frechet_distance",
    "generator_fid",
    "kernel_inception_distance",
    "load_inception",
    "metric_spec",
    "prepare",
    "statistics",
    "tf_bilinear_resize",
]
