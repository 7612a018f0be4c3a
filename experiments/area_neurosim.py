"""VGG-8 / CIFAR-10 on this project's area model next to NeuroSim V1.4's published reference chip (issue 53): a
record, and the neurosim block of docs/area.md with every mismatch of configuration named.

    python experiments/area_neurosim.py [--out results/area/neurosim-vgg8.json] [--page docs/area.md] [--pages-only]

NeuroSim's figure (its user manual, Table VII): VGG-8 on CIFAR-10, a 22 nm chip of 128 x 128 RRAM subarrays at
1 bit per cell, 8-bit weights and activations: 381.90 mm^2, 6.25 TOPS, 11.25 TOPS/W. Here a plain torch VGG-8 with
NeuroSim's layers (``VGG8_CONVS``, ``VGG8_LINEARS``) is converted by ``spindcgan.convert`` onto a HardwareConfig as
close to that run as this model allows (``neurosim_hardware``, ``AREA``) and priced by ``model_area`` in three
steps: as configured here (one multi-level device per weight), with NeuroSim's 8 one-bit columns per weight, and
with NeuroSim's pipeline copies of the early layers' weights on top. The energy ledger prices the as-configured chip
(``generation_cost`` of the network's forward pass, ``Ledger.merit``). NeuroSim's own area by part comes from a run
of its released code (``NEUROSIM["run"]``: it reproduces the published total). ``--pages-only`` measures nothing:
it renders the block from the committed record.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import torch
import torch.nn as nn
from provenance import ROOT, command, commit, fill_block, shown

from spindcgan import HardwareConfig, convert, with_settings
from spindcgan.energy.area import (
    AreaConfig,
    AreaConstants,
    ChipArea,
    cell_um2,
    chip_area,
    crossbar_layer_area,
    dw_activation_area,
    model_area,
)
from spindcgan.energy.area.model import largest_feature_map
from spindcgan.energy.ledger import Ledger, generation_cost
from spindcgan.io import save_json
from spindcgan.nn import CrossbarLayerMixin
from spindcgan.reports.mapping import LayerMapping, map_model

OUT = ROOT / "results" / "area" / "neurosim-vgg8.json"
PAGE = ROOT / "docs" / "area.md"
BEGIN, END = "<!-- neurosim:begin -->", "<!-- neurosim:end -->"
SEED = 0
"""Seed of the untrained VGG-8's weights and of its one random 3 x 32 x 32 input image (the area depends on neither;
the ledger's energy depends on both)."""

NEUROSIM_REPO = "neurosim/DNN_NeuroSim_V1.4"
NEUROSIM_COMMIT = "ac828e6723bf077c9b1423c5c72ff6e4981e90f4"
"""The stored snapshot of NeuroSim V1.4 read and run here (its newest commit, 2025-03-09)."""
VGG8_CONVS = ((3, 128, 32), (128, 128, 32), (128, 256, 16), (256, 256, 16), (256, 512, 8), (512, 512, 8))
"""(C_in, C_out, feature size) of VGG-8's 3 x 3 convolutions, each followed by a ReLU and the 2nd, 4th and 6th by a
2 x 2 max-pooling: NeuroSim V1.4 Inference_pytorch/NeuroSIM/NetWork_VGG8.csv (IFM size, channels, kernel, OFM
channels, pooled), with 'same' padding and no bias as Inference_pytorch/models/VGG.py builds them."""
VGG8_LINEARS = ((8192, 1024), (1024, 10))
"""(in, out) of VGG-8's two fully connected layers (a ReLU between them): NetWork_VGG8.csv rows 7 and 8, models/VGG.py
classifier."""
WEIGHT_BITS = 8
"""Bits per weight and per activation of NeuroSim's run: main.cpp's synapseBit and numBitInput, both 8 in Table VII
('8b (weight) x 8b (activation)') and in the wrapper's defaults (inference.py --wl_weight, --wl_activate)."""
COLUMNS_PER_WEIGHT = 8
"""NeuroSim's columns per weight: numColPerSynapse = ceil(synapseBit / cellBit) = 8 / 1 (main.cpp; cellBit 1 in
Param.cpp and Table VII)."""
PIPELINE_COPIES = (16, 16, 4, 4, 2, 1, 1, 8)
"""Copies of each layer's weights on NeuroSim's chip, in layer order: its pipeline mode (Param.cpp pipeline = true,
speedUpDegree = 8, cut to 32 / 8 = 4 by the largest over the smallest convolution input, Chip.cpp
ChipDesignInitialize) duplicates the early layers' subarrays and fills spare tiles ('Speed-up of each layer' printed
by the run of ``NEUROSIM["run"]``); 9,472 subarrays in all."""

