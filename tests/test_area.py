"""The chip-area model (spindcgan.energy.area, docs/area.md): published chips reproduced by configuring the model as
they were built, small layers computed by hand, the ADC band, scaling with the node and ADC sharing, and one-line
errors for bad input."""

from pathlib import Path

import pytest
import torch
import torch.nn as nn

from spindcgan import HardwareConfig, SpinDCGANError
from spindcgan.crossbar.config import ArrayConfig
from spindcgan.energy.area import (
    ADC_BITS,
    ADC_MODELS,
    AreaConfig,
    AreaConstants,
    adc_band,
    adc_um2,
    buffer_um2,
    crossbar_layer_area,
    dac_um2,
    dw_activation_area,
    model_area,
)
from spindcgan.energy.area.doc import field_docs, page
from spindcgan.energy.area.validation import (
    ISAAC_ADC_SHARE,
    ISAAC_IMA_UM2,
    NEURRAM_ARRAY_UM2,
    isaac_ima,
    neurram_array,
)
from spindcgan.nn import DomainWallReLU, SpinConv2d, SpinConvTranspose2d, SpinLinear
from spindcgan.reports.mapping import map_model

DOCS = Path(__file__).resolve().parents[1] / "docs"
CONSTANTS = AreaConstants()
BARE = AreaConfig(device_footprint=False)
"""32 nm, NeuroSim's 1T1R cell alone, ISAAC's ADC table, one ADC per column."""


def test_isaac_in_situ_mac_unit_is_10250_um2_and_its_adcs_94_percent():
    """ISAAC's IMA at 32 nm (Table 2): 8 arrays 128 x 128, 8 ADCs of 8 bits at 1,200 um^2, 1,024 1-bit DACs at
    0.166 um^2, sample-and-hold 40 um^2, 4 shift-and-add units at 60 um^2: 10,250 um^2 within 1 %, ADCs 94 %."""
    ima = isaac_ima()
    assert ima.counts == {"arrays": 8, "cells": 8 * 128 * 128, "dacs": 1024, "sample_holds": 1024, "adcs": 8,
                          "shift_adds": 4}
    assert ima.used == pytest.approx(ISAAC_IMA_UM2, rel=0.01)
    assert ima.parts["adc"] == pytest.approx(9600.0) and ima.parts["dac"] == pytest.approx(170.0)
    assert ima.parts["sample_hold"] == pytest.approx(40.0) and ima.parts["shift_add"] == pytest.approx(240.0)
    assert round(ima.parts["adc"] / ima.used, 2) == ISAAC_ADC_SHARE


def test_neurram_256_by_256_1t1r_array_is_0_139_mm2():
    """NeuRRAM's core at 130 nm: 256 x 256 1T1R cells of 125.74 F^2 are 0.139 mm^2 within 2 %."""
    array = neurram_array()
    assert array.counts["cells"] == 256 * 256
    assert array.parts["cells"] == pytest.approx(NEURRAM_ARRAY_UM2, rel=0.02)


@pytest.mark.parametrize("scheme, share, footprint, cells, adcs", [
    # 8 x 3 matrix in 4 x 2 arrays: 2 x 2 = 4 arrays. Differential: 4 x 4 rows x 4 columns = 64 cells of
    # 48 F^2 x (0.032 um)^2 = 0.049152 um^2; 4 arrays x 2 columns = 8 ADCs of 626.91 um^2 (6 bits).
    ("differential", 1, False, 64 * 0.049152, 8 * 626.91),
    # Offset: 4 x 4 x (2 + 1 reference) = 48 cells, each the 240 nm x 240 nm skyrmion (0.0576 um^2, larger than the
    # 1T1R cell); K = 2: one ADC per array.
    ("offset", 2, True, 48 * 0.0576, 4 * 626.91),
])
def test_a_small_layer_is_its_hand_computed_sum_of_parts(scheme, share, footprint, cells, adcs):
    config = AreaConfig(device_footprint=footprint)
    layer = crossbar_layer_area(8, 3, array_rows=4, array_cols=2, signed_scheme=scheme, adc_bits=6, dac_bits=2,
                                adc_share=share, config=config)
    n_adcs = 8 // share
    hand = {"cells": cells,
            "dac": 16 * 0.166015625 * 2,        # 4 arrays x 4 rows, a 2-bit DAC is twice ISAAC's 1-bit one
            "sample_hold": 8 * 40 / 1024,       # 4 arrays x 2 weight columns
            "adc": adcs,
            "shift_add": n_adcs * 60.0,         # one 60 um^2 unit per ADC
            "dw_track": 0.0, "dw_read": 0.0}
    assert layer.counts["arrays"] == 4 and layer.counts["adcs"] == n_adcs
    assert layer.parts == pytest.approx(hand, rel=1e-12)
    assert layer.used == pytest.approx(sum(hand.values()), rel=1e-12)


