"""Spectral normalisation of a layer's weight (SNGAN, Miyato et al. 2018) that reading never changes.

``torch.nn.utils.parametrizations.spectral_norm`` runs a power iteration every time the weight is read in
training mode. This project reads weights outside the forward too (the device states counted after every
step for the training energy, a resume's first snapshot), so each read would move the singular-vector
estimate and a resumed run would no longer take the very same steps. Here the power iteration runs once per
forward of the layer in training mode (a forward pre-hook), and reading the weight only divides by the
current estimate sigma = u^T W v. The products are written as elementwise sums: with matrix-vector
products (``@``) here, two trainings of one config in one process differed in a last bit now and then (cause
not isolated; the elementwise form never did in the tests), which broke bit-exact training. On the crossbars
the division changes no device state: the per-layer scale (the largest |weight|) is divided by sigma with it.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import parametrize

INITIAL_ITERATIONS = 15  # as torch's spectral_norm: the estimate starts converged, not from random vectors


class SpectralNormalisation(nn.Module):
    """Parametrisation W -> W / sigma(W); ``u`` and ``v`` (buffers, so saved and restored with the layer) are
    the current estimates of W's leading left and right singular vectors (W flattened to [out, rest])."""

    def __init__(self, weight: torch.Tensor) -> None:
        super().__init__()
        matrix = weight.detach().flatten(1)
        self.register_buffer("u", F.normalize(matrix.new_empty(matrix.shape[0]).normal_(), dim=0))
        self.register_buffer("v", F.normalize(matrix.new_empty(matrix.shape[1]).normal_(), dim=0))
        self.power_iteration(weight, INITIAL_ITERATIONS)

    @torch.no_grad()
    def power_iteration(self, weight: torch.Tensor, iterations: int = 1) -> None:
        matrix = weight.detach().flatten(1)
        for _ in range(iterations):
            self.v.copy_(F.normalize((matrix * self.u[:, None]).sum(0), dim=0))
            self.u.copy_(F.normalize((matrix * self.v).sum(1), dim=0))

    def forward(self, weight: torch.Tensor) -> torch.Tensor:
        # u, v constants (copies: a later forward's power iteration must not change what this one's backward
        # needs); the gradient flows through W only
        sigma = (self.u.clone()[:, None] * weight.flatten(1) * self.v.clone()).sum()
        return weight / sigma


def _iterate_before_training_forward(layer: nn.Module, _inputs: tuple) -> None:
    if layer.training:
        layer.parametrizations.weight[0].power_iteration(layer.parametrizations.weight.original)


def spectral_normalise(layer: nn.Module) -> nn.Module:
    """Make ``layer.weight`` its spectrally normalised self, estimated by one power iteration per training
    forward; ``layer.parametrizations.weight.original`` is what the optimiser trains. Returns the layer."""
    parametrize.register_parametrization(layer, "weight", SpectralNormalisation(layer.weight))
    layer.register_forward_pre_hook(_iterate_before_training_forward)
    return layer
