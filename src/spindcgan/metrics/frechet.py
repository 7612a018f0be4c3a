"""Feature statistics, Frechet distance and KID.

Running float64 moments keep memory bounded for any N (FID needs only mean and covariance); KID keeps
up to ``kid_max`` features (a uniform reservoir sample when there are more).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from ..errors import SpinDCGANError


@dataclass
class FeatureStats:
    """Accumulates mean and covariance of features batch by batch (float64), plus a KID sample."""

    kid_max: int = 10_000
    n: int = 0
    total: np.ndarray | None = None
    outer: np.ndarray | None = None
    kid: np.ndarray | None = None
    """Up to ``kid_max`` features: all of them, or a uniform reservoir sample of them."""
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0))

    def add(self, feats: np.ndarray) -> None:
        feats = np.asarray(feats, dtype=np.float64)
        if self.total is None:
            dim = feats.shape[1]
            self.total, self.outer = np.zeros(dim), np.zeros((dim, dim))
            self.kid = np.zeros((self.kid_max, dim), np.float32)
        self.total += feats.sum(0)
        self.outer += feats.T @ feats
        index = self.n + np.arange(len(feats))  # global index of each new row
        slot = np.where(index < self.kid_max, index, self.rng.integers(0, index + 1))
        keep = slot < self.kid_max
        self.kid[slot[keep]] = feats[keep]  # in order: a later row wins a shared slot, as sequentially
        self.n += len(feats)

    def mean_cov(self) -> tuple[np.ndarray, np.ndarray]:
        if self.n < 2:
            raise SpinDCGANError(f"need at least 2 images for feature statistics, got {self.n}")
        mu = self.total / self.n
        cov = (self.outer - self.n * np.outer(mu, mu)) / (self.n - 1)
        return mu, cov

    def kid_sample(self) -> np.ndarray:
        return self.kid[: min(self.n, self.kid_max)]

    def state(self) -> dict[str, np.ndarray]:
        """Arrays from which ``from_state`` continues the accumulation exactly (reservoir RNG included)."""
        rng = json.dumps(self.rng.bit_generator.state)
        return {"kid_max": np.array(self.kid_max), "n": np.array(self.n), "total": self.total, "outer": self.outer,
                "kid": self.kid, "rng": np.array(rng)}

    @classmethod
    def from_state(cls, state: dict[str, np.ndarray]) -> FeatureStats:
        acc = cls(kid_max=int(state["kid_max"]), n=int(state["n"]), total=state["total"], outer=state["outer"],
                  kid=state["kid"])
        acc.rng.bit_generator.state = json.loads(str(state["rng"]))
        return acc


def psd_sqrt(sigma: np.ndarray) -> np.ndarray:
    """Symmetric square root of a covariance matrix (round-off negative eigenvalues set to 0)."""
    lam, vec = np.linalg.eigh((sigma + sigma.T) / 2)
    return (vec * np.sqrt(np.clip(lam, 0, None))) @ vec.T


def trace_sqrt_product(sigma1: np.ndarray, sigma2: np.ndarray) -> float:
    """Tr sqrt(S1 S2) for covariance matrices, as the nuclear norm of S1^1/2 S2^1/2.

    S1 S2 has the eigenvalues of S1^1/2 S2 S1^1/2 = A A^T with A = S1^1/2 S2^1/2, so Tr sqrt(S1 S2) is the
    sum of A's singular values. Unlike scipy's ``sqrtm`` of the non-symmetric product (pytorch-fid), this
    has no complex arithmetic (no imaginary parts to discard), needs no eps offset for singular
    covariances (fewer samples than dimensions), and does not square the condition number, so
    FID(x, x) is 0 to ~1e-10.
    """
    return float(np.linalg.svd(psd_sqrt(sigma1) @ psd_sqrt(sigma2), compute_uv=False).sum())


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray) -> float:
    """||mu1 - mu2||^2 + Tr(S1 + S2 - 2 sqrt(S1 S2)) (Heusel et al. 2017), in float64."""
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    sigma1, sigma2 = np.asarray(sigma1, np.float64), np.asarray(sigma2, np.float64)
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape:
        raise SpinDCGANError(f"FID: statistics of different dimensions {mu1.shape} and {mu2.shape}")
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * trace_sqrt_product(sigma1, sigma2))


def kernel_inception_distance(feats1: np.ndarray, feats2: np.ndarray, subsets: int = 100, subset_size: int = 1000,
                              seed: int = 0) -> tuple[float, float]:
    """KID (Binkowski et al. 2018): unbiased MMD^2 with the kernel (x.y / d + 1)^3, mean and std over subsets."""
    m = min(subset_size, len(feats1), len(feats2))
    if m < 2:
        raise SpinDCGANError("KID needs at least 2 images on each side")
    d = feats1.shape[1]
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(subsets):
        x = feats1[rng.choice(len(feats1), m, replace=False)].astype(np.float64)
        y = feats2[rng.choice(len(feats2), m, replace=False)].astype(np.float64)
        kxx, kyy, kxy = ((a @ b.T / d + 1) ** 3 for a, b in ((x, x), (y, y), (x, y)))
        mmd = ((kxx.sum() - np.trace(kxx)) + (kyy.sum() - np.trace(kyy))) / (m * (m - 1)) - 2 * kxy.mean()
        values.append(mmd)
    return float(np.mean(values)), float(np.std(values))
