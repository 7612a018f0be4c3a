"""``spindcgan export``, ``pack`` and ``unpack``: a trained generator as its device states (``api.export``), a
network of the user's likewise, and a run's compact fallback pack and back (``training.pack``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import api
from ..errors import SpinDCGANError
from ..export import export_network
from ..factory import example_input, model_on_hardware, parse_shape, read_state_dict
from ..io import new_output, save_torch
from ..training.checkpoint import run_folder
from ..training.pack import DEFAULT_WARMUP_STEPS, MAX_WEIGHT_STEPS, PACK_LIMIT_MB, unpack, write_pack
from .options import (
    add_factory_options,
    add_hardware_options,
    count,
    finite,
    hardware_from_args,
    keeps_its_own,
    whole,
)


def run_export(args: argparse.Namespace) -> None:
    out = new_output(args.out, args.overwrite)
    if args.model:
        return export_of_factory(args, out)
    if not args.source:
        raise SpinDCGANError("give a CHECKPOINT|RUN_DIR, or --model MODULE:FUNCTION with --weights and --input-shape")
    keeps_its_own(args, args.source)
    api.export(args.source, out, args.standing_statistics)
    print(f"wrote the device states of {args.source} to {out} ({out.stat().st_size / 1e6:.1f} MB)"
          + (", BatchNorm statistics recomputed from its own activations" if args.standing_statistics else ""))


def export_of_factory(args: argparse.Namespace, out: Path) -> None:
    """``spindcgan export --model MODULE:FUNCTION --weights W.pt --input-shape ...``: a converted network's device
    states, with what rebuilds it (``spindcgan generate --model OUT`` runs it)."""
    if not (args.weights and args.input_shape) or args.source or args.standing_statistics:
        raise SpinDCGANError("--model takes --weights (its trained state_dict) and --input-shape, and no CHECKPOINT "
                             "or --standing-statistics")
    shape = parse_shape(args.input_shape)
    model, _ = model_on_hardware(args.model, hardware_from_args(args))
    weights = read_state_dict(args.weights)
    try:
        model.load_state_dict(weights)
    except Exception as exc:  # noqa: BLE001 - a state_dict of another network, said in one line
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise SpinDCGANError(f"--weights {args.weights}: not a state_dict of {args.model} ({first})") from None
    example_input(model, shape, args.model)
    save_torch(export_network(model, args.model, shape), out)
    print(f"wrote the device states of {args.model} ({args.weights}) to {out} ({out.stat().st_size / 1e6:.1f} MB)")


def run_pack(args: argparse.Namespace) -> None:
    out = new_output(args.out, args.overwrite)
    info = write_pack(run_folder(args.run), out, args.limit_mb, args.weight_steps)
    dropped = f"; left out (over the limit): {', '.join(info.dropped)}" if info.dropped else ""
    print(f"wrote {out}: the run at step {info.step} in {info.megabytes:.1f} MB{dropped}")


def run_unpack(args: argparse.Namespace) -> None:
    run_dir = unpack(args.pack, args.out, args.pack_warmup)
    print(f"rebuilt {run_dir} from the pack: continue it with spindcgan train --resume {run_dir} (not exactly)")


def add_parser(sub: argparse._SubParsersAction) -> None:
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
    p.set_defaults(func=run_export)

    p = sub.add_parser("pack", help="a run's compact fallback pack (xz, a few MB): continue it anywhere with "
                       "train --resume PACK, not exactly")
    p.add_argument("run", metavar="RUN_DIR")
    p.add_argument("--out", required=True, help="output file (.pack.xz)")
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("--limit-mb", type=finite, default=PACK_LIMIT_MB, help="size limit: the EMA generators, Adam's "
                   f"moments and the write counters go in only where they fit (default {PACK_LIMIT_MB:g})")
    p.add_argument("--weight-steps", type=count, metavar="N", default=MAX_WEIGHT_STEPS,
                   help=f"G's and D's weights rounded to N steps each side of zero, 1 to {MAX_WEIGHT_STEPS} (default "
                   f"{MAX_WEIGHT_STEPS}; 63: a sixth fewer bytes for them, still 2x finer than 6-bit synapses)")
    p.set_defaults(func=run_pack)

    p = sub.add_parser("unpack", help="rebuild a pack's run folder without training (e.g. before a torchrun "
                       "resume); train --resume PACK does this itself")
    p.add_argument("pack", metavar="PACK")
    p.add_argument("--out", required=True, help="parent folder of the run folder")
    p.add_argument("--pack-warmup", type=whole, metavar="STEPS", default=DEFAULT_WARMUP_STEPS,
                   help=f"learning-rate warm-up where the pack has no Adam moments (default {DEFAULT_WARMUP_STEPS})")
    p.set_defaults(func=run_unpack)
