"""HardwareConfig: which non-idealities of the spintronic hardware a layer models."""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from typing import Any, Literal

from ..devices import DomainWallTrack, SkyrmionSynapse, calibrated_synapse, dw_leaky_relu_track, dw_relu_track
from ..errors import SpinDCGANError

SignedScheme = Literal["differential", "offset"]
ComputePath = Literal["auto", "fast", "crossbar"]


@dataclass(frozen=True)
class HardwareConfig:
    """The modelled hardware. ``HardwareConfig()`` is the paper's setting: 6-bit skyrmion synapses in
    128 x 128 crossbars as differential pairs, DW ReLU / Leaky ReLU activations, no noise.
    A layer given ``hardware=None`` computes in ideal float math instead.
    """

    synapse: SkyrmionSynapse | None = field(default_factory=calibrated_synapse)
    """Crossbar cell; None keeps float weights (the 'DW activations only' ablation)."""
    relu: DomainWallTrack | None = field(default_factory=dw_relu_track)
    """Generator activation device; None = CMOS ReLU."""
    leaky_relu: DomainWallTrack | None = field(default_factory=dw_leaky_relu_track)
    """Discriminator activation device (its slope is set by the layer); None = CMOS Leaky ReLU."""
    array_rows: int = 128
    """Crossbar rows (inputs) per array: 128 x 128 is a common tile (NeuroSim default)."""
    array_cols: int = 128
    """Crossbar columns (outputs) per array."""
    signed_scheme: SignedScheme = "differential"
    """'differential': each weight is G+ - G- on two devices; 'offset': one device minus a mid-scale
    reference column (half the devices, no exact zero)."""
    d2d_sigma: float = 0.0
    """Device-to-device variation: relative std of each device's conductance, fixed per device."""
    c2c_sigma: float = 0.0
    """Cycle-to-cycle variation: relative std added at every programming (each training step)."""
    read_noise_sigma: float = 0.0
    """Relative std of each cell's read current, fresh at every read (crossbar path)."""
    adc_bits: int | None = None
    """Column ADC resolution per array (crossbar path); None = ideal read-out."""
    dac_bits: int | None = None
    """Row DAC resolution of the input voltages (crossbar path); None = ideal drive."""
    path: ComputePath = "auto"
    """'fast': quantised weights then one fused torch convolution; 'crossbar': tile-by-tile
    simulation (zero insertion, per-array matmuls, ADC); 'auto': crossbar only when ADC, DAC or read
    noise need it."""
    seed: int = 0
    """Seed of the fixed device-to-device variation pattern."""
    discriminator_on_hardware: bool = True
    """The discriminator on crossbars and DW devices too (the paper: both networks, so training itself runs on
    the hardware). False: a float (CMOS) discriminator beside the hardware generator, a training aid the issue
    allows because the generator, the network that is shipped and measured, stays on the modelled hardware; the
    energy ledger then refuses, since its training figures assume the paper's hardware discriminator."""

    def __post_init__(self) -> None:
        for name in ("array_rows", "array_cols"):
            if getattr(self, name) < 1:
                raise SpinDCGANError(f"hardware.{name} must be >= 1, got {getattr(self, name)}")
        for name in ("d2d_sigma", "c2c_sigma", "read_noise_sigma"):
            if getattr(self, name) < 0:
                raise SpinDCGANError(f"hardware.{name} must be >= 0, got {getattr(self, name)}")
        for name in ("adc_bits", "dac_bits"):
            value = getattr(self, name)
            if value is not None and not 1 <= value <= 16:
                raise SpinDCGANError(f"hardware.{name} must be None or 1..16, got {value}")
        if self.signed_scheme not in typing.get_args(SignedScheme):
            raise SpinDCGANError(f"hardware.signed_scheme must be one of {typing.get_args(SignedScheme)}")
        if self.path not in typing.get_args(ComputePath):
            raise SpinDCGANError(f"hardware.path must be one of {typing.get_args(ComputePath)}")

    @property
    def needs_crossbar_path(self) -> bool:
        """True when a non-ideality lives in the read-out and needs the tile-by-tile simulation."""
        if self.path != "auto":
            return self.path == "crossbar"
        return self.adc_bits is not None or self.dac_bits is not None or self.read_noise_sigma > 0

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> HardwareConfig | None:
        return None if data is None else dataclass_from_dict(cls, data, "hardware")


def dataclass_from_dict(cls: type, data: dict[str, Any], where: str) -> Any:
    """Rebuild a (nested) frozen dataclass from ``asdict`` output; unknown fields are an error."""
    if not isinstance(data, dict):
        raise SpinDCGANError(f"{where} must be a mapping, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise SpinDCGANError(f"unknown field(s) in {where}: {', '.join(sorted(unknown))}")
    kwargs = {}
    for key, value in data.items():
        nested = [t for t in typing.get_args(hints[key]) or (hints[key],) if dataclasses.is_dataclass(t)]
        if nested and value is not None:
            value = dataclass_from_dict(nested[0], value, f"{where}.{key}")
        elif isinstance(value, list):
            value = tuple(value)
        kwargs[key] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise SpinDCGANError(f"bad {where}: {exc}") from None
