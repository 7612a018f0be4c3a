"""A trained generator as the state of its modelled devices: integer synapse states plus per-layer scales.

This is what a programmed chip would hold, and what spindcgan ships: per crossbar layer the uint8 states of
its G+ and G- devices and the CMOS scale; BatchNorm (CMOS) in float. A few MB for the default model; loading
rebuilds a ``Generator`` whose every device sits exactly on its programmed level.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn

from .config import RunConfig
from .convert import convert
from .crossbar.config import HardwareConfig
from .crossbar.programming import conductances_to_weight, device_conductances
from .crossbar.states import ProgrammedWeights
from .errors import SpinDCGANError
from .factory import load_factory
from .formats import not_a_pack
from .io import save_torch
from .models import Generator
from .nn import crossbar_layers

FORMAT = "spindcgan-device-states-v1"


BATCHNORM_STATISTICS = ("running", "standing")
"""Where an export's BatchNorm statistics come from: the running statistics training kept (an EMA generator's are
the trained generator's, copied), or standing statistics of the exported weights (``spindcgan export
--standing-statistics``, spindcgan.training.batchnorm)."""


def stored_states(programmed: ProgrammedWeights) -> dict[str, Any]:
    """One crossbar layer's entry in a device-state file: its G+ and G- states and its CMOS scale."""
    return {"positive": programmed.positive, "negative": programmed.negative, "scale": programmed.scale}


def device_states(model: nn.Module) -> dict[str, Any]:
    """What a chip running ``model`` holds: each crossbar layer's G+ / G- states and CMOS scale, and the CMOS
    parameters and buffers of everything else (biases, BatchNorm), by name. Any model with crossbar layers (a DCGAN
    preset or a ``spindcgan.convert``-ed network)."""
    crossbars, cmos = {}, {}
    layers = crossbar_layers(model)
    for name, layer in layers:
        if layer.hardware is None or layer.hardware.synapse is None:
            raise SpinDCGANError(f"layer {name} has no synapse model: only synapse hardware has device states")
        crossbars[name] = stored_states(layer.program())
        if layer.bias is not None:
            cmos[f"{name}.bias"] = layer.bias.detach().clone()
    names = {name for name, _ in layers}
    for key, value in model.state_dict().items():
        if key.rsplit(".", 1)[0] not in names:
            cmos[key] = value.clone()
    return {"crossbars": crossbars, "cmos": cmos}


def load_device_states(model: nn.Module, data: dict[str, Any]) -> nn.Module:
    """Set ``model``'s weights from device states (``device_states``): every device exactly on its programmed level,
    read through each layer's own synapse model. The model must be the architecture the states came from."""
    if not isinstance(data.get("cmos"), dict) or not isinstance(data.get("crossbars"), dict):
        raise SpinDCGANError("damaged device states: no 'crossbars' and 'cmos' tables")
    state = dict(data["cmos"])
    layers = dict(crossbar_layers(model))
    if layers.keys() != data["crossbars"].keys():
        missing, extra = sorted(data["crossbars"].keys() - layers.keys()), sorted(layers.keys() - data["crossbars"])
        raise SpinDCGANError(f"the device states do not fit this model (layers only in the file: {missing}, only in "
                             f"the model: {extra})")
    for name, layer_states in data["crossbars"].items():
        layer = layers[name]
        programmed = checked_states(name, layer_states, layer.weight)
        synapse = layer.hardware.synapse
        if int(programmed.positive.max()) >= synapse.levels:
            raise SpinDCGANError(f"layer {name}: its states reach {int(programmed.positive.max())}, beyond the "
                                 f"{synapse.levels} levels of this model's synapses")
        g_pos, g_neg = device_conductances(programmed, synapse)
        weight = conductances_to_weight(g_pos, g_neg, programmed.scale, synapse)
        state[f"{name}.weight"] = weight.to(layer.weight.dtype).reshape(layer.weight.shape)
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:  # torch names every missing, unexpected or misshapen key in one long message
        detail = str(exc).strip().splitlines()[-1].strip()
        raise SpinDCGANError(f"damaged device states: the CMOS parameters do not fit this model ({detail})") from None
    return model


