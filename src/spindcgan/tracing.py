"""Tracing a model's leaf layers on a real input: what each layer received, produced and got back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn as nn
from torch.nn.utils import parametrize


@dataclass
class LeafRecord:
    name: str
    module: nn.Module
    input: torch.Tensor
    output: torch.Tensor
    grad_output: torch.Tensor | None = None
    """Gradient of the loss with respect to the output (only when traced with a loss)."""


def leaf_layers(model: nn.Module) -> list[nn.Module]:
    """The layers that compute: modules without children, where a parametrised weight (spectral normalisation)
    does not count as a child; the parametrisations themselves are not layers."""
    inside = {id(p) for m in model.modules() if parametrize.is_parametrized(m) for p in m.parametrizations.modules()}
    return [m for m in model.modules()
            if id(m) not in inside and not [c for name, c in m.named_children() if name != "parametrizations"]]


def trace_leaves(model: nn.Module, inputs: torch.Tensor | tuple[torch.Tensor, ...],
                 loss_fn: Callable[[torch.Tensor], torch.Tensor] | None = None) -> list[LeafRecord]:
    """Run ``model`` once (and, with ``loss_fn``, backward once); one record per leaf layer call, in order.
    ``inputs``: one tensor, or a tuple of the model's arguments (a conditional generator's noise and labels).
    The caller chooses train/eval mode; parameter gradients are cleared afterwards."""
    names = {m: n for n, m in model.named_modules()}
    records: list[LeafRecord] = []

    def hook(module: nn.Module, inp: tuple, out: torch.Tensor) -> None:
        record = LeafRecord(names[module], module, inp[0].detach(), out.detach())
        records.append(record)
        if loss_fn is not None and out.requires_grad:
            out.register_hook(lambda g: setattr(record, "grad_output", g.detach()))

    hooks = [m.register_forward_hook(hook) for m in leaf_layers(model)]
    try:
        if loss_fn is None:
            with torch.no_grad():
                call(model, inputs)
        else:  # the backward pass is traced too, also when the caller is inside torch.no_grad()
            with torch.enable_grad():
                loss_fn(call(model, inputs)).backward()
            model.zero_grad(set_to_none=True)
    finally:
        for h in hooks:
            h.remove()
    return records


def call(model: nn.Module, inputs: torch.Tensor | tuple[torch.Tensor, ...]) -> torch.Tensor:
    """``model`` on one input tensor, or on a tuple of arguments."""
    return model(*inputs) if isinstance(inputs, tuple) else model(inputs)


def first_images(inputs: torch.Tensor | tuple[torch.Tensor, ...], n: int = 1) -> torch.Tensor | tuple:
    """The first ``n`` images of an input batch (of every argument of a tuple)."""
    return tuple(x[:n] for x in inputs) if isinstance(inputs, tuple) else inputs[:n]
