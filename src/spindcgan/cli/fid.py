"""``spindcgan fid``: FID and KID of a generator against its dataset, of two image folders, or of a run's
exports (``api.fid``, ``api.folder_fid``, ``api.export_fids``)."""

from __future__ import annotations

import argparse
import json

import torch

from .. import api
from ..errors import SpinDCGANError
from ..io import new_output, save_json
from ..metrics.registry import FORM, METRICS
from ..training.export_fids import EXPORT_FIDS_NAME, exports_folder
from .options import REFERENCE_SPLITS, count, device, seed_number


def run(args: argparse.Namespace) -> None:
    if args.threads:
        torch.set_num_threads(args.threads)
    progress = not args.no_progress
    if args.json:  # refused before the measurement, not after it
        new_output(args.json, args.overwrite, "--json")
    if args.exports:
        if not args.checkpoint or args.real or args.fake:
            raise SpinDCGANError("--exports measures the exports of one RUN_DIR: give RUN_DIR, without --real/--fake")
        for r in api.export_fids(args.checkpoint, args.device, args.data, progress):
            print(f"epoch {r['epoch_end']}: {r['metric']} = {r['fid']:.3f}  ({r['export']})")
        print(f"written to {exports_folder(args.checkpoint) / EXPORT_FIDS_NAME}")
        return
    if args.real or args.fake:
        if not (args.real and args.fake) or args.checkpoint:
            raise SpinDCGANError("give either CHECKPOINT, or both --real and --fake")
        record = api.folder_fid(args.real, args.fake, args.size, args.device, args.batch_size, progress)
    else:
        if not args.checkpoint:
            raise SpinDCGANError("give a CHECKPOINT|RUN_DIR, or --real and --fake")
        if args.metric and (args.n or args.ref or args.ref_n):
            raise SpinDCGANError("--metric names the images and the reference itself: drop --n, --ref and --ref-n")
        record = api.fid(args.checkpoint, args.metric, args.n or 10_000, args.ref, args.seed, args.data, args.ref_n,
                         args.device, args.batch_size, progress)
    print(f"{record['metric']} = {record['fid']:.3f}  (KID {record['kid']:.5f} +- {record['kid_std']:.5f}; "
          f"{record['n_generated']} generated vs {record['n_reference']} {record['reference']})")
    print(json.dumps(record))
    if args.json:
        save_json(record, args.json)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fid", help="FID and KID of a generator against its dataset, or of two image folders/zips")
    p.add_argument("checkpoint", nargs="?", metavar="CHECKPOINT|RUN_DIR")
    p.add_argument("--metric", metavar="NAME", help=f"the metric by name: {', '.join(METRICS)}, or any {FORM} "
                   "(instead of --n, --ref and --ref-n; docs/fid.md)")
    p.add_argument("--n", type=count, help="generated images (default 10000)")
    p.add_argument("--ref", choices=REFERENCE_SPLITS, help="reference split (default: test for fashion-mnist, "
                   "train for anime; anime also fit, heldout and seen, docs/fid.md)")
    p.add_argument("--ref-n", type=count, help="use only the first N reference images (named in the metric)")
    p.add_argument("--seed", type=seed_number, default=0, help="seed of the generated images")
    p.add_argument("--real", help="folder or zip of real images (with --fake, instead of a checkpoint)")
    p.add_argument("--fake", help="folder or zip of generated images")
    p.add_argument("--size", type=count, help="image size for --real/--fake (default: the first real image's)")
    p.add_argument("--data", help="dataset location (default: the dataset's standard search)")
    p.add_argument("--batch-size", type=count, default=100)
    p.add_argument("--device", default="cpu", type=device, help="cpu (default), cuda or cuda:N")
    p.add_argument("--threads", type=count)
    p.add_argument("--json", metavar="FILE", help="also write the JSON record to FILE (atomically)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --json FILE")
    p.add_argument("--exports", action="store_true",
                   help="measure each device-state export of RUN_DIR (train --export-every) by the run's "
                   "in-training FID protocol (its --fid-n and sample seed; --n and --seed do not apply), into "
                   "RUN_DIR/export-fids.jsonl")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)
