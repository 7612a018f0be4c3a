"""Programming weights into synapse states, and reading them back as effective weights.

A layer's float ("shadow") weights are what Adam trains. Each forward pass programs them into the
crossbar: every weight becomes integer device states (one state per device, ``2**bits`` possible) and a
per-layer scale held in CMOS. The effective weight the array computes with is

    differential:  w = scale * (G+ - G-) / (G_max - G_min)        (G- at its lowest state when w >= 0)
    offset:        w = scale * (2 G - G_max - G_min) / (G_max - G_min)   (reference column at mid-scale)

With no variation and a linear ladder this is ``scale * n / (levels-1)`` for an integer ``n``.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..devices import SkyrmionSynapse
from .config import HardwareConfig
from .faults import held_states
from .states import ProgrammedWeights


def layer_scale(weight: torch.Tensor) -> torch.Tensor:
    """Per-layer scale: the largest |weight|, so no weight clips (a zero layer gets scale 1)."""
    scale = weight.detach().abs().amax()
    return torch.where(scale > 0, scale, torch.ones_like(scale))


def _nearest_state(magnitude: torch.Tensor, synapse: SkyrmionSynapse) -> torch.Tensor:
    """Index of the ladder level nearest each value in [0, 1]."""
    if synapse.nonlinearity == 0:
        return torch.round(magnitude.clamp(0, 1) * (synapse.levels - 1)).to(torch.uint8)
    ladder = synapse.normalised_levels().to(magnitude)
    midpoints = (ladder[1:] + ladder[:-1]) / 2
    return torch.bucketize(magnitude.contiguous(), midpoints).to(torch.uint8)


def program(weight: torch.Tensor, hardware: HardwareConfig) -> ProgrammedWeights:
    """Device states that represent ``weight`` best on ``hardware`` (which must have a synapse)."""
    scale = layer_scale(weight)
    return ProgrammedWeights(*_states(weight.detach(), scale, hardware), float(scale))


def program_states(weight: torch.Tensor, hardware: HardwareConfig) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The G+ and G- states of ``program`` alone, without reading the scale back to the host (which waits for a
    GPU): what the training loop's write counters take at every step."""
    return _states(weight.detach(), layer_scale(weight), hardware)


def _states(w: torch.Tensor, scale: torch.Tensor, hardware: HardwareConfig) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The nearest device states of ``w`` at the layer's ``scale`` (G- None in the offset scheme)."""
    synapse = hardware.synapse
    assert synapse is not None, "program() needs a hardware config with a synapse"
    if hardware.array.signed_scheme == "differential":
        return _nearest_state(w.clamp(min=0) / scale, synapse), _nearest_state((-w).clamp(min=0) / scale, synapse)
    return _nearest_state((w / scale + 1) / 2, synapse), None


def device_conductances(
    programmed: ProgrammedWeights, synapse: SkyrmionSynapse, variation: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Siemens of the G+ (or only) and G- devices, each times (1 + variation) when given.

    ``variation`` has shape (2, *weight.shape): relative deviations of the two devices of each weight.
    """
    g_pos = synapse.conductance(programmed.positive)
    g_neg = None if programmed.negative is None else synapse.conductance(programmed.negative)
    if variation is not None:
        g_pos = g_pos * (1 + variation[0])
        g_neg = None if g_neg is None else g_neg * (1 + variation[1])
    return g_pos, g_neg


def conductances_to_weight(
    g_pos: torch.Tensor, g_neg: torch.Tensor | None, scale: float | torch.Tensor, synapse: SkyrmionSynapse
) -> torch.Tensor:
    """The weight an array computes with, given its device conductances (see module docstring)."""
    span = synapse.g_max - synapse.g_min
    if g_neg is None:
        return scale * (2 * g_pos - synapse.g_max - synapse.g_min) / span
    return scale * (g_pos - g_neg) / span


def quantised_weight(
    weight: torch.Tensor, hardware: HardwareConfig, variation: torch.Tensor | None = None, layer_seed: int = 0,
    training: bool = False, read_through: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> torch.Tensor:
    """Effective weight of ``weight`` on the crossbar, with a straight-through gradient to ``weight``.

    Forward: the programmed conductances (the states the array holds, ``crossbar.faults``, and their variation),
    each device's as the read sees it through ``read_through`` when given (weight-shaped conductances in and out:
    the arrays' wires, ``nn.conv.CrossbarLayerMixin``). Backward: identity, so Adam updates the full-precision
    shadow weights (the standard STE of quantisation-aware training). ``layer_seed`` and ``training`` choose the
    layer's fault pattern and draws.
    """
    synapse = hardware.synapse
    assert synapse is not None
    scale = layer_scale(weight)
    levels = synapse.levels - 1
    if variation is None and synapse.nonlinearity == 0 and not hardware.has_faults and read_through is None:
        # Fast closed form of program() + conductances_to_weight() for the ideal linear ladder.
        if hardware.array.signed_scheme == "differential":
            q = torch.round(weight.detach() / scale * levels) * (scale / levels)
        else:
            n = torch.round((weight.detach() / scale + 1) / 2 * levels)
            q = (2 * n / levels - 1) * scale
    else:
        held = held_states(program(weight, hardware), hardware, layer_seed, training)
        g_pos, g_neg = device_conductances(held, synapse, variation)
        if read_through is not None:
            g_pos, g_neg = read_through(g_pos), None if g_neg is None else read_through(g_neg)
        q = conductances_to_weight(g_pos, g_neg, scale, synapse).to(weight.dtype)
    return q.detach() + (weight - weight.detach())  # exactly q forward, identity backward
