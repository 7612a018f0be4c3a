"""The ``spindcgan`` command: parses options into typed configs, then calls the library."""

from __future__ import annotations

import argparse
import json
import math
import sys
import typing
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import torch

from .crossbar.config import HardwareConfig
from .data.registry import SPLITS
from .errors import SpinDCGANError
from .io import new_output
from .models import D_NORMS, DATASETS, ModelConfig
from .runtime import PRECISIONS, keep_freed_memory
from .training.config import LR_DECAY_SHAPES, RunConfig, TrainConfig
from .training.pack import DEFAULT_WARMUP_STEPS, PACK_LIMIT_MB


def finite(text: str) -> float:
    """An argparse type: a finite number (NaN and infinities are no setting)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def at_least(minimum: int) -> typing.Callable[[str], int]:
    """An argparse type: an integer >= ``minimum`` (counts >= 1, seeds >= 0)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    return parse


count, whole = at_least(1), at_least(0)


def add_model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dataset", choices=DATASETS, help="dataset preset (default fashion-mnist)")
    p.add_argument("--width", type=count, help="DCGAN width ngf = ndf (default 64)")
    p.add_argument("--d-norm", choices=D_NORMS,
                   help="discriminator normalisation: batch (DCGAN, default) or spectral (SNGAN; no BatchNorm)")


def add_hardware_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("modelled hardware (default: the paper's 6-bit synapses + DW activations)")
    g.add_argument("--float", action="store_true", help="float baseline: no hardware model at all")
    g.add_argument("--bits", type=int, help="synapse bits, 1-8 (default 6)")
    g.add_argument("--float-weights", action="store_true", help="keep float weights (DW activations only)")
    g.add_argument("--cmos-activations", action="store_true", help="CMOS ReLU/LeakyReLU instead of DW devices")
    g.add_argument("--array-size", type=int, help="crossbar rows = columns per array (default 128)")
    g.add_argument("--signed-scheme", choices=["differential", "offset"],
                   help="signed weights as a G+ / G- device pair (default) or one device against an offset column")
    g.add_argument("--d2d-sigma", type=finite, help="device-to-device conductance variation (relative std)")
    g.add_argument("--c2c-sigma", type=finite, help="cycle-to-cycle programming variation (relative std)")
    g.add_argument("--read-noise", type=finite, help="per-read cell current noise (relative std)")
    g.add_argument("--adc-bits", type=int, help="ADC resolution of the column read-out (default: ideal)")
    g.add_argument("--dac-bits", type=int, help="DAC resolution of the row inputs (default: ideal)")
    g.add_argument("--stuck", type=finite, metavar="FRACTION",
                   help="share of synapse devices stuck at the lowest or highest state (default 0)")
    g.add_argument("--program-error", type=finite, metavar="P",
                   help="probability that a write lands one state off its target (default 0)")
    g.add_argument("--retention", metavar="TIME",
                   help="read the array this long after programming, skyrmions lost at the Arrhenius rate: "
                        "e.g. 1h, 1d, 1y (default 0)")
    g.add_argument("--dw-slope-sigma", type=finite, metavar="SIGMA",
                   help="device-to-device spread of the DW activations' slope (relative std, default 0)")
    g.add_argument("--dw-offset-sigma", type=finite, metavar="SIGMA",
                   help="spread of the DW activations' threshold (std in input units, default 0)")
    g.add_argument("--wire-resistance", type=finite, metavar="OHMS", help="word- and bit-line resistance per cell "
                   "segment (default 0: ideal arrays; 0.8-4.8 ohm at 22-3 nm, docs/circuit.md)")
    g.add_argument("--driver-resistance", type=finite, metavar="OHMS", help="each row driver's output resistance")
    g.add_argument("--sense-resistance", type=finite, metavar="OHMS", help="each column's sense input resistance")
    g.add_argument("--wire-solver", choices=["approximate", "exact"], help="with wires: the arrays' fast "
                   "approximation (default) or the exact nodal solve (slow; for evaluation)")
    g.add_argument("--wire-compensation", action="store_const", const=True, help="with wires: each column's gain "
                   "calibrated to read its ideal current at full input (docs/circuit.md)")
    g.add_argument("--hw-seed", type=whole, help="seed of the device variation pattern and the faulty devices")
    g.add_argument("--float-discriminator", action="store_true",
                   help="train against a float (CMOS) discriminator; the generator stays on the modelled hardware")


HARDWARE_OPTIONS = ("bits", "float_weights", "cmos_activations", "array_size", "signed_scheme", "d2d_sigma",
                    "c2c_sigma", "read_noise", "adc_bits", "dac_bits", "stuck", "program_error", "retention",
                    "dw_slope_sigma", "dw_offset_sigma", "hw_seed", "float_discriminator", "wire_resistance",
                    "driver_resistance", "sense_resistance", "wire_solver", "wire_compensation")


