"""What the paper does not report, the section "Beyond the paper" of docs/results.md: the shipped generators' chip
area (``experiments/area_study.py``'s record), this area model beside NeuroSim's VGG-8 chip
(``experiments/area_neurosim.py``'s) and the FID over the crossbars' wire resistance (the sweeps of docs/circuit.md,
``results/circuit/sweep-fmnist*`` and ``exact-fmnist*``). A record not written yet is left out, or for the wire study
said to be not measured yet."""

from __future__ import annotations

import json
from pathlib import Path

from area_neurosim import OUT as NEUROSIM_VGG8
from area_study import OUT as AREA_STUDY
from area_study import READ_K
from circuit_report import planned_points, read_sweep, solver_pairs, study_key, study_rows, where_it_breaks
from provenance import shown

from .runs import ROOT

CIRCUIT = ROOT / "results" / "circuit"
"""The folder of the wire studies: the sweep folders ``STUDY`` and ``EXACT`` are inside it."""
STUDY = ("sweep-fmnist", "sweep-fmnist-high")  # one study: the second folder goes on to higher resistance
EXACT = ("exact-fmnist", "exact-fmnist-high")
CIRCUIT_STUDY = "circuit.md#the-study-fid-and-energy-over-wire-resistance"
TITLE = "## Beyond the paper: chip area and wire resistance"


def beyond_the_paper(area: Path = AREA_STUDY, neurosim: Path = NEUROSIM_VGG8, circuit: Path = CIRCUIT) -> list[str]:
    """The section: chip area, the NeuroSim comparison, wire resistance (``circuit``: the folder holding the wire
    studies' sweep folders)."""
    return [TITLE, "",
            "The paper reports no chip area and computes on ideal arrays, whose wires have no resistance; this "
            "project's models of both, from their records:", "",
            *chip_area(area), *neurosim_comparison(neurosim), *wire_resistance(circuit)]


def chip_area(path: Path = AREA_STUDY) -> list[str]:
    """Each shipped generator's zero-padded chip at one ADC per column and at ``READ_K`` columns per ADC: area with
    its band, the ADCs' share, TOPS/mm^2 and TOPS/W."""
    if not path.exists():
        return []
    record = json.loads(path.read_text())
    p = record["protocol"]
    lines = [f"**Chip area** of the shipped generators, zero-padded as the paper maps them, on a {p['node_nm']:g} nm "
             f"chip (from `{shown(path)}`, `{record['command']}` at commit {record['commit'][:10]}): the band puts "
             f"the ADCs at the lowest and the highest of the three ADC models, the value at the "
             f"{p['area_config']['adc_model']} model; TOPS/W counts the CMOS peripherals (`Ledger.merit`). The "
             "model, its constants and their sources are in [area.md](area.md), with both mappings at more "
             "ADC sharings ([its table](area.md#the-papers-generators)).", "",
             "| generator | ADCs | chip area, mm^2 (band) | ADCs' share | TOPS/mm^2 | TOPS/W |",
             "|---|---|---|---|---|---|"]
    for dataset, model in p["models"].items():
        for share in dict.fromkeys((1, READ_K)):
            row = next((r for r in record["rows"] if (r["dataset"], r["mapping"], r["adc_share"])
                        == (dataset, "zero-padded", share)), None)
            if row is None:
                continue
            band = row["area_band_mm2"]
            adcs = f"{model['adc_bits_costed']}-bit, one per {'column' if share == 1 else f'{share} columns'}"
            lines.append(f"| {dataset} | {adcs} | {row['area_mm2']:.2f} ({band['low']:.2f} - {band['high']:.2f}) | "
                         f"{row['adc_share_of_area']:.0%} | {row['tops_per_mm2']:.3f} | {row['tops_per_w']:.3g} |")
    return lines + [""]


