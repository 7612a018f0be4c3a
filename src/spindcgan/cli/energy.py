"""``spindcgan energy``: the per-layer energy and latency ledger, per image, of a DCGAN (``api.energy``) or of a
network of the user's (``energy.ledger.build_network_ledger``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .. import api
from ..config import RunConfig, TrainConfig
from ..crossbar.terms import option_of
from ..energy.area import AreaConfig, format_area
from ..energy.area.terms import AREA_TERMS, area_with_terms
from ..energy.ledger import Ledger, build_network_ledger, format_ledger
from ..energy.report import plot_ledger
from ..errors import SpinDCGANError
from ..factory import example_input, model_on_hardware, parse_shape
from ..io import new_output, save_json
from ..reports.hardware import describe_hardware
from .options import (
    add_factory_options,
    add_hardware_options,
    add_model_options,
    count,
    hardware_from_args,
    keeps_its_own,
    model_from_args,
    whole,
)


def area_from_args(args: argparse.Namespace) -> AreaConfig:
    """The chip the area is counted on (``energy.area.AreaConfig``), from the options of ``AREA_TERMS`` (--node,
    --adc-model, --floorplan)."""
    given = {name: getattr(args, name) for name in AREA_TERMS}
    return area_with_terms(AreaConfig(), {k: v for k, v in given.items() if v is not None}, as_options=True)


def ledger_outputs(out: str, stem: str, overwrite: bool) -> tuple[Path, Path]:
    """The ledger's JSON and PNG, ``out/stem.json`` and ``out/stem.png``, refused in one line before any work where
    one exists (without ``overwrite``) or cannot be written."""
    return new_output(Path(out) / f"{stem}.json", overwrite), new_output(Path(out) / f"{stem}.png", overwrite)


def write_ledger(ledger: Ledger, mapping: str, outputs: tuple[Path, Path], record: dict[str, Any]) -> None:
    """The ledger and the inference chip's area printed, and written to ``outputs`` (JSON with ``record``, PNG)."""
    print(format_ledger(ledger))
    if ledger.area is not None:
        print("\n" + format_area(ledger.area, "inference chip area per layer, um^2"))
    save_json({**record, **ledger.to_dict()}, outputs[0])
    plot_ledger({mapping: ledger}, outputs[1])
    print(f"wrote {outputs[0]} and {outputs[1]}")


def run(args: argparse.Namespace) -> None:
    if args.model:
        return of_factory(args)
    if args.checkpoint:
        keeps_its_own(args, args.checkpoint)
    config = None if args.checkpoint else RunConfig(model_from_args(args), hardware_from_args(args), TrainConfig())
    outputs: list[Path] = []

    def check_outputs(config: RunConfig) -> None:
        outputs.extend(ledger_outputs(args.out, f"energy-{config.model.dataset}-{args.mapping}", args.overwrite))

    ledger, config = api.energy(config, args.checkpoint, args.mapping, not args.devices_only, args.batch,
                                args.update_steps, area_from_args(args), args.data, check_outputs)
    hardware = describe_hardware(config.hardware)
    print(f"{config.model.dataset} {config.model.image_size}x{config.model.image_size}, hardware: {hardware}")
    write_ledger(ledger, args.mapping, (outputs[0], outputs[1]),
                 {"dataset": config.model.dataset, "checkpoint": args.checkpoint, "hardware": hardware})


def of_factory(args: argparse.Namespace) -> None:
    """``spindcgan energy --model MODULE:FUNCTION --input-shape ...``: the ledger of the user's network."""
    if args.checkpoint or not args.input_shape:
        raise SpinDCGANError("--model takes --input-shape (e.g. 1,100) and no CHECKPOINT")
    if args.data is not None:
        raise SpinDCGANError("--data is the DCGAN's dataset; --model's ledger traces its --input-shape alone")
    shape = parse_shape(args.input_shape)
    outputs = ledger_outputs(args.out, f"energy-{args.model.replace(':', '-').replace('.', '-')}-{args.mapping}",
                             args.overwrite)
    model, hardware = model_on_hardware(args.model, hardware_from_args(args))
    if hardware is None or hardware.synapse is None:
        raise SpinDCGANError("the energy ledger needs synapse hardware (not --float or --float-weights)")
    ledger = build_network_ledger(model, example_input(model, shape, args.model), hardware, args.mapping,
                                  include_peripherals=not args.devices_only, area=area_from_args(args))
    print(f"{args.model}, input {tuple(shape)}, hardware: {describe_hardware(hardware)}")
    write_ledger(ledger, args.mapping, outputs,
                 {"model": args.model, "input_shape": list(shape), "hardware": describe_hardware(hardware)})


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("energy", help="per-layer energy and latency ledger, per image (inference and training)")
    p.add_argument("checkpoint", nargs="?", metavar="CHECKPOINT|RUN_DIR|EXPORT",
                   help="a trained model (default: a fresh model of --dataset); an export has no discriminator, so "
                        "its training costs are of a fresh one")
    add_model_options(p)
    add_hardware_options(p)
    p.add_argument("--mapping", choices=["zero-padded", "zero-free"], default="zero-padded",
                   help="deconvolution mapping (default: the paper's zero-padded convolution)")
    p.add_argument("--devices-only", action="store_true", help="leave out CMOS peripherals (DAC, ADC, adds, ...)")
    p.add_argument("--batch", type=count, default=64, help="images traced to measure the applied inputs")
    p.add_argument("--update-steps", type=whole, default=3,
                   help="training steps measured for synapse writes when there is no training log")
    p.add_argument("--data", help="dataset location for the discriminator's real images (default: the run's, or "
                                  "generated images where it is not here)")
    p.add_argument("--out", default=".", help="folder for the JSON and PNG (default .)")
    p.add_argument("--overwrite", action="store_true", help="replace a ledger of the same name in --out")
    g = p.add_argument_group("the chip's area (docs/area.md; one ADC per K columns: --adc-share K)")
    for name, term in AREA_TERMS.items():
        g.add_argument(option_of(name), dest=name, metavar=term.metavar, help=term.help)
    add_factory_options(p)
    p.set_defaults(func=run)
