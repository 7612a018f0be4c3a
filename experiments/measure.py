"""Measure a trained run as users would (and optionally ship it), recording everything report.py needs.

    python experiments/measure.py RUN_DIR --name fmnist-hw6-w32-s1 --results results/cpu-2026-11-29 \
        [--ship | --shipped] [--asset FILE] [--file FILE] [--fid-only] [--n 10000] [--ref test] [--ref-n N]
        [--threads 2]

1. with ``--ship``: ``spindcgan export`` of the run's evaluated generator (its EMA) as uint8 device states +
   scales, written into the package (the file ``spindcgan generate`` uses by default); the measured file is
   then that export. With ``--shipped``: the export already in the package, as it is (an export is not
   byte-identical twice, so a shipped file is measured, not re-made). With ``--file``: that exported file (for
   instance ``spindcgan export --standing-statistics`` of the shipped one), copied into the package first with
   ``--ship``. Otherwise the run folder itself (same generator: the export round-trips exactly);
2. FID/KID by ``spindcgan fid FILE --n 10000`` itself (10k generated, sample seed 0, against ``--ref``:
   default the dataset's, the 10k Fashion-MNIST test images or the anime training set; the first ``--ref-n`` of
   them; the anime held-out check is ``--ref heldout`` beside ``--ref seen``, 2,000 faces each);
3. the energy ledger of a hardware run by ``spindcgan energy RUN_DIR`` (its trained weights, its logged
   synapse writes) into ``<results>/energy-<name>/``;
4. the record ``<results>/fid-<name>[-standing][-<ref>[<ref-n>]].json`` (command, commit, the measured file's
   hash, where its BatchNorm statistics come from) and a copy of the run's config, metrics and log under
   ``<results>/runs/<name>/``, which ``experiments/report.py`` turns into docs/results.md. ``--no-fid`` redoes
   steps 3-4 only; ``--fid-only`` skips them (a file measured under the name of a run already recorded, whose
   run folder may be gone); ``--copy-only`` makes the copies alone, its checkpoint included (a run still training: the
   report shows the curve it has reached, nothing is measured of weights it will train on from, and ``cp -r
   <results>/runs/<name> runs/NEW`` then ``spindcgan train --resume runs/NEW`` continues it bit for bit; the
   checkpoint is git-ignored, too large to commit, and goes once the finished run is measured).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from pathlib import Path

import torch
from provenance import command, commit, shown, tracked

from spindcgan import api
from spindcgan.api import SHIPPED_MODELS
from spindcgan.cli.options import REFERENCE_SPLITS, count
from spindcgan.config import RunConfig
from spindcgan.data.registry import check_split
from spindcgan.errors import SpinDCGANError
from spindcgan.export import is_exported
from spindcgan.io import atomic_write, save_json, save_jsonl
from spindcgan.loading import provenance_of
from spindcgan.metrics.fid import count_name
from spindcgan.reports.hardware import describe_hardware
from spindcgan.training.checkpoint import CHECKPOINT_NAME
from spindcgan.training.export_fids import EXPORT_FIDS_NAME
from spindcgan.training.loop import ENVIRONMENT_NAME, checkpointed_metrics

ROOT = Path(__file__).resolve().parents[1]


def ship(run_dir: Path, asset: Path) -> Path:
    """Export the run's evaluated generator into the package (uint8 device states + scales) by `spindcgan export`
    itself, so the shipped file is what a user's export of the run would be (its step included)."""
    return api.export(run_dir, asset)


def ship_file(exported: Path, asset: Path) -> Path:
    """Copy an exported generator file into the package, byte for byte (its hash stays the measured file's)."""
    if not is_exported(torch.load(exported, map_location="cpu", weights_only=False)):
        raise SystemExit(f"{exported}: not a spindcgan device-state file")
    atomic_write(asset, lambda tmp: shutil.copyfile(exported, tmp))
    print(f"shipped {exported} -> {asset} ({asset.stat().st_size / 1e6:.2f} MB)")
    return asset


def retire_shipped(asset: Path, new_record: Path) -> None:
    """Mark the records of the file the package shipped before at ``asset`` as no longer shipped (they keep their
    number, measured on that file, which stays in the path's git history), naming the record that replaced it."""
    for path in sorted((ROOT / "results").rglob("fid-*.json")):
        record = json.loads(path.read_text())
        if path.resolve() != new_record.resolve() and record.get("shipped") and record.get("checkpoint") == shown(
                asset):
            save_json({**record, "shipped": False, "superseded_by": shown(new_record)}, path)
            print(f"{shown(path)}: no longer the shipped file's record (superseded by {shown(new_record)})")


