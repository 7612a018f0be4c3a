"""Generator metrics by name, as stylegan2-ada's ``metric_main``: ``fid10k-test``, ``fid2k-train``, ...

A name states the protocol (``metrics.fid.fid_name``): ``fid10k-test`` is the FID of 10,000 generated images
against a dataset's whole test split, ``fid2k-train5k`` of 2,000 against its first 5,000 training images. Every
metric returns FID and KID together (``RETURNS``), since one Inception pass gives both. ``METRICS`` holds the
names the results and documents use, for help texts; any other name of the same form is a metric too (a run's
``--fid-n 500`` records ``fid500-test``), so a recorded name can be measured again by name. ``compute_metric``
measures one; ``metric_spec`` turns a name into its protocol, or says in one line why it is none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import torch

from ..data.registry import SPLITS
from ..errors import SpinDCGANError
from .fid import DEFAULT_REFERENCE, fid_name, generator_fid

RETURNS = ("fid", "kid", "kid_std")
"""The values every metric's record holds, beside its name, image counts and protocol (``fid.generator_fid``)."""


def check_counts(n: int, ref_n: int | None = None) -> None:
    """A one-line error where an FID would have fewer than 2 generated (``n``) or reference (``ref_n``) images."""
    for option, value in (("--n", n), ("--ref-n", ref_n)):
        if value is not None and value < 2:
            raise SpinDCGANError(f"{option} {value}: an FID needs at least 2 images on each side")


@dataclass(frozen=True)
class MetricSpec:
    """One FID protocol: ``n`` generated images against the first ``ref_n`` (None: all) images of a dataset's
    reference ``split``."""

    n: int
    split: str
    ref_n: int | None = None

    def __post_init__(self) -> None:
        """A protocol of fewer than 2 images on a side is refused where it is made (``check_counts``)."""
        check_counts(self.n, self.ref_n)

    @property
    def name(self) -> str:
        """The metric's name, as its records carry it (``fid10k-test``)."""
        return fid_name(self.n, self.split, self.ref_n)


METRICS: dict[str, MetricSpec] = {spec.name: spec for spec in (
    MetricSpec(10_000, "test"), MetricSpec(10_000, "train"), MetricSpec(10_000, "heldout"), MetricSpec(10_000, "seen"),
    MetricSpec(2_000, "test"), MetricSpec(2_000, "train"), MetricSpec(1_000, "test"), MetricSpec(500, "train"))}
"""The metrics the results and documents report, by name (the list for help texts)."""

FORM = "fid<N>-<split>[<M>]"
"""Every metric name's form: N generated images against the first M (default all) images of a reference split."""

_NAME = re.compile(r"fid(\d+(?:\.\d+)?k?)-([a-z]+)(\d+(?:\.\d+)?k?)?")


def _count(text: str) -> int:
    """'10k' -> 10000, '2.5k' -> 2500, '500' -> 500 (the reverse of ``fid.count_name``)."""
    return round(float(text[:-1]) * 1000) if text.endswith("k") else int(text)


def metric_spec(name: str, dataset: str | None = None) -> MetricSpec:
    """The protocol the metric ``name`` states (``fid10k-test``: 10,000 images against the test split); a
    one-line error naming the known metrics for a name of another form or split (of ``dataset``'s splits when
    given, else of any dataset's), or one spelled otherwise than its records spell it (``fid10000-test``)."""
    splits = SPLITS.get(dataset, ()) if dataset else sorted({s for names in SPLITS.values() for s in names})
    match = _NAME.fullmatch(name)
    spec = match and MetricSpec(_count(match[1]), match[2], _count(match[3]) if match[3] else None)
    if not spec or spec.name != name or spec.split not in splits:
        known = [known for known, spec in METRICS.items() if spec.split in splits]
        raise SpinDCGANError(f"unknown metric {name!r}: known are {', '.join(known)}, or any {FORM} of the splits "
                             f"{', '.join(splits)}")
    return spec


def default_metric(dataset: str, n: int, split: str | None = None, ref_n: int | None = None) -> MetricSpec:
    """``n`` generated images against ``split`` of ``dataset`` (None: the split its FIDs use by default,
    ``fid.DEFAULT_REFERENCE``)."""
    return MetricSpec(n, split or DEFAULT_REFERENCE[dataset], ref_n)


def compute_metric(metric: str | MetricSpec, generator: torch.nn.Module, dataset: str, seed: int = 0,
                   data: str | None = None, device: str = "cpu", batch_size: int = 100, progress: bool = True,
                   cache: bool = False) -> dict[str, Any]:
    """The JSON-ready record of ``metric`` (a name or a spec) for ``generator`` on ``dataset``: its name,
    ``RETURNS``, the image counts, the reference, seed, protocol and backend (``fid.generator_fid``; ``cache``
    keeps the generated images' statistics too, for a final measurement, not for those during training)."""
    spec = metric_spec(metric, dataset) if isinstance(metric, str) else metric
    return generator_fid(generator, dataset, spec.n, spec.split, seed, data, spec.ref_n, device, batch_size,
                         progress, cache)