def hardware_from_args(args: argparse.Namespace) -> HardwareConfig | None:
    """The HardwareConfig the options describe (None for --float)."""
    if args.float:
        given = [o for o in HARDWARE_OPTIONS if getattr(args, o) not in (None, False)]
        if given:
            raise SpinDCGANError(f"--float models no hardware; drop --{given[0].replace('_', '-')}")
        return None
    hw = HardwareConfig()
    if args.bits is not None:  # the default synapse at other bits: its micromagnetic calibration kept
        hw = replace(hw, synapse=replace(hw.synapse, bits=args.bits))
    if args.float_weights:
        hw = replace(hw, synapse=None)
    if args.cmos_activations:
        hw = replace(hw, relu=None, leaky_relu=None)
    if args.float_discriminator:
        hw = replace(hw, discriminator_on_hardware=False)
    if args.array_size is not None:
        hw = replace(hw, array_rows=args.array_size, array_cols=args.array_size)
    fields = {"signed_scheme": "signed_scheme", "d2d_sigma": "d2d_sigma", "c2c_sigma": "c2c_sigma",
              "read_noise": "read_noise_sigma", "adc_bits": "adc_bits", "dac_bits": "dac_bits", "hw_seed": "seed",
              "stuck": "stuck_fraction", "program_error": "program_error_rate", "dw_slope_sigma": "dw_slope_sigma",
              "dw_offset_sigma": "dw_offset_sigma"}
    changes = {field: getattr(args, opt) for opt, field in fields.items() if getattr(args, opt) is not None}
    if args.retention is not None:
        from .crossbar.faults import parse_duration

        changes["retention_time"] = parse_duration(args.retention)
    wires = {field: getattr(args, opt) for opt, field in (("wire_resistance", "row_segment"),
             ("wire_resistance", "column_segment"), ("driver_resistance", "driver"), ("sense_resistance", "sense"))
             if getattr(args, opt) is not None}
    if wires:
        changes["wires"] = replace(hw.wires, **wires)
    if args.wire_solver is not None:
        changes["wire_solver"] = args.wire_solver
    if args.wire_compensation:
        changes["wire_compensation"] = True
    return replace(hw, **changes)


def add_image_output_options(p: argparse.ArgumentParser, default_out: str) -> None:
    p.add_argument("--n", type=count, default=64, help="images (default 64)")
    p.add_argument("--seed", type=whole, default=0, help="latent noise seed: the same seed gives the same images")
    p.add_argument("--out", default=default_out, help="FILE.png for a grid, or a folder for single PNGs")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out")


def model_from_args(args: argparse.Namespace) -> ModelConfig:
    model = ModelConfig.preset(args.dataset or "fashion-mnist", args.width or 64)
    return model if args.d_norm is None else replace(model, d_norm=args.d_norm)


TRAIN_OPTIONS = {name: name for name in (
    "epochs", "max_steps", "batch_size", "lr", "seed", "ema", "checkpoint_every", "checkpoint_epochs", "data",
    "device", "threads", "log_every", "limit", "fid_every", "export_every", "fid_n", "fid_ref_n", "augment",
    "lr_decay_start", "lr_d", "r1", "precision", "sync_batchnorm", "train_noise", "train_split", "ema_half_lives",
    "lr_decay_shape")}
"""train options that map one to one onto TrainConfig fields."""
RESUME_MAY_CHANGE = {"epochs", "max_steps", "device", "threads", "checkpoint_every", "checkpoint_epochs", "log_every",
                     "data", "fid_every", "export_every", "fid_n", "fid_ref_n", "precision", "ema_half_lives",
                     "lr_decay_start", "lr_decay_shape"}  # train() checks the schedule
"""precision: the arithmetic of the steps to come (a leg on a CPU with bfloat16 products, one without); logged in
environment.jsonl. ema_half_lives: horizons added start from the evaluated generator (training.loop)."""


def half_lives(value: str) -> tuple[float, ...]:
    """``--ema-half-lives``: comma-separated epochs, e.g. 0.5,2,8 (TrainConfig checks each)."""
    try:
        return tuple(float(v) for v in value.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"comma-separated epochs, e.g. 0.5,2,8; got {value!r}") from None


def augment_probability(value: str) -> dict[str, float]:
    """``--augment-p``: a probability in [0, 1], or ``auto`` (adaptive, from p = 0 towards r_t = ADA_TARGET)."""
    from .training.augment import ADA_TARGET

    if value == "auto":
        return {"augment_p": 0.0, "augment_target": ADA_TARGET}
    try:
        return {"augment_p": float(value)}
    except ValueError:
        raise SpinDCGANError(f"--augment-p must be a probability in [0, 1] or auto, got {value!r}") from None


def cmd_train(args: argparse.Namespace) -> None:
    from .training.checkpoint import run_folder
    from .training.distributed import world_from_environment
    from .training.loop import train
    from .training.pack import unpack

    changes = {f: getattr(args, o) for o, f in TRAIN_OPTIONS.items() if getattr(args, o) is not None}
    if args.augment_p is not None:
        changes.update(augment_probability(args.augment_p))
    from_pack = bool(args.resume) and Path(args.resume).is_file()
    if args.pack_warmup is not None and not from_pack:
        raise SpinDCGANError("--pack-warmup applies to --resume PACK (a fallback pack), not to a run folder")
    world = world_from_environment(args.dist_backend)
    if from_pack and world is not None:
        raise SpinDCGANError("under torchrun, rebuild the pack's run folder first (spindcgan unpack PACK --out DIR), "
                             "then torchrun ... --resume the folder it names")
    if args.resume:
        fixed = [f for f in changes if f not in RESUME_MAY_CHANGE]  # TrainConfig fields, named as their options
        model_and_hw = ("dataset", "width", "d_norm", "float", *HARDWARE_OPTIONS)
        fixed += [o for o in model_and_hw if getattr(args, o) not in (None, False)]
        if fixed:
            option = fixed[0].replace("_", "-")
            raise SpinDCGANError(f"--resume continues a run as configured; --{option} cannot change")
        if from_pack:  # a fallback pack: rebuild its run folder under --out, then resume that
            warmup = DEFAULT_WARMUP_STEPS if args.pack_warmup is None else args.pack_warmup
            args.resume = unpack(args.resume, args.out, warmup)
            print(f"unpacked {args.resume} from a pack: the run continues, not exactly (see its environment.jsonl)")
        args.resume = run_folder(args.resume)
        config = RunConfig.load(args.resume / "config.json")
        config = replace(config, train=replace(config.train, **changes))
    else:
        config = RunConfig(model_from_args(args), hardware_from_args(args), TrainConfig(**changes))
    if args.time_limit is not None and args.time_limit < 0:
        raise SpinDCGANError(f"--time-limit must be >= 0 minutes, got {args.time_limit}")
    limit = None if args.time_limit is None else args.time_limit * 60
    run_dir = train(config, out=args.out, resume=args.resume, progress=not args.no_progress, time_limit=limit,
                    on_start=lambda folder: print(f"run folder: {folder}", flush=True), world=world)
    if world is None or world.is_main:
        print(f"run folder: {run_dir}")


