"""The paper's two generators (and the zero-free mapping) in energy, latency and chip area, with the ADCs' share of
the area, and what sharing one ADC among K columns buys (area) and costs (latency) (issue 53): a record, the study
block of docs/area.md and a plot.

    python experiments/area_study.py [--out results/area/study.json] [--page docs/area.md] [--pages-only]

For each shipped generator (``api.SHIPPED_MODELS``), mapping (zero-padded, zero-free) and K in 1, 2, 4, 8, 16, 32
(``with_settings(hardware, adc_share=K)``) on the default 32 nm chip (``AreaConfig()``): the energy per image (the
devices alone and with the CMOS peripherals) and the latency per image of the ledger's ``generation_cost`` on a
fixed batch of 16 noise vectors (seed 0, as ``api.generate`` draws them), the chip area of ``model_area`` with its
ADC band and the ADCs' share, and TOPS/W and TOPS/mm^2 as ``Ledger.merit`` computes them. ``--pages-only`` measures
nothing: it renders the block and the plot from the committed record.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch
from provenance import ROOT, command, commit, fill_block, shown, study_record

from spindcgan import api, with_settings
from spindcgan.energy.area import AreaConfig
from spindcgan.energy.constants import PeripheralCosts
from spindcgan.energy.ledger import inference_ledger, priced_for

OUT = ROOT / "results" / "area" / "study.json"
PAGE = ROOT / "docs" / "area.md"
PLOT = ROOT / "docs" / "img" / "area-adc-sharing.png"
BEGIN, END = "<!-- study:begin -->", "<!-- study:end -->"
MAPPINGS = ("zero-padded", "zero-free")
SHARES = (1, 2, 4, 8, 16, 32)
Z_SEED, Z_BATCH = 0, 16
READ_K = 8
"""The K the block's sentences read off against one ADC per column."""


def cost_row(generator: torch.nn.Module, hardware, z: torch.Tensor, mapping: str, config: AreaConfig) -> dict:
    """One (mapping, K) point: energy, latency, area with its band, and the figures of merit of ``Ledger.merit``
    (a ledger of the generator's forward passes alone, carrying the chip's area)."""
    ledger = inference_ledger(generator, z, hardware, mapping, area=config)
    devices = dataclasses.replace(ledger, include_peripherals=False)
    merit, band = ledger.merit(), ledger.area.band
    return {"mapping": mapping, "adc_share": hardware.array.adc_share,
            "energy_devices_j": sum(devices.inference.values()), "energy_j": sum(ledger.inference.values()),
            "latency_s": ledger.inference_latency, "area_mm2": merit["area_mm2"],
            "area_band_mm2": {"low": band.low / 1e6, "value": band.value / 1e6, "high": band.high / 1e6},
            "adc_share_of_area": merit["adc_share_of_area"], "ops_per_image": merit["ops_per_image"],
            "tops_per_w": merit["tops_per_w"], "tops_per_mm2": merit["tops_per_mm2"]}


def measure_model(dataset: str, config: AreaConfig) -> tuple[dict, list[dict]]:
    """What one shipped generator is (its file, channels, costed ADC resolution) and its every (mapping, K) row."""
    generator, run = api.load_generator(api.SHIPPED_MODELS[dataset])
    z = torch.randn(Z_BATCH, run.model.z_dim, generator=torch.Generator().manual_seed(Z_SEED))
    rows = []
    for mapping in MAPPINGS:
        for share in SHARES:
            hardware = with_settings(run.hardware, adc_share=share)
            rows.append({"dataset": dataset, **cost_row(generator, hardware, z, mapping, config)})
            print(f"{dataset} {mapping} K={share}: {rows[-1]['area_mm2']:.2f} mm^2, "
                  f"{rows[-1]['latency_s'] * 1e6:.2f} us", flush=True)
    info = {"path": shown(api.SHIPPED_MODELS[dataset]), "g_channels": list(run.model.g_channels),
            "adc_bits_costed": priced_for(run.hardware, PeripheralCosts()).adc_bits}
    return info, rows