NEUROSIM = {
    "source": f"{NEUROSIM_REPO} at {NEUROSIM_COMMIT[:7]}",
    "published": {
        "source": "NeuroSim V1.4 user manual (Documents/User Manual of DNN simulator_V1.4_v3_updated_1229.pdf), "
                  "section 11, Table VII, generated 9/27/23: VGG-8 / CIFAR-10, 1 bit per cell, 128 x 128 "
                  "subarrays, 8-bit weights x 8-bit activations, X-Y global bus, RRAM on/off 17, ADC precision 4, "
                  "parallel read 32 rows, 'the rest of the parameters follow the default setting in the released "
                  "code'; its TOPS/mm^2 as printed (truncated: 6.25 / 381.90 = 0.016)",
        "rram": {"node_nm": 22, "area_mm2": 381.90, "tops": 6.25, "tops_per_w": 11.25, "tops_per_mm2": 0.01,
                 "accuracy": 0.71},
        "sram": {"node_nm": 22, "area_mm2": 85.97, "tops": 6.06, "tops_per_w": 8.76, "tops_per_mm2": 0.07,
                 "accuracy": 0.77},
    },
    "configuration": {
        "source": "Inference_pytorch/NeuroSIM/Param.cpp as released (its defaults), with memcelltype = 2 (RRAM; the "
                  "released file says 1, SRAM); main.cpp's arguments synapseBit 8, numBitInput 8, numRowSubArray "
                  "128, numRowParallel 32",
        "technode_nm": 22, "subarray": [128, 128], "cellBit": 1, "synapseBit": 8, "numBitInput": 8,
        "numColMuxed": 8, "levelOutput": 32, "adc": "flash: multilevel current sense amplifiers (SARADC = false, "
        "currentMode = true)", "cell": "1T1R, 4 F x 12 F = 48 F^2 (heightInFeatureSize1T1R, "
        "widthInFeatureSize1T1R)", "numRowParallel": 32, "novelMapping": True, "pipeline": True,
        "speedUpDegree": 8, "globalBus": "X-Y bus (globalBusType = false)", "buffers": "register files "
        "(globalBufferType, tileBufferType, peBufferType = false)", "activation": "ReLU units at chip level "
        "(chipActivation = true)", "validated": True, "deviceroadmap": "LSTP", "wireWidth_nm": 40,
    },
    "run": {
        "source": "NeuroSim V1.4's Inference_pytorch/NeuroSIM built as released (make), configured as above, run as "
                  "'./main NetWork_VGG8.csv 8 8 128 32'; the six numbers ChipCalculateArea returns (main.cpp "
                  "prints them after the trace-driven performance part, which needs the wrapper's weight traces: "
                  "they were printed right after the call instead), um^2 / 1e6; the checks change levelOutput, "
                  "memcelltype, SARADC or the fifth argument one at a time",
        "chip_mm2": 381.907, "parts_mm2": {"array": 3.60536, "interconnect": 27.7206, "adc": 7.94913,
                                           "accumulation": 18.5063, "other": 46.9777},
        "subarrays": 9472, "chip_side_um": 19542.4,
        "checks_mm2": {"rram, levelOutput 32, parallel read 64 (published 378.06)": 378.068,
                       "rram, levelOutput 16 (a 4-bit ADC), parallel read 32": 345.169,
                       "sram (memcelltype 1), levelOutput 32, parallel read 32 (published 85.97)": 85.9765},
        "sar_adc_mm2": 18.8246,
        "sar_chip_mm2": 477.56,
        "sram_chip_mm2": 85.9765,
        "sram_parts_mm2": {"array": 21.0312, "interconnect": 12.618, "adc": 15.3844, "accumulation": 20.9922,
                           "other": 11.639},
    },
}
"""NeuroSim's published chip, its configuration and its area by part (what the released code gives for it)."""

