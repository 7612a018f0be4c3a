"""One crossbar array as a resistive circuit: wire (line) resistance, drivers and sense inputs, solved exactly.

An ideal array's column current is the sum of conductance x voltage. A real one loses some of it along its
wires: each row (word line) is driven at its left end through the driver's output resistance and runs past
every cell on a segment of wire; each column (bit line) runs down past every cell and ends in the sense
amplifier's input resistance at a virtual ground. The cells (``g``, siemens) join row and column nodes. This is
the topology reference.md section 10 measures CrossSim, MemTorch and aihwkit with.

With linear cells the network is linear in the applied voltages, so the column currents of any input vector V
are ``V @ G_eff`` exactly, where the effective conductance matrix ``G_eff`` (rows x columns) follows from one
sparse factorisation of the nodal equations and one solve per row (``effective_conductances``). Built once per
programmed array, it then costs what the ideal product costs. ``spice_netlist`` writes the same circuit for
ngspice, the reference the tests hold the solver to.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import scipy.sparse as sparse
import scipy.sparse.linalg as sparse_linalg
import torch

from ..errors import SpinDCGANError
from .config import HardwareConfig, WireConfig, check_exact_size


class _Nodes:
    """The circuit's nodes, merged where a zero resistance shorts them (union-find)."""

    def __init__(self, count: int) -> None:
        self.parent = np.arange(count)

    def find(self, node: int) -> int:
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:
            self.parent[node], node = root, self.parent[node]
        return root

    def short(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)  # fixed nodes (sources, ground) are numbered first


def _wires(rows: int, cols: int, wires: WireConfig) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """The wire resistors as (node a's, node b's, ohms) groups. Nodes: 0 ground, 1..rows the sources, then per
    row its driver end, then the row node and the column node at every cell, then each column's end."""
    source = 1 + np.arange(rows)
    driver_end = 1 + rows + np.arange(rows)
    cell = np.arange(rows * cols).reshape(rows, cols)
    row_node = 1 + 2 * rows + cell
    col_node = 1 + 2 * rows + rows * cols + cell
    col_end = 1 + 2 * rows + 2 * rows * cols + np.arange(cols)
    ground = np.zeros(cols, dtype=int)
    return [
        (source, driver_end, wires.driver),
        (driver_end, row_node[:, 0], wires.row_segment),
        (row_node[:, :-1].ravel(), row_node[:, 1:].ravel(), wires.row_segment),
        (col_node[:-1, :].ravel(), col_node[1:, :].ravel(), wires.column_segment),
        (col_node[-1, :], col_end, wires.column_segment),
        (col_end, ground, wires.sense),
    ]


def effective_conductances(g: np.ndarray, wires: WireConfig) -> np.ndarray:
    """The matrix ``G_eff`` (rows x columns, siemens) with which the array of cell conductances ``g`` turns applied
    row voltages V into column currents, ``V @ G_eff``, wires and all: exact for linear cells (float64 nodal
    analysis, one sparse LU and one solve per row). Ideal wires give ``g`` itself."""
    g = np.asarray(g, dtype=np.float64)
    if g.ndim != 2 or 0 in g.shape or not np.all(np.isfinite(g)) or np.any(g < 0):
        raise SpinDCGANError("cell conductances must be a non-empty 2-D array of finite values >= 0 siemens")
    if wires.ideal:
        return g.copy()
    rows, cols = g.shape
    check_exact_size(rows, cols, "", "approximate_conductances")
    count = 1 + 2 * rows + 2 * rows * cols + cols
    nodes = _Nodes(count)
    groups = _wires(rows, cols, wires)
    for a, b, ohms in groups:
        if ohms == 0:
            for x, y in zip(a, b, strict=True):
                nodes.short(int(x), int(y))
    root = np.array([nodes.find(i) for i in range(count)])
    fixed = 1 + rows  # ground and the sources: numbered first, so a merged class keeps a fixed root
    cell = np.arange(rows * cols).reshape(rows, cols)
    row_node, col_node = root[1 + 2 * rows + cell], root[1 + 2 * rows + rows * cols + cell]
    # every two-terminal conductance between classes: the wires, then the cells
    a_list, b_list, s_list = [], [], []
    for a, b, ohms in groups:
        if ohms > 0:
            a_list.append(root[a])
            b_list.append(root[b])
            s_list.append(np.full(len(a), 1.0 / ohms))
    a_list.append(row_node.ravel())
    b_list.append(col_node.ravel())
    s_list.append(g.ravel())
    a, b, s = (np.concatenate(x) for x in (a_list, b_list, s_list))
    keep = (a != b) & (s > 0)
    a, b, s = a[keep], b[keep], s[keep]
    classes = np.unique(np.concatenate([np.arange(fixed), root]))
    index = np.full(count, -1)
    index[classes] = np.arange(len(classes))
    ia, ib = index[a], index[b]
    size = len(classes)
    laplacian = sparse.coo_matrix(
        (np.concatenate([s, s, -s, -s]), (np.concatenate([ia, ib, ia, ib]), np.concatenate([ia, ib, ib, ia]))),
        shape=(size, size)).tocsc()
    free = np.arange(fixed, size)
    voltages = np.zeros((size, rows))  # each class's voltage for a unit voltage on each row's source
    voltages[1 + np.arange(rows), np.arange(rows)] = 1.0
    if len(free):
        coupling = laplacian[free][:, :fixed].toarray()
        solve = sparse_linalg.splu(laplacian[free][:, free].tocsc())
        voltages[free] = solve.solve(-coupling @ voltages[:fixed])
    across = voltages[index[row_node]] - voltages[index[col_node]]  # rows x cols x inputs
    return np.einsum("ij,ijk->kj", g, across)


