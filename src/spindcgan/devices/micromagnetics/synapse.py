"""Micromagnetic setup 2: the multi-state skyrmion synapse.

A perpendicular Co/Pt-like film (interfacial DMI stabilises Neel skyrmions) carries a grid of
``2**bits`` anisotropy wells: discs where Ku is lower, which pin one skyrmion each (our stand-in for
the companion paper's "labyrinth-maze" anisotropy profile). State ``n`` is the device with skyrmions in
the first ``n`` wells (a serpentine order, the path a write current walks them along). An MTJ over the
whole device, its reference layer antiparallel to the background, reads the skyrmion cores as parallel
area, so every skyrmion adds the same conductance step when the wells hold them apart: 64 states that
are distinguishable as long as each relaxed state keeps exactly ``n`` separate skyrmions.

A state update moves one skyrmion from a well to the next. The drive is a spin-orbit torque from an
in-plane current in the heavy metal under the film (the companion paper drives by a perpendicular
current; the depinning physics, a current threshold set by the well, is the same). The threshold is the
smallest current density under which a pinned skyrmion has no static equilibrium left in its well,
found by bisection; an update pulse runs at 1.2x that threshold for ``pulse_time``.

Model choices as for the DW track: thin-film shape anisotropy instead of the demagnetising field,
0 K, one cell through the thickness; states are relaxed with magnum.np's Barzilai-Borwein energy
minimiser.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from .dw_track import MU0
from .solver import magnumnp, simulation_defaults


@dataclass(frozen=True)
class FilmMaterial:
    """Co/Pt-like film of the skyrmion synapse: the parameter set of Sampaio et al., Nat. Nanotechnol. 8, 839 (2013)."""

    ms: float = 5.8e5
    """A/m. Saturation magnetisation (Sampaio et al.)."""
    exchange: float = 15e-12
    """J/m. Exchange stiffness (Sampaio et al.)."""
    ku: float = 0.8e6
    """J/m^3. Uniaxial anisotropy outside the wells (Sampaio et al.)."""
    dmi: float = 3.0e-3
    """J/m^2. Interfacial DMI. Above Sampaio et al.'s 3.0 so that it exceeds the critical 4 sqrt(A Keff) / pi inside a
    well (3.2 mJ/m^2) but not outside it (3.8): a skyrmion swells to fill its well and stays there (our choice)."""
    alpha: float = 0.3
    """Gilbert damping (Sampaio et al.)."""
    spin_hall_angle: float = 0.1
    """Damping-like SOT efficiency of the Pt under the film (as for the DW track)."""
    hm_resistivity: float = 2.0e-7
    """Ohm m. Thin Pt film."""


@dataclass(frozen=True)
class SynapseSetup:
    """Geometry, anisotropy wells, read-out, update drive and mesh of the skyrmion synapse simulation."""

    bits: int = 6
    wells_x: int = 8
    wells_y: int = 8
    pitch: float = 30e-9
    """m. Well spacing: three skyrmion diameters, so neighbours barely interact (our choice)."""
    well_radius: float = 8e-9
    """m. Radius of a low-anisotropy disc."""
    well_depth: float = 0.3
    """Relative Ku reduction inside a well (20 %; our choice, see ``FilmMaterial.dmi``)."""
    thickness: float = 0.6e-9
    """m. Film thickness (ultrathin Co)."""
    hm_thickness: float = 4e-9
    """m. Heavy metal carrying the write current."""
    material: FilmMaterial = field(default_factory=FilmMaterial)
    g_parallel: float = 10e-6
    """S. The read MTJ fully parallel (its area is the whole device; the compact model's g_max)."""
    tmr: float = 1.5
    """Tunnel magnetoresistance of the read MTJ."""
    pulse_time: float = 1e-9
    """s. Update pulse length (the compact model's write_time_per_state)."""
    cell: float = 2e-9
    """m. Mesh cell (2.5 cells per wall width sqrt(A/Keff) = 5 nm)."""
    seed_radius: float = 6e-9
    """m. Radius of the reversed disc a skyrmion is seeded from before relaxation."""
    max_iterations: int = 4000
    tolerance: float = 10.0
    """A/m. Stop relaxing when max |m x (m x h)| falls below this."""

    def quick(self) -> SynapseSetup:
        """The coarse setup of ``--quick``: 3 bits (4 x 2 wells), 2.5 nm cells."""
        return dataclasses.replace(self, bits=3, wells_x=4, wells_y=2, cell=2e-9, max_iterations=3000)

    def __post_init__(self) -> None:
        if self.wells_x * self.wells_y != 2**self.bits:
            raise ValueError(f"{self.wells_x} x {self.wells_y} wells do not hold 2**{self.bits} states")

    @property
    def states(self) -> int:
        return 2**self.bits

    @property
    def size(self) -> tuple[float, float]:
        return self.wells_x * self.pitch, self.wells_y * self.pitch

    def well_centres(self) -> list[tuple[float, float]]:
        """Well centres in serpentine order: the order states fill them."""
        centres = []
        for j in range(self.wells_y):
            row = range(self.wells_x) if j % 2 == 0 else reversed(range(self.wells_x))
            centres += [((i + 0.5) * self.pitch, (j + 0.5) * self.pitch) for i in row]
        return centres

    def conductance(self, core_fraction: float) -> float:
        """S of the read MTJ with ``core_fraction`` of the device reversed (parallel to its reference)."""
        g_ap = self.g_parallel / (1 + self.tmr)
        return g_ap + (self.g_parallel - g_ap) * core_fraction

    def update_energy(self, drive: float) -> float:
        """J of one update pulse: I^2 R t in the heavy metal under the device."""
        width, length = self.size[1], self.size[0]
        current = drive * width * self.hm_thickness
        resistance = self.material.hm_resistivity * length / (width * self.hm_thickness)
        return current**2 * resistance * self.pulse_time


def _film_state(mn, setup: SynapseSetup, wells_x: int, wells_y: int):
    """magnum.np state of a film with ``wells_x`` x ``wells_y`` wells, uniformly up."""
    nx = int(round(wells_x * setup.pitch / setup.cell))
    ny = int(round(wells_y * setup.pitch / setup.cell))
    mesh = mn.Mesh((nx, ny, 1), (setup.cell, setup.cell, setup.thickness))
    state = mn.State(mesh)
    x, y, _ = mesh.SpatialCoordinate()
    mat = setup.material
    keff = torch.full(mesh.n, mat.ku - 0.5 * MU0 * mat.ms**2)
    for i in range(wells_x):
        for j in range(wells_y):
            cx, cy = (i + 0.5) * setup.pitch, (j + 0.5) * setup.pitch
            inside = (x - cx) ** 2 + (y - cy) ** 2 < setup.well_radius**2
            keff[inside] -= setup.well_depth * mat.ku
    state.material = {
        "Ms": mat.ms,
        "A": mat.exchange,
        "Ku": keff[..., None],
        "Ku_axis": state.Constant([0.0, 0.0, 1.0]),
        "Di": mat.dmi,
        "alpha": mat.alpha,
        "eta_damp": mat.spin_hall_angle,
        "eta_field": 0.0,
        "p": state.Constant([0.0, 1.0, 0.0]),
        "d": setup.thickness,
        "je": 0.0,
    }
    state.m = state.Constant([0.0, 0.0, 1.0])
    return mesh, state, x, y


def _seed(state, x, y, centres, radius: float) -> None:
    m = state.m.clone()
    for cx, cy in centres:
        m[(x - cx) ** 2 + (y - cy) ** 2 < radius**2] = torch.tensor([0.0, 0.0, -1.0])
    m[..., 0] += 1e-3  # break the exact up/down symmetry so the minimiser can tilt the walls
    state.m = m / m.norm(dim=-1, keepdim=True)


def count_skyrmions(mz: np.ndarray) -> int:
    """Separate reversed regions (m_z < 0) of a film: its skyrmion count."""
    from scipy import ndimage  # a magnum.np dependency

    return int(ndimage.label(mz < 0)[1])


@dataclass
class SynapseStates:
    setup: SynapseSetup
    core_fraction: np.ndarray  # [states] reversed fraction of the device
    skyrmions: np.ndarray  # [states] skyrmions counted after relaxation
    converged: np.ndarray  # [states] bool
    snapshots: dict[int, np.ndarray]  # state -> m_z map [nx, ny]

    @property
    def conductance(self) -> np.ndarray:
        return np.array([self.setup.conductance(f) for f in self.core_fraction])


def simulate_states(
    setup: SynapseSetup, progress: Callable[[float], None] | None = None, device: str = "cpu"
) -> SynapseStates:
    """Relax every state 0 .. 2**bits - 1 and read its conductance."""
    mn = magnumnp()
    fractions, counts, converged, snapshots = [], [], [], {}
    centres = setup.well_centres()
    with simulation_defaults(device):
        for n in range(setup.states):
            _, state, x, y = _film_state(mn, setup, setup.wells_x, setup.wells_y)
            _seed(state, x, y, centres[:n], setup.seed_radius)
            ok = mn.MinimizerBB([mn.ExchangeField(), mn.UniaxialAnisotropyField(), mn.InterfaceDMIField()]).minimize(
                state, maxiter=setup.max_iterations, dm_tol=setup.tolerance
            )
            mz = state.m[:, :, 0, 2].cpu().numpy().copy()
            fractions.append(float(((1 - mz) / 2).mean()))
            counts.append(count_skyrmions(mz))
            converged.append(bool(ok))
            if n in (0, 1, setup.states // 2, setup.states - 1):
                snapshots[n] = mz
            if progress:
                progress((n + 1) / setup.states)
    return SynapseStates(setup, np.array(fractions), np.array(counts), np.array(converged), snapshots)


def depinning_drive(
    setup: SynapseSetup, low: float = 0.0, high: float = 2e12, steps: int = 8, device: str = "cpu"
) -> float:
    """A/m^2. Smallest SOT drive under which a skyrmion leaves its well (bisection between ``low`` and ``high``).

    Raises if the skyrmion is still pinned at ``high``: the threshold lies beyond the search range.

    A skyrmion counts as pinned when the minimiser finds a static state with its centre less than half a
    pitch from the well centre; above the threshold no such state exists.
    """
    mn = magnumnp()
    with simulation_defaults(device):

        def pinned(drive: float) -> bool:
            _, state, x, y = _film_state(mn, setup, 2, 1)
            centre = (0.5 * setup.pitch, 0.5 * setup.pitch)
            _seed(state, x, y, [centre], setup.seed_radius)
            terms = [mn.ExchangeField(), mn.UniaxialAnisotropyField(), mn.InterfaceDMIField()]
            mn.MinimizerBB(terms).minimize(state, maxiter=setup.max_iterations, dm_tol=setup.tolerance)
            state.material["je"] = drive
            ok = mn.MinimizerBB([*terms, mn.SpinOrbitTorque()]).minimize(
                state, maxiter=setup.max_iterations, dm_tol=setup.tolerance
            )
            core = state.m[:, :, 0, 2] < 0
            if not ok or not bool(core.any()):
                return False
            cx = float(x[:, :, 0][core].mean())
            cy = float(y[:, :, 0][core].mean())
            return math.hypot(cx - centre[0], cy - centre[1]) < 0.5 * setup.pitch

        if pinned(high):
            raise RuntimeError(f"the skyrmion stays pinned up to {high:g} A/m^2: raise the search range")
        for _ in range(steps):
            mid = 0.5 * (low + high)
            low, high = (mid, high) if pinned(mid) else (low, mid)
    return 0.5 * (low + high)


def fit_synapse(states: SynapseStates, threshold: float) -> dict:
    """Compact-model figures of the simulated synapse: conductance ladder, its linearity, update energy."""
    setup = states.setup
    g = states.conductance
    steps = np.diff(g)
    n = np.arange(setup.states)
    slope, intercept = np.polyfit(n, g, 1)
    drive = 1.2 * threshold
    return {
        "states": setup.states,
        "all_states_hold_n_skyrmions": bool((states.skyrmions == n).all()),
        "all_converged": bool(states.converged.all()),
        "g_min": float(g.min()),
        "g_max": float(g.max()),
        "min_step": float(steps.min()),
        "mean_step": float(steps.mean()),
        "distinguishable": bool((steps > 0).all()),
        "ladder_linearity_residual": float(np.abs(g - (slope * n + intercept)).max() / (g.max() - g.min())),
        "depinning_drive": threshold,
        "update_drive": drive,
        "energy_per_update": setup.update_energy(drive),
        "pulse_time": setup.pulse_time,
    }
