"""Device faults: what a programmed array holds instead of the states written.

Three non-idealities of ``HardwareConfig``, applied to the integer device states in the order they happen: a
write lands off its target (``faults.program_error``), skyrmions are lost while the array waits to be read
(``retention.time``), and stuck devices hold their state whatever happened (``faults.stuck``). Which devices
are stuck, and the retention draw, are fixed by the config's seed and the layer's own seed; write errors are
drawn anew at each programming in training (the global RNG, which checkpoints keep) and once per seed at
evaluation.
"""

from __future__ import annotations

import math
import re

import torch

from ..errors import SpinDCGANError
from ..seeds import stream_seed
from .config import HardwareConfig
from .states import ProgrammedWeights

UNITS = {"s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0, "y": 365.25 * 86400.0}


def parse_duration(text: str) -> float:
    """Seconds of ``"0"``, ``"30s"``, ``"1h"``, ``"1d"``, ``"1y"`` (a bare number is seconds)."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:e[+-]?\d+)?)\s*(s|min|h|d|w|y)?\s*", text)
    if not match:
        raise SpinDCGANError(f"retention time {text!r}: expected a number and a unit of {', '.join(UNITS)}, e.g. 1y")
    return float(match.group(1)) * UNITS[match.group(2) or "s"]


def survival(hardware: HardwareConfig) -> float:
    """Probability that one skyrmion is still there after ``retention.time`` (Arrhenius annihilation rate)."""
    rate = hardware.retention.attempt_frequency * math.exp(-hardware.retention.energy_barrier_kT)
    return math.exp(-rate * hardware.retention.time)


def _generator(hardware: HardwareConfig, layer_seed: int, purpose: int) -> torch.Generator:
    return torch.Generator().manual_seed(stream_seed(hardware.seed, layer_seed * 101 + purpose))


def _apply(states: torch.Tensor, hardware: HardwareConfig, layer_seed: int, device: int,
           training: bool) -> torch.Tensor:
    """One device array's states (uint8, any shape) as the array holds them; ``device`` tells the G+ and G-
    arrays apart (0, 1)."""
    top = hardware.synapse.levels - 1
    n = states.long().cpu()
    if hardware.faults.program_error > 0:
        gen = None if training else _generator(hardware, layer_seed, 10 + device)
        draw = torch.rand(n.shape, generator=gen)
        miss = torch.randint(1, hardware.faults.program_error_span + 1, n.shape, generator=gen)
        sign = torch.where(torch.rand(n.shape, generator=gen) < 0.5, -1, 1)
        n = torch.where(draw < hardware.faults.program_error, (n + sign * miss).clamp(0, top), n)
    if hardware.retention.time > 0:
        kept = survival(hardware)
        n = torch.binomial(n.double(), torch.full(n.shape, kept, dtype=torch.float64),
                           generator=_generator(hardware, layer_seed, 20 + device)).long()
    if hardware.faults.stuck > 0:
        gen = _generator(hardware, layer_seed, 30 + device)
        stuck = torch.rand(n.shape, generator=gen) < hardware.faults.stuck
        high = torch.rand(n.shape, generator=gen) < hardware.faults.stuck_high_share
        n = torch.where(stuck, torch.where(high, top, 0), n)
    return n.to(torch.uint8).to(states.device)


def held_states(programmed: ProgrammedWeights, hardware: HardwareConfig, layer_seed: int = 0,
                training: bool = False) -> ProgrammedWeights:
    """The states ``programmed`` leaves in the array once written, aged and read (``programmed`` itself when the
    hardware models no faults)."""
    if not hardware.has_faults:
        return programmed
    negative = programmed.negative
    return ProgrammedWeights(
        _apply(programmed.positive, hardware, layer_seed, 0, training),
        None if negative is None else _apply(negative, hardware, layer_seed, 1, training), programmed.scale)