def reproduce(measured: Path, fid_args: list[str], run_dir: Path | None = None) -> str:
    """The commands that measure this file again: ``spindcgan fid``, preceded by the ``spindcgan export`` that
    makes the file when it is an export the repository does not hold (one in an ignored ``runs/`` folder) and
    ``run_dir``'s checkpoint still holds the weights it was exported from (the same training step)."""
    fid = " ".join(["spindcgan", "fid", shown(measured), *fid_args])
    if run_dir is None or not measured.is_file() or tracked(measured) or not is_exported(
            torch.load(measured, map_location="cpu", weights_only=False)):
        return fid
    try:
        source = provenance_of(run_dir)
    except SpinDCGANError:  # a copied run folder (results/.../runs/NAME) keeps no checkpoint
        return fid
    exported = provenance_of(measured)
    if source["step"] is None or source["step"] != exported["step"]:  # the run has trained on since
        return fid
    standing = ["--standing-statistics"] if exported["batchnorm_statistics"] == "standing" else []
    return " ".join(["spindcgan", "export", shown(run_dir), *standing, "--out", shown(measured), "&&", fid])


def measure_fid(measured: Path, name: str, results: Path, ref: str | None = None, n: int = 10_000,
                threads: int = 2, device: str = "cpu", shipped: bool = False, ref_n: int | None = None,
                run_dir: Path | None = None) -> Path:
    """fid10k of a run folder or exported file by the command a user would run (`spindcgan fid FILE --n N`),
    recorded with its provenance in ``<results>/fid-<name>[-standing][-<ref>[<ref-n>]].json``; ``run_dir``: the run an
    exported ``measured`` file was exported from, named in the record's ``reproduce``."""
    bn = provenance_of(measured)["batchnorm_statistics"]  # also in spindcgan fid's record; names the file here
    protocol = (ref or "") + (count_name(ref_n) if ref_n else "")  # the reference, as the metric names it
    standing = "-standing" if bn == "standing" else ""
    record_path = results / f"fid-{name}{standing}{'-' + protocol if protocol else ''}.json"
    ref_args = (["--ref", ref] if ref else []) + (["--ref-n", str(ref_n)] if ref_n else [])
    torch.set_num_threads(threads)
    record = api.fid(measured, n=n, split=ref, ref_n=ref_n, device=device)
    record |= {
        "run": name,
        "checkpoint": shown(measured),
        "shipped": shipped,
        **({"asset_sha256": hashlib.sha256(measured.read_bytes()).hexdigest()} if measured.is_file() else {}),
        "command": command(),
        "reproduce": reproduce(measured, ["--n", str(n), *ref_args], run_dir),
        "commit": commit(),
    }
    out = save_json(record, record_path)
    print(f"{name}: {record['metric']} = {record['fid']:.3f} (KID {record['kid']:.5f}); wrote {out}", flush=True)
    return out


def measure_energy(run_dir: Path, name: str, results: Path) -> None:
    """The ledger of a run with synapse crossbars (its weights, its logged synapse writes) into
    ``<results>/energy-<name>/``; float runs, DW-only runs (float weights) and runs trained against a float
    discriminator have none."""
    hardware = RunConfig.load(run_dir / "config.json").hardware
    if hardware is None or hardware.synapse is None or not hardware.discriminator_on_hardware:
        return  # a float discriminator: the ledger's training figures would not be this run's
    ledger, config = api.energy(checkpoint=run_dir)  # what `spindcgan energy RUN_DIR` writes, without its plot
    save_json({"dataset": config.model.dataset, "checkpoint": str(run_dir), "hardware": describe_hardware(hardware),
               **ledger.to_dict()}, results / f"energy-{name}" / f"energy-{config.model.dataset}-zero-padded.json")