def measure() -> dict:
    """The record: command, commit, protocol (with what each generator is) and every row of both generators."""
    config = AreaConfig()
    measured = {dataset: measure_model(dataset, config) for dataset in api.SHIPPED_MODELS}
    protocol = {"node_nm": config.node_nm, "area_config": dataclasses.asdict(config), "z_seed": Z_SEED,
                "z_batch": Z_BATCH, "mappings": list(MAPPINGS), "adc_shares": list(SHARES),
                "models": {dataset: info for dataset, (info, _) in measured.items()},
                "energy_and_latency": "per image, energy.ledger.generation_cost on the fixed batch",
                "merit": "energy.ledger.Ledger.merit of the generator's forward passes and model_area's chip"}
    rows = [row for _, dataset_rows in measured.values() for row in dataset_rows]
    return {"command": command(), "commit": commit(), "protocol": protocol, "rows": rows}


def table(rows: list[dict]) -> list[str]:
    """One generator's rows as a markdown table."""
    lines = ["| mapping | K | energy, devices (nJ) | energy, with peripherals (nJ) | latency (us) | area (mm^2, band) "
             "| ADCs' share | TOPS/W | TOPS/mm^2 |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        band = r["area_band_mm2"]
        lines.append(f"| {r['mapping']} | {r['adc_share']} | {r['energy_devices_j'] * 1e9:.4f} | "
                     f"{r['energy_j'] * 1e9:,.1f} | {r['latency_s'] * 1e6:,.2f} | {r['area_mm2']:.2f} "
                     f"({band['low']:.2f} - {band['high']:.2f}) | {r['adc_share_of_area']:.1%} | "
                     f"{r['tops_per_w']:.3g} | {r['tops_per_mm2']:.3g} |")
    return lines


def pick(rows: list[dict], dataset: str, mapping: str, share: int) -> dict:
    """The one row of a generator, mapping and K."""
    return next(r for r in rows if (r["dataset"], r["mapping"], r["adc_share"]) == (dataset, mapping, share))


def sharing_reading(rows: list[dict]) -> str:
    """What K = READ_K buys (area, the ADCs' share) and costs (latency) for the anime generator, zero-padded."""
    one, k = pick(rows, "anime", "zero-padded", 1), pick(rows, "anime", "zero-padded", READ_K)
    energies = {r["energy_j"] for r in rows if (r["dataset"], r["mapping"]) == ("anime", "zero-padded")}
    energy = (f"the energy per image is the same at every K ({k['energy_j'] * 1e9:,.1f} nJ: every column is still "
              "converted)" if len(energies) == 1 else
              f"the energy per image goes from {one['energy_j'] * 1e9:,.1f} to {k['energy_j'] * 1e9:,.1f} nJ")
    return (f"For the anime generator (zero-padded), one ADC per {READ_K} columns shrinks the chip from "
            f"{one['area_mm2']:.2f} to {k['area_mm2']:.2f} mm^2 ({1 - k['area_mm2'] / one['area_mm2']:.0%} less; "
            f"the ADCs' share of it falls from {one['adc_share_of_area']:.0%} to {k['adc_share_of_area']:.0%}) and "
            f"stretches an image from {one['latency_s'] * 1e6:,.2f} to {k['latency_s'] * 1e6:,.2f} us "
            f"({k['latency_s'] / one['latency_s']:.1f}x: only the crossbar reads wait K times as long, the DW "
            f"activations and CMOS steps do not); {energy}.")


def peak_reading(rows: list[dict]) -> str:
    """The K of the highest TOPS/mm^2 of each generator and mapping."""
    peaks = []
    for dataset in api.SHIPPED_MODELS:
        for mapping in MAPPINGS:
            own = [r for r in rows if (r["dataset"], r["mapping"]) == (dataset, mapping)]
            best = max(own, key=lambda r: r["tops_per_mm2"])
            peaks.append(f"K = {best['adc_share']} for {dataset} {mapping} ({best['tops_per_mm2']:.3g})")
    return ("TOPS/mm^2 rises while the ADCs dominate the area and falls once the reads' latency grows faster than "
            "the area shrinks: it peaks at " + ", ".join(peaks) + ".")


def mapping_reading(rows: list[dict]) -> str:
    """The zero-free mapping's energy and area against the zero-padded one's, at K = 1."""
    parts = []
    for dataset in api.SHIPPED_MODELS:
        padded, free = pick(rows, dataset, "zero-padded", 1), pick(rows, dataset, "zero-free", 1)
        parts.append(f"{padded['energy_j'] / free['energy_j']:.1f}x for {dataset} (on {free['area_mm2']:.2f} "
                     f"against {padded['area_mm2']:.2f} mm^2)")
    return ("At K = 1 the zero-free mapping spends " + " and ".join(parts) + " less energy per image with the "
            "peripherals than the zero-padded one.")


def readings(rows: list[dict]) -> list[str]:
    """What the tables say, worded from the record (so the prose cannot drift from it)."""
    return [sharing_reading(rows), peak_reading(rows), mapping_reading(rows)]


def block(record: dict, out: Path = OUT) -> str:
    """The study block of docs/area.md from the record at ``out``: provenance, a table per generator, the readings
    and the plot."""
    rows, p = record["rows"], record["protocol"]
    lines = [f"From `{shown(out)}` (`{record['command']}`, commit {record['commit'][:10]}): the shipped "
             f"generators, {p['node_nm']:g} nm, the default `AreaConfig` (ADCs at the "
             f"{p['area_config']['adc_model']} model's value, the band over the three models); energy and latency "
             f"per image over {p['z_batch']} noise vectors of seed {p['z_seed']}.", ""]
    for dataset, model in p["models"].items():
        channels = ", ".join(map(str, model["g_channels"]))
        lines += [f"**{dataset}** (`{model['path']}`: generator channels {channels}; ADCs costed at "
                  f"{model['adc_bits_costed']} bits)", "", *table([r for r in rows if r["dataset"] == dataset]), ""]
    lines += [" ".join(readings(rows)), "", f"![chip area against latency per K]({PLOT.relative_to(PAGE.parent)})"]
    return "\n".join(lines) + "\n"


def plot(record: dict, out: Path = PLOT) -> Path:
    """Chip area against latency per image, one line per generator (zero-padded), each point labelled with K and
    its ADC band as an error bar."""
    from spindcgan.plots import plt, save_figure

    fig, ax = plt.subplots(figsize=(5, 3.2), dpi=100)
    for dataset in dict.fromkeys(r["dataset"] for r in record["rows"]):
        rows = [r for r in record["rows"] if r["dataset"] == dataset and r["mapping"] == "zero-padded"]
        x = [r["latency_s"] * 1e6 for r in rows]
        y = [r["area_mm2"] for r in rows]
        err = [[r["area_mm2"] - r["area_band_mm2"]["low"] for r in rows],
               [r["area_band_mm2"]["high"] - r["area_mm2"] for r in rows]]
        ax.errorbar(x, y, yerr=err, marker="o", capsize=2, label=f"{dataset} G")
        for r, xi, yi in zip(rows, x, y, strict=True):
            ax.annotate(f"K={r['adc_share']}", (xi, yi), textcoords="offset points", xytext=(4, 4), fontsize=7)
    ax.set(xscale="log", yscale="log", xlabel="latency per image (us)", ylabel="chip area (mm^2), ADC band",
           title="ADC sharing: area against latency (32 nm, zero-padded)")
    ax.title.set_fontsize(9)
    ax.margins(x=0.12)
    ax.legend(fontsize=8)
    return save_figure(fig, out)


def main() -> None:
    record, out, page = study_record(__doc__.splitlines()[0], OUT, PAGE, measure)
    fill_block(page, BEGIN, END, block(record, out))
    print(f"{shown(out)}, {shown(page)}, {shown(plot(record))}")


if __name__ == "__main__":
    main()