def neurosim_comparison(path: Path = NEUROSIM_VGG8) -> list[str]:
    """This model's VGG-8 chip closest to NeuroSim's (the record's last variant) against NeuroSim's, part by part and
    whole."""
    if not path.exists():
        return []
    record = json.loads(path.read_text())
    chip, run = record["variants"][-1], record["neurosim"]["run"]
    ratios, published, sar = chip["part_ratios"], record["neurosim"]["published"]["rram"], run["sar_parts_mm2"]
    uncounted = 1 - (sar["array"] + sar["adc"] + sar["accumulation"]) / run["sar_chip_mm2"]
    return [f"**Against NeuroSim V1.4's VGG-8 chip** ({published['node_nm']} nm, published at "
            f"{published['area_mm2']:.2f} mm^2; [area.md](area.md#neurosims-vgg-8-chip), from `{shown(path)}`): "
            f"VGG-8 priced by this model as NeuroSim maps it ({chip['name']}, {chip['total_mm2']:.2f} mm^2) has "
            f"synapse cells {ratios['cells']:.3f}x NeuroSim's array, ADCs {ratios['adc_sar']:.3f}x those of its run "
            f"with SAR ADCs, the ADC priced here ({ratios['adc_flash']:.2f}x the flash ADCs of its reference run), "
            f"and accumulation {ratios['accumulation']:.3f}x its adders and shift-adds. The whole chip is "
            f"{chip['ratio_to_published']:.3f}x the published {published['area_mm2']:.2f} mm^2: the interconnect, "
            f"the other peripheries and the whitespace this model does not count are {uncounted:.0%} of NeuroSim's "
            "chip with SAR ADCs.", ""]


COMPENSATED = {False: "without", True: "with"}


def wire_resistance(circuit: Path = CIRCUIT) -> list[str]:
    """The wire study of docs/circuit.md: FID per array size and wire resistance, without and with compensation, from
    the sweep folders ``STUDY`` inside ``circuit`` that exist (a line saying it is not measured yet while they hold no
    point); and the approximation against the exact solve from the ``EXACT`` folders that hold both."""
    folders = [circuit / name for name in STUDY if (circuit / name / "sweep.csv").exists()]
    specs, rows = study_rows(*folders) if folders else ([], [])
    exact = exact_solver([circuit / name for name in EXACT])
    if not rows:
        return ["**Wire resistance**: the study of the shipped Fashion-MNIST generator's FID over the wires' "
                "resistance, the array size and compensation has not been measured yet "
                f"([circuit.md]({CIRCUIT_STUDY}) has its model and command).", "", *exact]
    planned = planned_points(specs)
    wires = sorted({w for _, _, w in planned})
    arrays = sorted({a for a, _, _ in planned}, reverse=True)
    modes = sorted({r["compensation"] for r in rows})
    lines = [f"**Wire resistance** ([circuit.md]({CIRCUIT_STUDY})): the shipped Fashion-MNIST generator with every "
             f"array read through the wire approximation, from {' and '.join(f'`{shown(f)}`' for f in folders)} "
             f"({len(rows)} of the grids' {len(planned)} points measured). {rows[0]['metric']} "
             f"({specs[0]['n']:,} generated images of image seed {specs[0]['seed']}, the same at every point), "
             f"{' / '.join(COMPENSATED[m] for m in modes)} compensation, by array size and wire resistance per cell "
             "segment ('-': not measured):", "",
             "| array | " + " | ".join(f"{w:g} ohm" for w in wires) + " |", "|---|" + "---|" * len(wires)]
    fid = {study_key(r): f"{r['fid']:.2f}" for r in rows}
    for array in arrays:
        lines.append(f"| {array} x {array} | " + " | ".join(" / ".join(fid.get((array, m, w), "-") for m in modes)
                                                           for w in wires) + " |")
    return lines + ["", where_it_breaks(rows), "", *exact]


def exact_solver(folders: list[Path]) -> list[str]:
    """The approximation's FID against the exact nodal solve's at each point of sweeps over ``wire_solver`` that
    measured both; nothing while none has both."""
    found, metric = [], None
    for folder in folders:
        if not (folder / "sweep.csv").exists():
            continue
        spec, rows = read_sweep(folder)
        metric = rows[0]["metric"] if rows else metric
        found += [f"at {point}, {approx:.2f} with the approximation and {exact:.2f} with the exact solve "
                  f"({(approx - exact) / exact:+.2%}; `{shown(folder)}`)"
                  for point, approx, exact in solver_pairs(spec, rows)]
    if not found:
        return []
    return [f"The approximation against the exact nodal solve ({metric}, the same images for both): FID "
            + "; ".join(found) + ".", ""]
