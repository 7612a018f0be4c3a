"""HardwareConfig: which non-idealities of the spintronic hardware a layer models, in nested groups (the devices,
the arrays, variation, faults, retention), and the reading of config.json files, old flat ones included."""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal

from ..devices import DomainWallTrack, SkyrmionSynapse, calibrated_synapse, dw_leaky_relu_track, dw_relu_track
from ..errors import SpinDCGANError
from ..seeds import check_seed

SignedScheme = Literal["differential", "offset"]
ComputePath = Literal["auto", "fast", "crossbar"]
WireSolver = Literal["approximate", "exact"]


def _check_at_least(group: str, owner: Any, names: tuple[str, ...], low: float = 0.0,
                    high: float = math.inf) -> None:
    """One line naming ``hardware.<group>.<name>`` for a field that is not a finite number in [low, high]."""
    for name in names:
        value = getattr(owner, name)
        if not (isinstance(value, int | float) and math.isfinite(value) and low <= value <= high):
            span = f">= {low:g}" if high == math.inf else f"in [{low:g}, {high:g}]"
            raise SpinDCGANError(f"hardware.{group}.{name} must be a finite number {span}, got {value!r}")


def _check_choice(where: str, value: Any, choices: Any) -> None:
    if value not in typing.get_args(choices):
        raise SpinDCGANError(f"hardware.{where} must be one of {typing.get_args(choices)}, got {value!r}")


@dataclass(frozen=True)
class WireConfig:
    """The resistances around the cells of one array, in ohms (0: ideal, a perfect conductor)."""

    row_segment: float = 0.0
    """Word-line resistance between neighbouring cells (and from the driver to the first cell). NeuroSim's wire
    model gives 0.8-4.8 ohm per segment of a 2F-pitch cell at the 22-3 nm nodes, 3-5x that at an MTJ cell's
    pitch (reference.md section 10)."""
    column_segment: float = 0.0
    """Bit-line resistance between neighbouring cells (and from the last cell to the sense input); as above."""
    driver: float = 0.0
    """Output resistance of each row's driver (the DAC's buffer)."""
    sense: float = 0.0
    """Input resistance of each column's sense amplifier, which holds the column's end at a virtual ground."""

    def __post_init__(self) -> None:
        _check_at_least("array.wires", self, ("row_segment", "column_segment", "driver", "sense"))

    @property
    def ideal(self) -> bool:
        return not (self.row_segment or self.column_segment or self.driver or self.sense)


@dataclass(frozen=True)
class ActivationDevices:
    """The domain-wall devices that compute the activations; None: that activation in CMOS."""

    relu: DomainWallTrack | None = field(default_factory=dw_relu_track)
    """Generator activation device; None = CMOS ReLU."""
    leaky_relu: DomainWallTrack | None = field(default_factory=dw_leaky_relu_track)
    """Discriminator activation device (its slope is set by the layer); None = CMOS Leaky ReLU."""

    @property
    def any(self) -> bool:
        return self.relu is not None or self.leaky_relu is not None


EXACT_MAX_CELLS = 128 * 128
"""The largest array (rows x columns) the exact nodal solver takes: the size it is measured at (~0.55 s an array on
2 cores; docs/circuit.md) and the issue's scope; larger arrays go through the approximation."""


def check_exact_size(rows: int, cols: int, where: str, instead: str) -> None:
    """A one-line error where an array of ``rows x cols`` is beyond the exact solver (``where`` names the setting or
    call, ``instead`` what to use)."""
    if rows * cols > EXACT_MAX_CELLS:
        raise SpinDCGANError(f"{where}the exact wire solver takes arrays of up to {EXACT_MAX_CELLS:,} cells, got "
                             f"{rows} x {cols}: use {instead}")