AREA = AreaConfig(node_nm=22.0, cell="1t1r-neurosim", device_footprint=False, adc_model="neurosim",
                  buffer_bits=WEIGHT_BITS)
"""This model's chip as close to NeuroSim's as it allows: 22 nm, NeuroSim's 48 F^2 1T1R cell with the device inside
it (an RRAM cell, no skyrmion footprint), ADCs at NeuroSim's SAR formula (its reference run uses flash ADCs; the band
covers the other models), 8-bit activations in the buffer, one shift-and-add per ADC, one reference column per
array, no floorplan whitespace (the defaults of ``AreaConfig`` otherwise)."""
ADC_BITS = 5
"""The ADC resolution of NeuroSim's reference run: levelOutput = 32 levels (Param.cpp default), the value that
reproduces the published 381.90 mm^2 (16 levels, a 4-bit ADC as Table VII lists, gives 345.17 mm^2)."""
VARIANTS = (("as configured here", 1, None), ("8 columns per weight", COLUMNS_PER_WEIGHT, None),
            ("8 columns per weight, pipeline copies", COLUMNS_PER_WEIGHT, PIPELINE_COPIES))
"""(name, columns per weight, copies per layer or None) of the three chips priced."""


class VGG8(nn.Module):
    """VGG-8 for CIFAR-10 as NeuroSim benchmarks it (``VGG8_CONVS``, ``VGG8_LINEARS``), in plain torch."""

    def __init__(self) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for i, (c_in, c_out, _) in enumerate(VGG8_CONVS):
            layers += [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.ReLU()]
            layers += [nn.MaxPool2d(2)] if i % 2 else []
        self.features = nn.Sequential(*layers)
        (a, b), (c, d) = VGG8_LINEARS
        self.classifier = nn.Sequential(nn.Linear(a, b, bias=False), nn.ReLU(), nn.Linear(c, d, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).flatten(1))


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


def neurosim_ops() -> int:
    """Operations per image as NeuroSim counts them: 2 H W C_in k^2 C_out per layer, padding included (main.cpp
    numComputation)."""
    convs = sum(2 * size * size * c_in * 9 * c_out for c_in, c_out, size in VGG8_CONVS)
    return convs + sum(2 * a * b for a, b in VGG8_LINEARS)


def priced_chip(mappings: list[LayerMapping], hardware: HardwareConfig, columns: int,
                copies: tuple[int, ...] | None, config: AreaConfig = AREA) -> ChipArea:
    """The chip of ``model_area`` with ``columns`` physical columns per weight column and each crossbar layer's
    arrays ``copies`` times over (as groups): (1, None) is ``model_area``'s own chip."""
    array, layers = hardware.array, []
    crossbars = [m for m in mappings if isinstance(m.module, CrossbarLayerMixin)]
    counts = dict(zip((m.name for m in crossbars), copies or [1] * len(crossbars), strict=True))
    for m in mappings:
        if m.name in counts:
            layers.append(crossbar_layer_area(
                m.rows, m.cols * columns, groups=m.groups * counts[m.name], array_rows=array.rows,
                array_cols=array.cols, signed_scheme=array.signed_scheme, adc_bits=array.adc_bits,
                dac_bits=array.dac_bits or config.ideal_dac_bits, adc_share=array.adc_share, config=config,
                name=m.name, kind=m.kind))
        elif m.kind.startswith("dw-"):
            layers.append(dw_activation_area(m.activation_devices, config, name=m.name, kind=m.kind))
    bits = largest_feature_map(mappings) * (config.buffer_bits or array.adc_bits)
    return chip_area(layers, bits, config)