def cmd_sample(args: argparse.Namespace) -> None:
    from .generation import generate, write_samples
    from .loading import load_generator

    if args.n < 1:
        raise SpinDCGANError("--n must be >= 1")
    generator, _ = load_generator(args.source)
    out = write_samples(generate(generator, args.n, args.seed), args.out, args.overwrite)
    print(f"wrote {args.n} samples to {out}")


def cmd_fid(args: argparse.Namespace) -> None:
    import json

    from .io import save_json
    from .loading import load_generator, provenance_of
    from .metrics.fid import DEFAULT_REFERENCE, folder_fid, generator_fid

    if args.threads:
        torch.set_num_threads(args.threads)
    progress = not args.no_progress
    if args.exports:
        if not args.checkpoint or args.real or args.fake:
            raise SpinDCGANError("--exports measures the exports of one RUN_DIR: give RUN_DIR, without --real/--fake")
        from .training.export_fids import EXPORT_FIDS_NAME, measure_exports

        for r in measure_exports(args.checkpoint, args.device, args.data, progress):
            print(f"epoch {r['epoch_end']}: {r['metric']} = {r['fid']:.3f}  ({r['export']})")
        print(f"written to {Path(args.checkpoint) / EXPORT_FIDS_NAME}")
        return
    if args.real or args.fake:
        if not (args.real and args.fake) or args.checkpoint:
            raise SpinDCGANError("give either CHECKPOINT, or both --real and --fake")
        record = folder_fid(args.real, args.fake, args.size, args.device, args.batch_size, progress)
    else:
        if not args.checkpoint:
            raise SpinDCGANError("give a CHECKPOINT|RUN_DIR, or --real and --fake")
        if args.n < 2:
            raise SpinDCGANError("--n must be >= 2")
        generator, config = load_generator(args.checkpoint, args.device)
        dataset = config.model.dataset
        record = generator_fid(generator, dataset, args.n, args.ref or DEFAULT_REFERENCE[dataset], args.seed,
                               args.data, args.ref_n, args.device, args.batch_size, progress, cache=True)
        record["checkpoint"] = str(args.checkpoint)
        record |= provenance_of(args.checkpoint)
    print(f"{record['metric']} = {record['fid']:.3f}  (KID {record['kid']:.5f} +- {record['kid_std']:.5f}; "
          f"{record['n_generated']} generated vs {record['n_reference']} {record['reference']})")
    print(json.dumps(record))
    if args.json:
        save_json(record, args.json)


def cmd_sweep(args: argparse.Namespace) -> None:
    import hashlib

    from .loading import load_generator
    from .metrics.fid import DEFAULT_REFERENCE, PROTOCOL
    from .sweep import PAPER_FID, PLOT_NAME, TABLE_NAME, cheapest_within, fid_evaluator, parse_grid, run_sweep
    from .training.checkpoint import checkpoint_path

    if args.threads:
        torch.set_num_threads(args.threads)
    grid = parse_grid(args.grid)
    if args.n < 2:
        raise SpinDCGANError("--n must be >= 2")
    source = Path(args.generator) if args.generator else SHIPPED_MODEL
    generator, config = load_generator(source, args.device)
    split = args.ref or DEFAULT_REFERENCE[config.model.dataset]
    spec = {"generator": str(source), "sha256": hashlib.sha256(checkpoint_path(source).read_bytes()).hexdigest(),
            "n": args.n, "seed": args.seed, "split": split, "ref_n": args.ref_n, "protocol": PROTOCOL}
    evaluate = fid_evaluator(config, args.n, args.seed, split, args.data, args.ref_n, args.device)
    rows = run_sweep(generator, config, grid, args.out, evaluate, spec, args.draws, not args.no_progress,
                     measure=not args.report_only)
    if not rows:
        raise SpinDCGANError(f"{args.out}: no point measured yet (run without --report-only)")
    print(f"{len(rows)} points of {config.model.dataset} ({rows[0]['metric']}, seed {args.seed}; energy per generated "
          f"image with peripherals): {Path(args.out) / TABLE_NAME}, {Path(args.out) / PLOT_NAME}")
    for row in rows:
        point = " ".join(f"{k}={row[k]}" for k in grid)
        print(f"  {point:<40} FID {row['fid']:7.2f} +- {row['fid_std']:5.2f}  {row['energy_j'] * 1e9:9.3f} nJ"
              + ("  (Pareto)" if row["pareto"] else ""))
    limit = PAPER_FID[config.model.dataset]
    best = cheapest_within(rows, limit)
    print(f"cheapest point with FID <= {limit}: " + (" ".join(f"{k}={best[k]}" for k in grid) + f", "
          f"{best['energy_j'] * 1e9:.3f} nJ" if best else "none"))


