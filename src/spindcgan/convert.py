"""Any PyTorch network on spintronic crossbars: ``convert(model)``.

Like IBM aihwkit's ``convert_to_analog``, but for generators too: every ``nn.Conv2d``, ``nn.ConvTranspose2d`` and
``nn.Linear`` becomes its crossbar layer (``SpinConv2d``, ``SpinConvTranspose2d``, ``SpinLinear``: the same
parameters and ``state_dict``, computing on the programmed device states), every ``nn.ReLU`` / ``nn.LeakyReLU``
its domain-wall device. What cannot be mapped (another layer kind, a subclass with its own forward, a functional
``F.conv2d`` call seen on an example input) is listed in one warning, never skipped silently.
"""

from __future__ import annotations

import copy
import fnmatch
import warnings
from collections.abc import Iterable
from typing import Any, Literal

import torch
import torch.nn as nn
from torch.overrides import TorchFunctionMode

from .crossbar.config import HardwareConfig
from .errors import SpinDCGANError
from .nn import DomainWallLeakyReLU, DomainWallReLU, SpinConv2d, SpinConvTranspose2d, SpinLinear

CROSSBAR_LAYERS: dict[type[nn.Module], type[nn.Module]] = {
    nn.Conv2d: SpinConv2d, nn.ConvTranspose2d: SpinConvTranspose2d, nn.Linear: SpinLinear}
"""What each layer becomes on crossbars (exact types: a subclass may compute otherwise, so it is listed)."""
NOT_MAPPED = (nn.Conv1d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose3d, nn.Bilinear, nn.RNNBase,
              nn.MultiheadAttention, nn.Embedding, nn.PReLU, nn.RReLU, nn.ReLU6)
"""Layers with weights or activations that have no crossbar or DW-device model here: they stay in CMOS."""
FUNCTIONAL = {"conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "linear",
              "relu", "relu_", "leaky_relu", "leaky_relu_", "matmul", "bmm", "mm"}
"""Functions whose call in a module's own forward is work convert cannot move onto the hardware."""

Exclude = str | type[nn.Module]


PAPER_HARDWARE = HardwareConfig()
"""The paper's hardware: 6-bit skyrmion synapses, DW ReLU and Leaky ReLU, ideal read-out."""


Activations = Literal["domain-wall", "cmos"]


def convert(model: nn.Module, hardware: HardwareConfig | None = PAPER_HARDWARE,
            activations: Activations = "domain-wall", exclude: Iterable[Exclude] = (), inplace: bool = False,
            example_input: Any = None) -> nn.Module:
    """``model`` with its layers on the modelled hardware (a copy unless ``inplace``).

    ``hardware``: the crossbars' ``HardwareConfig`` (default: the paper's: 6-bit synapses, DW activations);
    ``None`` converts the layers with float math, so the model computes exactly as before. ``activations``:
    ``"domain-wall"`` puts ReLU and Leaky ReLU on DW devices (those the hardware models), ``"cmos"`` keeps them.
    ``exclude``: module names (``"head"``), glob patterns (``"decoder.*"``) or types (``nn.Linear``) to keep in
    CMOS. ``example_input``: when given, one forward on it finds functional calls (``F.conv2d`` in a custom
    forward) that convert cannot map, for the warning."""
    if activations not in ("domain-wall", "cmos"):
        raise SpinDCGANError(f"activations must be 'domain-wall' or 'cmos', not {activations!r}")
    exclude = tuple(exclude)
    for item in exclude:
        if not isinstance(item, str) and not (isinstance(item, type) and issubclass(item, nn.Module)):
            raise SpinDCGANError(f"exclude takes module names, patterns or nn.Module types, not {item!r}")
    converted = model if inplace else copy.deepcopy(model)
    unmapped = []
    crossbar_index = activation_index = 0
    for name, module in list(converted.named_modules()):
        if not name or excluded(name, module, exclude):
            continue
        kind = type(module)
        if kind in CROSSBAR_LAYERS:
            module.__class__ = CROSSBAR_LAYERS[kind]  # same object: parameters, buffers, attributes, hooks kept
            module._init_hardware(hardware)
            module.variation_seed = crossbar_index  # every layer its own variation pattern
            crossbar_index += 1
        elif kind in (nn.ReLU, nn.LeakyReLU):
            device = activation_device(module, hardware, activations)
            if device is not None:
                device.train(module.training)
                device.variation_seed = 500 + activation_index  # its own spread, apart from any layer's
                activation_index += 1
                replace_module(converted, name, device)
        elif isinstance(module, (*CROSSBAR_LAYERS, nn.ReLU, nn.LeakyReLU, *NOT_MAPPED)):
            unmapped.append(f"{name} ({kind.__name__})")
    if example_input is not None:
        unmapped += functional_calls(converted, example_input)
    if unmapped:
        warnings.warn(f"spindcgan.convert left in CMOS, with no hardware model: {', '.join(unmapped)}", stacklevel=2)
    return converted


