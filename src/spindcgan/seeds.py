"""Seeds of independent random streams: a user's seed (of the run, of the hardware) and a purpose within it (a
layer's variation, a step's noise, a rank, an epoch's data order) make one seed, always by ``stream_seed``."""

from __future__ import annotations

STRIDE = 1_000_003
"""A prime above every offset mixed in (layers, steps within a run, ranks): streams of two seeds never meet."""


def stream_seed(seed: int, offset: int, stride: int = STRIDE) -> int:
    """The seed of stream ``offset`` of ``seed``: ``seed * stride + offset``."""
    return seed * stride + offset