def cmd_energy(args: argparse.Namespace) -> None:
    from .energy.ledger import format_ledger
    from .energy.report import model_ledger, plot_ledger
    from .io import save_json
    from .training.checkpoint import checkpoint_path, load_checkpoint, require_parts
    from .training.writes import write_counter

    if args.model:
        return energy_of_factory(args)
    generator = discriminator = run_dir = None
    if args.checkpoint:
        from .models import Discriminator, Generator

        path = checkpoint_path(args.checkpoint)
        state = load_checkpoint(path)
        require_parts(state, path, ("generator",), "give the energy of its trained generator")
        config = RunConfig.from_dict(state["config"])
        generator = Generator(config.model, config.hardware)
        generator.load_state_dict(state["generator"])
        if "discriminator" in state:
            discriminator = Discriminator(config.model, config.hardware)
            discriminator.load_state_dict(state["discriminator"])
        run_dir = path.parent
    else:
        config = RunConfig(model_from_args(args), hardware_from_args(args), TrainConfig(data=args.data))
    writes = write_counter(config, run_dir, args.update_steps)
    ledger = model_ledger(config, generator, discriminator, args.mapping, not args.devices_only, args.batch, writes)
    print(f"{config.model.dataset} {config.model.image_size}x{config.model.image_size}, "
          f"hardware: {describe_hardware(config.hardware)}")
    print(format_ledger(ledger))
    out = Path(args.out)
    stem = f"energy-{config.model.dataset}-{args.mapping}"
    record = {"dataset": config.model.dataset, "checkpoint": args.checkpoint, "hardware": describe_hardware(
        config.hardware), **ledger.to_dict()}
    save_json(record, out / f"{stem}.json")
    plot_ledger({args.mapping: ledger}, out / f"{stem}.png")
    print(f"wrote {out / (stem + '.json')} and {out / (stem + '.png')}")


def energy_of_factory(args: argparse.Namespace) -> None:
    """``spindcgan energy --model MODULE:FUNCTION --input-shape ...``: the ledger of the user's network."""
    from .energy.ledger import build_network_ledger, format_ledger
    from .energy.report import plot_ledger
    from .factory import example_input, model_on_hardware, parse_shape
    from .io import save_json

    if args.checkpoint or not args.input_shape:
        raise SpinDCGANError("--model takes --input-shape (e.g. 1,100) and no CHECKPOINT")
    shape = parse_shape(args.input_shape)
    model, hardware = model_on_hardware(args.model, hardware_from_args(args))
    if hardware is None or hardware.synapse is None:
        raise SpinDCGANError("the energy ledger needs synapse hardware (not --float or --float-weights)")
    ledger = build_network_ledger(model, example_input(model, shape, args.model), hardware, args.mapping,
                                  include_peripherals=not args.devices_only)
    print(f"{args.model}, input {tuple(shape)}, hardware: {describe_hardware(hardware)}")
    print(format_ledger(ledger))
    out, stem = Path(args.out), f"energy-{args.model.replace(':', '-').replace('.', '-')}-{args.mapping}"
    save_json({"model": args.model, "input_shape": list(shape), "hardware": describe_hardware(hardware),
               **ledger.to_dict()}, out / f"{stem}.json")
    plot_ledger({args.mapping: ledger}, out / f"{stem}.png")
    print(f"wrote {out / (stem + '.json')} and {out / (stem + '.png')}")


def cmd_export(args: argparse.Namespace) -> None:
    from .export import save_exported
    from .loading import load_generator, provenance_of

    out = new_output(args.out, args.overwrite)
    if args.model:
        return export_of_factory(args, out)
    given = [o for o in ("float", *HARDWARE_OPTIONS) if getattr(args, o) not in (None, False)]
    if given:
        raise SpinDCGANError(f"--{given[0].replace('_', '-')} applies to --model: a checkpoint keeps its hardware")
    if not args.source:
        raise SpinDCGANError("give a CHECKPOINT|RUN_DIR, or --model MODULE:FUNCTION with --weights and --input-shape")
    generator, config = load_generator(args.source)
    step = provenance_of(args.source)["step"]
    if args.standing_statistics:
        from .training.batchnorm import standing_statistics

        standing_statistics(generator, config.model.z_dim)
    save_exported(generator, config, out, "standing" if args.standing_statistics else "running", step)
    print(f"wrote the device states of {args.source} to {out} ({out.stat().st_size / 1e6:.1f} MB)"
          + (", BatchNorm statistics recomputed from its own activations" if args.standing_statistics else ""))


def cmd_pack(args: argparse.Namespace) -> None:
    from .training.checkpoint import run_folder
    from .training.pack import write_pack

    out = new_output(args.out, args.overwrite)
    info = write_pack(run_folder(args.run), out, args.limit_mb)
    dropped = f"; left out (over the limit): {', '.join(info.dropped)}" if info.dropped else ""
    print(f"wrote {out}: the run at step {info.step} in {info.megabytes:.1f} MB{dropped}")


def cmd_unpack(args: argparse.Namespace) -> None:
    from .training.pack import unpack

    run_dir = unpack(args.pack, args.out, args.pack_warmup)
    print(f"rebuilt {run_dir} from the pack: continue it with spindcgan train --resume {run_dir} (not exactly)")