def test_dw_devices_and_the_buffer_by_hand():
    """3 DW devices: 3 x 200 nm x 40 nm tracks + 3 x 11 transistors of 212.8 F^2; a 1,000-bit buffer of 146 F^2."""
    dw = dw_activation_area(3, BARE)
    assert dw.parts["dw_track"] == pytest.approx(3 * 0.008, rel=1e-12)
    assert dw.parts["dw_read"] == pytest.approx(3 * 11 * 212.8 * 0.032**2, rel=1e-12)
    assert buffer_um2(1000, BARE) == pytest.approx(1000 * 146 * 0.032**2, rel=1e-12)
    assert buffer_um2(1000, AreaConfig(sram_efficiency=0.5)) == pytest.approx(2 * 1000 * 146 * 0.032**2)


def test_the_three_adc_models_at_6_bits_32_nm_are_the_published_spread():
    """reference.md 11: a 6-bit ADC at 32 nm is 302 um^2 (NeuroSim's SAR), 627 um^2 (ISAAC scaled), 5,180 um^2
    (the survey fit at 1 GS/s)."""
    got = {m: adc_um2(m, 6, 32.0, 1e9, CONSTANTS) for m in ADC_MODELS}
    assert got == pytest.approx({"neurosim": 302.0, "isaac": 627.0, "survey": 5180.0}, rel=0.005)


@pytest.mark.parametrize("model", ADC_MODELS)
@pytest.mark.parametrize("node", [22.0, 32.0, 65.0, 130.0])
def test_the_adc_band_holds_the_chosen_model(model, node):
    low, high = ADC_BITS[model]
    for bits in range(low, high + 1):
        band = adc_band(model, bits, node, 1e9, CONSTANTS)
        assert band.low <= band.value <= band.high
        assert band.value == adc_um2(model, bits, node, 1e9, CONSTANTS)


def test_a_layer_band_moves_only_its_adcs():
    layer = crossbar_layer_area(300, 200, adc_bits=6, config=BARE)
    band, rest = layer.band, layer.used - layer.parts["adc"]
    assert band.value == pytest.approx(layer.used)
    assert band.low == pytest.approx(rest + layer.counts["adcs"] * adc_um2("neurosim", 6, 32.0, 1e9, CONSTANTS))
    assert band.high == pytest.approx(rest + layer.counts["adcs"] * adc_um2("survey", 6, 32.0, 1e9, CONSTANTS))


@pytest.mark.parametrize("adc_model", ["isaac", "neurosim"])
def test_every_part_scales_with_the_node_squared(adc_model):
    """(F / 32 nm)^2: at 64 nm every part of a layer (access cells, DACs, ADCs, ...) is 4x, and the DW read too."""
    areas = [crossbar_layer_area(300, 200, adc_bits=6, dac_bits=3,
                                 config=AreaConfig(node_nm=node, device_footprint=False, adc_model=adc_model))
             for node in (32.0, 64.0)]
    for part, area in areas[0].parts.items():
        assert areas[1].parts[part] == pytest.approx(4 * area, rel=1e-12), part
    reads = [dw_activation_area(5, AreaConfig(node_nm=node)).parts["dw_read"] for node in (32.0, 64.0)]
    assert reads[1] == pytest.approx(4 * reads[0], rel=1e-12)
    assert dac_um2(1, 16.0, CONSTANTS) == pytest.approx(0.166015625 / 4, rel=1e-12)


def test_the_row_dac_is_mnsims_isaac_table():
    """MNSIM 2.0 Hardware_Model/DAC.py: 1, 2, 3, 4, 6, 8 bits = 0.166, 0.332, 0.664, 1.328, 5.312, 21.248 um^2."""
    table = {1: 0.166, 2: 0.332, 3: 0.664, 4: 1.328, 6: 5.312, 8: 21.248}
    assert {b: dac_um2(b, 32.0, CONSTANTS) for b in table} == pytest.approx(table, rel=1e-3)


