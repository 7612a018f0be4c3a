"""``spindcgan generate`` and ``sample``: images of an exported (or shipped) generator with their energy per image
(``api.generate``), and images of a checkpoint or run folder."""

from __future__ import annotations

import argparse

from .. import api
from ..errors import SpinDCGANError
from ..generation import generate, sample_output, write_samples
from ..loading import load_generator
from .options import add_image_output_options


def run_generate(args: argparse.Namespace) -> None:
    if args.model and args.dataset:
        raise SpinDCGANError("pass --model FILE or --dataset NAME (a shipped generator), not both")
    model = args.model or api.shipped_model(args.dataset or "fashion-mnist")
    sample_output(args.out, args.overwrite)
    made = api.generate(model, args.n, args.seed, args.mapping)
    out = write_samples(made.images, args.out, args.overwrite)
    print(f"wrote {args.n} images to {out}")
    print(f"energy per generated image ({args.mapping} deconvolutions): {made.device_energy_j * 1e9:.4f} nJ in the "
          f"spintronic devices, {made.total_energy_j * 1e9:.1f} nJ with CMOS peripherals; latency "
          f"{made.latency_s * 1e6:.3f} us")


def run_sample(args: argparse.Namespace) -> None:
    sample_output(args.out, args.overwrite)
    generator, _ = load_generator(args.source)
    out = write_samples(generate(generator, args.n, args.seed), args.out, args.overwrite)
    print(f"wrote {args.n} samples to {out}")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sample", help="generate images from a checkpoint or run folder")
    p.add_argument("source", metavar="CHECKPOINT|RUN_DIR")
    add_image_output_options(p, "samples.png")
    p.set_defaults(func=run_sample)

    p = sub.add_parser("generate", help="images and per-image energy from an exported (or the shipped) generator")
    p.add_argument("--model", help="device-state file from `spindcgan export` (default: the shipped one)")
    p.add_argument("--dataset", choices=[d for d, path in api.SHIPPED_MODELS.items() if path.exists()],
                   help="which shipped generator (default fashion-mnist; docs/results.md has their FIDs)")
    add_image_output_options(p, "generated.png")
    p.add_argument("--mapping", choices=["zero-padded", "zero-free"], default="zero-padded")
    p.set_defaults(func=run_generate)