def excluded(name: str, module: nn.Module, exclude: tuple[Exclude, ...]) -> bool:
    """Whether ``exclude`` names the module, a module it lies in, or its type."""
    for item in exclude:
        if isinstance(item, type):
            if isinstance(module, item):
                return True
        elif fnmatch.fnmatchcase(name, item) or name.startswith(item + "."):
            return True
    return False


def activation_device(module: nn.Module, hardware: HardwareConfig | None, activations: str) -> nn.Module | None:
    """The DW device a ReLU / Leaky ReLU becomes, or None to keep it (CMOS asked for, or not modelled)."""
    if activations == "cmos" or hardware is None:
        return None
    if isinstance(module, nn.LeakyReLU):
        if hardware.activations.leaky_relu is None:
            return None
        return DomainWallLeakyReLU(module.negative_slope, hardware.activations.leaky_relu, hardware)
    return None if hardware.activations.relu is None else DomainWallReLU(hardware.activations.relu, hardware)


def replace_module(model: nn.Module, name: str, new: nn.Module) -> None:
    """Put ``new`` where ``name`` is (in a Sequential, ModuleList, ModuleDict or as an attribute)."""
    parent_name, _, child = name.rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    setattr(parent, child, new)  # nn.Module.__setattr__ registers it under the same key in any container


class _FunctionalCalls(TorchFunctionMode):
    """Records functional calls of ``FUNCTIONAL`` made in the forward of a module that has children (its own
    code, not a layer's)."""

    def __init__(self, stack: list[tuple[str, nn.Module]]) -> None:
        super().__init__()
        self.stack, self.found = stack, []

    def __torch_function__(self, func, types, args=(), kwargs=None):  # noqa: ANN001 - torch's protocol
        name = getattr(func, "__name__", "")
        if name in FUNCTIONAL and self.stack:
            owner, module = self.stack[-1]
            if any(True for _ in module.children()):
                self.found.append(f"{owner or 'the model'}: functional {name} call")
        return func(*args, **(kwargs or {}))


def functional_calls(model: nn.Module, example_input: Any) -> list[str]:
    """The functional conv / linear / activation calls in modules' own forwards, on one example forward."""
    names = {m: n for n, m in model.named_modules()}
    stack: list[tuple[str, nn.Module]] = []

    def enter(module: nn.Module, _: Any) -> None:
        stack.append((names[module], module))

    def leave(module: nn.Module, _: Any, __: Any) -> None:  # returns None: the output stays the layer's
        stack.pop()

    hooks = []
    for module in model.modules():
        hooks += [module.register_forward_pre_hook(enter), module.register_forward_hook(leave)]
    mode = _FunctionalCalls(stack)
    was_training = model.training
    try:
        with torch.no_grad(), mode:
            model.eval()(*example_input) if isinstance(example_input, tuple) else model.eval()(example_input)
    finally:
        model.train(was_training)
        for hook in hooks:
            hook.remove()
    return list(dict.fromkeys(mode.found))
