"""The modelled hardware in words, for the commands that print it (energy, info)."""

from __future__ import annotations

from ..crossbar.config import HardwareConfig
from ..crossbar.terms import settings_of


def describe_hardware(hw: HardwareConfig | None) -> str:
    """One line: the synapses, the activations, the arrays and every setting that differs from the paper's."""
    if hw is None:
        return "none (float baseline)"
    syn = f"{hw.synapse.bits}-bit skyrmion synapses ({hw.array.signed_scheme})" if hw.synapse else "float weights"
    acts = "DW ReLU / DW Leaky ReLU" if hw.activations.any else "CMOS activations"
    shown = ("bits", "signed_scheme", "array")
    changed = [f"{name}={value:g}" if isinstance(value, float) else f"{name}={value}"
               for name, value in settings_of(hw).items() if name not in shown]
    where = "" if hw.discriminator_on_hardware else ", float discriminator (generator only on hardware)"
    return (f"{syn}, {acts}, {hw.array.rows}x{hw.array.cols} arrays" + (f", {', '.join(changed)}" if changed else "")
            + where)


def describe_devices(hw: HardwareConfig | None) -> str:
    """One line per modelled device: where its physical figures come from."""
    if hw is None:
        return ""
    lines = []
    syn = hw.synapse
    if syn is not None:
        line = f"  synapse: calibration {syn.calibration}"
        if syn.simulated_update_energy is not None:
            line += (f"; update {syn.update_drive:.3g} A/m^2, simulated {syn.simulated_update_energy * 1e15:.3g} fJ "
                     f"(ledger uses {syn.write_energy_per_state * 1e15:.3g} fJ)")
        lines.append(line)
    for label, track in (("DW ReLU", hw.activations.relu), ("DW Leaky ReLU", hw.activations.leaky_relu)):
        if track is not None:
            line = f"  {label}: calibration {track.calibration}"
            if track.simulated_energy_per_evaluation is not None:
                simulated = track.simulated_energy_per_evaluation * 1e15
                line += (f"; saturates at {track.drive_at_saturation:.3g} A/m^2, settles in "
                         f"{track.settling_time * 1e9:.3g} ns, simulated {simulated:.3g} fJ "
                         f"(ledger uses {track.energy_per_evaluation * 1e15:.3g} fJ)")
            lines.append(line)
    return "\n".join(lines)