def copy_run(run_dir: Path, name: str, results: Path, resumable: bool = False) -> None:
    """The run's config, environments, metrics up to its checkpoint, the FIDs measured from its exports and training
    log, for report.py (not its sample grids, which stay in the run folder, nor its exports: 7.2 MB each at width
    64); with
    ``resumable``, its checkpoint too, which makes the copy a run folder that ``spindcgan train --resume``
    continues (git-ignored: it moves a run by hand, not through a commit). A copy of a finished run holds no
    checkpoint: the one a copy of it still training kept is removed."""
    run_copy = results / "runs" / name
    run_copy.mkdir(parents=True, exist_ok=True)
    kept = run_copy / CHECKPOINT_NAME
    if resumable:
        atomic_write(kept, lambda tmp: shutil.copyfile(run_dir / CHECKPOINT_NAME, tmp))
    else:
        kept.unlink(missing_ok=True)
    shutil.copy2(run_dir / "config.json", run_copy / "config.json")
    for optional in (ENVIRONMENT_NAME, EXPORT_FIDS_NAME):  # runs from before session 15 have no environment
        if (run_dir / optional).exists():
            shutil.copy2(run_dir / optional, run_copy / optional)
    save_jsonl(checkpointed_metrics(run_dir), run_copy / "metrics.jsonl")
    for log in (run_dir.parent / "train.log", run_dir.parent.with_suffix(".log")):  # paper.py's, or a nohup log
        if log.exists():
            shutil.copy2(log, run_copy / "train.log")


def measure() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("run_dir", type=Path)
    p.add_argument("--name", required=True)
    p.add_argument("--results", type=Path, required=True)
    p.add_argument("--ship", action="store_true", help="export into the package and measure the export")
    p.add_argument("--shipped", action="store_true", help="measure the already shipped export (no new export)")
    p.add_argument("--asset", type=Path, help="default: the package's shipped generator of the run's dataset")
    p.add_argument("--file", type=Path, help="measure this exported generator file (with --ship: ship it first)")
    p.add_argument("--fid-only", action="store_true", help="no energy ledger, no copies of the run folder")
    p.add_argument("--ref", choices=REFERENCE_SPLITS, help="reference split (default: the dataset's; anime also "
                   "fit, and heldout and seen for the held-out check)")
    p.add_argument("--ref-n", type=count, help="only the first N reference images")
    p.add_argument("--n", type=int, default=10000)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--no-fid", action="store_true", help="keep the FID record; redo the energy and the copies")
    p.add_argument("--copy-only", action="store_true",
                   help="only copy the run's config, metrics, log and checkpoint (a run still "
                   "training, to resume from the copy in a later session)")
    args = p.parse_args()
    if args.ship and args.shipped:
        p.error("--ship makes a new export, --shipped measures the existing one: give one of them")
    if args.file and args.shipped:
        p.error("--file measures that file, --shipped the package's: give one of them")
    if args.fid_only and args.no_fid:
        p.error("--fid-only and --no-fid leave nothing to do")
    if args.copy_only and (args.fid_only or args.no_fid):
        p.error("--copy-only makes the copies alone: give it without --fid-only or --no-fid")
    if args.copy_only and (args.ship or args.shipped or args.file):
        p.error("--copy-only measures nothing, so it ships nothing and reads no --file")
    torch.set_num_threads(args.threads)
    if args.copy_only:
        copy_run(args.run_dir, args.name, args.results, resumable=True)
        return
    measured = args.file or args.run_dir
    dataset = RunConfig.load(args.run_dir / "config.json").model.dataset
    try:  # before anything is shipped
        if args.ref:
            check_split(dataset, args.ref)
    except SpinDCGANError as error:
        p.error(f"--ref: {error}")
    asset = args.asset or SHIPPED_MODELS[dataset]
    if args.ship and args.file:
        measured = ship_file(args.file, asset)
    elif args.ship:
        measured = ship(args.run_dir, asset)
    elif args.shipped:
        measured = asset
    if not args.no_fid:
        record = measure_fid(measured, args.name, args.results, args.ref, args.n, args.threads,
                             shipped=args.ship or args.shipped, ref_n=args.ref_n, run_dir=args.run_dir)
        if args.ship:
            retire_shipped(asset, record)
    if not args.fid_only:
        measure_energy(args.run_dir, args.name, args.results)
        copy_run(args.run_dir, args.name, args.results)


if __name__ == "__main__":
    try:
        measure()
    except SpinDCGANError as error:  # bad input: one line, as the spindcgan verbs say it
        raise SystemExit(f"measure.py: {error}") from None
