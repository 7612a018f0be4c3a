"""Write the calibration tables of docs/devices.md from the shipped calibration JSONs (no hand-typed numbers).

    python experiments/devices_report.py

Replaces the text between ``<!-- calibration:begin -->`` and ``<!-- calibration:end -->``.
"""

from __future__ import annotations

from pathlib import Path

from provenance import fill_block

from spindcgan.devices.calibration import load_calibration

DOC = Path(__file__).resolve().parents[1] / "docs" / "devices.md"

PUBLISHED = {
    "dw-relu": ("9.16 fJ per ReLU evaluation (companion, arXiv 2407.08469)", 9.16e-15),
    "dw-leaky-relu": ("0.192 pJ per Leaky ReLU evaluation (paper, arXiv 2601.01441)", 0.192e-12),
    "skyrmion-synapse": ("0.87 fJ per state update (companion, arXiv 2407.08469)", 0.87e-15),
}


def track_rows(device: str) -> list[str]:
    rec = load_calibration(device)
    fit, setup = rec["fit"], rec["setup"]
    text, published = PUBLISHED[device]
    energy = fit["energy_per_evaluation"]
    return [
        f"| {device} | designed negative slope (c_right / c_left) | {setup['curvature_ratio']:g} |",
        f"| | fitted negative slope | {fit['negative_slope']:.3f} |",
        f"| | positive slope | {fit['slope_right_nm_per_1e10']:.2f} nm per 1e10 A/m^2 |",
        f"| | undriven wall offset from x0 (toward the softer side) | {fit['rest_offset_nm']:.1f} nm |",
        f"| | saturation drive (wall at the end of its travel) | {fit['saturation_drive']:.3g} A/m^2 "
        f"({fit['saturation_current'] * 1e6:.1f} uA) |",
        f"| | settling time (within 5 % of the final position) | {fit['settling_time'] * 1e9:.1f} ns"
        f"{'' if fit['all_settled'] else ' (some drives still moving at the end: see the JSON)'} |",
        f"| | energy per full-scale evaluation: drive + read | {fit['drive_energy_at_saturation'] * 1e15:.2f} fJ + "
        f"{fit['read_energy'] * 1e15:.2f} fJ = {energy * 1e15:.2f} fJ |",
        f"| | published figure | {text}: simulated / published = {energy / published:.3g} |",
        f"| | run | `{rec['command']}`, {rec['wall_time_s']:.0f} s, magnum.np {rec['magnumnp']} |",
    ]


def synapse_rows() -> list[str]:
    rec = load_calibration("skyrmion-synapse")
    fit = rec["fit"]
    text, published = PUBLISHED["skyrmion-synapse"]
    holds = "yes" if fit["all_states_hold_n_skyrmions"] else "no (see the JSON)"
    return [
        f"| skyrmion-synapse | states simulated | {fit['states']} |",
        f"| | every state relaxed with exactly n separate skyrmions | {holds} |",
        f"| | conductance ladder | {fit['g_min'] * 1e6:.3f} - {fit['g_max'] * 1e6:.3f} uS, mean step "
        f"{fit['mean_step'] * 1e9:.1f} nS, smallest step {fit['min_step'] * 1e9:.1f} nS |",
        f"| | largest deviation from a linear ladder | {fit['ladder_linearity_residual'] * 100:.1f} % of the range |",
        f"| | depinning drive (bisection) | {fit['depinning_drive']:.3g} A/m^2 |",
        f"| | energy per update (1.2x depinning, {fit['pulse_time'] * 1e9:g} ns pulse) | "
        f"{fit['energy_per_update'] * 1e15:.2f} fJ |",
        f"| | published figure | {text}: simulated / published = {fit['energy_per_update'] / published:.3g} |",
        f"| | run | `{rec['command']}`, {rec['wall_time_s']:.0f} s, magnum.np {rec['magnumnp']} |",
    ]


def main() -> None:
    rows = ["| device | figure | value |", "|---|---|---|"]
    rows += track_rows("dw-relu") + track_rows("dw-leaky-relu") + synapse_rows()
    fill_block(DOC, "<!-- calibration:begin -->", "<!-- calibration:end -->", "\n".join(rows))
    print(f"updated {DOC}")


if __name__ == "__main__":
    main()