def column_currents(voltages: np.ndarray, g: np.ndarray, wires: WireConfig) -> np.ndarray:
    """Column currents (amperes, batch x columns) of row voltages (batch x rows) on the array ``g``."""
    return np.asarray(voltages, dtype=np.float64) @ effective_conductances(g, wires)


def spice_netlist(g: np.ndarray, voltages: np.ndarray, wires: WireConfig) -> str:
    """The circuit of ``effective_conductances`` with one input vector (``voltages``, one per row) as an ngspice
    deck whose ``.op`` prints every node's voltage (``nK``, numbered as ``_wires``) and every source's current, each
    column's among them (``vmJ#branch``: a 0 V ammeter after each sense input). A zero resistance is written as a
    0 V source (a short)."""
    g = np.asarray(g, dtype=np.float64)
    rows, cols = g.shape
    names = {0: "0"}
    lines = ["* spindcgan crossbar array, one input vector"]
    for i, v in enumerate(np.asarray(voltages, dtype=np.float64)):
        lines.append(f"VS{i} n{1 + i} 0 DC {float(v)!r}")
    for k, (a, b, ohms) in enumerate(_wires(rows, cols, wires)):
        for t, (x, y) in enumerate(zip(a, b, strict=True)):
            na, nb = names.get(int(x), f"n{x}"), names.get(int(y), f"n{y}")
            if int(y) == 0:  # a column's sense input: through its ammeter to the virtual ground
                nb = f"m{t}"
            lines.append(f"VW{k}_{t} {na} {nb} DC 0" if ohms == 0 else f"RW{k}_{t} {na} {nb} {float(ohms)!r}")
    base = 1 + 2 * rows
    for i in range(rows):
        for j in range(cols):
            if g[i, j] > 0:
                lines.append(f"RC{i}_{j} n{base + i * cols + j} n{base + rows * cols + i * cols + j} "
                             f"{float(1.0 / g[i, j])!r}")
    lines += [f"VM{j} m{j} 0 DC 0" for j in range(cols)]
    lines += [".control", "set numdgt=16", "op", "print all", ".endc", ".end", ""]
    return "\n".join(lines)