def export_of_factory(args: argparse.Namespace, out: Path) -> None:
    """``spindcgan export --model MODULE:FUNCTION --weights W.pt --input-shape ...``: a converted network's device
    states, with what rebuilds it (``spindcgan generate --model OUT`` runs it)."""
    from .export import export_network
    from .factory import example_input, model_on_hardware, parse_shape
    from .io import save_torch

    if not (args.weights and args.input_shape) or args.source or args.standing_statistics:
        raise SpinDCGANError("--model takes --weights (its trained state_dict) and --input-shape, and no CHECKPOINT "
                             "or --standing-statistics")
    shape = parse_shape(args.input_shape)
    model, _ = model_on_hardware(args.model, hardware_from_args(args))
    try:
        weights = torch.load(args.weights, map_location="cpu", weights_only=True)
        model.load_state_dict(weights)
    except Exception as exc:  # noqa: BLE001 - a wrong or unreadable file, said in one line
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise SpinDCGANError(f"--weights {args.weights}: not a state_dict of {args.model} ({first})") from None
    example_input(model, shape, args.model)
    save_torch(export_network(model, args.model, shape), out)
    print(f"wrote the device states of {args.model} ({args.weights}) to {out} ({out.stat().st_size / 1e6:.1f} MB)")


REFERENCE_SPLITS = sorted({split for splits in SPLITS.values() for split in splits})
"""The splits an FID may compare with, over all datasets (a dataset's own are checked when it loads)."""

SHIPPED_MODELS = {dataset: Path(__file__).parent / "assets" / f"{dataset}-6bit-dw.pt"
                  for dataset in ("fashion-mnist", "anime")}  # the trained generators inside the package
SHIPPED_MODEL = SHIPPED_MODELS["fashion-mnist"]  # `spindcgan generate` with no arguments


def cmd_generate(args: argparse.Namespace) -> None:
    from .energy.ledger import DEVICE_COMPONENTS, generation_cost
    from .export import generator_from_exported, network_from_exported, read_exported
    from .generation import generate, write_samples

    if args.model and args.dataset:
        raise SpinDCGANError("pass --model FILE or --dataset NAME (a shipped generator), not both")
    model = Path(args.model) if args.model else SHIPPED_MODELS[args.dataset] if args.dataset else SHIPPED_MODEL
    if not model.exists():
        raise SpinDCGANError(
            f"{model}: no generator there" + ("" if args.model else " (the package's shipped generator is missing: "
                                              "reinstall spindcgan, or pass --model FILE from `spindcgan export`)")
        )
    data = read_exported(model)
    if "factory" in data:  # a converted network of the user's (spindcgan export --model)
        generator, shape = network_from_exported(data)
        hardware = HardwareConfig.from_dict(data["hardware"])
        z = torch.randn(args.n, *shape[1:], generator=torch.Generator().manual_seed(args.seed))
        with torch.no_grad():
            images = generator(z)
    else:
        generator, config = generator_from_exported(data)
        hardware, shape = config.hardware, (1, config.model.z_dim)
        images = generate(generator, args.n, args.seed)
    out = write_samples(images, args.out, args.overwrite)
    z = torch.randn(16, *shape[1:], generator=torch.Generator().manual_seed(args.seed))
    passes = generation_cost(generator, hardware, z, args.mapping)
    devices = sum(p.energy[k] for p in passes for k in DEVICE_COMPONENTS)
    total = sum(p.total_energy for p in passes)
    latency = sum(p.latency for p in passes)
    print(f"wrote {args.n} images to {out}")
    print(f"energy per generated image ({args.mapping} deconvolutions): {devices * 1e9:.4f} nJ in the spintronic "
          f"devices, {total * 1e9:.1f} nJ with CMOS peripherals; latency {latency * 1e6:.3f} us")


def cmd_info(args: argparse.Namespace) -> None:
    from .crossbar.report import format_mapping, map_model
    from .crossbar.usage import format_usage, programmed_layers, state_usage
    from .loading import load_generator
    from .models import Discriminator, Generator

    if args.model:
        return info_of_factory(args)
    trained = None
    if args.checkpoint:
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
    if hardware is not None and hardware.synapse is not None and not hardware.wires.ideal:
        from .crossbar.circuit import format_wire_losses
        from .nn import wire_losses

        title = ("IR drop, worst case: every row at full input, the share of a column's ideal current its wires take "
                 f"({hardware.wire_solver}; over the G+ and G- arrays)")
        for name, net in (("generator", trained if trained is not None else g), ("discriminator", d)):
            print("\n" + format_wire_losses(wire_losses(net), f"{title}, {name}"
                                             + (" (as trained)" if net is trained else " (as initialised)")))
    if trained is not None and hardware is not None and hardware.synapse is not None:
        rows = [state_usage(name, states, hardware.synapse) for name, states in programmed_layers(trained)]
        print()
        print(format_usage(rows, f"device states of the trained generator ({args.checkpoint}): signed level n per "
                                 f"weight, L = {hardware.synapse.levels} states per device"))
    if args.checkpoint:
        from .training.endurance import endurance_report

        wear = endurance_report(args.checkpoint)
        if wear:
            print("\n" + wear)


def info_of_factory(args: argparse.Namespace) -> None:
    """``spindcgan info --model MODULE:FUNCTION --input-shape ...``: the crossbar mapping of the user's network."""
    from .crossbar.report import format_mapping, map_model
    from .factory import example_input, model_on_hardware, parse_shape

    if args.checkpoint or not args.input_shape:
        raise SpinDCGANError("--model takes --input-shape (e.g. 1,100) and no CHECKPOINT")
    shape = parse_shape(args.input_shape)
    model, hardware = model_on_hardware(args.model, hardware_from_args(args))
    print(f"{args.model}, input {tuple(shape)}")
    print(f"hardware: {describe_hardware(hardware)}")
    print(describe_devices(hardware) + "\n")
    print(format_mapping(map_model(model, example_input(model, shape, args.model), hardware), args.model))


