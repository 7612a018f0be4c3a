"""Seeds of independent random streams: a user's seed (of the run, of the hardware) and a purpose within it (a
layer's variation, a step's noise, a rank, an epoch's data order) make one seed, always by ``stream_seed``."""

from __future__ import annotations

from .errors import SpinDCGANError

STRIDE = 1_000_003
"""A prime above every offset mixed in (layers, steps within a run, ranks): streams of two seeds never meet."""


MAX_SEED = (2**63 - 1) // STRIDE - 1
"""The largest user seed (about 9.2e12): its every stream's seed still fits torch's signed 64-bit seeds."""


def check_seed(seed: object, field: str) -> int:
    """``seed`` if it is a user seed (an integer in [0, ``MAX_SEED``]), else a one-line error naming ``field``."""
    if not (isinstance(seed, int) and not isinstance(seed, bool) and 0 <= seed <= MAX_SEED):
        raise SpinDCGANError(f"{field} must be an integer in [0, {MAX_SEED}], got {seed!r}")
    return seed


def stream_seed(seed: int, offset: int, stride: int = STRIDE) -> int:
    """The seed of stream ``offset`` of ``seed``: ``seed * stride + offset``."""
    return seed * stride + offset
