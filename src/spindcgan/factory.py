"""A network the user wrote, named on the command line as ``module:function`` (``spindcgan energy --model``).

The function is called with no arguments and returns an ``nn.Module``; a model without crossbar layers is
converted (``spindcgan.convert``) onto the hardware the options describe, one that has them keeps its own. Every
problem is one line naming what was given.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn

from .convert import convert
from .crossbar.config import HardwareConfig
from .errors import SpinDCGANError
from .formats import saved_by_torch
from .nn import crossbar_layers


def load_factory(spec: str) -> nn.Module:
    """The model ``module:function`` builds (the module found from the current folder too, as Python would)."""
    module_name, colon, function_name = spec.partition(":")
    if not colon or not module_name or not function_name:
        raise SpinDCGANError(f"--model {spec}: expected MODULE:FUNCTION, e.g. my_pkg.nets:make_generator")
    if str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # noqa: BLE001 - an import runs user code: any error, said in one line
        raise SpinDCGANError(f"--model {spec}: cannot import {module_name} ({type(exc).__name__}: {exc})") from None
    factory = getattr(module, function_name, None)
    if not callable(factory):
        raise SpinDCGANError(f"--model {spec}: {module_name} has no function {function_name}")
    try:
        model = factory()
    except Exception as exc:  # noqa: BLE001 - the user's factory
        raise SpinDCGANError(f"--model {spec}: the factory raised {type(exc).__name__}: {exc}") from None
    if not isinstance(model, nn.Module):
        raise SpinDCGANError(f"--model {spec}: the factory returned a {type(model).__name__}, not an nn.Module")
    return model


def parse_shape(text: str) -> tuple[int, ...]:
    """``"1,100"`` -> (1, 100): the example input's shape, batch first."""
    try:
        shape = tuple(int(part) for part in text.split(","))
    except ValueError:
        shape = ()
    if not shape or min(shape) < 1:
        raise SpinDCGANError(f"--input-shape {text}: expected positive integers separated by commas, e.g. 1,100")
    return shape


def model_on_hardware(spec: str, hardware: HardwareConfig | None) -> tuple[nn.Module, HardwareConfig | None]:
    """The factory's model on crossbars and the hardware its crossbar layers model (converted onto ``hardware``
    unless it already has crossbar layers, which keep theirs)."""
    model = load_factory(spec)
    layers = crossbar_layers(model)
    if not layers:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            model = convert(model, hardware, inplace=True)
        layers = crossbar_layers(model)
    if not layers:
        raise SpinDCGANError(f"--model {spec}: no Conv2d, ConvTranspose2d or Linear layer to put on crossbars")
    return model.eval(), layers[0][1].hardware


def example_input(model: nn.Module, shape: tuple[int, ...], spec: str) -> torch.Tensor:
    """A standard-normal input of ``shape`` that the model takes (checked by one forward: a one-line error if not)."""
    x = torch.randn(shape, generator=torch.Generator().manual_seed(0))
    try:
        with torch.no_grad():
            model(x)
    except Exception as exc:  # noqa: BLE001 - a shape error surfaces from deep inside torch
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SpinDCGANError(f"--input-shape {','.join(map(str, shape))} does not fit --model {spec}: {first}") \
            from None
    return x


def read_state_dict(path: str) -> dict[str, Any]:
    """The state_dict in the file ``path`` (``torch.save(model.state_dict(), path)``), read with torch's safe
    loader (tensors only, no code run), or a one-line error saying what the file is instead."""
    if not Path(path).is_file():
        raise SpinDCGANError(f"--weights {path}: no such file")
    try:
        weights = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # noqa: BLE001 - torch's message is a paragraph on pickles; say what the user can do
        if saved_by_torch(path):
            raise SpinDCGANError(f"--weights {path}: holds more than tensors (a whole pickled model?); save "
                                 "model.state_dict() and give that file") from None
        raise SpinDCGANError(f"--weights {path}: not a state_dict file (torch.save(model.state_dict(), FILE) "
                             "writes one)") from None
    if not isinstance(weights, dict):
        raise SpinDCGANError(f"--weights {path}: holds a {type(weights).__name__}, not a state_dict")
    return weights
