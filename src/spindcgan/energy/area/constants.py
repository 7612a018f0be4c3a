"""Every number of the area model, each with its source (paper, tool and file) and the technology node it holds at.

Areas in um^2 hold at the node named beside them and scale as (F / node)^2; areas in F^2 hold at any node; device
footprints in nm^2 are absolute (a magnetic track does not shrink with the CMOS node). Nothing here was tuned: the
ISAAC and NeuRRAM figures are reproduced in tests/test_area.py by configuring the model as those chips were built.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AreaConstants:
    """The sourced constants of the area model (docs/area.md lists them, generated from this class)."""

    cell_1t1r_neurosim_f2: float = 48.0
    """F^2 of a 1T1R cell, 4 F x 12 F: NeuroSim V1.4, Inference_pytorch/NeuroSIM/Param.cpp
    (heightInFeatureSize1T1R = 4, widthInFeatureSize1T1R = 12); any node."""
    cell_crosspoint_neurosim_f2: float = 4.0
    """F^2 of a cross-point cell without access device, 2 F x 2 F: NeuroSim V1.4 Param.cpp
    (heightInFeatureSizeCrossbar = widthInFeatureSizeCrossbar = 2); any node."""
    cell_stt_mram_nvsim_f2: float = 54.0
    """F^2 of a 1T1MTJ STT-MRAM cell: NVSim, sample_STTRAM.cell (CellArea 54 since commit 6e3d070, 2014; 57.5
    before); any node."""
    cell_1t1r_neurram_f2: float = 125.74
    """F^2 of NeuRRAM's 1T1R cell at 130 nm (Wan et al., Nature 608, 504 (2022)), as given in the project's
    reference.md section 11: a 256 x 256 array of it is 0.139 mm^2."""
    isaac_array_um2: float = 25.0
    """um^2 of one 128 x 128 memristor array at 32 nm: ISAAC (Shafiee et al., ISCA 2016) Table 2 as given in
    reference.md section 11, the 200 um^2 of its 10,250 um^2 in-situ multiply-accumulate unit that its ADCs (9,600),
    DACs (170), sample-and-hold (40) and shift-and-add units (240) leave to its 8 arrays (1.49 F^2 per cell)."""
    isaac_node_nm: float = 32.0
    """nm, the node of every ISAAC figure here (ISAAC, ISCA 2016, section 6)."""
    isaac_dac_1bit_um2: float = 0.166015625
    """um^2 of a 1-bit row DAC at 32 nm: ISAAC Table 2, 8 x 128 DACs in 0.00017 mm^2, i.e. 170 um^2 / 1,024
    (Accelergy hwcomponents-library, library/isaac.py, IsaacDAC)."""
    isaac_sample_hold_um2: float = 0.0390625
    """um^2 of one column's sample-and-hold at 32 nm: ISAAC Table 2, 8 x 128 of them in 0.00004 mm^2 (40 / 1,024)."""
    isaac_shift_add_um2: float = 60.0
    """um^2 of one 16-bit shift-and-add unit at 32 nm: ISAAC Table 2, 4 in 0.00024 mm^2 (hwcomponents-library
    isaac.py, IsaacShiftAdd)."""
    isaac_adc_um2: tuple[tuple[int, float], ...] = (
        (4, 361.04), (5, 476.91), (6, 626.91), (7, 845.18), (8, 1200.0), (9, 1827.911647), (10, 3002.008032))
    """(bits, um^2) of a 1.2 GS/s SAR ADC at 32 nm: ISAAC's 8-bit ADC, 1,200 um^2 (Table 2: 8 in 0.0096 mm^2; Kull
    et al., ISSCC 2013, 32 nm SOI), and its versions at 4-10 bits scaled after Saberi et al. (IEEE TCAS-I 2011) in
    Accelergy hwcomponents-library, library/isaac.py (IsaacADC's table)."""
    neurosim_transistor_f2: float = 212.8
    """F^2 of one minimum transistor (2 F wide) in NeuroSim's standard-cell row, 28 F high and 2 x (1 + 2.8) F
    wide: NeuroSim V1.4 formula.cpp CalculateGateArea with constant.h MAX_TRANSISTOR_HEIGHT 28, POLY_WIDTH 1,
    MIN_GAP_BET_GATE_POLY 2.8; bulk nodes >= 22 nm (below, NeuroSim's FinFET rows are taller)."""
    neurosim_sar_transistors: tuple[int, int, int, int] = (269, 109, 209, 73)
    """A SAR ADC of b bits has (269 + 109 (b - 1)) NMOS and (209 + 73 (b - 1)) PMOS minimum transistors: NeuroSim V1.4
    SarADC.cpp CalculateUnitArea (1,388 at 6 bits: 302 um^2 at 32 nm); bulk nodes >= 22 nm."""
    survey_area_fit: tuple[float, float, float, float] = (
        1.3461916439910742, 0.9932794744745022, 0.18071538424508238, 0.29912426192653485)
    """ln(area / um^2) = c0 + c1 ln(node / nm) + c2 ln(rate / Hz) + c3 ln(energy / pJ): Accelergy ADC plug-in
    (accelergy-adc-plug-in, commit ff0fb48, adc_data/model.yaml, 'area (um^2)'), a regression on Murmann's ADC survey
    shifted to its best 10 % (headers.py AREA_QUANTILE); any node the survey spans."""
    survey_foms_fit: tuple[float, float] = (213.7806687348118, -2.8719030399529957)
    """Best Schreier FOM (dB) = d0 + d1 ln(rate / Hz), before the per-resolution cap: same model.yaml, 'FOMS_hf [dB]'
    intercept and frequency (model.py get_energy)."""
    survey_foms_max_by_bits: tuple[float, ...] = (
        128.3068287398817, 131.52734025085925, 134.7478517618368, 137.96836327281437, 141.18887478379193,
        144.4093862947695, 147.62989780574708, 150.85040931672464, 154.0709208277022, 157.29143233867975,
        160.5119438496573, 163.73245536063487, 166.95296687161243, 170.17347838259, 173.39398989356755,
        176.61450140454514, 179.83501291552267, 183.05552442650026, 186.27603593747781, 189.49654744845537,
        192.71705895943293)
    """Cap on the Schreier FOM (dB) at ceil(bits) = 0, 1, ..., 20: same model.yaml, 'max_by_enob'."""
    survey_energy_fit: tuple[float, float, float, float] = (
        26.0496215686518, 1.8800369206815004, -2.8291256050594527, -1.4702022133784405)
    """Energy per conversion from the FOM (E = 1 / (2 * 10^((FOM - SNDR) / 10)) J, SNDR = 6.02 b + 1.76 dB), times
    exp(e0 + e1 ln(node / nm) + e2 ln(bits) + e3) to pJ: same model.yaml, 'tech intercept', 'tech slope', 'enob
    slope', 'energy (pJ/op) res' (model.py get_energy)."""
    skyrmion_footprint_nm2: float = 240.0 * 240.0
    """nm^2 of the skyrmion synapse: the film of our micromagnetic setup, 8 x 8 wells at a 30 nm pitch
    (spindcgan/devices/micromagnetics/synapse.py, SynapseSetup.size; docs/devices.md); absolute, no node."""
    dw_track_footprint_nm2: float = 200.0 * 40.0
    """nm^2 of one DW activation track, 200 nm x 40 nm (its read MTJ sits on top): our micromagnetic setup
    (spindcgan/devices/micromagnetics/dw_track.py, TrackSetup length x width; docs/devices.md); absolute."""
    sram_6t_cell_f2: float = 146.0
    """F^2 of a 6T SRAM cell: NVSim, SRAM.cell (CellArea 146); any node."""

    def cell_f2(self, name: str) -> float:
        """F^2 of the access cell ``name`` (one of ``CELLS``); ISAAC's cell is its array over 128 x 128 at 32 nm."""
        if name == "isaac":
            return self.isaac_array_um2 / (128 * 128) / (self.isaac_node_nm * 1e-3) ** 2
        return getattr(self, f"cell_{name.replace('-', '_')}_f2")


CELLS = ("1t1r-neurosim", "crosspoint-neurosim", "stt-mram-nvsim", "1t1r-neurram", "isaac")
"""The access cells ``AreaConfig.cell`` may name (``AreaConstants.cell_f2``)."""