def like_for_like(parts: dict[str, float]) -> float:
    """mm^2 of the parts both models count: synapse cells, ADCs and shift-and-add (NeuroSim: array, ADC and
    accumulation)."""
    return parts["cells"] + parts["adc"] + parts["shift_add"]


def variant_row(name: str, columns: int, copies: tuple[int, ...] | None, chip: ChipArea) -> dict:
    """One priced chip: what it counts, its parts and totals in mm^2, its ratios to NeuroSim's."""
    run, published = NEUROSIM["run"], NEUROSIM["published"]["rram"]
    parts = {part: um2 / 1e6 for part, um2 in chip.parts().items()}
    footprint = cell_um2(dataclasses.replace(AREA, device_footprint=True), AreaConstants()) / cell_um2(
        AREA, AreaConstants())
    band = chip.band
    theirs = run["parts_mm2"]["array"] + run["parts_mm2"]["adc"] + run["parts_mm2"]["accumulation"]
    return {"name": name, "columns_per_weight": columns, "copies": list(copies) if copies else None,
            "arrays": sum(layer.counts.get("arrays", 0) for layer in chip.layers),
            "adcs": sum(layer.counts.get("adcs", 0) for layer in chip.layers), "parts_mm2": parts,
            "total_mm2": chip.total / 1e6,
            "band_mm2": {"low": band.low / 1e6, "value": band.value / 1e6, "high": band.high / 1e6},
            "cells_with_device_footprint_mm2": parts["cells"] * footprint,
            "ratio_to_published": chip.total / 1e6 / published["area_mm2"],
            "ratio_like_for_like": like_for_like(parts) / theirs}


def variants(model: nn.Module, image: torch.Tensor, hardware: HardwareConfig) -> list[dict]:
    """The three chips of ``VARIANTS`` on the converted network's mapping."""
    mappings = map_model(model, image, hardware)
    return [variant_row(name, columns, copies, priced_chip(mappings, hardware, columns, copies))
            for name, columns, copies in VARIANTS]


def merit(model: nn.Module, image: torch.Tensor, hardware: HardwareConfig) -> dict:
    """The energy ledger on the as-configured chip: one forward pass per image, TOPS, TOPS/W and TOPS/mm^2."""
    passes = generation_cost(model, hardware, image)
    chip = model_area(model, image, hardware, AREA)
    ledger = Ledger("zero-padded", True, passes, [], [], [], [], 0.0, 0.0, "not measured", area=chip)
    figures = ledger.merit()
    return {"ops_per_image": figures["ops_per_image"], "neurosim_ops_per_image": neurosim_ops(),
            "energy_j": sum(ledger.inference.values()), "latency_s": ledger.inference_latency,
            "tops": figures["ops_per_image"] / ledger.inference_latency / 1e12, "tops_per_w": figures["tops_per_w"],
            "tops_per_mm2": figures["tops_per_mm2"], "area_mm2": figures["area_mm2"]}


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
                "area_config": dataclasses.asdict(AREA), "columns_per_weight": COLUMNS_PER_WEIGHT,
                "pipeline_copies": list(PIPELINE_COPIES)}
    return {"command": command(), "commit": commit(), "neurosim": NEUROSIM, "protocol": protocol,
            "variants": variants(model, image, hardware), "merit": merit(model, image, hardware)}


def _mm2(value: float | None) -> str:
    """A table cell in mm^2 ('-' for a part not counted)."""
    return "-" if value is None else f"{value:,.3f}" if value < 100 else f"{value:,.2f}"