@dataclass(frozen=True)
class ArrayConfig:
    """The crossbar arrays a layer's weights are cut into and how they are driven and read."""

    rows: int = 128
    """Crossbar rows (inputs) per array: 128 x 128 is a common tile (NeuroSim default)."""
    cols: int = 128
    """Crossbar columns (outputs) per array."""
    signed_scheme: SignedScheme = "differential"
    """'differential': each weight is G+ - G- on two devices; 'offset': one device minus a mid-scale
    reference column (half the devices, no exact zero)."""
    adc_bits: int | None = None
    """Column ADC resolution per array (crossbar path); None = ideal read-out."""
    dac_bits: int | None = None
    """Row DAC resolution of the input voltages (crossbar path); None = ideal drive."""
    adc_share: int = 1
    """K: weight columns that share one ADC through a column multiplexer, converted one after another: the read of
    an array takes K times as long (the ledger's latency), its ADCs take 1/K the area (``energy.area``), the
    energy per conversion is unchanged. 1 (the default, and the paper's reading): one ADC per column; NeuroSim's
    default is 8 (Param.cpp numColMuxed)."""
    path: ComputePath = "auto"
    """'fast': quantised weights then one fused torch convolution; 'crossbar': tile-by-tile
    simulation (zero insertion, per-array matmuls, ADC); 'auto': crossbar only when ADC, DAC or read
    noise need it."""
    wires: WireConfig = field(default_factory=WireConfig)
    """The resistance of the arrays' wires, drivers and sense inputs (``crossbar.circuit``); all 0 (the default,
    the paper): ideal arrays, a column current exactly the sum of conductance x voltage."""
    wire_solver: WireSolver = "approximate"
    """How an array's currents are found with ``wires``: "approximate" (``circuit.approximate_conductances``: cheap,
    differentiable, within ~1 % of full scale at 128 x 128; for training) or "exact" (the nodal solve of
    ``circuit.effective_conductances``, ~0.55 s per 128 x 128 array on a CPU; computed once per programmed layer at
    evaluation, recomputed at every training step)."""
    wire_compensation: bool = False
    """With ``wires``: each column's read-out gain set so that, with every row at full input, it reads the column's
    ideal current (a calibration of each sense amplifier against its array's IR drop, done once per programming
    from the array's conductances). It restores the full-input sums exactly and leaves the part of the loss that
    depends on which rows are driven."""

    def __post_init__(self) -> None:
        for name in ("rows", "cols"):
            if not (isinstance(getattr(self, name), int) and getattr(self, name) >= 1):
                raise SpinDCGANError(f"hardware.array.{name} must be an integer >= 1, got {getattr(self, name)!r}")
        for name in ("adc_bits", "dac_bits"):
            value = getattr(self, name)
            if value is not None and not 1 <= value <= 16:
                raise SpinDCGANError(f"hardware.array.{name} must be None or 1..16, got {value}")
        if not (isinstance(self.adc_share, int) and 1 <= self.adc_share <= self.cols):
            raise SpinDCGANError(f"hardware.array.adc_share must be an integer in [1, {self.cols}] (the columns of "
                                 f"an array), got {self.adc_share!r}")
        _check_choice("array.signed_scheme", self.signed_scheme, SignedScheme)
        _check_choice("array.path", self.path, ComputePath)
        _check_choice("array.wire_solver", self.wire_solver, WireSolver)
        if self.wire_solver == "exact" and not self.wires.ideal:
            check_exact_size(self.rows, self.cols, "hardware.array: ", "wire_solver approximate")
        if not self.wires.ideal and self.signed_scheme != "differential":
            raise SpinDCGANError("hardware.array.wires are modelled for synapse arrays of differential pairs only "
                                 "(the offset scheme's reference column is not): use signed_scheme differential")


@dataclass(frozen=True)
class Variation:
    """Device-to-device and cycle-to-cycle spreads; all 0 (the paper): identical, exact devices."""

    d2d: float = 0.0
    """Device-to-device variation: relative std of each synapse device's conductance, fixed per device."""
    c2c: float = 0.0
    """Cycle-to-cycle variation: relative std added at every programming (each training step)."""
    read_noise: float = 0.0
    """Relative std of each cell's read current, fresh at every read (crossbar path)."""
    dw_slope: float = 0.0
    """Device-to-device spread of the DW activations' slope: each channel's device multiplies its response by
    1 + N(0, sigma), fixed per device (track curvature and MTJ read-out differ from device to device)."""
    dw_offset: float = 0.0
    """Spread of each DW device's threshold: an input offset N(0, sigma) in the activation's input units (a pinning
    site or a residual field moves where the wall starts to move). 0: every device switches at zero."""

    def __post_init__(self) -> None:
        _check_at_least("variation", self, ("d2d", "c2c", "read_noise", "dw_slope", "dw_offset"))


