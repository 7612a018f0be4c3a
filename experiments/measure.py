"""Measure a trained run as users would (and optionally ship it), recording everything report.py needs.

    python experiments/measure.py RUN_DIR --name fmnist-hw6-w32-s1 --results results/cpu-2026-11-29 \
        [--ship [--asset src/spindcgan/assets/fashion-mnist-6bit-dw.pt]] [--n 10000] [--ref test] [--threads 2]

1. with ``--ship``: ``spindcgan export`` of the run's evaluated generator (its EMA) as uint8 device states +
   scales, written into the package (the file ``spindcgan generate`` uses by default); the measured file is
   then that export, otherwise the run folder itself (same generator: the export round-trips exactly);
2. FID/KID by ``spindcgan fid FILE --n 10000`` itself (10k generated, sample seed 0, against ``--ref``:
   default the dataset's, the 10k Fashion-MNIST test images or the anime training set);
3. the energy ledger of a hardware run by ``spindcgan energy RUN_DIR`` (its trained weights, its logged
   synapse writes) into ``<results>/energy-<name>/``;
4. the record ``<results>/fid-<name>[-<ref>].json`` (command, commit, file hash) and a copy of the run's
   config, metrics, log and last sample grid under ``<results>/runs/<name>/``, which
   ``experiments/report.py`` turns into docs/results.md. ``--no-fid`` redoes steps 3-4 only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import torch

from spindcgan.cli import main
from spindcgan.export import save_exported
from spindcgan.io import save_json
from spindcgan.training.checkpoint import load_generator

ROOT = Path(__file__).resolve().parents[1]


def measure() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("run_dir", type=Path)
    p.add_argument("--name", required=True)
    p.add_argument("--results", type=Path, required=True)
    p.add_argument("--ship", action="store_true", help="export into the package and measure the export")
    p.add_argument("--asset", type=Path, default=ROOT / "src/spindcgan/assets/fashion-mnist-6bit-dw.pt")
    p.add_argument("--ref", choices=["train", "test"], help="reference split (default: the dataset's)")
    p.add_argument("--n", type=int, default=10000)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--no-fid", action="store_true", help="keep the FID record; redo the energy and the copies")
    args = p.parse_args()
    torch.set_num_threads(args.threads)

    measured = args.run_dir
    if args.ship:
        generator, config = load_generator(args.run_dir)
        save_exported(generator, config, args.asset)
        print(f"exported {args.run_dir} -> {args.asset} ({args.asset.stat().st_size / 1e6:.2f} MB)")
        measured = args.asset

    if not args.no_fid:
        measure_fid(args, measured)
    config = json.loads((args.run_dir / "config.json").read_text())
    if config["hardware"] is not None:
        if main(["energy", str(args.run_dir), "--out", str(args.results / f"energy-{args.name}")]):
            raise SystemExit("spindcgan energy failed")
    run_copy = args.results / "runs" / args.name
    run_copy.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "metrics.jsonl"):
        shutil.copy2(args.run_dir / name, run_copy / name)
    samples = sorted((args.run_dir / "samples").glob("epoch-*.png"))
    if samples:
        shutil.copy2(samples[-1], run_copy / "samples-last-epoch.png")
    log = args.run_dir.parent.with_suffix(".log")  # the nohup log beside the run's parent folder, if any
    if log.exists():
        shutil.copy2(log, run_copy / "train.log")


def measure_fid(args: argparse.Namespace, measured: Path) -> None:
    """fid10k of ``measured`` by the command a user would run (`spindcgan fid FILE --n N`), not a copy of it."""
    record_path = args.results / f"fid-{args.name}{'-' + args.ref if args.ref else ''}.json"
    ref = ["--ref", args.ref] if args.ref else []
    fid_args = ["fid", str(measured), "--n", str(args.n), *ref, "--threads", str(args.threads),
                "--json", str(record_path)]
    if main(fid_args):
        raise SystemExit("spindcgan fid failed")
    record = json.loads(record_path.read_text())
    shown = str(measured.resolve().relative_to(ROOT)) if measured.resolve().is_relative_to(ROOT) else str(measured)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    record |= {
        "run": args.name,
        "checkpoint": shown,
        "shipped": args.ship,
        **({"asset_sha256": hashlib.sha256(args.asset.read_bytes()).hexdigest()} if args.ship else {}),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "reproduce": " ".join(["spindcgan", "fid", shown, "--n", str(args.n), *ref]),
        "commit": commit,
    }
    out = save_json(record, record_path)
    print(f"{record['metric']} = {record['fid']:.3f} (KID {record['kid']:.5f}); wrote {out}")


if __name__ == "__main__":
    measure()
