"""The two examples' full runs in docs/convert.md: their FIDs and energies side by side with the paper's generator.

    python experiments/examples_report.py --collect ~/spindcgan-runs/examples    # keep finished runs' records
    python experiments/examples_report.py --collect ~/spindcgan-runs/examples-s1 --seed 1   # a second seed's
    python experiments/examples_report.py                                        # only rewrite the page

``--collect DIR`` copies, from each finished run folder under DIR that the example commands wrote
(``conditional``, ``conditional-float``, ``upsample``, ``paper``: the ``--out`` of the commands in docs/convert.md),
its record (``fid.json`` or ``result.json``, which hold the command, the seed, the training's epochs and time and
the commit; the conditional ones' ``accuracy.json`` too) into ``results/examples/<name>/``, and the conditional
example's last sample grid (the one the page shows).
With ``--seed S`` (S > 0) they are runs of the same commands with ``--seed S``, kept under
``results/examples/<name>-sS/`` (the record's own seed must say S), and shown beside seed 0's.
The page's block between ``<!-- examples:begin -->`` and ``<!-- examples:end -->`` is then rendered from those
records alone; an example not yet run says so.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from provenance import ROOT, fill_block

RESULTS = ROOT / "results" / "examples"
SHOWN_GRID = RESULTS / "conditional" / "samples.png"
"""The one sample grid docs/convert.md shows: the conditional generator's, one row per class."""
PAGE = ROOT / "docs" / "convert.md"
RECORDS = {"conditional": "fid.json", "conditional-float": "fid.json", "upsample": "result.json",
           "paper": "result.json"}
ROWS = {
    "conditional": ("class-conditional DCGAN (`examples/conditional_dcgan.py`)", None),
    "upsample": ("upsample + convolution (`examples/upsample_generator.py`)", "upsample + convolution"),
    "paper": ("the paper's generator, zero-padded deconvolutions (`... --generator paper`)",
              "paper: zero-padded deconvolution"),
}
RECIPES = {  # the conditional example's recipes, oldest first: their records were kept under these names
    "conditional-channel": "label as a second image channel of the discriminator",
    "conditional-projection": "projection discriminator",
    "conditional": "projection discriminator + MSGAN's mode-seeking term (`--mode-seeking 1`, the example now)",
    "conditional-float": "the same in float (`--float`): the recipe's baseline",
}
COMMANDS = {
    "conditional": "python examples/conditional_dcgan.py --epochs 20 --out DIR/conditional",
    "upsample": "python examples/upsample_generator.py --epochs 20 --out DIR/upsample",
    "paper": "python examples/upsample_generator.py --generator paper --epochs 20 --out DIR/paper",
}


SEEDS = (0, 1)
"""The training seeds shown side by side (seed 0's records are the ones the tables above are made of)."""


def seed_folder(name: str, seed: int) -> str:
    """Where a run's records are kept: seed 0 under the example's own name, another seed with -sS after it."""
    return name if seed == 0 else f"{name}-s{seed}"


def collect(runs: Path, seed: int = 0) -> None:
    """Keep each finished run's record and last grid; a run without its record (still training) is left."""
    for name, record in RECORDS.items():
        source = runs / name / record
        if not source.exists():
            print(f"{runs / name}: no {record} yet (not finished), left")
            continue
        trained_seed = json.loads(source.read_text())["trained"]["seed"]
        if trained_seed != seed:
            raise SystemExit(f"{source}: trained with seed {trained_seed}, not {seed} (--seed)")
        out = RESULTS / seed_folder(name, seed)
        out.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, out / record)
        if (runs / name / "accuracy.json").exists():  # the conditional one's label accuracy
            shutil.copy2(runs / name / "accuracy.json", out / "accuracy.json")
        grids = sorted((runs / name).glob("epoch-*.png"))
        if grids and out == SHOWN_GRID.parent:  # the one grid docs/convert.md shows; the others stay in their runs
            shutil.copy2(grids[-1], SHOWN_GRID)
        print(f"kept {source} in {out}")


def energy_of(name: str, record: dict) -> dict:
    """The run's own network's energy per image (a trained ledger)."""
    energy = record["energy_per_image_nJ"]
    return energy if ROWS[name][1] is None else energy[ROWS[name][1]]


