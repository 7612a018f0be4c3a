"""The study of the shipped generators' area, energy and latency under ADC sharing (experiments/area_study.py,
docs/area.md): the page's block is what the script renders from the committed record, and the record holds
together."""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "results" / "area" / "study.json"


def _curves(record: dict) -> dict[tuple[str, str], list[dict]]:
    """The record's rows by (generator, mapping), in order of K."""
    curves: dict[tuple[str, str], list[dict]] = {}
    for row in record["rows"]:
        curves.setdefault((row["dataset"], row["mapping"]), []).append(row)
    return {key: sorted(rows, key=lambda r: r["adc_share"]) for key, rows in curves.items()}


def test_the_study_block_of_the_area_page_is_what_the_script_renders_from_the_record(tmp_path, experiment):
    """docs/area.md's study block holds no hand-typed number (rewrite it: python experiments/area_study.py
    --pages-only); the plot renders from the record; a page without the markers is refused."""
    study = experiment("area_study")
    page = (ROOT / "docs" / "area.md").read_text()
    record = json.loads(RECORD.read_text())
    assert page.split(study.BEGIN + "\n")[1].split(study.END)[0] == study.block(record)
    assert study.plot(record, tmp_path / "plot.png").stat().st_size > 0
    assert (ROOT / "docs" / "img" / "area-adc-sharing.png").stat().st_size < 60_000
    (tmp_path / "page.md").write_text("no markers")
    with pytest.raises(SystemExit, match="markers"):
        study.fill_block(tmp_path / "page.md", study.BEGIN, study.END, "text")


def test_the_study_record_holds_together(experiment):
    """Every generator, mapping and K is there once; with K the area falls and the latency rises, the energy and
    the useful operations stay (and are the same under both mappings); every band holds its value; the ADCs' share
    falls with K."""
    study, record = experiment("area_study"), json.loads(RECORD.read_text())
    curves = _curves(record)
    assert set(curves) == {(d, m) for d in record["protocol"]["models"] for m in study.MAPPINGS}
    for rows in curves.values():
        assert [r["adc_share"] for r in rows] == list(study.SHARES)
        for a, b in zip(rows, rows[1:], strict=False):
            assert b["area_mm2"] < a["area_mm2"] and b["latency_s"] > a["latency_s"]
            assert b["adc_share_of_area"] < a["adc_share_of_area"]
            assert b["energy_j"] == pytest.approx(a["energy_j"]) and b["ops_per_image"] == a["ops_per_image"]
        for r in rows:
            band = r["area_band_mm2"]
            assert band["low"] <= band["value"] <= band["high"] and band["value"] == pytest.approx(r["area_mm2"])
            assert r["energy_devices_j"] < r["energy_j"]
    for dataset in record["protocol"]["models"]:  # both mappings do the same useful operations
        assert len({r["ops_per_image"] for (d, _), rows in curves.items() if d == dataset for r in rows}) == 1
    assert record["command"].startswith("python experiments/area_study.py") and len(record["commit"]) == 40
