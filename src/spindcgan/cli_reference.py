"""docs/cli.md, the command reference, written from the argument parser itself so that it cannot drift.

    python -m spindcgan.cli_reference docs/cli.md

Every example below is parsed by the real parser in the tests, so an example that names an option the command no
longer has fails there.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .cli import build_parser
from .crossbar.terms import TERMS, option_of
from .energy.area.terms import AREA_TERMS
from .io import save_text

EXAMPLES = [
    ("train the paper's 6-bit Fashion-MNIST model (writes runs/00000-...)", "spindcgan train"),
    ("its float baseline: the same network, no hardware model", "spindcgan train --float"),
    ("other hardware", "spindcgan train --bits 4 --d2d 0.05"),
    ("Anime Face with DiffAugment (docs/training.md)",
     "spindcgan train --dataset anime --augment color,translation,cutout"),
    ("a long run in legs: stop cleanly after 150 minutes, device states every 10 epochs",
     "spindcgan train --epochs 60 --time-limit 150 --export-every 10 --out ~/spindcgan-runs"),
    ("continue exactly where it stopped (a run folder, or an --out folder holding one run)",
     "spindcgan train --resume ~/spindcgan-runs"),
    ("keep EMAs of three horizons, and decay the rates over the last half on a cosine",
     "spindcgan train --resume ~/spindcgan-runs --ema-half-lives 0.5,2,8 --lr-decay-start 30 --lr-decay-shape cosine"),
    ("a leg's compact fallback pack (xz, a few MB)",
     "spindcgan pack ~/spindcgan-runs --out run.pack.xz"),
    ("continue from the pack on a machine that lost the run folder (not exactly; the folder is rebuilt under --out)",
     "spindcgan train --resume run.pack.xz --out ~/spindcgan-runs"),
    ("64 samples of a run", "spindcgan sample runs/00000-fashion-mnist-6bit-dw --n 64 --seed 0 --out grid.png"),
    ("fid10k-test with KID, a line and a JSON record", "spindcgan fid runs/00000-fashion-mnist-6bit-dw --n 10000"),
    ("FID of two image sets", "spindcgan fid --real real_dir --fake fake.zip"),
    ("the FIDs of a run's device-state exports, after training", "spindcgan fid runs/00000-anime-6bit-dw --exports"),
    ("per-layer energy and latency, JSON and PNG", "spindcgan energy --dataset anime --mapping zero-free"),
    ("FID, energy and chip area over a grid of settings, in legs: start no point past 100 minutes (a rerun "
     "continues)", "spindcgan sweep --grid wire=0,2,5 --grid array=64,128 --time-limit 100 --out sweep-wires"),
    ("settings that only cost (ADC sharing, the area model's) share one FID measurement between their points",
     "spindcgan sweep --grid adc_share=1,4,8 --grid node=22,32 --out sweep-area"),
    ("a trained generator as its device states (a few MB)",
     "spindcgan export runs/00000-fashion-mnist-6bit-dw --out g.pt"),
    ("images and energy per image from device states", "spindcgan generate --model g.pt"),
    ("the shipped Anime Face generator", "spindcgan generate --dataset anime"),
    ("crossbar rows x columns, arrays and devices per layer", "spindcgan info --dataset anime"),
    ("micromagnetic calibration (pip install '.[micromag]')", "spindcgan devices calibrate dw-leaky-relu --quick"),
]
"""(what it does, the command): the reference's examples."""