def neurosim_adcs(record: dict) -> int:
    """NeuroSim's ADCs: 128 / numColMuxed per subarray."""
    c = record["neurosim"]["configuration"]
    return record["neurosim"]["run"]["subarrays"] * c["subarray"][1] // c["numColMuxed"]


def part_rows(record: dict) -> list[str]:
    """The table's rows by part: NeuroSim's run and the three chips."""
    run, rows = record["neurosim"]["run"], record["variants"]
    theirs = run["parts_mm2"]
    parts = [("synapse cells (NeuroSim: CIM array)", theirs["array"], "cells"),
             ("ADCs (NeuroSim: flash; here: NeuroSim's SAR formula)", theirs["adc"], "adc"),
             ("accumulation (here: a shift-and-add per ADC)", theirs["accumulation"], "shift_add"),
             ("row DACs (NeuroSim: in 'other')", None, "dac"), ("sample-and-hold", None, "sample_hold"),
             ("DW activations (NeuroSim: CMOS ReLU in 'other')", None, ("dw_track", "dw_read")),
             ("activation buffer, 8 bits (NeuroSim: in 'other')", None, "buffer"),
             ("interconnect: H-tree in tiles, X-Y bus", theirs["interconnect"], None),
             ("other: decoders, mux, switch matrices, level shifters, buffers, pooling, ReLU", theirs["other"], None),
             ("whitespace of the bounding boxes", run["chip_mm2"] - sum(theirs.values()), None)]
    lines = []
    for label, neurosim, key in parts:
        keys = key if isinstance(key, tuple) else (key,)
        ours = [None if key is None else sum(r["parts_mm2"][k] for k in keys) for r in rows]
        lines.append(f"| {label} | {_mm2(neurosim)} | " + " | ".join(_mm2(v) for v in ours) + " |")
    return lines


def table(record: dict) -> list[str]:
    """NeuroSim's chip by part next to the three chips here, with totals, ADC band, counts and ratios."""
    run, rows = record["neurosim"]["run"], record["variants"]
    published = record["neurosim"]["published"]["rram"]
    head = "| part, mm^2 | NeuroSim V1.4 (its run) | " + " | ".join(r["name"] for r in rows) + " |"
    lines = [head, "|---|---|" + "---|" * len(rows), *part_rows(record)]
    lines += [f"| **chip** | **{run['chip_mm2']:.2f}** (published {published['area_mm2']:.2f}) | "
              + " | ".join(f"**{_mm2(r['total_mm2'])}**" for r in rows) + " |",
              "| chip with the ADCs at the lowest - highest model | | "
              + " | ".join(f"{_mm2(r['band_mm2']['low'])} - {_mm2(r['band_mm2']['high'])}" for r in rows) + " |",
              f"| 128 x 128 arrays | {run['subarrays']:,} | " + " | ".join(f"{r['arrays']:,}" for r in rows) + " |",
              f"| ADCs | {neurosim_adcs(record):,} | " + " | ".join(f"{r['adcs']:,}" for r in rows) + " |",
              "| **ratio to the published 381.90 mm^2** | | " + " | ".join(
                  f"**{r['ratio_to_published']:.3f}**" for r in rows) + " |",
              "| ratio of cells + ADCs + shift-add to NeuroSim's array + ADC + accumulation | | " + " | ".join(
                  f"{r['ratio_like_for_like']:.2f}" for r in rows) + " |"]
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