def checked_states(name: str, layer_states: object, weight: torch.Tensor) -> ProgrammedWeights:
    """One layer's entry of a device-state file, checked to hold what ``stored_states`` writes for a weight of
    ``weight``'s size: uint8 G+ (and G-) states and a finite scale (a damaged or hand-edited file would otherwise
    fail deep inside torch, or give black images)."""
    def damaged(what: str) -> SpinDCGANError:
        return SpinDCGANError(f"damaged device states: layer {name}: {what}")

    if not isinstance(layer_states, dict) or not {"positive", "negative", "scale"} <= layer_states.keys():
        raise damaged("not a table of positive, negative and scale")
    positive, negative, scale = (layer_states[k] for k in ("positive", "negative", "scale"))
    for states in (positive, negative):
        if states is not None and not (isinstance(states, torch.Tensor) and states.dtype == torch.uint8):
            raise damaged("its states are not uint8 tensors")
    if positive is None or positive.numel() != weight.numel() or (
            negative is not None and negative.shape != positive.shape):
        raise damaged(f"{0 if positive is None else positive.numel()} states for a weight of {weight.numel()}")
    if not torch.isfinite(torch.as_tensor(scale, dtype=torch.float64)).all():
        raise damaged(f"its scale is {scale}, not a finite number")
    return ProgrammedWeights(positive, negative, scale)


def export_generator(generator: Generator, config: RunConfig, batchnorm: str = "running",
                     step: int | None = None) -> dict[str, Any]:
    """Device states of every crossbar layer, CMOS parameters of the rest, the run config, where the
    BatchNorm statistics come from (``BATCHNORM_STATISTICS``) and, when known, the training step the weights
    are from (so a FID measured on the file says which point of its run it measured)."""
    if batchnorm not in BATCHNORM_STATISTICS:
        raise SpinDCGANError(f"batchnorm statistics must be one of {BATCHNORM_STATISTICS}, not {batchnorm!r}")
    if config.hardware is None or config.hardware.synapse is None:
        raise SpinDCGANError("only a generator on synapse hardware has device states to export (not --float)")
    return {"format": FORMAT, "config": config.to_dict(), **device_states(generator),
            "batchnorm_statistics": batchnorm, **({"step": step} if step is not None else {})}


def export_network(model: nn.Module, factory: str, input_shape: tuple[int, ...]) -> dict[str, Any]:
    """A converted network's device states, with the ``module:function`` that builds its architecture, the
    hardware its layers model and its input shape: enough for ``spindcgan generate`` to rebuild and run it."""
    layers = crossbar_layers(model)
    if not layers:
        raise SpinDCGANError(f"{factory}: no crossbar layers to export (convert the model first)")
    return {"format": FORMAT, "factory": factory, "input_shape": list(input_shape),
            "hardware": layers[0][1].hardware.to_dict(), **device_states(model)}


def network_from_exported(data: dict[str, Any]) -> tuple[nn.Module, tuple[int, ...]]:
    """The network of a file ``export_network`` wrote, rebuilt by its factory, converted onto its hardware and set
    to its device states (eval mode), and its input shape."""
    model = load_factory(data["factory"])
    if not crossbar_layers(model):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # what stays in CMOS was said when the network was converted
            model = convert(model, HardwareConfig.from_dict(data["hardware"]), inplace=True)
    return load_device_states(model, data).eval(), tuple(data["input_shape"])


def save_exported(generator: Generator, config: RunConfig, path: str | Path, batchnorm: str = "running",
                  step: int | None = None) -> Path:
    return save_torch(export_generator(generator, config, batchnorm, step), path)


def read_exported(path: str | Path) -> dict[str, Any]:
    """The loaded contents of a device-state file, checked to be one (a one-line error otherwise)."""
    path = Path(path)
    if path.is_dir():
        raise SpinDCGANError(f"{path}: a folder, not a device-state file (spindcgan export RUN_DIR --out FILE makes "
                             "one of a run; spindcgan sample RUN_DIR samples the run itself)")
    try:
        data = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:  # noqa: BLE001 - torch raises many types for a bad file
        not_a_pack(path)
        raise SpinDCGANError(f"{path}: not a readable device-state file ({exc.__class__.__name__})") from None
    if not is_exported(data):
        raise SpinDCGANError(f"{path}: not a spindcgan device-state file ({FORMAT})")
    return data


def is_exported(data: object) -> bool:
    """Is this loaded file a device-state file (rather than a checkpoint)?"""
    return isinstance(data, dict) and data.get("format") == FORMAT


def generator_from_exported(data: dict[str, Any], device: str = "cpu") -> tuple[Generator, RunConfig]:
    """Rebuild the generator of loaded device states: every device exactly on its programmed level."""
    if "factory" in data:
        factory, shape = data["factory"], ",".join(map(str, data.get("input_shape", [])))
        raise SpinDCGANError(f"holds {factory}, a network of your own: spindcgan energy --model {factory} "
                             f"--input-shape {shape} gives its ledger, spindcgan generate --model FILE its images")
    if not isinstance(data.get("config"), dict):
        raise SpinDCGANError("damaged device states: no run config of a DCGAN generator, and no network factory")
    config = RunConfig.from_dict(data["config"])
    generator = load_device_states(Generator(config.model, config.hardware), data)
    return generator.to(device).eval(), config