def block() -> str:
    """The table of the examples' runs from their records, with what is not measured yet."""
    rows = ["| network (trained by its example's own loop, 20 epochs, seed 0) | fid10k-test | trained on this CPU | "
            "devices (nJ / image) | with CMOS peripherals (nJ / image) |", "|---|---|---|---|---|"]
    missing, commands = [], []
    for name, (label, _) in ROWS.items():
        path = RESULTS / name / RECORDS[name]
        if not path.exists():
            missing.append(f"`{COMMANDS[name]}`")
            continue
        record = json.loads(path.read_text())
        energy, trained = energy_of(name, record), record["trained"]
        rows.append(f"| {label} | {record['fid']:.2f} | {trained['epoch']} epochs, {trained['seconds'] / 60:.0f} min | "
                    f"{energy['devices']:.3f} | {energy['with_peripherals']:,.1f} |")
        commands.append(f"- {name}: `{record['command']}` at commit `{record['environment']['commit'][:10]}` "
                        f"(record `results/examples/{name}/{RECORDS[name]}`, sample seed {record['sample_seed']}, "
                        f"{record['n_generated']:,} generated against the {record['reference']} set)")
    lines = [*rows, ""] if commands else []
    if commands:
        lines += ["Measured by:", "", *commands, ""]
    accuracy = RESULTS / "conditional" / "accuracy.json"
    if accuracy.exists():
        judged = json.loads(accuracy.read_text())
        lines += [f"Does the conditional generator draw the garment it is asked for? A small float classifier "
                  f"trained on the real training images ({judged['classifier_epochs']} epochs; "
                  f"{judged['classifier_test_accuracy']:.1%} right on the real test images) names the asked-for "
                  f"class of **{judged['label_accuracy']:.1%}** of its {judged['n_generated']:,} images "
                  f"(`{judged['command']}`, chance: 10 %).", ""]
        if "within_class_spread" in judged:
            spread = judged["within_class_spread"]
            lines += ["How much its images of one garment vary, against the real test images of that garment (mean "
                      "pixel standard deviation, generated / real; 1: as varied as the real ones, 0: one image "
                      "whatever the noise): " + ", ".join(f"{k} {v:.2f}" for k, v in spread.items()) + ".", ""]
    lines += recipes_table() + seeds_table() + readings()
    grid = SHOWN_GRID
    if grid.exists():
        lines += ["The conditional generator after its last epoch, one row per garment class in the label order "
                  "T-shirt/top, trouser, pullover, dress, coat, sandal, shirt, sneaker, bag, ankle boot (ten noise "
                  "vectors each, sample seed 0):", "", f"![conditional samples](../{grid.relative_to(ROOT)})", ""]
    if missing:
        lines += ["Not run to the end yet: " + "; ".join(missing) + " (each continues from its `--out` when run again, "
                  "e.g. with `--time-limit` per leg).", ""]
    return "\n".join(lines)


def recipes_table() -> list[str]:
    """The conditional example's recipes side by side (20 epochs each, on the crossbars or in float), from their
    kept records; none until two recipes have both their FID and their label accuracy."""
    rows = []
    for name, recipe in RECIPES.items():
        fid, judged = _kept(name, "fid.json"), _kept(name, "accuracy.json")
        if fid is None or judged is None:
            continue
        rows.append(f"| {recipe} | {fid['fid']:.2f} | {judged['label_accuracy']:.1%} | {_spread(judged)} | "
                    f"`results/examples/{name}` |")
    if len(rows) < 2:
        return []
    return ["The conditional example's recipes, each trained 20 epochs (seed 0), on the crossbars unless the row "
            "says float, and measured as above:", "",
            "| recipe | fid10k-test | label accuracy | within-class spread (min-max) | records |",
            "|---|---|---|---|---|", *rows, ""]


def seeds_table() -> list[str]:
    """Each example's FID (and the conditional one's label accuracy) under every training seed kept; none until
    a second seed is kept."""
    rows = []
    for name in RECORDS:
        cells = []
        for seed in SEEDS:
            kept, judged = _seed_records(name, seed)
            cells.append("not run" if kept is None else f"{kept['fid']:.2f}"
                         + (f" / {judged['label_accuracy']:.1%}" if judged else ""))
        if sum(cell != "not run" for cell in cells) > 1:
            rows.append(f"| {name} | " + " | ".join(cells) + " |")
    if not rows:
        return []
    return ["Each example under a second training seed (the same command with `--seed`; fid10k-test, and the "
            "conditional ones' label accuracy after the slash; records in `results/examples/<name>-sS`):", "",
            "| example | " + " | ".join(f"seed {seed}" for seed in SEEDS) + " |",
            "|---|" + "---|" * len(SEEDS), *rows, ""]


def _kept(name: str, record: str) -> dict | None:
    path = RESULTS / name / record
    return json.loads(path.read_text()) if path.exists() else None


def _seed_records(name: str, seed: int) -> tuple[dict | None, dict | None]:
    """The kept FID record of example ``name`` trained under ``seed`` and its label-accuracy record (None: not
    kept)."""
    folder = seed_folder(name, seed)
    return _kept(folder, RECORDS[name]), _kept(folder, "accuracy.json")