def mismatches(record: dict) -> list[str]:
    """Every difference of configuration between NeuroSim's run and the chips here, with its size where the
    record has it."""
    run, rows, c = record["neurosim"]["run"], record["variants"], record["neurosim"]["configuration"]
    one, sliced, piped = rows
    theirs = run["parts_mm2"]
    white = run["chip_mm2"] - sum(theirs.values())
    sram = run["sram_parts_mm2"]
    checks = run["checks_mm2"]
    return [
        f"**Bounding boxes.** NeuroSim's chip is the square that holds its tiles ({run['chip_side_um'] / 1e3:.2f} mm "
        f"a side): its parts sum to {sum(theirs.values()):.2f} mm^2 and the other {white:.2f} mm^2 "
        f"({white / run['chip_mm2']:.0%}) is whitespace between blocks (the SRAM chip's parts fill "
        f"{sum(sram.values()) / run['sram_chip_mm2']:.0%} of its square). Here "
        "`floorplan_factor` is 0: a sum of parts.",
        f"**Weight slicing.** NeuroSim stores an 8-bit weight in {COLUMNS_PER_WEIGHT} one-bit cells in a row "
        f"(numColPerSynapse = synapseBit / cellBit); this model stores one weight in one multi-level device "
        f"({record['protocol']['hardware']['synapse_bits']}-bit skyrmion synapses): {one['arrays']:,} arrays, "
        f"{sliced['arrays']:,} with the columns multiplied by {COLUMNS_PER_WEIGHT}.",
        "**Pipeline copies.** NeuroSim's pipeline mode copies the weights of the early layers "
        f"({', '.join(map(str, record['protocol']['pipeline_copies']))} copies per layer) so that the layers keep "
        f"pace: {run['subarrays']:,} subarrays, which the third chip here counts too ({piped['arrays']:,}); this "
        "model maps every weight once.",
        f"**ADC type.** NeuroSim's reference run uses flash ADCs of multilevel current sense amplifiers "
        f"({theirs['adc']:.2f} mm^2, {theirs['adc'] / neurosim_adcs(record) * 1e6:.0f} um^2 each); here the "
        f"value is NeuroSim's own SAR formula ({piped['parts_mm2']['adc']:.2f} mm^2 on its {piped['adcs']:,} ADCs, "
        f"where NeuroSim run with SARADC = true gives {run['sar_adc_mm2']:.2f} mm^2), and the band spans the ISAAC "
        "table and the survey fit.",
        f"**ADC resolution.** Table VII lists 'ADC precision 4', but its areas are those of the released default "
        f"levelOutput = {c['levelOutput']} (5 bits): 381.91 mm^2 (published 381.90); 16 levels give "
        f"{checks['rram, levelOutput 16 (a 4-bit ADC), parallel read 32']:.2f} mm^2. Here 5 bits.",
        f"**Accumulation.** NeuroSim counts adders and shift-adds at the subarray, PE, tile and chip levels "
        f"({theirs['accumulation']:.2f} mm^2); here one ISAAC 16-bit shift-and-add per ADC "
        f"({piped['parts_mm2']['shift_add']:.2f} mm^2 on the third chip).",
        f"**Interconnect** ({theirs['interconnect']:.2f} mm^2: H-trees inside tiles and PEs, the X-Y global bus) is "
        "not counted here.",
        f"**Other peripheries** ({theirs['other']:.2f} mm^2: word-line decoders, the switch matrices that drive the "
        "bit-serial inputs, column multiplexers and their decoders, level shifters for the 2 V writes, the PE, tile "
        "and global register-file buffers, max-pooling and ReLU units) are not counted here, except as a 1-bit DAC "
        "per row, a sample-and-hold per column (NeuroSim's flash ADC senses the current and has none), one buffer "
        "for the largest feature map in 6T cells alone, and DW activation devices in place of CMOS ReLU units; no "
        "pooling.",
        "**Reference columns.** Here one mid-scale reference column per array (the offset scheme); NeuroSim shares "
        f"one dummy column among dumcolshared = {c['levelOutput']} sense amplifiers. The project's default "
        "differential pairs would double the cells.",
        f"**Cell.** The same 48 F^2 1T1R cell at F = 22 nm: NeuroSim's array is {theirs['array']:.3f} mm^2 = "
        f"{run['subarrays']:,} x 128^2 x 48 x (22 nm)^2 (its wires use a {c['wireWidth_nm']} nm width at this "
        f"node). The skyrmion synapse's 240 nm x 240 nm film does not fit it: counting that footprint "
        f"(`device_footprint`) the third chip's cells are {piped['cells_with_device_footprint_mm2']:.2f} mm^2, "
        f"not {piped['parts_mm2']['cells']:.2f}.",
        f"**Partial parallel read.** NeuroSim reads {c['numRowParallel']} of 128 rows at a time (it changes its "
        f"area a little: {checks['rram, levelOutput 32, parallel read 64 (published 378.06)']:.2f} mm^2 at 64 "
        "rows); here a read drives all 128 rows.",
        "**Energy and throughput.** The ledger prices one analog read per input vector (NeuroSim drives 8 "
        "bit-serial cycles), one device per weight (not 8 columns), the layers one after another (NeuroSim "
        "pipelines them on its copies), no buffer, interconnect or leakage energy, skyrmion read energies and "
        "10 fJ per ADC conversion step, on an untrained VGG-8 and a random image (NeuroSim: trained weights, "
        "CIFAR-10 images).",
        f"**SRAM.** NeuroSim's SRAM chip ({record['neurosim']['published']['sram']['area_mm2']} mm^2, its array "
        f"{sram['array']:.2f} mm^2 of 280 F^2 cells) has no counterpart: `AreaConfig.cell` has no SRAM synapse "
        "cell.",
    ]