@dataclass(frozen=True)
class Faults:
    """Devices that hold other states than written; all 0 (the paper): a perfect array."""

    stuck: float = 0.0
    """Share of the synapse devices stuck at one state whatever is written (fixed per device by the seed). Arrays
    of emerging non-volatile memory come with such faults: Chen et al. (IEEE Trans. Computers 64, 2015) counted
    1.75 % stuck-at-0 and 9.04 % stuck-at-1 cells in a 4 Mb RRAM test chip."""
    stuck_high_share: float = 0.5
    """Of the stuck devices, the share stuck at the highest state (the rest at the lowest); an even split when
    nothing is known of the device (skyrmions pinned in, or no skyrmion nucleating)."""
    program_error: float = 0.0
    """Probability that a write lands off its target state (each device, each programming): by 1 to
    ``program_error_span`` states, either way, clipped to the ladder. 0: every write exact."""
    program_error_span: int = 1
    """The largest miss of an erroneous write, in states (uniform in 1..span)."""

    def __post_init__(self) -> None:
        _check_at_least("faults", self, ("stuck", "stuck_high_share", "program_error"), high=1.0)
        if not (isinstance(self.program_error_span, int) and self.program_error_span >= 1):
            raise SpinDCGANError(f"hardware.faults.program_error_span must be an integer >= 1, got "
                                 f"{self.program_error_span!r}")


@dataclass(frozen=True)
class Retention:
    """Skyrmions lost by thermal annihilation between programming and reading (Arrhenius)."""

    time: float = 0.0
    """Seconds since programming at which the array is read: each skyrmion of a device has by then been
    annihilated with probability 1 - exp(-t * attempt_frequency * exp(-energy_barrier_kT)), so a state of n
    skyrmions reads as Binomial(n, survival). 0: read right after programming (the paper)."""
    energy_barrier_kT: float = 45.0
    """Annihilation barrier of one skyrmion in units of k_B T at the operating temperature. Room-temperature
    stability needs about 40-60 k_B T (ln(f0 * 10 years) = 40.3 at f0 = 1 GHz); 45 is a stable-but-marginal
    choice, not a measurement of this device: the micromagnetic model here does not compute it (that needs a
    minimum-energy path between the skyrmion and the uniform state, the geodesic nudged elastic band method)."""
    attempt_frequency: float = 1e9
    """Attempt frequency of thermal annihilation, Hz (the usual 1 GHz of Néel-Brown thermal activation)."""

    def __post_init__(self) -> None:
        _check_at_least("retention", self, ("time", "energy_barrier_kT", "attempt_frequency"))


@dataclass(frozen=True)
class HardwareConfig:
    """The modelled hardware. ``HardwareConfig()`` is the paper's setting: 6-bit skyrmion synapses in
    128 x 128 crossbars as differential pairs, DW ReLU / Leaky ReLU activations, no noise.
    A layer given ``hardware=None`` computes in ideal float math instead. Each setting's short name (``d2d``,
    ``stuck``, ``wire``), as the CLI, ``--grid`` and ``--train-noise`` spell it, is in ``crossbar.terms.TERMS``.
    """

    synapse: SkyrmionSynapse | None = field(default_factory=calibrated_synapse)
    """Crossbar cell; None keeps float weights (the 'DW activations only' ablation)."""
    activations: ActivationDevices = field(default_factory=ActivationDevices)
    array: ArrayConfig = field(default_factory=ArrayConfig)
    variation: Variation = field(default_factory=Variation)
    faults: Faults = field(default_factory=Faults)
    retention: Retention = field(default_factory=Retention)
    seed: int = 0
    """Seed of the fixed device-to-device variation pattern, the stuck devices, the retention draw and the DW
    devices' spread."""
    discriminator_on_hardware: bool = True
    """The discriminator on crossbars and DW devices too (the paper: both networks, so training itself runs on
    the hardware). False: a float (CMOS) discriminator beside the hardware generator, a training aid the issue
    allows because the generator, the network that is shipped and measured, stays on the modelled hardware; the
    energy ledger then refuses, since its training figures assume the paper's hardware discriminator."""

    def __post_init__(self) -> None:
        check_seed(self.seed, "hardware.seed")
        if not self.array.wires.ideal and self.synapse is None:
            raise SpinDCGANError("hardware.array.wires are the synapse arrays' wires: float weights have no arrays "
                                 "to wire")

    @property
    def needs_crossbar_path(self) -> bool:
        """True when a non-ideality lives in the read-out and needs the tile-by-tile simulation."""
        if self.array.path != "auto":
            return self.array.path == "crossbar"
        return self.array.adc_bits is not None or self.array.dac_bits is not None or self.variation.read_noise > 0

    @property
    def has_faults(self) -> bool:
        """Whether devices can hold other states than written: stuck devices, write errors, retention loss."""
        return self.faults.stuck > 0 or self.faults.program_error > 0 or self.retention.time > 0

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> HardwareConfig | None:
        """The config of a config.json, a checkpoint or an export; the flat layout of files written before the
        groups (``d2d_sigma``, ``array_rows``, ...) is read too."""
        return None if data is None else dataclass_from_dict(cls, nested_hardware(data), "hardware")