@pytest.mark.parametrize("share, adcs", [(1, 128), (8, 16), (3, 43), (128, 1)])
def test_adc_sharing_divides_the_adcs(share, adcs):
    """One ADC per K weight columns: ceil(128 / K) per array; the ADC area and shift-add units follow."""
    one = crossbar_layer_area(128, 128, config=BARE)
    shared = crossbar_layer_area(128, 128, adc_share=share, config=BARE)
    assert shared.counts["adcs"] == adcs and shared.counts["shift_adds"] == adcs
    assert shared.parts["adc"] == pytest.approx(one.parts["adc"] * adcs / 128, rel=1e-12)
    assert shared.parts["cells"] == one.parts["cells"]


@pytest.mark.parametrize("make, field", [
    (lambda: AreaConfig(node_nm=-7.0), "area.node_nm"),
    (lambda: AreaConfig(node_nm=0), "area.node_nm"),
    (lambda: crossbar_layer_area(128, 128, adc_share=0), "crossbar layer adc_share must be an integer >= 1"),
    (lambda: crossbar_layer_area(128, 128, adc_share=129), "adc_share (K = 129) exceeds the 128 columns"),
    (lambda: ArrayConfig(adc_share=0), "hardware.array.adc_share must be an integer in [1, 128]"),
    (lambda: ArrayConfig(cols=64, adc_share=65), "hardware.array.adc_share must be an integer in [1, 64]"),
    (lambda: AreaConfig(adc_model="flash"), "area.adc_model"),
    (lambda: adc_um2("flash", 8, 32.0, 1e9, CONSTANTS), "area.adc_model"),
    (lambda: AreaConfig(cell="6t"), "area.cell"),
    (lambda: AreaConfig(sram_efficiency=1.5), "area.sram_efficiency"),
    (lambda: AreaConfig(floorplan_factor=-0.1), "area.floorplan_factor"),
    (lambda: crossbar_layer_area(128, 128, adc_bits=3), "area.adc_model"),
    (lambda: crossbar_layer_area(0, 128), "rows"),
    (lambda: crossbar_layer_area(128, 128, signed_scheme="twos"), "signed_scheme"),
])
def test_bad_input_is_a_one_line_error_naming_the_field(make, field):
    with pytest.raises(SpinDCGANError) as error:
        make()
    assert field in str(error.value) and "\n" not in str(error.value)


def tiny_model(hardware: HardwareConfig) -> nn.Module:
    return nn.Sequential(
        SpinConvTranspose2d(6, 5, 4, 2, 1, bias=False, hardware=hardware), DomainWallReLU(hardware=hardware),
        SpinConv2d(5, 7, 3, 1, 1, bias=False, hardware=hardware), nn.Flatten(),
        SpinLinear(7 * 8 * 8, 3, bias=False, hardware=hardware))


def test_a_model_is_priced_on_its_mapping():
    """model_area prices what reports.mapping traced: its arrays, its DW devices, a buffer of its largest feature
    map at the ledger's costed 8 ADC bits (an ideal read-out), 1-bit DACs for an ideal drive."""
    hardware = HardwareConfig(array=ArrayConfig(rows=16, cols=4))
    model, example = tiny_model(hardware), torch.zeros(1, 6, 4, 4)
    chip = model_area(model, example, hardware, BARE)
    mappings = map_model(model, example, hardware)
    crossbars = [m for m in mappings if m.arrays]
    assert [a.counts["arrays"] for a in chip.layers if a.kind != "dw-relu"] == [m.arrays for m in crossbars]
    assert [a.counts["dw_devices"] for a in chip.layers if a.kind == "dw-relu"] == [5]
    assert chip.buffer_bits == 7 * 8 * 8 * 8
    assert chip.layers[0].parts["dac"] == pytest.approx(chip.layers[0].counts["dacs"] * 0.166015625)
    assert chip.used == pytest.approx(sum(a.used for a in chip.layers) + chip.buffer)
    assert chip.total == chip.used  # no floorplan whitespace by default
    assert model_area(model, example, hardware, AreaConfig(device_footprint=False, floorplan_factor=0.25)).total \
        == pytest.approx(1.25 * chip.used)


def test_the_zero_free_mapping_prices_the_matrix_it_programs():
    """A deconvolution C_in 6 -> C_out 5, k 4, zero-free: a 6 x 80 matrix (1 x 20 arrays of 16 x 4), not the
    zero-padded 96 x 5 (6 x 2)."""
    hardware = HardwareConfig(array=ArrayConfig(rows=16, cols=4))
    model, example = tiny_model(hardware), torch.zeros(1, 6, 4, 4)
    padded, free = (model_area(model, example, hardware, BARE, mapping=m) for m in ("zero-padded", "zero-free"))
    assert padded.layers[0].counts["arrays"] == 6 * 2 and free.layers[0].counts["arrays"] == 1 * 20
    with pytest.raises(SpinDCGANError, match="mapping"):
        model_area(model, example, hardware, BARE, mapping="sparse")