def add_factory_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("a network of your own (instead of the DCGAN presets; docs/convert.md)")
    g.add_argument("--model", metavar="MODULE:FUNCTION", dest="model",
                   help="a function returning an nn.Module, e.g. my_pkg.nets:make_generator; converted onto the "
                        "hardware options unless it already has crossbar layers")
    g.add_argument("--input-shape", metavar="N,...", help="its example input's shape, batch first, e.g. 1,100")


def cmd_devices_calibrate(args: argparse.Namespace) -> None:
    from .devices.micromagnetics.calibrate import calibrate

    if args.threads:
        torch.set_num_threads(args.threads)
    path = calibrate(args.device, args.out, quick=args.quick, progress=not args.no_progress, plots_dir=args.plots)
    record = json.loads(path.read_text())
    print(f"wrote {path} and {', '.join(record['plots'])} ({record['wall_time_s']} s)")
    for key, value in record["fit"].items():
        print(f"  {key}: {value}")


def describe_devices(hw: HardwareConfig | None) -> str:
    """One line per modelled device: where its physical figures come from."""
    if hw is None:
        return ""
    lines = []
    syn = hw.synapse
    if syn is not None:
        line = f"  synapse: calibration {syn.calibration}"
        if syn.simulated_update_energy is not None:
            line += (f"; update {syn.update_drive:.3g} A/m^2, simulated {syn.simulated_update_energy * 1e15:.3g} fJ "
                     f"(ledger uses {syn.write_energy_per_state * 1e15:.3g} fJ)")
        lines.append(line)
    for label, track in (("DW ReLU", hw.relu), ("DW Leaky ReLU", hw.leaky_relu)):
        if track is not None:
            line = f"  {label}: calibration {track.calibration}"
            if track.simulated_energy_per_evaluation is not None:
                simulated = track.simulated_energy_per_evaluation * 1e15
                line += (f"; saturates at {track.drive_at_saturation:.3g} A/m^2, settles in "
                         f"{track.settling_time * 1e9:.3g} ns, simulated {simulated:.3g} fJ "
                         f"(ledger uses {track.energy_per_evaluation * 1e15:.3g} fJ)")
            lines.append(line)
    return "\n".join(lines)


def describe_hardware(hw: HardwareConfig | None) -> str:
    if hw is None:
        return "none (float baseline)"
    syn = f"{hw.synapse.bits}-bit skyrmion synapses ({hw.signed_scheme})" if hw.synapse else "float weights"
    acts = "DW ReLU / DW Leaky ReLU" if hw.relu or hw.leaky_relu else "CMOS activations"
    noise = [f"{k}={getattr(hw, k):g}" for k in ("d2d_sigma", "c2c_sigma", "read_noise_sigma", "adc_bits", "dac_bits",
                                                  "stuck_fraction", "program_error_rate", "retention_time",
                                                  "dw_slope_sigma", "dw_offset_sigma")
             if getattr(hw, k)]
    where = "" if hw.discriminator_on_hardware else ", float discriminator (generator only on hardware)"
    return (f"{syn}, {acts}, {hw.array_rows}x{hw.array_cols} arrays" + (f", {', '.join(noise)}" if noise else "")
            + where)


