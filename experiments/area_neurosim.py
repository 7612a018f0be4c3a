"""VGG-8 / CIFAR-10 on this project's area model next to NeuroSim V1.4's published reference chip (issue 53): a
record, and the neurosim block of docs/area.md with every mismatch of configuration named.

    python experiments/area_neurosim.py [--out results/area/neurosim-vgg8.json] [--page docs/area.md] [--pages-only]

NeuroSim's figure (its user manual, Table VII): VGG-8 on CIFAR-10, a 22 nm chip of 128 x 128 RRAM subarrays at
1 bit per cell, 8-bit weights and activations: 381.90 mm^2, 6.25 TOPS, 11.25 TOPS/W. Here a plain torch VGG-8 with
NeuroSim's layers (``VGG8_CONVS``, ``VGG8_LINEARS``) is converted by ``spindcgan.convert`` onto a HardwareConfig as
close to that run as this model allows (``neurosim_hardware``, ``AREA``) and priced by ``model_area`` in three
steps: as configured here (one multi-level device per weight), with NeuroSim's 8 one-bit columns per weight
(``columns_per_weight``), and with NeuroSim's copies of the layers' weights on top (``copies``: its pipeline copies
of the early layers and the duplicates that fill the last layer's tile). The energy ledger prices the as-configured
chip (``generation_cost`` of the network's forward pass, ``Ledger.merit``). NeuroSim's own area by part comes from
runs of its released code (``NEUROSIM["run"]``: with its flash ADCs it reproduces the published total; with SAR
ADCs it prices the ADC this model prices). The block compares part by part. ``--pages-only`` measures nothing: it
renders the block from the committed record.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch
import torch.nn as nn
from neurosim_reference import (
    COLUMNS_PER_WEIGHT,
    NEUROSIM,
    PIPELINE_COPIES,
    VGG8,
    VGG8_CONVS,
    VGG8_LINEARS,
    WEIGHT_BITS,
    neurosim_adcs,
    neurosim_ops,
    whitespace,
)
from provenance import ROOT, command, commit, fill_block, shown, study_record

from spindcgan import HardwareConfig, convert, with_settings
from spindcgan.energy.area import AreaConfig, AreaConstants, ChipArea, cell_um2, model_area
from spindcgan.energy.constants import PeripheralCosts
from spindcgan.energy.ledger import inference_ledger
from spindcgan.nn import CrossbarLayerMixin
from spindcgan.reports.mapping import map_model

OUT = ROOT / "results" / "area" / "neurosim-vgg8.json"
PAGE = ROOT / "docs" / "area.md"
BEGIN, END = "<!-- neurosim:begin -->", "<!-- neurosim:end -->"
SEED = 0
"""Seed of the untrained VGG-8's weights and of its one random 3 x 32 x 32 input image (the area depends on neither;
the ledger's energy depends on both)."""

AREA = AreaConfig(node_nm=22.0, cell="1t1r-neurosim", device_footprint=False, adc_model="neurosim",
                  buffer_bits=WEIGHT_BITS)
"""This model's chip as close to NeuroSim's as it allows: 22 nm, NeuroSim's 48 F^2 1T1R cell with the device inside
it (an RRAM cell, no skyrmion footprint), ADCs at NeuroSim's SAR formula (its reference run uses flash ADCs, so the
fair comparison of the ADCs is its run with SAR ADCs; the band covers the other models), 8-bit activations in the
buffer, one shift-and-add per ADC, one reference column per array, no floorplan whitespace (the defaults of
``AreaConfig`` otherwise)."""
ADC_BITS = 5
"""The ADC resolution of NeuroSim's reference run: levelOutput = 32 levels (Param.cpp default), the value that
reproduces the published 381.90 mm^2 (16 levels, a 4-bit ADC as Table VII lists, gives 345.17 mm^2)."""
VARIANTS = (("as configured here", 1, None), (f"{COLUMNS_PER_WEIGHT} columns per weight", COLUMNS_PER_WEIGHT, None),
            (f"{COLUMNS_PER_WEIGHT} columns per weight, pipeline copies", COLUMNS_PER_WEIGHT, PIPELINE_COPIES))