def test_the_device_footprints_are_those_of_the_micromagnetic_setups():
    from spindcgan.devices.micromagnetics.dw_track import TrackSetup
    from spindcgan.devices.micromagnetics.synapse import SynapseSetup

    width, height = SynapseSetup().size
    assert CONSTANTS.skyrmion_footprint_nm2 == pytest.approx(width * height * 1e18)
    assert CONSTANTS.dw_track_footprint_nm2 == pytest.approx(TrackSetup().length * TrackSetup().width * 1e18)


def test_every_constant_and_choice_says_where_it_comes_from():
    for cls in (AreaConstants, AreaConfig):
        docs = field_docs(cls)
        assert set(docs) == set(cls.__dataclass_fields__), cls.__name__
        assert all(len(text) > 30 for text in docs.values()), cls.__name__


def test_the_area_page_is_what_the_model_writes():
    """docs/area.md's generated part is current (regenerate: python -m spindcgan.energy.area docs/area.md)."""
    text = (DOCS / "area.md").read_text()
    assert text == page(text)
    assert "(area.md)" in (DOCS / "energy.md").read_text()


def test_weight_slicing_and_copies_multiply_the_arrays_they_count():
    """``columns_per_weight`` and ``copies`` (NeuroSim's weight slicing and pipeline copies), by hand: a 32 -> 4
    linear layer on 16 x 4 arrays is 2 arrays of 16 x (2 x 4) differential cells, 256 cells of 48 F^2 at 32 nm
    (0.049152 um^2 each); at 8 columns per weight its 32 columns fill 2 x 8 = 16 arrays, 2,048 cells (exactly 8x);
    a 20 -> 6 layer pads: 2 x 2 = 4 arrays, sliced 2 x ceil(48 / 4) = 24 (6x, not 8x). Two copies of a layer double
    every part of it and leave the other layers and the buffer as they were."""
    hardware = HardwareConfig(array=ArrayConfig(rows=16, cols=4))
    model = nn.Sequential(SpinLinear(32, 4, bias=False, hardware=hardware), DomainWallReLU(hardware=hardware),
                          SpinLinear(4, 6, bias=False, hardware=hardware))
    example = torch.zeros(1, 32)
    plain = model_area(model, example, hardware, BARE)
    sliced = model_area(model, example, hardware, BARE, columns_per_weight=8)
    assert plain.layers[0].counts["arrays"] == 2 and plain.layers[0].counts["cells"] == 256
    assert sliced.layers[0].counts["arrays"] == 16 and sliced.layers[0].counts["cells"] == 2048
    assert plain.layers[0].parts["cells"] == pytest.approx(256 * 0.049152, rel=1e-12)
    assert sliced.layers[0].parts["cells"] == pytest.approx(2048 * 0.049152, rel=1e-12)
    assert sliced.layers[0].parts["cells"] == pytest.approx(8 * plain.layers[0].parts["cells"], rel=1e-12)
    padded = nn.Sequential(SpinLinear(20, 6, bias=False, hardware=hardware))
    counts = [model_area(padded, torch.zeros(1, 20), hardware, BARE, columns_per_weight=c).layers[0].counts["arrays"]
              for c in (1, 8)]
    assert counts == [4, 24]
    doubled = model_area(model, example, hardware, BARE, copies={"2": 2})
    assert doubled.layers[2].counts == {k: 2 * v for k, v in plain.layers[2].counts.items()}
    assert doubled.layers[2].used == pytest.approx(2 * plain.layers[2].used, rel=1e-12)
    assert [a.used for a in doubled.layers[:2]] == [a.used for a in plain.layers[:2]]
    assert doubled.buffer == plain.buffer
    assert model_area(model, example, hardware, BARE, columns_per_weight=1, copies=None).total == plain.total
    for bad in ({"1": 2}, {"nope": 2}, {"0": 0}, {"0": 1.5}):
        with pytest.raises(SpinDCGANError, match="copies"):
            model_area(model, example, hardware, BARE, copies=bad)
    with pytest.raises(SpinDCGANError, match="columns_per_weight"):
        model_area(model, example, hardware, BARE, columns_per_weight=0)
