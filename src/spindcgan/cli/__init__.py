"""The ``spindcgan`` command: one module per command (``cli/<command>.py``), each parsing its options into the
library's typed configs and calling ``spindcgan.api``, then printing what it returns."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ..errors import SpinDCGANError
from ..runtime import keep_freed_memory
from . import energy, export, fid, generate, info, sweep, train
from .options import OneLineParser, hardware_from_args

__all__ = ["build_parser", "hardware_from_args", "main"]

COMMANDS = (train, generate, fid, sweep, energy, info, export)
"""The modules of the commands, in the order of ``spindcgan --help`` and docs/cli.md."""


def build_parser() -> OneLineParser:
    parser = OneLineParser(prog="spindcgan", description="Hybrid CMOS-spintronic DCGAN")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_parser(sub)
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