"""(name, columns per weight, copies per crossbar layer in layer order or None) of the three chips priced."""
CONSTANTS = ("cell_1t1r_neurosim_f2", "isaac_shift_add_um2", "isaac_node_nm", "skyrmion_footprint_nm2")
"""The ``AreaConstants`` the block names, kept in the record's protocol."""


def neurosim_hardware() -> HardwareConfig:
    """The crossbars as close to NeuroSim's run as ``HardwareConfig`` allows: 128 x 128 arrays, one ADC per 8
    columns (numColMuxed), 5-bit ADCs (levelOutput 32), one device per weight against a reference column (the offset
    scheme; NeuroSim subtracts a dummy column, it has no differential pairs), ideal drive (costed as a 1-bit DAC per
    row, NeuroSim's bit-serial inputs). The 'fast' compute path: the study prices the chip, it measures no accuracy,
    so the forward pass skips the tile-by-tile ADC simulation."""
    hardware = with_settings(HardwareConfig(), array=128, adc_share=8, adc_bits=ADC_BITS, signed_scheme="offset")
    return dataclasses.replace(hardware, array=dataclasses.replace(hardware.array, path="fast"))


def network(hardware: HardwareConfig) -> tuple[nn.Module, torch.Tensor]:
    """The converted VGG-8 (weights of seed ``SEED``) and one random input image."""
    torch.manual_seed(SEED)
    image = torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(SEED))
    return convert(VGG8(), hardware), image


def priced_chip(model: nn.Module, image: torch.Tensor, hardware: HardwareConfig, columns: int,
                copies: tuple[int, ...] | None, config: AreaConfig = AREA) -> ChipArea:
    """``model_area``'s chip with ``columns`` columns per weight and each crossbar layer's arrays ``copies`` times
    over (in layer order; None: once): (1, None) is ``model_area``'s own chip."""
    names = [m.name for m in map_model(model, image, hardware) if isinstance(m.module, CrossbarLayerMixin)]
    named = dict(zip(names, copies, strict=True)) if copies else None
    return model_area(model, image, hardware, config, columns_per_weight=columns, copies=named)


def part_ratios(parts: dict[str, float]) -> dict[str, float]:
    """A chip's parts over NeuroSim's, part by part: cells over its array, ADCs over its SAR run's ADCs (the ADC
    priced here) and over its reference run's flash ADCs, shift-and-add over its accumulation (the same in both
    runs)."""
    run = NEUROSIM["run"]
    flash, sar = run["parts_mm2"], run["sar_parts_mm2"]
    return {"cells": parts["cells"] / sar["array"], "adc_sar": parts["adc"] / sar["adc"],
            "adc_flash": parts["adc"] / flash["adc"], "accumulation": parts["shift_add"] / sar["accumulation"]}


def variant_row(name: str, columns: int, copies: tuple[int, ...] | None, chip: ChipArea) -> dict:
    """One priced chip: what it counts, its parts and totals in mm^2, its ratios to NeuroSim's."""
    run, published = NEUROSIM["run"], NEUROSIM["published"]["rram"]
    parts = {part: um2 / 1e6 for part, um2 in chip.parts().items()}
    footprint = cell_um2(dataclasses.replace(AREA, device_footprint=True), AreaConstants()) / cell_um2(
        AREA, AreaConstants())
    band = chip.band
    return {"name": name, "columns_per_weight": columns, "copies": list(copies) if copies else None,
            "arrays": sum(layer.counts.get("arrays", 0) for layer in chip.layers),
            "adcs": sum(layer.counts.get("adcs", 0) for layer in chip.layers), "parts_mm2": parts,
            "total_mm2": chip.total / 1e6,
            "band_mm2": {"low": band.low / 1e6, "value": band.value / 1e6, "high": band.high / 1e6},
            "cells_with_device_footprint_mm2": parts["cells"] * footprint, "part_ratios": part_ratios(parts),
            "ratio_to_published": chip.total / 1e6 / published["area_mm2"],
            "ratio_to_sar_run": chip.total / 1e6 / run["sar_chip_mm2"]}