FLAT_FIELDS = {
    "relu": "activations.relu", "leaky_relu": "activations.leaky_relu",
    "array_rows": "array.rows", "array_cols": "array.cols", "signed_scheme": "array.signed_scheme",
    "adc_bits": "array.adc_bits", "dac_bits": "array.dac_bits", "path": "array.path", "wires": "array.wires",
    "wire_solver": "array.wire_solver", "wire_compensation": "array.wire_compensation",
    "d2d_sigma": "variation.d2d", "c2c_sigma": "variation.c2c", "read_noise_sigma": "variation.read_noise",
    "dw_slope_sigma": "variation.dw_slope", "dw_offset_sigma": "variation.dw_offset",
    "stuck_fraction": "faults.stuck", "stuck_high_share": "faults.stuck_high_share",
    "program_error_rate": "faults.program_error", "program_error_span": "faults.program_error_span",
    "retention_time": "retention.time", "skyrmion_energy_barrier_kT": "retention.energy_barrier_kT",
    "attempt_frequency": "retention.attempt_frequency",
}
"""Where each field of the flat HardwareConfig (files written before the groups) now lives."""


def nested_hardware(data: Any) -> Any:
    """A hardware mapping in today's nested layout: a flat one (its fields in ``FLAT_FIELDS``) moved into the
    groups; anything else returned as it is, for ``dataclass_from_dict`` to check."""
    groups = {f.name for f in dataclasses.fields(HardwareConfig)} - {"synapse", "seed", "discriminator_on_hardware"}
    if not isinstance(data, dict) or not set(data) & set(FLAT_FIELDS) or set(data) & groups:
        return data
    nested: dict[str, Any] = {}
    for key, value in data.items():
        group, _, name = FLAT_FIELDS.get(key, "").partition(".")
        if group:
            nested.setdefault(group, {})[name] = value
        else:
            nested[key] = value
    return nested


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
        if not fits(value, hints[key]):
            raise SpinDCGANError(f"{where}.{key} must be {type_name(hints[key])}, got {value!r}")
        kwargs[key] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise SpinDCGANError(f"bad {where}: {exc}") from None


def fits(value: Any, hint: Any) -> bool:
    """Whether a value read from JSON has a field's annotated type (an int where a float is asked is one)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(fits(value, arg) for arg in args)
    if origin is typing.Literal:
        return value in args
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(fits(v, args[0]) for v in value)
        return len(args) == len(value) and all(fits(v, a) for v, a in zip(value, args, strict=True))
    if hint is type(None):
        return value is None
    if hint in (int, float):
        return isinstance(value, int if hint is int else int | float) and not isinstance(value, bool)
    if isinstance(hint, type) and origin is None:
        return isinstance(value, hint)
    return True  # a construct the configs do not use: left to the dataclass's own checks


def type_name(hint: Any) -> str:
    """A field's type as a config.json reader would say it: "an integer or null", "one of 'linear', 'cosine'"."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(type_name(arg) for arg in args)
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin is tuple:
        return f"a list of {type_name(args[0])}" if args else "a list"
    names = {int: "an integer", float: "a number", bool: "true or false", str: "a string", type(None): "null"}
    return names.get(hint, f"a {getattr(hint, '__name__', hint)}")