def subcommands(parser: argparse.ArgumentParser, prefix: str = "spindcgan") -> list[tuple[str, argparse.ArgumentParser,
                                                                                            str]]:
    """Every command under ``parser`` as (its full name, its parser, its one-line help), depth first."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                found.append((f"{prefix} {name}", sub, helps.get(name) or ""))
                found += subcommands(sub, f"{prefix} {name}")
    return found


def option_row(action: argparse.Action) -> str:
    """One markdown table row: the option (with its value's name) and what it does, its choices and default."""
    if action.option_strings:
        takes = "" if action.nargs == 0 else f" {action.metavar or action.dest.upper()}"
        name = ", ".join(f"`{flag}{takes}`" for flag in action.option_strings)
    else:
        name = f"`{action.metavar or action.dest}`" + (" (optional)" if action.nargs == "?" else "")
    notes = [action.help or ""]
    if action.choices and not isinstance(action, argparse._SubParsersAction):
        notes.append("one of " + ", ".join(f"`{c}`" for c in action.choices))
    if action.default not in (None, False, argparse.SUPPRESS) and action.nargs != 0 and "default" not in notes[0]:
        notes.append(f"default `{action.default}`")
    cells = (name, "; ".join(n for n in notes if n))
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def settings_table() -> list[str]:
    """The hardware settings of ``crossbar.terms.TERMS``: one name for the option, the grid, the training noise and
    (under ``hardware``) the config.json field it sets; then the area model's (``AREA_TERMS``)."""
    lines = ["## Hardware settings", "",
             "One name per setting: `spindcgan train --NAME V` (`-` for `_`), `spindcgan sweep --grid NAME=V1,V2`, "
             "`spindcgan train --train-noise NAME=V` (the settings that draw something) and "
             "`spindcgan.with_settings(hardware, NAME=value)`; the field it sets is under `hardware` in config.json. "
             "Older spellings of the options are still read.", "",
             "| name | option | config.json field | value | --train-noise | what it models |",
             "|---|---|---|---|---|---|"]
    for name, term in TERMS.items():
        fields = ", ".join(f"`hardware.{f}`" for f in term.fields)
        former = f" (was {', '.join(f'`{f}`' for f in term.former)})" if term.former else ""
        cells = (f"`{name}`", f"`{option_of(name)}`{former}", fields, term.kind, "yes" if term.noise else "",
                 term.help)
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    lines += ["", "The chip's area model has settings of its own (`energy.area.terms.AREA_TERMS`, docs/area.md): "
              "`spindcgan energy --NAME V` and `spindcgan sweep --grid NAME=V1,V2`. They and `adc_share` change "
              "what a chip costs, never what it computes, so a sweep measures the FID of points that differ only in "
              "them once.", "", "| name | option | AreaConfig field | value | what it sets |", "|---|---|---|---|---|"]
    for name, term in AREA_TERMS.items():
        cells = (f"`{name}`", f"`{option_of(name)}`", f"`{term.field}`", term.kind, term.help)
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return [*lines, ""]


def reference() -> str:
    """The text of docs/cli.md."""
    parser = build_parser()
    lines = ["# Command reference", "",
             "<!-- generated by `python -m spindcgan.cli_reference docs/cli.md` from the argument parser; "
             "do not edit by hand -->", "",
             f"`spindcgan <command> --help` prints the same. {parser.description}.", "", "## Examples", "", "```bash"]
    lines += [line for what, command in EXAMPLES for line in (f"# {what}", command)] + ["```", ""]
    lines += settings_table()
    for name, sub, summary in subcommands(parser):
        lines += [f"## {name}", "", summary[:1].upper() + summary[1:] + ".", ""]
        groups = [(g.title, [a for a in g._group_actions
                             if not isinstance(a, argparse._HelpAction) and a.help != argparse.SUPPRESS])
                  for g in sub._action_groups]
        for title, actions in groups:
            actions = [a for a in actions if not isinstance(a, argparse._SubParsersAction)]
            if not actions:
                continue
            lines += [f"*{title}*", "", "| option | what it does |", "|---|---|", *map(option_row, actions), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 1:
        raise SystemExit("usage: python -m spindcgan.cli_reference docs/cli.md")
    save_text(reference(), Path(args[0]))
    print(f"wrote {args[0]}")


if __name__ == "__main__":
    main()