def reading(record: dict) -> str:
    """What the table says, worded from the record."""
    run, (one, sliced, piped) = record["neurosim"]["run"], record["variants"]
    theirs = run["parts_mm2"]
    counted = theirs["array"] + theirs["adc"] + theirs["accumulation"]
    return (f"The parts both models count agree: with NeuroSim's weight slicing and pipeline copies, cells + ADCs + "
            f"shift-add come to {like_for_like(piped['parts_mm2']):.2f} mm^2 against NeuroSim's array + ADC + "
            f"accumulation of {counted:.2f} mm^2 ({piped['ratio_like_for_like']:.2f}x; the cells alone "
            f"{piped['parts_mm2']['cells'] / theirs['array']:.3f}x, the ADCs "
            f"{piped['parts_mm2']['adc'] / run['sar_adc_mm2']:.3f}x NeuroSim's SAR ADCs). The whole chip does not: "
            f"{piped['total_mm2']:.1f} mm^2 is {piped['ratio_to_published']:.3f}x the published 381.90 mm^2 "
            f"({one['ratio_to_published']:.4f}x as configured here, {sliced['ratio_to_published']:.3f}x with 8 "
            f"columns per weight), far outside 2x, because NeuroSim also counts interconnect, the other "
            f"peripheries and whitespace ({run['chip_mm2'] - counted:.1f} mm^2, "
            f"{1 - counted / run['chip_mm2']:.0%} of its chip), which this model leaves out.")


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
             "activations in the buffer. NeuroSim's parts are its released code's for the published configuration "
             "(the record says how it was run); its published chip is 381.90 mm^2.", "", *table(record), "",
             reading(record), "", merit_line(record), "", "What differs between the two configurations:", ""]
    return "\n".join(lines + [f"- {m}" for m in mismatches(record)]) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--page", type=Path, default=PAGE)
    parser.add_argument("--pages-only", action="store_true", help="measure nothing: render the block from the "
                        "record at --out")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.pages_only:
        record = json.loads(args.out.read_text())
    else:
        record = measure()
        save_json(record, args.out)
    fill_block(args.page, BEGIN, END, block(record, args.out))
    print(f"{shown(args.out)}, {shown(args.page)}: the third chip is "
          f"{record['variants'][-1]['ratio_to_published']:.3f}x NeuroSim's")


if __name__ == "__main__":
    main()
