"""Reproduce the paper's experiments: train every run, then measure FID/KID and energy for each.

    python experiments/paper.py --out results/paper --device cuda [--time-limit 4.5] [--quick]
    python experiments/paper.py --recipe cpu-w32 --out runs/cpu-w32 --jobs 2 --time-limit 110 --only NAME ...

Runs (each a ``spindcgan train`` with the recipe below; a run folder that already has a checkpoint is
resumed, so the whole study can continue across sessions or machines):

- Fashion-MNIST, 6-bit skyrmion crossbars + DW activations (the paper's setting), seeds 0 and 1;
- its float baseline, seeds 0 and 1;
- ablations: 6-bit synapses only (CMOS activations), DW activations only (float weights),
  device-to-device variation sigma 0.05 and 0.1, synapse bits 4, 5, 8;
- Anime Face 64x64, 6-bit hardware and float.

Recipes: DCGAN (Adam 2e-4, betas (0.5, 0.999), batch 128, BCE, N(0, 0.02) init) plus an EMA of the
generator weights (decay 0.999), evaluated after quantisation; ``gpu-w64`` (default): width 64, 30
epochs; ``cpu-w32``: width 32 and 13,870 steps (29.6 epochs), the recipe of the shipped generator, which
a 2-core CPU trains two runs at a time in about 2 hours (resume across sessions with the same command).
Measurements, once per run and only of runs that finished training: fid10k-test and fid10k-train
(Fashion-MNIST), fid10k-train (Anime) with KID, sample seed 0; the energy ledger (zero-padded and
zero-free) of every hardware run. Everything is written into each run's folder;
``experiments/report.py`` turns the folders into docs/results.md.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

RECIPES = {
    "gpu-w64": ["--width", "64", "--ema", "0.999", "--fid-every", "10", "--fid-n", "2000"],
    # the shipped generator's recipe (results/cpu-2026-11-28): its run reached step 13,870 in 105 CPU minutes
    "cpu-w32": ["--width", "32", "--ema", "0.999", "--max-steps", "13870", "--fid-every", "10", "--fid-n", "2000"],
}
RUNS: dict[str, list[str]] = {
    "fmnist-hw6-s0": ["--seed", "0"],
    "fmnist-hw6-s1": ["--seed", "1"],
    "fmnist-float-s0": ["--float", "--seed", "0"],
    "fmnist-float-s1": ["--float", "--seed", "1"],
    "fmnist-synapse-only": ["--cmos-activations"],
    "fmnist-dw-only": ["--float-weights"],
    "fmnist-hw6-d2d0.05": ["--d2d-sigma", "0.05"],
    "fmnist-hw6-d2d0.10": ["--d2d-sigma", "0.1"],
    "fmnist-bits4": ["--bits", "4"],
    "fmnist-bits5": ["--bits", "5"],
    "fmnist-bits8": ["--bits", "8"],
    "anime-hw6-s0": ["--dataset", "anime", "--seed", "0"],
    "anime-float-s0": ["--dataset", "anime", "--float", "--seed", "0"],
}
QUICK = ["--width", "4", "--limit", "256", "--batch-size", "32", "--fid-every", "1", "--fid-n", "16",
         "--fid-ref-n", "32"]


def run_folder(root: Path, name: str) -> Path | None:
    """The run folder of a named run (``root/<name>/00000-...``), if it was started."""
    found = sorted(p for p in (root / name).glob("0*") if (p / "checkpoint.pt").exists())
    return found[-1] if found else None


def launch(root: Path, name: str, args: argparse.Namespace) -> subprocess.Popen:
    existing = run_folder(root, name)
    cmd = [sys.executable, "-m", "spindcgan.cli", "train", "--no-progress", "--threads", "1",
           "--epochs", str(args.epochs)]
    if args.time_limit:
        cmd += ["--time-limit", str(args.time_limit)]
    if args.device:
        cmd += ["--device", args.device]
    if existing:
        cmd += ["--resume", str(existing)]
    else:
        cmd += ["--out", str(root / name), *(QUICK if args.quick else RECIPES[args.recipe]),
                *RUNS[name]]
    (root / name).mkdir(parents=True, exist_ok=True)
    log = open(root / name / "train.log", "a")  # noqa: SIM115 - closed when the process ends
    log.write(" ".join(cmd) + "\n")
    log.flush()
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)


MAIN_RUNS = {"fmnist-hw6-s0", "fmnist-hw6-s1", "fmnist-float-s0", "fmnist-float-s1"}


def to_measure(run: Path) -> bool:
    """A run is measured once, after its training finished (not when a time limit stopped it)."""
    import torch

    state = torch.load(run / "checkpoint.pt", map_location="cpu", weights_only=False)
    return state.get("finished", True) and not (run / "energy.json").exists() and not list(run.glob("final-*.json"))


def final_fid(run: Path, device: str, quick: bool, against_train: bool = True) -> list[dict]:
    from spindcgan.metrics.fid import generator_fid
    from spindcgan.training.checkpoint import load_generator

    generator, config = load_generator(run, device)
    dataset = config.model.dataset
    splits = (["test", "train"] if against_train else ["test"]) if dataset == "fashion-mnist" else ["train"]
    n, ref_n = (64, 32) if quick else (10_000, None)
    records = []
    for split in splits:
        record = generator_fid(generator, dataset, n, split, seed=0, ref_n=ref_n, device=device, progress=False)
        records.append({**record, "run": run.name})
    return records


def energy(run: str) -> dict:
    """Ledgers of a trained hardware run (CPU), both mappings."""
    import torch

    from spindcgan.energy.report import model_ledger
    from spindcgan.models import Discriminator, Generator
    from spindcgan.training.checkpoint import load_checkpoint
    from spindcgan.training.config import RunConfig

    torch.set_num_threads(2)
    state = load_checkpoint(run)
    config = RunConfig.from_dict(state["config"])
    if config.hardware is None or config.hardware.synapse is None:
        return {}
    g, d = Generator(config.model, config.hardware), Discriminator(config.model, config.hardware)
    g.load_state_dict(state.get("generator_ema", state["generator"]))
    d.load_state_dict(state["discriminator"])
    return {m: model_ledger(config, g, d, m, True, 64, Path(run)).to_dict() for m in ("zero-padded", "zero-free")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="results/paper")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--recipe", choices=list(RECIPES), default="gpu-w64")
    parser.add_argument("--epochs", type=int, default=30, help="epochs (cpu-w32 stops at its step count first)")
    parser.add_argument("--time-limit", type=float, help="minutes of training per run in this invocation")
    parser.add_argument("--only", nargs="*", help="run names (default: all)")
    parser.add_argument("--jobs", type=int, default=6, help="runs training at the same time (default 6)")
    parser.add_argument("--quick", action="store_true", help="tiny settings: a smoke test of this script")
    parser.add_argument("--skip-train", action="store_true")
    args = parser.parse_args()
    root = Path(args.out)
    names = args.only or list(RUNS)
    start = time.time()

    # reference statistics first, once, so the parallel runs find them cached
    from spindcgan.metrics.fid import cached_statistics, reference_pixels

    refs = [("fashion-mnist", "test"), ("fashion-mnist", "train"), ("anime", "train")]
    for dataset, split in refs:
        if not any(RUNS[n][:2] == ["--dataset", "anime"] for n in names) and dataset == "anime":
            continue
        pixels = reference_pixels(dataset, split, None, 32 if args.quick else None)
        cached_statistics(pixels, f"{dataset}-{split}", args.device, progress=False)
        print(f"[{time.time() - start:6.0f}s] reference statistics {dataset} {split}: {len(pixels)} images", flush=True)

    if not args.skip_train:  # at most --jobs runs share the device at a time
        queue, running = list(names), {}
        while queue or running:
            while queue and len(running) < args.jobs:
                name = queue.pop(0)
                running[name] = launch(root, name, args)
            time.sleep(1)
            for name, proc in list(running.items()):
                if proc.poll() is not None:
                    print(f"[{time.time() - start:6.0f}s] {name}: training exited {proc.returncode}", flush=True)
                    del running[name]

    runs = {name: run for name in names if (run := run_folder(root, name)) and to_measure(run)}
    spawn = multiprocessing.get_context("spawn")  # forking a process that holds OpenMP threads can hang
    with ProcessPoolExecutor(max_workers=min(8, os.cpu_count() or 2), mp_context=spawn) as pool:
        ledgers = {name: pool.submit(energy, str(run)) for name, run in runs.items()}
        for name, run in runs.items():
            for record in final_fid(run, args.device, args.quick, name in MAIN_RUNS):
                path = run / f"final-{record['metric']}.json"
                path.write_text(json.dumps(record, indent=2) + "\n")
                print(f"[{time.time() - start:6.0f}s] {name}: {record['metric']} = {record['fid']:.2f}", flush=True)
        for name, future in ledgers.items():
            result = future.result()
            if result:
                (runs[name] / "energy.json").write_text(json.dumps(result, indent=1) + "\n")
                inference = result["zero-padded"]["inference"]["total"]
                print(f"[{time.time() - start:6.0f}s] {name}: energy written ({inference * 1e9:.1f} nJ/image "
                      "inference, with peripherals)", flush=True)
    print(f"done in {time.time() - start:.0f}s", flush=True)


if __name__ == "__main__":
    main()