def variants(model: nn.Module, image: torch.Tensor, hardware: HardwareConfig) -> list[dict]:
    """The three chips of ``VARIANTS`` of the converted network."""
    return [variant_row(name, columns, copies, priced_chip(model, image, hardware, columns, copies))
            for name, columns, copies in VARIANTS]


def merit(model: nn.Module, image: torch.Tensor, hardware: HardwareConfig) -> dict:
    """The energy ledger on the as-configured chip: one forward pass per image, TOPS, TOPS/W and TOPS/mm^2."""
    costs = PeripheralCosts()
    ledger = inference_ledger(model, image, hardware, costs=costs, area=AREA)
    figures = ledger.merit()
    return {"ops_per_image": figures["ops_per_image"], "neurosim_ops_per_image": neurosim_ops(),
            "energy_j": sum(ledger.inference.values()), "latency_s": ledger.inference_latency,
            "tops": figures["ops_per_image"] / ledger.inference_latency / 1e12, "tops_per_w": figures["tops_per_w"],
            "tops_per_mm2": figures["tops_per_mm2"], "area_mm2": figures["area_mm2"], "adc_fom_j": costs.adc_fom}


def measure() -> dict:
    """The record: command, commit, NeuroSim's side, the protocol, the three chips and the ledger's figures."""
    hardware = neurosim_hardware()
    model, image = network(hardware)
    array = hardware.array
    protocol = {"network": f"VGG-8 (NetWork_VGG8.csv), untrained: weights and one random input image of seed {SEED}",
                "convs": [list(c) for c in VGG8_CONVS], "linears": [list(f) for f in VGG8_LINEARS],
                "hardware": {"array": [array.rows, array.cols], "adc_share": array.adc_share,
                             "adc_bits": array.adc_bits, "dac_bits": array.dac_bits,
                             "signed_scheme": array.signed_scheme, "path": array.path,
                             "synapse_bits": hardware.synapse.bits, "activations": "domain-wall ReLU"},
                "area_config": dataclasses.asdict(AREA),
                "area_constants": {name: getattr(AreaConstants(), name) for name in CONSTANTS},
                "weight_bits": WEIGHT_BITS, "columns_per_weight": COLUMNS_PER_WEIGHT,
                "pipeline_copies": list(PIPELINE_COPIES)}
    return {"command": command(), "commit": commit(), "neurosim": NEUROSIM, "protocol": protocol,
            "variants": variants(model, image, hardware), "merit": merit(model, image, hardware)}


def _mm2(value: float | None) -> str:
    """A table cell in mm^2 ('-' for a part not counted)."""
    return "-" if value is None else f"{value:,.3f}" if value < 100 else f"{value:,.2f}"


def part_rows(record: dict) -> list[str]:
    """The table's rows by part: NeuroSim's two runs and the three chips."""
    run, rows = record["neurosim"]["run"], record["variants"]
    flash, sar = run["parts_mm2"], run["sar_parts_mm2"]
    buffer_bits = record["protocol"]["area_config"]["buffer_bits"]
    parts = [("synapse cells (NeuroSim: CIM array)", "array", "cells"),
             ("ADCs (NeuroSim: flash, SAR; here: NeuroSim's SAR formula)", "adc", "adc"),
             ("accumulation (here: a shift-and-add per ADC)", "accumulation", "shift_add"),
             ("row DACs (NeuroSim: in 'other')", None, "dac"), ("sample-and-hold", None, "sample_hold"),
             ("DW activations (NeuroSim: CMOS ReLU in 'other')", None, ("dw_track", "dw_read")),
             (f"activation buffer, {buffer_bits} bits (NeuroSim: in 'other')", None, "buffer"),
             ("interconnect: H-tree in tiles, X-Y bus", "interconnect", None),
             ("other: decoders, mux, switch matrices, level shifters, buffers, pooling, ReLU", "other", None)]
    lines = []
    for label, theirs, key in parts:
        keys = key if isinstance(key, tuple) else (key,)
        ours = [None if key is None else sum(r["parts_mm2"][k] for k in keys) for r in rows]
        neurosim = [None if theirs is None else p[theirs] for p in (flash, sar)]
        lines.append(f"| {label} | " + " | ".join(_mm2(v) for v in neurosim + ours) + " |")
    blanks = " | ".join(_mm2(None) for _ in rows)
    lines.append(f"| whitespace of the bounding boxes | {_mm2(whitespace(run['chip_mm2'], flash))} | "
                 f"{_mm2(whitespace(run['sar_chip_mm2'], sar))} | {blanks} |")
    return lines


