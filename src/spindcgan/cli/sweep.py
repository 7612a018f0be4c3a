"""``spindcgan sweep``: FID and energy of a trained generator over a grid of hardware settings (``api.sweep``)."""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from .. import api
from ..energy.area import AreaConfig
from ..sweep import GRID_NAMES, PAPER_FID, PLOT_NAME, TABLE_NAME, cheapest_within
from .options import REFERENCE_SPLITS, count, device, finite, seed_number


def run(args: argparse.Namespace) -> None:
    if args.threads:
        torch.set_num_threads(args.threads)
    rows, config = api.sweep(args.grid, args.out, args.generator, args.n, args.seed, args.ref, args.data, args.ref_n,
                             args.draws, args.device, not args.no_progress, measure=not args.report_only,
                             time_limit_s=None if args.time_limit is None else args.time_limit * 60)
    grid = [k for k in rows[0] if k in GRID_NAMES]  # the point's names, as the sweep read them
    node = "each point's node" if "node" in grid else f"{AreaConfig().node_nm:g} nm"
    print(f"{len(rows)} points of {config.model.dataset} ({rows[0]['metric']}, seed {args.seed}; energy per generated "
          f"image with peripherals; chip area at {node}): {Path(args.out) / TABLE_NAME}, {Path(args.out) / PLOT_NAME}")
    for row in rows:
        point = " ".join(f"{k}={row[k]}" for k in grid)
        print(f"  {point:<40} FID {row['fid']:7.2f} +- {row['fid_std']:5.2f}  {row['energy_j'] * 1e9:9.3f} nJ  "
              f"{row['area_mm2']:8.3f} mm^2" + ("  (Pareto)" if row["pareto"] else ""))
    limit = PAPER_FID[config.model.dataset]
    best = cheapest_within(rows, limit)
    print(f"cheapest point with FID <= {limit}: " + (" ".join(f"{k}={best[k]}" for k in grid) + f", "
          f"{best['energy_j'] * 1e9:.3f} nJ" if best else "none"))


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sweep", help="FID and energy of a trained generator over a grid of hardware settings, "
                       "resumable, with a Pareto plot (docs/sweeps.md)")
    p.add_argument("generator", nargs="?", metavar="CHECKPOINT|RUN_DIR|EXPORT",
                   help="the trained generator (default: the shipped Fashion-MNIST one)")
    p.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2,...",
                   help=f"a grid term, repeatable; NAME is a hardware setting or one of the area model's: "
                        f"{', '.join(GRID_NAMES)} (docs/cli.md, hardware settings; docs/area.md)")
    p.add_argument("--n", type=count, default=2000, help="generated images per FID (default 2000)")
    p.add_argument("--draws", type=count, default=1, help="draws of variation and faults per point (hardware seeds "
                   "seed .. seed + draws - 1; default 1)")
    p.add_argument("--seed", type=seed_number, default=0, help="seed of the generated images")
    p.add_argument("--ref", choices=REFERENCE_SPLITS, help="reference split (default: the dataset's)")
    p.add_argument("--ref-n", type=count, help="use only the first N reference images")
    p.add_argument("--data", help="dataset location (default: the dataset's standard search)")
    p.add_argument("--out", required=True, help="sweep folder: points.jsonl, sweep.csv, pareto.png; a rerun "
                   "continues it")
    p.add_argument("--device", default="cpu", type=device, help="cpu (default), cuda or cuda:N")
    p.add_argument("--threads", type=count)
    p.add_argument("--time-limit", type=finite, metavar="MIN", help="start no point that would end past MIN "
                   "minutes (by the longest point so far); a rerun continues")
    p.add_argument("--report-only", action="store_true", help="measure nothing: write the table, costs and plot of "
                   "the points measured so far (an interrupted sweep)")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)