def _other_seeds(*names: str) -> str:
    """``seed S: FID[, label accuracy, spread]`` of ``names`` (each named when several) for every further training
    seed kept, joined by "; " ("" if none)."""
    parts = []
    for seed in SEEDS[1:]:
        cells = []
        for name in names:
            kept, judged = _seed_records(name, seed)
            if kept is None:
                continue
            cells.append((f"{name} " if len(names) > 1 else "") + f"{kept['fid']:.2f}" + (
                f", {judged['label_accuracy']:.1%}, spread {_spread(judged)}" if judged else ""))
        if cells:
            parts.append(f"seed {seed}: " + ", ".join(cells))
    return "; ".join(parts)


def _spread(judged: dict) -> str:
    values = judged["within_class_spread"].values()
    return f"{min(values):.2f}-{max(values):.2f}"


def readings() -> list[str]:
    """What the tables say, worded from the same records (so the prose cannot drift from them); a reading whose
    records are not all kept is left out."""
    lines = []
    ms, ms_judged = _kept("conditional", "fid.json"), _kept("conditional", "accuracy.json")
    projection, projection_judged = _kept("conditional-projection", "fid.json"), _kept("conditional-projection",
                                                                                       "accuracy.json")
    channel_judged = _kept("conditional-channel", "accuracy.json")
    if ms and ms_judged and projection_judged and channel_judged and "within_class_spread" in ms_judged:
        narrowest = min(projection_judged["within_class_spread"].items(), key=lambda kv: kv[1])
        others = f" ({seeds})" if (seeds := _other_seeds("conditional")) else ""
        lines += [
            f"The conditional example draws the garment asked for ({ms_judged['label_accuracy']:.1%} by the "
            f"classifier; the real test images: {ms_judged['classifier_test_accuracy']:.1%}) and draws it in as many "
            f"ways as the real images show (spread {_spread(ms_judged)}), at fid10k-test {ms['fid']:.1f}{others}, "
            "near the unconditional generators above. It got there in two steps. A projection discriminator (the "
            "label meets the discriminator's features in an inner product) in place of the label as a second image "
            f"channel made it name the garment ({projection_judged['label_accuracy']:.1%} against "
            f"{channel_judged['label_accuracy']:.1%}), but each garment came out nearly the same whatever the noise "
            f"({narrowest[0]} {narrowest[1]:.2f}; fid10k-test {projection['fid']:.1f}), in float as on the crossbars, "
            "so the recipe and not the hardware was to blame; MSGAN's mode-seeking term in the generator's loss "
            "(Mao et al. 2019: it pays for two noise vectors that give nearly one image) restored the variety, which "
            "a hinge loss did not. The float probes behind both steps and every run's records are in "
            "[results/examples/NOTES.md](../results/examples/NOTES.md).", ""]
    upsample, paper = _kept("upsample", "result.json"), _kept("paper", "result.json")
    if upsample and paper:
        up, pa = energy_of("upsample", upsample), energy_of("paper", paper)
        others = f"; {seeds}" if (seeds := _other_seeds("upsample", "paper")) else ""
        step = {name: r["trained"]["seconds"] / r["trained"]["step"] for name, r in (("upsample", upsample),
                                                                                     ("paper", paper))}
        lines += [
            f"Trained by one loop for the same {paper['trained']['epoch']} epochs, the upsample generator and the "
            f"paper's reach fid10k-test {upsample['fid']:.2f} and {paper['fid']:.2f} (seed 0{others}), and the "
            f"upsample one costs **{pa['with_peripherals'] / up['with_peripherals']:.1f}x less energy per image** "
            f"({up['with_peripherals']:,.1f} against {pa['with_peripherals']:,.1f} nJ with the peripherals). Their "
            f"device energy is close ({up['devices']:.3f} and {pa['devices']:.3f} nJ); the CMOS peripherals are not: "
            "the zero-padded mapping drives three quarters of its deconvolution rows with inserted zeros, which still "
            "cost DAC and ADC conversions (docs/energy.md), while the upsample generator's convolutions read only "
            "real pixels (four times as many). The price is in training: on this CPU its steps take about "
            f"{step['upsample']:.2f} s against the paper generator's {step['paper']:.2f} s "
            f"({upsample['trained']['seconds'] / 60:.0f} against {paper['trained']['seconds'] / 60:.0f} min for the "
            f"{paper['trained']['epoch']} epochs).", ""]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collect", type=Path, metavar="DIR", help="the parent of the examples' --out folders")
    parser.add_argument("--seed", type=int, default=0, choices=SEEDS, help="with --collect: the runs' --seed")
    args = parser.parse_args()
    if args.collect:
        collect(args.collect, args.seed)
    fill_block(PAGE, "<!-- examples:begin -->", "<!-- examples:end -->", block())
    print(f"updated {PAGE}")


if __name__ == "__main__":
    main()