def ratio_rows(record: dict) -> list[str]:
    """The table's ratios of each chip here to NeuroSim's, part by part and whole."""
    rows, published = record["variants"], record["neurosim"]["published"]["rram"]

    def row(label: str, cells: list[str]) -> str:
        return f"| {label} | | | " + " | ".join(cells) + " |"

    return [row("cells / NeuroSim's array", [f"{r['part_ratios']['cells']:.3f}" for r in rows]),
            row("ADCs / NeuroSim's SAR ADCs (/ its flash ADCs)",
                [f"{r['part_ratios']['adc_sar']:.3f} ({r['part_ratios']['adc_flash']:.3f})" for r in rows]),
            row("shift-add / NeuroSim's accumulation", [f"{r['part_ratios']['accumulation']:.3f}" for r in rows]),
            row(f"**chip / the published {published['area_mm2']:.2f} mm^2**",
                [f"**{r['ratio_to_published']:.3f}**" for r in rows]),
            row("chip / NeuroSim's SAR chip", [f"{r['ratio_to_sar_run']:.3f}" for r in rows])]


def table(record: dict) -> list[str]:
    """NeuroSim's chip by part (flash and SAR ADCs) next to the three chips here, with totals, ADC band, counts and
    ratios."""
    run, rows = record["neurosim"]["run"], record["variants"]
    published = record["neurosim"]["published"]["rram"]
    rows_, cols_ = record["neurosim"]["configuration"]["subarray"]
    head = ("| part, mm^2 | NeuroSim V1.4, flash ADCs (its reference run) | NeuroSim V1.4, SAR ADCs | "
            + " | ".join(r["name"] for r in rows) + " |")
    lines = [head, "|---|---|---|" + "---|" * len(rows), *part_rows(record)]
    lines += [f"| **chip** | **{run['chip_mm2']:.2f}** (published {published['area_mm2']:.2f}) | "
              f"**{run['sar_chip_mm2']:.2f}** | " + " | ".join(f"**{_mm2(r['total_mm2'])}**" for r in rows) + " |",
              "| chip with the ADCs at the lowest - highest model | | | "
              + " | ".join(f"{_mm2(r['band_mm2']['low'])} - {_mm2(r['band_mm2']['high'])}" for r in rows) + " |",
              f"| {rows_} x {cols_} arrays | {run['subarrays']:,} | {run['subarrays']:,} | "
              + " | ".join(f"{r['arrays']:,}" for r in rows) + " |",
              f"| ADCs | {neurosim_adcs(record):,} | {neurosim_adcs(record):,} | "
              + " | ".join(f"{r['adcs']:,}" for r in rows) + " |", *ratio_rows(record)]
    return lines


def merit_line(record: dict) -> str:
    """The ledger's figures of the as-configured chip next to NeuroSim's published ones."""
    m, published = record["merit"], record["neurosim"]["published"]["rram"]
    return (f"The energy ledger on the as-configured chip (`generation_cost` of one forward pass, `Ledger.merit`): "
            f"{m['tops']:.1f} TOPS, {m['tops_per_w']:.0f} TOPS/W and {m['tops_per_mm2']:.2f} TOPS/mm^2 "
            f"({m['ops_per_image'] / 1e9:.3f} GOP per image, structural zeros left out; NeuroSim counts "
            f"{m['neurosim_ops_per_image'] / 1e9:.3f} GOP, padding included), against NeuroSim's {published['tops']} "
            f"TOPS, {published['tops_per_w']} TOPS/W and {published['tops'] / published['area_mm2']:.3f} "
            f"TOPS/mm^2: {m['tops'] / published['tops']:.1f}x, {m['tops_per_w'] / published['tops_per_w']:.0f}x and "
            f"{m['tops_per_mm2'] * published['area_mm2'] / published['tops']:.0f}x theirs, for the reasons the bullet "
            "'Energy and throughput' names.")


