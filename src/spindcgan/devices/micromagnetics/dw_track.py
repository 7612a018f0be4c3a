"""Micromagnetic setup 1: the domain-wall activation track (ReLU and tunable Leaky ReLU).

A perpendicular ferromagnet (CoFeB-like) on a heavy metal (Pt-like). An in-plane charge current in the
heavy metal injects a spin current (spin Hall effect) whose damping-like spin-orbit torque pushes the
Neel wall (chirality fixed by interfacial DMI) along the track. The uniaxial anisotropy rises
parabolically on both sides of the rest position ``x0``: ``Keff(x) = K0 + c_right (x-x0)^2`` to the
right and ``K0 + c_left (x-x0)^2`` to the left. The wall energy grows with K, so the profile pulls the
wall back to ``x0``; the drive and the pull balance at a displacement proportional to the drive, with
a slope set by the curvature (the Leaky ReLU's negative slope is ``c_right / c_left``; a much stiffer
left side pins it: the ReLU). Past the right end of the profile's range the wall leaves the track:
the output saturates.

Model choices (documented in docs/devices.md): finite differences along the track with one cell
across width and thickness (the wall is uniform across a 40 nm wide strip); demagnetisation as the
thin-film shape anisotropy ``Keff = Ku - mu0 Ms^2 / 2`` (exact for a film much thinner than wide);
temperature 0 K. Every drive current runs in the same magnum.np mesh as its own row of cells,
decoupled from the others (exchange and DMI are zero on the separating rows), so one time integration
gives the whole transfer curve and each drive's settling transient.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from .solver import magnumnp, simulation_defaults

MU0 = 4e-7 * math.pi


@dataclass(frozen=True)
class TrackMaterial:
    """Ferromagnet / heavy-metal stack of the DW track (SI units)."""

    ms: float = 1.0e6
    """A/m. Saturation magnetisation of CoFeB (1.0-1.3 MA/m in CoFeB/MgO; Ikeda et al., Nat. Mater. 9, 721 (2010))."""
    exchange: float = 15e-12
    """J/m. Exchange stiffness of CoFeB (10-20 pJ/m in the literature; 15 is the usual micromagnetic value)."""
    ku: float = 0.9e6
    """J/m^3. Uniaxial anisotropy at the rest position. Leaves Keff = Ku - mu0 Ms^2/2 = 0.27 MJ/m^3 and a 7.4 nm
    wall width sqrt(A/Keff) (our choice, within CoFeB/MgO films): narrow against the travel, so the knee of the
    transfer curve (about a wall width) is small, yet resolved by a 2-3 nm mesh. A 10.7 nm wall (Ku = 0.76 MJ/m^3)
    gave a negative slope 22 % above the curvature ratio; this one, 8.5 %."""
    dmi: float = 0.3e-3
    """J/m^2. Interfacial DMI of heavy-metal/CoFeB (measured 0.1-0.5 mJ/m^2): makes the wall Neel (our choice)."""
    alpha: float = 0.3
    """Gilbert damping, as in the SOT micromagnetics of Sampaio et al., Nat. Nanotechnol. 8, 839 (2013)."""
    spin_hall_angle: float = 0.1
    """Damping-like SOT efficiency of Pt (0.07 in Liu et al., PRL 106, 036601 (2011); 0.1 is the usual round value)."""
    hm_resistivity: float = 2.0e-7
    """Ohm m. Resistivity of a thin Pt film (20 uOhm cm)."""


@dataclass(frozen=True)
class TrackSetup:
    """Geometry, anisotropy profile, read-out, drive sweep and mesh of one DW activation simulation."""

    name: str = "dw-leaky-relu"
    length: float = 200e-9
    """m. Track length: 100 nm left of the rest position (the wall, 7.4 nm wide, must stay far from the left end,
    whose DMI edge tilt pushes it) and 100 nm of positive travel to the right end."""
    rest_position: float = 100e-9
    """m. Centre of the parabolic anisotropy profile, where the wall sits without drive."""
    width: float = 40e-9
    """m. Track width: sets the drive current and the MTJ area."""
    fm_thickness: float = 1e-9
    """m. Ferromagnet thickness (ultrathin, for perpendicular anisotropy)."""
    hm_thickness: float = 4e-9
    """m. Heavy-metal thickness carrying the drive current."""
    k_right: float = 7.5e18
    """J/m^5. Curvature of Keff right of x0: Keff rises by 0.075 MJ/m^3 (28 % of K0) over the 100 nm of travel; a
    stiffer profile settles faster but saturates at a higher current (our choice)."""
    curvature_ratio: float = 0.2
    """c_right / c_left: the designed negative slope (0.2 = the DCGAN Leaky ReLU; 0.02 = the pinned ReLU side)."""
    material: TrackMaterial = field(default_factory=TrackMaterial)
    g_parallel: float = 50e-6
    """S. Read MTJ fully parallel (the compact model's value)."""
    tmr: float = 1.5
    """Tunnel magnetoresistance of the read MTJ (the compact model's value)."""
    read_voltage: float = 0.1
    """V across the read MTJ."""
    read_time: float = 1e-9
    """s. Read pulse after the wall has settled."""
    drives: tuple[float, ...] = tuple(x * 1e10 for x in (-25, -20, -15, -10, -5, 0, 2.5, 5, 7.5, 10, 12.5, 20, 30))
    """A/m^2. Drive current densities in the heavy metal (one simulation row each)."""
    cell: float = 2e-9
    """m. Mesh cell along the track (3.7 cells per wall width)."""
    duration: float = 10e-9
    """s. Simulated time per drive: long enough to settle (checked: the result records whether it did)."""
    sample_every: float = 0.1e-9
    """s. Interval of the recorded wall position."""
    atol: float = 1e-4
    """Absolute tolerance of magnum.np's adaptive RKF45 integrator."""

    def quick(self) -> TrackSetup:
        """The coarse setup of ``--quick``: 3 nm cells, 10 drives, a looser integrator tolerance (moves the curve by
        < 1 nm)."""
        drives = tuple(x * 1e10 for x in (-20, -15, -10, -5, 0, 2.5, 5, 7.5, 10, 30))
        return dataclasses.replace(self, cell=3e-9, atol=1e-3, drives=drives)

    @property
    def k_left(self) -> float:
        return self.k_right / self.curvature_ratio

    @property
    def k0(self) -> float:
        """J/m^3. Effective anisotropy at the rest position (thin-film shape anisotropy subtracted)."""
        return self.material.ku - 0.5 * MU0 * self.material.ms**2

    @property
    def wall_width(self) -> float:
        return math.sqrt(self.material.exchange / self.k0)

    def current(self, drive: float) -> float:
        """A through the heavy metal for a drive current density."""
        return drive * self.width * self.hm_thickness

    def resistance(self) -> float:
        """Ohm of the heavy-metal strip along the track."""
        return self.material.hm_resistivity * self.length / (self.width * self.hm_thickness)

    def drive_energy(self, drive: float, pulse: float) -> float:
        """J dissipated in the heavy metal by a drive pulse: I^2 R t."""
        return self.current(drive) ** 2 * self.resistance() * pulse

    def conductance(self, up_fraction: float) -> float:
        """S of the parallel MTJ when ``up_fraction`` of the track is parallel to its reference layer."""
        g_ap = self.g_parallel / (1 + self.tmr)
        return g_ap + (self.g_parallel - g_ap) * up_fraction

    def read_energy(self, up_fraction: float) -> float:
        return self.read_voltage**2 * self.conductance(up_fraction) * self.read_time


@dataclass
class TrackResult:
    """What one simulation gives: per drive, the wall's trajectory, final state and read-out."""

    setup: TrackSetup
    times: np.ndarray  # [T] s
    positions: np.ndarray  # [T, D] m, wall position from the left end
    profiles: np.ndarray  # [D, X] final m_z along the track
    rest: float  # m, wall position without drive after the run (the zero-drive row)

    @property
    def drives(self) -> np.ndarray:
        return np.asarray(self.setup.drives)

    @property
    def displacement(self) -> np.ndarray:
        """m. Final wall displacement from the undriven wall, per drive."""
        return self.positions[-1] - self.rest

    def settled(self, tolerance: float = 0.5e-9) -> np.ndarray:
        """Per drive: did the wall stop (moved < ``tolerance`` over the last 1 ns)?"""
        back = max(1, int(round(1e-9 / self.setup.sample_every)))
        return np.abs(self.positions[-1] - self.positions[-1 - back]) < tolerance

    def settling_time(self, fraction: float = 0.05, floor: float = 1e-9) -> np.ndarray:
        """s. Per drive, the time after which the wall stays within ``fraction`` of its travel (or ``floor``)."""
        start = self.positions[0]
        final = self.positions[-1]
        band = np.maximum(fraction * np.abs(final - start), floor)
        outside = np.abs(self.positions - final) > band
        times = np.zeros(len(final))
        for d in range(len(final)):
            idx = np.nonzero(outside[:, d])[0]
            times[d] = self.times[idx[-1] + 1] if len(idx) else 0.0
        return times

    def up_fraction(self) -> np.ndarray:
        """Per drive: the part of the track magnetised along +z (parallel to the read MTJ's reference)."""
        return ((1 + self.profiles) / 2).mean(axis=1)


def simulate_track(
    setup: TrackSetup, progress: Callable[[float], None] | None = None, device: str = "cpu"
) -> TrackResult:
    """Integrate the LLG equation with SOT for every drive of ``setup`` at once; record the wall positions."""
    mn = magnumnp()
    mat = setup.material
    n_drives = len(setup.drives)
    nx = int(round(setup.length / setup.cell))
    with simulation_defaults(device):
        mesh = mn.Mesh((nx, 2 * n_drives - 1, 1), (setup.cell, setup.width, setup.fm_thickness))
        state = mn.State(mesh)
        x = mesh.SpatialCoordinate()[0]
        track = torch.zeros(mesh.n)
        track[:, 0::2, :] = 1.0  # even rows are tracks, odd rows separate them (no exchange, no DMI)
        q = x - setup.rest_position
        keff = setup.k0 + track * torch.where(q >= 0, setup.k_right * q**2, setup.k_left * q**2)
        drive = torch.zeros(mesh.n)
        drive[:, 0::2, :] = torch.tensor(setup.drives).reshape(1, -1, 1)
        state.material = {
            "Ms": mat.ms,
            "A": (mat.exchange * track)[..., None],
            "Ku": keff[..., None],
            "Ku_axis": state.Constant([0.0, 0.0, 1.0]),
            "Di": (mat.dmi * track)[..., None],
            "alpha": mat.alpha,
            "eta_damp": mat.spin_hall_angle,
            "eta_field": 0.0,
            "p": state.Constant([0.0, 1.0, 0.0]),
            "d": setup.fm_thickness,
            "je": drive[..., None],
        }
        # Up domain left of x0, down domain right of it, joined by the Neel wall that positive DMI favours.
        m = state.Constant([0.0, 0.0, 0.0])
        u = (x - setup.rest_position) / setup.wall_width
        m[..., 2] = -torch.tanh(u) * track + (1 - track)
        m[..., 0] = -track / torch.cosh(u)
        state.m = m / m.norm(dim=-1, keepdim=True)
        terms = [mn.ExchangeField(), mn.UniaxialAnisotropyField(), mn.InterfaceDMIField(), mn.SpinOrbitTorque()]
        llg = mn.LLGSolver(terms, atol=setup.atol)

        def wall_positions() -> np.ndarray:
            mz = state.m[:, 0::2, 0, 2]
            return (((1 + mz) / 2).sum(0) * setup.cell).cpu().numpy()

        steps = int(round(setup.duration / setup.sample_every))
        times, positions = [0.0], [wall_positions()]
        for i in range(steps):
            llg.step(state, setup.sample_every)
            times.append((i + 1) * setup.sample_every)
            positions.append(wall_positions())
            if progress:
                progress((i + 1) / steps)
        profiles = state.m[:, 0::2, 0, 2].T.cpu().numpy().copy()
    positions_arr = np.stack(positions)
    drives = np.asarray(setup.drives)
    zero = np.nonzero(drives == 0)[0]
    rest = float(positions_arr[-1, zero[0]]) if len(zero) else setup.rest_position
    return TrackResult(setup, np.asarray(times), positions_arr, profiles, rest)


def _line(drives: np.ndarray, displacement: np.ndarray) -> tuple[float, float]:
    """Least-squares slope and intercept (NaN if fewer than two points)."""
    if len(drives) < 2:
        return math.nan, math.nan
    slope, intercept = np.polyfit(drives, displacement, 1)
    return float(slope), float(intercept)


def fit_track(result: TrackResult) -> dict:
    """Fit the compact model (a line each side, saturation at the end of the travel) to a simulated transfer curve.

    Each side is a least-squares line with an intercept: the undriven wall sits a little off ``x0``, on the
    softer side (the wall, about ``2 * wall_width`` long, feels both curvatures there), so the curve has a knee
    about one wall width across rather than a sharp corner, and the slopes are those beyond it. Right: drives
    whose displacement stays below 60 % of the travel; left: negative drives down to minus the saturation drive
    (the network's input range).
    """
    setup = result.setup
    drives, dx = result.drives, result.displacement
    travel = setup.length - setup.rest_position
    right = (drives > 0) & (dx < 0.6 * travel)
    slope_right, offset_right = _line(drives[right], dx[right])
    saturation_drive = (travel - offset_right) / slope_right
    left = (drives < 0) & (drives >= -1.05 * saturation_drive)
    slope_left, offset_left = _line(drives[left], dx[left])
    settled = result.settled()
    moving = (drives != 0) & (np.abs(dx) < 0.95 * travel)
    settle = result.settling_time()[moving & settled]
    settling_time = float(settle.max()) if len(settle) else math.nan
    up = result.up_fraction()
    read = setup.read_energy(float(up.max()))
    drive_energy = setup.drive_energy(saturation_drive, settling_time)
    return {
        "slope_right_nm_per_1e10": slope_right * 1e19,
        "slope_left_nm_per_1e10": slope_left * 1e19,
        "offset_right_nm": offset_right * 1e9,
        "offset_left_nm": offset_left * 1e9,
        "negative_slope": slope_left / slope_right,
        "designed_negative_slope": setup.curvature_ratio,
        "rest_offset_nm": (result.rest - setup.rest_position) * 1e9,
        "saturation_drive": saturation_drive,
        "saturation_current": setup.current(saturation_drive),
        "settling_time": settling_time,
        "all_settled": bool(settled[moving].all()),
        "drive_energy_at_saturation": drive_energy,
        "read_energy": read,
        "energy_per_evaluation": drive_energy + read,
        "conductance_range": [float(setup.conductance(up.min())), float(setup.conductance(up.max()))],
    }
