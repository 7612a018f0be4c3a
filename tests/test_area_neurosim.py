"""The VGG-8 study against NeuroSim V1.4's reference chip (experiments/area_neurosim.py, docs/area.md): the page's
block is what the script renders from the committed record, and the record's chips and ratios are what the area
model gives today on the same network."""

import copy
import json
import math
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "results" / "area" / "neurosim-vgg8.json"


def test_the_neurosim_block_of_the_area_page_is_what_the_script_renders_from_the_record(experiment):
    """docs/area.md's neurosim block holds no hand-typed number (rewrite it: python experiments/area_neurosim.py
    --pages-only), and it sits outside the page's generated part."""
    study = experiment("area_neurosim")
    page = (ROOT / "docs" / "area.md").read_text()
    record = json.loads(RECORD.read_text())
    assert page.split(study.BEGIN + "\n")[1].split(study.END)[0] == study.block(record)
    assert page.index("<!-- end of the generated part -->") < page.index(study.BEGIN)
    assert record["command"].startswith("python experiments/area_neurosim.py") and len(record["commit"]) == 40


def test_the_block_s_numbers_follow_the_record(experiment):
    """The figures of the block's prose come from the record (or the script's constants kept in it), not from its
    text: changed in a copy of the record, each changes in the block."""
    study = experiment("area_neurosim")
    record = json.loads(RECORD.read_text())
    changed = copy.deepcopy(record)
    neurosim, protocol = changed["neurosim"], changed["protocol"]
    neurosim["published"]["rram"]["area_mm2"] = 123.45
    neurosim["configuration"].update(levelOutput=64, numBitInput=7, writeVoltage_V=3, cell_f=[5, 12])
    protocol["hardware"]["adc_bits"] = 6
    protocol["area_constants"].update(skyrmion_footprint_nm2=100.0**2, isaac_shift_add_um2=70.0)
    changed["merit"]["adc_fom_j"] = 3e-15
    before, after = study.block(record), study.block(changed)
    for old, new in (("381.90", "123.45"), ("(5 bits)", "(6 bits)"), ("Here 5 bits", "Here 6 bits"),
                     ("8 bit-serial", "7 bit-serial"), ("2 V writes", "3 V writes"), ("48 F^2", "60 F^2"),
                     ("240 nm x 240 nm", "100 nm x 100 nm"), ("60 um^2 at 32 nm", "70 um^2 at 32 nm"),
                     ("10 fJ", "3 fJ"), ("dumcolshared = levelOutput, so 32", "dumcolshared = levelOutput, so 64")):
        assert old in before and old not in after and new in after, old


def test_the_record_is_what_the_area_model_gives_on_vgg8_today(experiment):
    """Recomputed from the converted VGG-8: every chip's parts, total and ratios match the record; the script's
    pricing with one column per weight and no copies is ``model_area``'s own chip; the sliced chip with NeuroSim's
    copies has NeuroSim's 9,472 subarrays, its cells are NeuroSim's array and one reference column in 129, and its
    ADCs at NeuroSim's SAR formula are what NeuroSim's SAR run gives."""
    study = experiment("area_neurosim")
    from spindcgan.energy.area import model_area

    record = json.loads(RECORD.read_text())
    hardware = study.neurosim_hardware()
    model, image = study.network(hardware)
    rows = study.variants(model, image, hardware)
    for now, then in zip(rows, record["variants"], strict=True):
        assert now["name"] == then["name"] and now["arrays"] == then["arrays"] and now["adcs"] == then["adcs"]
        assert now["parts_mm2"] == pytest.approx(then["parts_mm2"], rel=1e-9)
        assert now["part_ratios"] == pytest.approx(then["part_ratios"], rel=1e-9)
        for key in ("total_mm2", "ratio_to_published", "ratio_to_sar_run"):
            assert now[key] == pytest.approx(then[key], rel=1e-9), key
    own = study.priced_chip(model, image, hardware, 1, None)
    assert own.total == pytest.approx(model_area(model, image, hardware, study.AREA).total, rel=1e-12)
    run = record["neurosim"]["run"]
    piped = rows[-1]
    assert piped["arrays"] == run["subarrays"] == 9472 and rows[1]["arrays"] == 6344
    assert piped["parts_mm2"]["adc"] == pytest.approx(run["sar_parts_mm2"]["adc"], rel=1e-3)
    assert piped["parts_mm2"]["cells"] == pytest.approx(run["parts_mm2"]["array"] * 129 / 128, rel=1e-3)
    assert piped["part_ratios"]["adc_flash"] == pytest.approx(piped["parts_mm2"]["adc"] / run["parts_mm2"]["adc"])
    assert rows[0]["ratio_to_published"] < rows[1]["ratio_to_published"] < piped["ratio_to_published"] < 1


def test_the_neurosim_side_of_the_record_adds_up():
    """NeuroSim's parts are under its chip (the rest is whitespace) in each run, its run reproduces the published
    totals, its SAR run differs from it where the ADCs and what scales with the floorplan differ only, and the
    published TOPS/mm^2 is TOPS over area truncated to the digits printed."""
    record = json.loads(RECORD.read_text())
    run, published = record["neurosim"]["run"], record["neurosim"]["published"]
    assert sum(run["parts_mm2"].values()) < run["chip_mm2"] == pytest.approx(published["rram"]["area_mm2"], abs=0.01)
    assert sum(run["sar_parts_mm2"].values()) < run["sar_chip_mm2"]
    assert run["sar_parts_mm2"]["array"] == run["parts_mm2"]["array"]
    assert run["sar_parts_mm2"]["accumulation"] == run["parts_mm2"]["accumulation"]
    for chip, side in (("chip_mm2", "chip_side_um"), ("sar_chip_mm2", "sar_chip_side_um")):
        assert run[side] ** 2 / 1e6 == pytest.approx(run[chip], rel=1e-4)
    assert run["sram_chip_mm2"] == pytest.approx(published["sram"]["area_mm2"], abs=0.01)
    for chip in ("rram", "sram"):
        p = published[chip]
        digits = len(repr(p["tops_per_mm2"]).split(".")[1])
        assert math.floor(p["tops"] / p["area_mm2"] * 10**digits) == round(p["tops_per_mm2"] * 10**digits), chip
    merit = record["merit"]
    assert merit["tops"] == pytest.approx(merit["ops_per_image"] / merit["latency_s"] / 1e12)
    assert merit["ops_per_image"] < merit["neurosim_ops_per_image"] == 1_231_835_136