def chip_mismatches(record: dict) -> list[str]:
    """The differences of configuration in how the two chips are laid out and what they hold."""
    run, (one, sliced, piped), c = record["neurosim"]["run"], record["variants"], record["neurosim"]["configuration"]
    p = record["protocol"]
    theirs, sram = run["parts_mm2"], run["sram_parts_mm2"]
    white = whitespace(run["chip_mm2"], theirs)
    copies = p["pipeline_copies"]
    return [
        f"**Bounding boxes.** NeuroSim's chip is the square that holds its tiles ({run['chip_side_um'] / 1e3:.2f} mm "
        f"a side): its parts sum to {sum(theirs.values()):.2f} mm^2 and the other {white:.2f} mm^2 "
        f"({white / run['chip_mm2']:.0%}) is whitespace between blocks (with SAR ADCs "
        f"{whitespace(run['sar_chip_mm2'], run['sar_parts_mm2']) / run['sar_chip_mm2']:.0%} of a square "
        f"{run['sar_chip_side_um'] / 1e3:.2f} mm a side; the SRAM chip's parts fill "
        f"{sum(sram.values()) / run['sram_chip_mm2']:.0%} of its square). Here `floorplan_factor` is "
        f"{p['area_config']['floorplan_factor']:g}: a sum of parts.",
        f"**Weight slicing.** NeuroSim stores a weight of {c['synapseBit']} bits in {p['columns_per_weight']} "
        f"cells of {c['cellBit']} bit in a row (numColPerSynapse = synapseBit / cellBit); this model stores one "
        f"weight in one multi-level device ({p['hardware']['synapse_bits']}-bit skyrmion synapses): {one['arrays']:,} "
        f"arrays, {sliced['arrays']:,} with `columns_per_weight` = {p['columns_per_weight']}.",
        f"**Pipeline copies.** NeuroSim holds {', '.join(map(str, copies))} copies of the layers' weights, in layer "
        "order: its pipeline mode copies the early layers, whose larger feature maps take more reads, so that the "
        "layers keep pace, and a layer that fills a small part of its tile is duplicated into the rest of it "
        f"(Chip.cpp PEDesign, SubArrayDup), which is why the last layer has {copies[-1]} copies too: "
        f"{run['subarrays']:,} subarrays, which the third chip here counts as well (`copies`, {piped['arrays']:,}); "
        "this model otherwise maps every weight once.",
        f"**ADC type.** NeuroSim's reference run uses flash ADCs of multilevel current sense amplifiers "
        f"({theirs['adc']:.2f} mm^2, {theirs['adc'] / neurosim_adcs(record) * 1e6:.0f} um^2 each); here the "
        f"value is NeuroSim's own SAR formula ({piped['parts_mm2']['adc']:.2f} mm^2 on its {piped['adcs']:,} ADCs, "
        f"where NeuroSim run with SARADC = true gives {run['sar_parts_mm2']['adc']:.2f} mm^2), and the band spans "
        "the ISAAC table and the survey fit.",
        f"**ADC resolution.** Table VII lists 'ADC precision {record['neurosim']['published']['adc_precision']}', "
        f"but its areas are those of the released default levelOutput = {c['levelOutput']} "
        f"({c['levelOutput'].bit_length() - 1} bits): {run['chip_mm2']:.2f} mm^2 (published "
        f"{record['neurosim']['published']['rram']['area_mm2']:.2f}); {run['checks']['adc_levels']['levelOutput']} "
        f"levels give {run['checks']['adc_levels']['chip_mm2']:.2f} mm^2. Here {p['hardware']['adc_bits']} bits.",
    ]