class OneLineParser(argparse.ArgumentParser):
    """argparse with its errors in one line, like every other error of the CLI (the usage is one --help away)."""

    def error(self, message: str) -> typing.NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="spindcgan", description="Hybrid CMOS-spintronic DCGAN")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train a DCGAN on the modelled hardware (writes a run folder)")
    add_model_options(p)
    add_hardware_options(p)
    p.add_argument("--epochs", type=int, help=f"passes over the training images (default {TrainConfig.epochs})")
    p.add_argument("--max-steps", type=int, help="stop after N optimiser steps in total")
    p.add_argument("--batch-size", type=int, help=f"images per optimiser step (default {TrainConfig.batch_size})")
    p.add_argument("--lr", type=finite, help="learning rate (default 2e-4; the generator's, with --lr-d)")
    p.add_argument("--lr-d", type=finite, metavar="LR",
                   help="the discriminator's learning rate (default: --lr); a larger one is TTUR (docs/training.md)")
    p.add_argument("--lr-decay-start", type=int, metavar="EPOCH",
                   help="from this epoch on, learning rates fall linearly to zero at the last step (default: "
                        "constant); with --resume, at or after the run's progress")
    p.add_argument("--seed", type=whole,
                   help=f"seed of the weights, data order and noise (default {TrainConfig.seed})")
    p.add_argument("--lr-decay-shape", choices=LR_DECAY_SHAPES, help="how the rates fall from --lr-decay-start: "
                   "linear (default) or cosine (half a cosine, near the full rate for longer)")
    p.add_argument("--ema", type=finite, help="generator weight EMA decay, e.g. 0.999 (default 0: off)")
    p.add_argument("--ema-half-lives", type=half_lives, metavar="H,...", help="further generator EMAs kept beside "
                   "--ema, by half-life in epochs of images, e.g. 0.5,2,8: each measured at --fid-every "
                   "(ema-fids.jsonl) and exported at --export-every (exports/ema-hlH/); a resume may add some")
    p.add_argument("--augment", metavar="POLICY", help="DiffAugment of the discriminator's inputs: comma-separated "
                   "color, translation, cutout (default off; for small datasets such as anime)")
    p.add_argument("--augment-p", metavar="P|auto", help="probability of each --augment transform per image "
                   "(default 1: always); auto: adaptive (ADA), steered from 0 to keep the discriminator's sign on "
                   "real images at 0.6 (docs/training.md)")
    p.add_argument("--r1", type=finite, metavar="GAMMA", help="R1 gradient penalty on the discriminator's real "
                   "images, weight GAMMA (default 0: off; docs/training.md)")
    p.add_argument("--checkpoint-every", type=int, help="also checkpoint every N steps")
    p.add_argument("--checkpoint-epochs", type=int, metavar="K", help="checkpoint at every K-th epoch end (default "
                   "1: each) and at the stop; K > 1 saves time where epochs take seconds (a GPU)")
    p.add_argument("--log-every", type=int, help="metrics line every N steps (default 50)")
    p.add_argument("--limit", type=int, help="train on the first N images only (quick runs)")
    p.add_argument("--data", help="dataset location (default: the dataset's standard search)")
    p.add_argument("--train-split", choices=["train", "fit"], help="train on this split (default train); anime: "
                   "fit leaves out 2,000 faces for spindcgan fid --ref heldout (docs/fid.md)")
    p.add_argument("--out", default="runs", help="parent folder of run folders (default runs)")
    p.add_argument("--resume", metavar="RUN_DIR|PACK", help="continue the run in RUN_DIR from its checkpoint "
                   "(exactly), or from a fallback pack (spindcgan pack: not exactly; its run folder is rebuilt under "
                   "--out)")
    p.add_argument("--pack-warmup", type=whole, metavar="STEPS", help="with --resume PACK without Adam's moments: "
                   f"learning rates warm up linearly over STEPS steps (default {DEFAULT_WARMUP_STEPS})")
    p.add_argument("--device", help="cpu (default) or cuda")
    p.add_argument("--threads", type=count, help="torch CPU threads")
    p.add_argument("--precision", choices=PRECISIONS, help="arithmetic of a training step: fp32 (default) or bf16 "
                   "(mixed precision, ~2x faster anime steps on a CPU with AVX-512 BF16; sampled and measured in "
                   "fp32)")
    p.add_argument("--time-limit", type=finite, metavar="MIN",
                   help="stop cleanly after MIN minutes (checkpointed; continue with --resume)")
    p.add_argument("--fid-every", type=int, help="measure FID every K epochs (logged, plotted to fid.png)")
    p.add_argument("--export-every", type=int, metavar="K",
                   help="save the generator's device states every K epochs to exports/epoch-NNN.pt (default never)")
    p.add_argument("--fid-n", type=int, help="generated images per FID during training (default 2000)")
    p.add_argument("--fid-ref-n", type=count, help="FID reference: first N images of the split (default all)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--train-noise", metavar="NAME=V,...", help="variation / faults drawn afresh at every step, e.g. "
                   "d2d=0.1,stuck=0.01 (robust training; docs/sweeps.md)")
    p.add_argument("--dist-backend", choices=("gloo", "nccl"), help="under torchrun: the ranks' backend (default "
                   "nccl on CUDA, gloo on the CPU; docs/training.md)")
    p.add_argument("--sync-batchnorm", action="store_const", const=True, help="under torchrun on CUDA: BatchNorm "
                   "statistics of the global batch, not of each rank's shard")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("fid", help="FID and KID of a generator against its dataset, or of two image folders/zips")
    p.add_argument("checkpoint", nargs="?", metavar="CHECKPOINT|RUN_DIR")
    p.add_argument("--n", type=count, default=10_000, help="generated images (default 10000)")
    p.add_argument("--ref", choices=REFERENCE_SPLITS, help="reference split (default: test for fashion-mnist, "
                   "train for anime; anime also fit and heldout, docs/fid.md)")
    p.add_argument("--ref-n", type=count, help="use only the first N reference images (named in the metric)")
    p.add_argument("--seed", type=whole, default=0, help="seed of the generated images")
    p.add_argument("--real", help="folder or zip of real images (with --fake, instead of a checkpoint)")
    p.add_argument("--fake", help="folder or zip of generated images")
    p.add_argument("--size", type=count, help="image size for --real/--fake (default: the first real image's)")
    p.add_argument("--data", help="dataset location (default: the dataset's standard search)")
    p.add_argument("--batch-size", type=count, default=100)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=count)
    p.add_argument("--json", metavar="FILE", help="also write the JSON record to FILE (atomically)")
    p.add_argument("--exports", action="store_true",
                   help="measure each device-state export of RUN_DIR (train --export-every) by the run's "
                   "in-training FID protocol (its --fid-n and sample seed; --n and --seed do not apply), into "
                   "RUN_DIR/export-fids.jsonl")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=cmd_fid)

    p = sub.add_parser("sample", help="generate images from a checkpoint or run folder")
    p.add_argument("source", metavar="CHECKPOINT|RUN_DIR")
    add_image_output_options(p, "samples.png")
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("energy", help="per-layer energy and latency ledger, per image (inference and training)")
    p.add_argument("checkpoint", nargs="?", metavar="CHECKPOINT|RUN_DIR",
                   help="a trained model (default: a fresh model of --dataset)")
    add_model_options(p)
    add_hardware_options(p)
    p.add_argument("--mapping", choices=["zero-padded", "zero-free"], default="zero-padded",
                   help="deconvolution mapping (default: the paper's zero-padded convolution)")
    p.add_argument("--devices-only", action="store_true", help="leave out CMOS peripherals (DAC, ADC, adds, ...)")
    p.add_argument("--batch", type=count, default=64, help="images traced to measure the applied inputs")
    p.add_argument("--update-steps", type=whole, default=3,
                   help="training steps measured for synapse writes when there is no training log")
    p.add_argument("--data", help="dataset location")
    p.add_argument("--out", default=".", help="folder for the JSON and PNG (default .)")
    add_factory_options(p)
    p.set_defaults(func=cmd_energy)

    p = sub.add_parser("export", help="save a trained generator as its device states (uint8 states + scales)")
    p.add_argument("source", nargs="?", metavar="CHECKPOINT|RUN_DIR")
    p.add_argument("--out", required=True, help="output file (.pt)")
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("--standing-statistics", action="store_true",
                   help="recompute the CMOS BatchNorm statistics from the generator's own activations (device "
                        "states unchanged; docs/training.md)")
    add_factory_options(p)
    add_hardware_options(p)
    p.add_argument("--weights", metavar="FILE", help="with --model: the trained state_dict (torch.save) to export")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("pack", help="a run's compact fallback pack (xz, a few MB): continue it anywhere with "
                       "train --resume PACK, not exactly")
    p.add_argument("run", metavar="RUN_DIR")
    p.add_argument("--out", required=True, help="output file (.pack.xz)")
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("--limit-mb", type=finite, default=PACK_LIMIT_MB, help="size limit: further EMA generators, Adam's "
                   f"moments and the write counters go in only where they fit (default {PACK_LIMIT_MB:g})")
    p.set_defaults(func=cmd_pack)

    p = sub.add_parser("unpack", help="rebuild a pack's run folder without training (e.g. before a torchrun "
                       "resume); train --resume PACK does this itself")
    p.add_argument("pack", metavar="PACK")
    p.add_argument("--out", required=True, help="parent folder of the run folder")
    p.add_argument("--pack-warmup", type=whole, metavar="STEPS", default=DEFAULT_WARMUP_STEPS,
                   help=f"learning-rate warm-up where the pack has no Adam moments (default {DEFAULT_WARMUP_STEPS})")
    p.set_defaults(func=cmd_unpack)

    p = sub.add_parser("generate", help="images and per-image energy from an exported (or the shipped) generator")
    p.add_argument("--model", help="device-state file from `spindcgan export` (default: the shipped one)")
    p.add_argument("--dataset", choices=[d for d, path in SHIPPED_MODELS.items() if path.exists()],
                   help="which shipped generator (default fashion-mnist; docs/results.md has their FIDs)")
    add_image_output_options(p, "generated.png")
    p.add_argument("--mapping", choices=["zero-padded", "zero-free"], default="zero-padded")
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("devices", help="device physics: micromagnetic calibration of the compact models")
    devices = p.add_subparsers(dest="devices_command", required=True)
    p = devices.add_parser(
        "calibrate", help="simulate a device with magnum.np, fit its compact model, write JSON and plots"
    )
    p.add_argument("device", choices=["dw-relu", "dw-leaky-relu", "skyrmion-synapse"])
    p.add_argument("--quick", action="store_true", help="coarse mesh and few points: about a minute on a CPU")
    p.add_argument("--out", default="calibration", help="folder of the calibration JSON (default calibration)")
    p.add_argument("--plots", help="folder of the plots (default: --out)")
    p.add_argument("--threads", type=count, help="torch CPU threads")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=cmd_devices_calibrate)

    p = sub.add_parser("sweep", help="FID and energy of a trained generator over a grid of hardware settings, "
                       "resumable, with a Pareto plot (docs/sweeps.md)")
    p.add_argument("generator", nargs="?", metavar="CHECKPOINT|RUN_DIR|EXPORT",
                   help="the trained generator (default: the shipped Fashion-MNIST one)")
    p.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2,...",
                   help="a grid term, repeatable: bits, adc_bits, dac_bits (none: ideal), d2d, c2c, read_noise, "
                        "stuck, program_error, retention (0, 1h, 1d, 1y), dw_slope, dw_offset, wire (ohm per cell "
                        "segment), driver, sense (ohm), compensation (0, 1), array (rows = columns)")
    p.add_argument("--n", type=count, default=2000, help="generated images per FID (default 2000)")
    p.add_argument("--draws", type=count, default=1, help="draws of variation and faults per point (hardware seeds "
                   "seed .. seed + draws - 1; default 1)")
    p.add_argument("--seed", type=whole, default=0, help="seed of the generated images")
    p.add_argument("--ref", choices=REFERENCE_SPLITS, help="reference split (default: the dataset's)")
    p.add_argument("--ref-n", type=count, help="use only the first N reference images")
    p.add_argument("--data", help="dataset location (default: the dataset's standard search)")
    p.add_argument("--out", required=True, help="sweep folder: points.jsonl, sweep.csv, pareto.png; a rerun "
                   "continues it")
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=count)
    p.add_argument("--report-only", action="store_true", help="measure nothing: write the table, costs and plot of "
                   "the points measured so far (an interrupted sweep)")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("info", help="per-layer crossbar mapping of a model; of a trained one, its device states' use")
    p.add_argument("checkpoint", nargs="?", metavar="CHECKPOINT|RUN_DIR|EXPORT",
                   help="a trained generator: its config, how its weights use the synapse states and, of "
                        "a run folder, how many updates its devices took (endurance)")
    add_model_options(p)
    add_hardware_options(p)
    add_factory_options(p)
    p.set_defaults(func=cmd_info)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or a bad option (2, said in one line)
        return exc.code if isinstance(exc.code, int) else 2
    keep_freed_memory()  # big tensors reuse freed memory: FID and 64x64 training run faster (spindcgan.runtime)
    try:
        args.func(args)
    except SpinDCGANError as exc:
        print(f"spindcgan: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the system refused a file: a full disk, a permission, a path in the way
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"spindcgan: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("spindcgan: interrupted (the last checkpoint is kept)", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
