"""NeuroSim V1.4's side of the VGG-8 area study (experiments/area_neurosim.py): its network, its published
reference chip, the configuration it ran with and its area by part, each with its source."""

from __future__ import annotations

import torch
import torch.nn as nn

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
"""Copies of each layer's weights on NeuroSim's chip, in layer order ('Speed-up of each layer' printed by the run of
``NEUROSIM["run"]``; 9,472 subarrays in all). Two mechanisms of Chip.cpp give them: the pipeline mode (Param.cpp
pipeline = true, speedUpDegree = 8, cut to 32 / 8 = 4 by the largest over the smallest convolution input,
ChipDesignInitialize) copies the early layers, whose larger feature maps take more reads, so that the layers keep pace;
and a conventionally mapped layer that fills a small part of its tile is duplicated into the rest of it (PEDesign,
SubArrayDup): the first layer's 16 are 8 such duplicates x 2 for the pipeline, and the last layer's 8 (its 1,024 x 80
cells in a 1,024 x 1,024 tile) are duplicates alone."""

NEUROSIM = {
    "source": f"{NEUROSIM_REPO} at {NEUROSIM_COMMIT[:7]}",
    "published": {
        "source": "NeuroSim V1.4 user manual (Documents/User Manual of DNN simulator_V1.4_v3_updated_1229.pdf), "
                  "section 11, Table VII, generated 9/27/23: VGG-8 / CIFAR-10, 1 bit per cell, 128 x 128 "
                  "subarrays, 8-bit weights x 8-bit activations, X-Y global bus, RRAM on/off 17, ADC precision 4, "
                  "parallel read 32 rows, 'the rest of the parameters follow the default setting in the released "
                  "code'; its TOPS/mm^2 as printed (truncated: 6.25 / 381.90 = 0.016)",
        "adc_precision": 4,
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
        "numColMuxed": 8, "levelOutput": 32, "dumcolshared": "levelOutput (Param.cpp: dumcolshared = levelOutput)",
        "adc": "flash: multilevel current sense amplifiers (SARADC = false, currentMode = true)",
        "cell": "1T1R, 4 F x 12 F = 48 F^2 (heightInFeatureSize1T1R, widthInFeatureSize1T1R)", "cell_f": [4, 12],
        "sram_cell_f": [10, 28], "numRowParallel": 32, "novelMapping": True, "pipeline": True,
        "speedUpDegree": 8, "globalBus": "X-Y bus (globalBusType = false)", "buffers": "register files "
        "(globalBufferType, tileBufferType, peBufferType = false)", "activation": "ReLU units at chip level "
        "(chipActivation = true)", "validated": True, "deviceroadmap": "LSTP", "wireWidth_nm": 40,
        "writeVoltage_V": 2,
    },
    "run": {
        "source": "NeuroSim V1.4's Inference_pytorch/NeuroSIM built as released (make), configured as above, run as "
                  "'./main NetWork_VGG8.csv 8 8 128 32'; the six numbers ChipCalculateArea returns (main.cpp "
                  "prints them after the trace-driven performance part, which needs the wrapper's weight traces: "
                  "they were printed right after the call instead), um^2 / 1e6; 'sar_*' is the same run with "
                  "SARADC = true (the ADC this model prices), 'sram_*' with memcelltype = 1; the checks change "
                  "levelOutput or the fifth argument (numRowParallel) one at a time",
        "chip_mm2": 381.907, "parts_mm2": {"array": 3.60536, "interconnect": 27.7206, "adc": 7.94913,
                                           "accumulation": 18.5063, "other": 46.9777},
        "subarrays": 9472, "chip_side_um": 19542.4,
        "checks": {"parallel_read": {"numRowParallel": 64, "chip_mm2": 378.068, "published_mm2": 378.06},
                   "adc_levels": {"levelOutput": 16, "chip_mm2": 345.169}},
        "sar_chip_mm2": 477.56, "sar_chip_side_um": 21853.1,
        "sar_parts_mm2": {"array": 3.60536, "interconnect": 31.1021, "adc": 18.8246, "accumulation": 18.5063,
                          "other": 46.5381},
        "sram_chip_mm2": 85.9765,
        "sram_parts_mm2": {"array": 21.0312, "interconnect": 12.618, "adc": 15.3844, "accumulation": 20.9922,
                           "other": 11.639},
    },
}
"""NeuroSim's published chip, its configuration and its area by part (what the released code gives for it, with its
flash ADCs as published and with SAR ADCs)."""


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


def neurosim_ops() -> int:
    """Operations per image as NeuroSim counts them: 2 H W C_in k^2 C_out per layer, padding included (main.cpp
    numComputation)."""
    convs = sum(2 * size * size * c_in * 9 * c_out for c_in, c_out, size in VGG8_CONVS)
    return convs + sum(2 * a * b for a, b in VGG8_LINEARS)


def neurosim_adcs(record: dict) -> int:
    """NeuroSim's ADCs: 128 / numColMuxed per subarray."""
    c = record["neurosim"]["configuration"]
    return record["neurosim"]["run"]["subarrays"] * c["subarray"][1] // c["numColMuxed"]


def whitespace(chip_mm2: float, parts: dict[str, float]) -> float:
    """mm^2 of a NeuroSim chip's bounding box that none of its parts fills."""
    return chip_mm2 - sum(parts.values())