def periphery_mismatches(record: dict) -> list[str]:
    """The differences of configuration in the peripheries, the cells and the energy."""
    run, piped, c = record["neurosim"]["run"], record["variants"][-1], record["neurosim"]["configuration"]
    p, merit_ = record["protocol"], record["merit"]
    theirs, sram, constants = run["parts_mm2"], run["sram_parts_mm2"], p["area_constants"]
    rows, cols = c["subarray"]
    check = run["checks"]["parallel_read"]
    return [
        f"**Accumulation.** NeuroSim counts adders and shift-adds at the subarray, PE, tile and chip levels "
        f"({theirs['accumulation']:.2f} mm^2); here one ISAAC shift-and-add unit per ADC "
        f"({constants['isaac_shift_add_um2']:g} um^2 at {constants['isaac_node_nm']:g} nm, scaled; "
        f"{piped['parts_mm2']['shift_add']:.2f} mm^2 on the third chip).",
        f"**Interconnect** ({theirs['interconnect']:.2f} mm^2: H-trees inside tiles and PEs, the X-Y global bus) is "
        "not counted here.",
        f"**Other peripheries** ({theirs['other']:.2f} mm^2: word-line decoders, the switch matrices that drive the "
        "bit-serial inputs, column multiplexers and their decoders, level shifters for the "
        f"{c['writeVoltage_V']:g} V writes, the PE, tile and global register-file buffers, max-pooling and ReLU "
        f"units) are not counted here, except as a {p['area_config']['ideal_dac_bits']}-bit DAC per row, a "
        "sample-and-hold per column (NeuroSim's flash ADC senses the current and has none), one buffer for the "
        "largest feature map in 6T cells alone, and DW activation devices in place of CMOS ReLU units; no pooling.",
        "**Reference columns.** Here the offset scheme's mid-scale reference columns, "
        f"{p['area_config']['offset_reference_columns']} per array; NeuroSim shares one dummy column among "
        "dumcolshared sense amplifiers, and its Param.cpp sets dumcolshared = levelOutput, so "
        f"{c['levelOutput']} of them. The project's default "
        "differential pairs would double the cells.",
        f"**Cell.** The same {c['cell_f'][0] * c['cell_f'][1]} F^2 1T1R cell at F = {c['technode_nm']} nm: "
        f"NeuroSim's array is {theirs['array']:.3f} mm^2 = {run['subarrays']:,} x {rows} x {cols} x "
        f"{c['cell_f'][0] * c['cell_f'][1]} x ({c['technode_nm']} nm)^2 (its wires use a {c['wireWidth_nm']} nm "
        f"width at this node). The skyrmion synapse's {constants['skyrmion_footprint_nm2'] ** 0.5:g} nm x "
        f"{constants['skyrmion_footprint_nm2'] ** 0.5:g} nm film does not fit it: counting that footprint "
        f"(`device_footprint`) the third chip's cells are {piped['cells_with_device_footprint_mm2']:.2f} mm^2, "
        f"not {piped['parts_mm2']['cells']:.2f}.",
        f"**Partial parallel read.** NeuroSim reads {c['numRowParallel']} of {rows} rows at a time (it changes its "
        f"area a little: {check['chip_mm2']:.2f} mm^2 at {check['numRowParallel']} rows, published "
        f"{check['published_mm2']:.2f}); here a read drives all {p['hardware']['array'][0]} rows.",
        "**Energy and throughput.** The ledger prices one analog read per input vector (NeuroSim drives "
        f"{c['numBitInput']} bit-serial cycles), one device per weight (not {p['columns_per_weight']} columns), the "
        "layers one after another (NeuroSim pipelines them on its copies), no buffer, interconnect or leakage "
        f"energy, skyrmion read energies and {merit_['adc_fom_j'] * 1e15:g} fJ per ADC conversion step, on an "
        "untrained VGG-8 and a random image (NeuroSim: trained weights, CIFAR-10 images).",
        f"**SRAM.** NeuroSim's SRAM chip ({record['neurosim']['published']['sram']['area_mm2']} mm^2, its array "
        f"{sram['array']:.2f} mm^2 of {c['sram_cell_f'][0] * c['sram_cell_f'][1]} F^2 cells) has no counterpart: "
        "`AreaConfig.cell` has no SRAM synapse cell.",
    ]


def mismatches(record: dict) -> list[str]:
    """Every difference of configuration between NeuroSim's run and the chips here, with its size where the
    record has it."""
    return chip_mismatches(record) + periphery_mismatches(record)


