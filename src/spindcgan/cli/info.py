"""``spindcgan info``: how a model maps onto the crossbars, and of a trained one how its weights use the synapse
states and how many updates its devices took; ``spindcgan devices calibrate``: a micromagnetic calibration."""

from __future__ import annotations

import argparse
import json

import torch

from ..crossbar.circuit import format_wire_losses
from ..energy.area import format_area, model_area
from ..errors import SpinDCGANError
from ..factory import example_input, model_on_hardware, parse_shape
from ..loading import load_generator
from ..models import Discriminator, Generator
from ..nn import wire_losses
from ..reports.hardware import describe_devices, describe_hardware
from ..reports.mapping import format_mapping, map_model
from ..reports.usage import format_usage, programmed_layers, state_usage
from ..training.endurance import endurance_report
from .options import (
    add_factory_options,
    add_hardware_options,
    add_model_options,
    count,
    hardware_from_args,
    keeps_its_own,
    model_from_args,
)


def run(args: argparse.Namespace) -> None:
    if args.model:
        return of_factory(args)
    trained = None
    if args.checkpoint:
        keeps_its_own(args, args.checkpoint)
        trained, config = load_generator(args.checkpoint)
        model, hardware = config.model, config.hardware
    else:
        model, hardware = model_from_args(args), hardware_from_args(args)
    print(f"dataset {model.dataset}: {model.image_size}x{model.image_size}x{model.channels}, z {model.z_dim}")
    print(f"hardware: {describe_hardware(hardware)}")
    print(describe_devices(hardware) + "\n")
    g, d = Generator(model, hardware), Discriminator(model, hardware)
    size = model.image_size
    print(format_mapping(map_model(g, torch.zeros(1, model.z_dim), hardware), "generator"))
    print()
    print(format_mapping(map_model(d, torch.zeros(1, model.channels, size, size), hardware), "discriminator"))
    if hardware is not None and hardware.synapse is not None:
        chip = model_area(trained if trained is not None else g, torch.zeros(1, model.z_dim), hardware)
        print("\n" + format_area(chip, "generator area per layer at 32 nm, um^2 (spindcgan energy --node; "
                                        "docs/area.md)"))
    if hardware is not None and hardware.synapse is not None and not hardware.array.wires.ideal:
        title = ("IR drop, worst case: every row at full input, the share of a column's ideal current its wires take "
                 f"({hardware.array.wire_solver}; over the G+ and G- arrays)")
        for name, net in (("generator", trained if trained is not None else g), ("discriminator", d)):
            print("\n" + format_wire_losses(wire_losses(net), f"{title}, {name}"
                                             + (" (as trained)" if net is trained else " (as initialised)")))
    if trained is not None and hardware is not None and hardware.synapse is not None:
        rows = [state_usage(name, states, hardware.synapse) for name, states in programmed_layers(trained)]
        print()
        print(format_usage(rows, f"device states of the trained generator ({args.checkpoint}): signed level n per "
                                 f"weight, L = {hardware.synapse.levels} states per device"))
    if args.checkpoint:
        wear = endurance_report(args.checkpoint)
        if wear:
            print("\n" + wear)


def of_factory(args: argparse.Namespace) -> None:
    """``spindcgan info --model MODULE:FUNCTION --input-shape ...``: the crossbar mapping of the user's network."""
    if args.checkpoint or not args.input_shape:
        raise SpinDCGANError("--model takes --input-shape (e.g. 1,100) and no CHECKPOINT")
    shape = parse_shape(args.input_shape)
    model, hardware = model_on_hardware(args.model, hardware_from_args(args))
    print(f"{args.model}, input {tuple(shape)}")
    print(f"hardware: {describe_hardware(hardware)}")
    print(describe_devices(hardware) + "\n")
    print(format_mapping(map_model(model, example_input(model, shape, args.model), hardware), args.model))


def run_calibrate(args: argparse.Namespace) -> None:
    from ..devices.micromagnetics.calibrate import calibrate  # an optional extra (magnum.np), loaded when asked

    if args.threads:
        torch.set_num_threads(args.threads)
    path = calibrate(args.device, args.out, quick=args.quick, progress=not args.no_progress, plots_dir=args.plots)
    record = json.loads(path.read_text())
    print(f"wrote {path} and {', '.join(record['plots'])} ({record['wall_time_s']} s)")
    for key, value in record["fit"].items():
        print(f"  {key}: {value}")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("info", help="per-layer crossbar mapping of a model; of a trained one, its device states' use")
    p.add_argument("checkpoint", nargs="?", metavar="CHECKPOINT|RUN_DIR|EXPORT",
                   help="a trained generator: its config, how its weights use the synapse states and, of "
                        "a run folder, how many updates its devices took (endurance)")
    add_model_options(p)
    add_hardware_options(p)
    add_factory_options(p)
    p.set_defaults(func=run)

    p = sub.add_parser("devices", help="device physics: micromagnetic calibration of the compact models")
    devices = p.add_subparsers(dest="devices_command", required=True)
    p = devices.add_parser(
        "calibrate", help="simulate a device with magnum.np, fit its compact model, write JSON and plots"
    )
    p.add_argument("device", choices=["dw-relu", "dw-leaky-relu", "skyrmion-synapse"])
    p.add_argument("--quick", action="store_true",
                   help="coarse mesh and few points: 1-4 minutes on a CPU core (docs/devices.md)")
    p.add_argument("--out", default="calibration", help="folder of the calibration JSON (default calibration)")
    p.add_argument("--plots", help="folder of the plots (default: --out)")
    p.add_argument("--threads", type=count, help="torch CPU threads")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run_calibrate)