def ngspice_solution(g: np.ndarray, voltages: np.ndarray, wires: WireConfig,
                     timeout: float = 120.0) -> dict[str, float]:
    """What ngspice (``ngspice -b``) computes for one input vector on the circuit of ``spice_netlist``: every node
    voltage and source current by its name there. A one-line error where ngspice is not installed or fails."""
    binary = shutil.which("ngspice")
    if binary is None:
        raise SpinDCGANError("ngspice is not installed (Debian: apt-get install ngspice)")
    with tempfile.TemporaryDirectory() as folder:
        deck = Path(folder) / "array.cir"
        deck.write_text(spice_netlist(g, voltages, wires))
        try:
            done = subprocess.run([binary, "-b", str(deck)], capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise SpinDCGANError(f"ngspice took over {timeout:g} s on a {np.asarray(g).shape} array") from None
    found = {name: float(value) for name, value in re.findall(r"^([\w#]+)\s*=\s*(\S+)", done.stdout, re.MULTILINE)}
    cols = np.asarray(g).shape[1]
    if any(f"vm{j}#branch" not in found for j in range(cols)):  # (ngspice -b exits 1 after a .control run)
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise SpinDCGANError(f"ngspice failed on a {np.asarray(g).shape} array: {tail[0]}")
    return found


def ngspice_currents(g: np.ndarray, voltages: np.ndarray, wires: WireConfig, timeout: float = 120.0) -> np.ndarray:
    """The column currents ngspice computes for one input vector: the reference ``effective_conductances`` is held
    to."""
    found = ngspice_solution(g, voltages, wires, timeout)
    return np.array([found[f"vm{j}#branch"] for j in range(np.asarray(g).shape[1])])


def first_order_deficit(g: torch.Tensor, wires: WireConfig) -> torch.Tensor:
    """How much of each cell's ideal current the wires take, as a fraction x of it, to first order in r * g * n:
    each row's input alone, its ideal cell currents dropping voltage along the wires once. On the driven row, the
    driver and the segment before each cell carry the currents of all cells from it on; down the column, the
    cell's current crosses the segments below it and the sense input, and the column's raised nodes leak current
    back through the other (undriven) rows' cells: above the driven row at its node's voltage, below it at their
    own. O(rows x cols) an array; ``g`` in siemens, [..., rows, cols]."""
    rows = g.shape[-2]
    beyond = g.flip(-1).cumsum(-1).flip(-1)  # the current through the row segment before each cell
    row_drop = wires.driver * g.sum(-1, keepdim=True) + wires.row_segment * beyond.cumsum(-1)
    below = wires.sense + wires.column_segment * torch.arange(rows, 0, -1, dtype=g.dtype, device=g.device)
    below = below.unsqueeze(-1)  # ohms from each row's column node down to the virtual ground: [rows, 1]
    above = g.cumsum(-2) - g  # conductance of the cells above each one in its column
    under = (g * below).flip(-2).cumsum(-2).flip(-2) - g * below  # sum of g * ohms-below over the cells below
    return row_drop + g * below + above * below + under


def approximate_conductances(g: torch.Tensor, wires: WireConfig) -> torch.Tensor:
    """A fast, differentiable estimate of ``effective_conductances`` (the arrays ``g``, [..., rows, cols]):
    g / (1 + x) with x the ``first_order_deficit``. The rational form is exact for a single cell in series with
    its wires (g / (1 + g R)), agrees with the first order g (1 - x) for small x, and stays between 0 and g where
    the first order overshoots: against the exact solve of 128 x 128 arrays it is off by at most 0.65 % of the
    full-scale current for the skyrmion synapses' conductances (up to 1e-5 S) and 5 ohm segments, where the wires
    take up to 30 % (docs/circuit.md)."""
    if wires.ideal:
        return g
    return g / (1 + first_order_deficit(g, wires))


def arrays_of(matrices: torch.Tensor, hardware: HardwareConfig) -> torch.Tensor:
    """A layer's crossbar matrices ([groups, rows, cols]) cut into the hardware's arrays, [arrays, array.rows,
    array.cols]; the cells the last arrays leave unused hold no device (0)."""
    groups, rows, cols = matrices.shape
    ar, ac = hardware.array.rows, hardware.array.cols
    tr, tc = math.ceil(rows / ar), math.ceil(cols / ac)
    padded = torch.nn.functional.pad(matrices, (0, tc * ac - cols, 0, tr * ar - rows))
    return padded.reshape(groups, tr, ar, tc, ac).permute(0, 1, 3, 2, 4).reshape(-1, ar, ac)


def matrices_of(arrays: torch.Tensor, shape: torch.Size, hardware: HardwareConfig) -> torch.Tensor:
    """``arrays_of`` undone: the [groups, rows, cols] matrices of ``shape`` from their arrays."""
    groups, rows, cols = shape
    ar, ac = hardware.array.rows, hardware.array.cols
    tr, tc = math.ceil(rows / ar), math.ceil(cols / ac)
    whole = arrays.reshape(groups, tr, tc, ar, ac).permute(0, 1, 3, 2, 4).reshape(groups, tr * ar, tc * ac)
    return whole[:, :rows, :cols]


def wired_arrays(arrays: torch.Tensor, hardware: HardwareConfig) -> torch.Tensor:
    """Each array's effective conductances with ``hardware.array.wires`` (``hardware.array.wire_solver``: the
    approximation, or the exact solve, which is not differentiable)."""
    if hardware.array.wires.ideal:
        return arrays
    if hardware.array.wire_solver == "exact":
        solved = [effective_conductances(a.detach().cpu().double().numpy(), hardware.array.wires) for a in arrays]
        return torch.as_tensor(np.stack(solved), dtype=arrays.dtype, device=arrays.device)
    return approximate_conductances(arrays, hardware.array.wires)


def through_wires(matrices: torch.Tensor, hardware: HardwareConfig) -> torch.Tensor:
    """The effective conductances of a layer's crossbar matrices (siemens, [groups, rows, cols]), each of its
    arrays solved on its own with ``hardware.array.wires``."""
    if hardware.array.wires.ideal:
        return matrices
    matrices = matrices.clamp_min(0)  # device variation can draw a conductance below 0: no device conducts so
    arrays = arrays_of(matrices, hardware)
    wired = wired_arrays(arrays, hardware)
    if hardware.array.wire_compensation:  # each column's gain: its ideal full-input current over its wired one
        wired = wired * _ratio(arrays.sum(-2, keepdim=True), wired.sum(-2, keepdim=True), 1.0)
    return matrices_of(wired, matrices.shape, hardware)


def _ratio(over: torch.Tensor, under: torch.Tensor, where_none: float) -> torch.Tensor:
    """``over / under`` where ``under`` > 0 (a column with devices), ``where_none`` elsewhere."""
    return torch.where(under > 0, over / under.clamp_min(torch.finfo(under.dtype).tiny), where_none)


def full_input_losses(matrices: torch.Tensor, hardware: HardwareConfig) -> torch.Tensor:
    """The IR drop's worst case: with every row of every array at full input, the share of each column's ideal
    current that the wires take, [arrays, array.cols] (0 where a column holds no device)."""
    arrays = arrays_of(matrices, hardware)
    return 1 - _ratio(wired_arrays(arrays, hardware).sum(-2), arrays.sum(-2), 1.0)


def format_wire_losses(rows: list[dict], title: str) -> str:
    """A plain-text table of ``spindcgan.nn.wire_losses``."""
    header = f"{'layer':<10} {'kind':<8} {'arrays':>7} {'worst':>8} {'mean':>8}"
    lines = [title, header, "-" * len(header)]
    lines += [f"{r['layer']:<10} {r['kind']:<8} {r['arrays']:>7} {r['worst']:>8.2%} {r['mean']:>8.2%}" for r in rows]
    return "\n".join(lines)


def wire_power(matrices: torch.Tensor, voltages: torch.Tensor, hardware: HardwareConfig,
               transposed: bool = False) -> float:
    """The power the wires of a layer's arrays dissipate, summed over its input vectors (watts x vectors): each
    cell's current (as ``approximate_conductances`` has it) through the driver, the row segments, the column
    segments and the sense input, I^2 R summed; within 1 % of ngspice's at 1 ohm segments (tests). ``matrices``
    [groups, rows, cols] siemens (one sign's devices), ``voltages`` [groups, rows, vectors] volts on the driven
    lines. A transposed read (``transposed``: the columns driven, the rows sensed, as the backward pass reads)
    takes the matrices transposed and the wires' roles swapped: each column line driven from its end by the
    driver, each row line read at its end."""
    wires = hardware.array.wires
    if wires.ideal:
        return 0.0
    if transposed:
        matrices = matrices.transpose(1, 2)
        wires = WireConfig(row_segment=wires.column_segment, column_segment=wires.row_segment, driver=wires.driver,
                           sense=wires.sense)
        hardware = replace(hardware, array=replace(hardware.array, rows=hardware.array.cols, cols=hardware.array.rows,
                                                   wires=wires))
    groups, rows, cols = matrices.shape
    ar, ac = hardware.array.rows, hardware.array.cols
    tr, tc = math.ceil(rows / ar), math.ceil(cols / ac)
    # the currents that flow: the wires' own loss taken off
    arrays = approximate_conductances(arrays_of(matrices.double(), hardware), wires)
    length = voltages.shape[-1]
    v = torch.nn.functional.pad(voltages.double(), (0, 0, 0, tr * ar - rows)).reshape(groups, tr, 1, ar, length)
    v = v.expand(groups, tr, tc, ar, length).reshape(-1, ar, length)  # each array's inputs
    beyond = arrays.flip(-1).cumsum(-1).flip(-1)  # per unit input: the current of the row segment before a cell
    per_row = wires.driver * arrays.sum(-1).square() + wires.row_segment * beyond.square().sum(-1)  # [arrays, ar]
    index = torch.arange(ar, dtype=torch.float64)
    shared = ar - torch.maximum(index[:, None], index[None, :])  # column segments carrying both rows' currents
    products = arrays @ arrays.transpose(1, 2)  # sum over columns of g_l g_l'
    per_pair = products * (wires.column_segment * shared + wires.sense)  # [arrays, ar, ar]
    return float((per_row.unsqueeze(-1) * v.square()).sum() + ((per_pair @ v) * v).sum())