def reading(record: dict) -> str:
    """What the table says, part by part, worded from the record."""
    run, (one, sliced, piped) = record["neurosim"]["run"], record["variants"]
    flash, sar = run["parts_mm2"], run["sar_parts_mm2"]
    parts, ratios, p = piped["parts_mm2"], piped["part_ratios"], record["protocol"]
    uncounted = sar["interconnect"] + sar["other"] + whitespace(run["sar_chip_mm2"], sar)
    published = record["neurosim"]["published"]["rram"]["area_mm2"]
    return (
        "Part by part, the chip with NeuroSim's weight slicing and pipeline copies against NeuroSim's run with SAR "
        "ADCs (the ADC priced here; cells and accumulation are the same in both of NeuroSim's runs). What matches: "
        f"the synapse cells, {parts['cells']:.2f} mm^2, {ratios['cells']:.3f}x NeuroSim's array (the same cell; the "
        f"excess is the offset scheme's {p['area_config']['offset_reference_columns']} reference column per "
        f"{p['hardware']['array'][1]} weight columns), "
        f"and the ADCs, {parts['adc']:.2f} mm^2, {ratios['adc_sar']:.3f}x NeuroSim's SAR ADCs (they are "
        f"{ratios['adc_flash']:.2f}x the {flash['adc']:.2f} mm^2 of flash ADCs of its reference run). What does not: "
        f"accumulation, one shift-and-add per ADC, {parts['shift_add']:.2f} mm^2 against NeuroSim's "
        f"{sar['accumulation']:.2f} mm^2 of adders and shift-adds ({ratios['accumulation']:.3f}x); and interconnect "
        f"({sar['interconnect']:.2f} mm^2), the other peripheries ({sar['other']:.2f} mm^2) and whitespace "
        f"({whitespace(run['sar_chip_mm2'], sar):.2f} mm^2), which this model does not count "
        f"({uncounted / run['sar_chip_mm2']:.0%} of NeuroSim's SAR chip). The whole chip: {piped['total_mm2']:.2f} "
        f"mm^2, {piped['ratio_to_published']:.3f}x the published {published:.2f} mm^2 and "
        f"{piped['ratio_to_sar_run']:.3f}x NeuroSim's SAR chip of {run['sar_chip_mm2']:.2f} mm^2 "
        f"({one['ratio_to_published']:.4f}x the published chip as configured here, "
        f"{sliced['ratio_to_published']:.3f}x with {sliced['columns_per_weight']} columns per weight).")


def block(record: dict, out: Path = OUT) -> str:
    """The neurosim block of docs/area.md from the record at ``out``: provenance, the table, the reading, the
    ledger's figures and the mismatches."""
    p = record["protocol"]
    hw, cfg = p["hardware"], p["area_config"]
    lines = [f"From `{shown(out)}` (`{record['command']}`, commit {record['commit'][:10]}), NeuroSim "
             f"{record['neurosim']['source']}: VGG-8 converted by `spindcgan.convert` onto {hw['array'][0]} x "
             f"{hw['array'][1]} arrays, one {hw['adc_bits']}-bit ADC per {hw['adc_share']} columns, the "
             f"{hw['signed_scheme']} scheme, {cfg['node_nm']:g} nm, `{cfg['cell']}` cells without the device "
             f"footprint, ADCs at the {cfg['adc_model']} model (band over the three), {cfg['buffer_bits']}-bit "
             "activations in the buffer. NeuroSim's parts are its released code's for the published configuration, "
             "with its flash ADCs and with SAR ADCs (the record says how it was run); its published chip is "
             f"{record['neurosim']['published']['rram']['area_mm2']:.2f} mm^2.", "", *table(record), "",
             reading(record), "", merit_line(record), "", "What differs between the two configurations:", ""]
    return "\n".join(lines + [f"- {m}" for m in mismatches(record)]) + "\n"


def main() -> None:
    record, out, page = study_record(__doc__.splitlines()[0], OUT, PAGE, measure)
    fill_block(page, BEGIN, END, block(record, out))
    print(f"{shown(out)}, {shown(page)}: the third chip is "
          f"{record['variants'][-1]['ratio_to_published']:.3f}x NeuroSim's")


if __name__ == "__main__":
    main()
