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
a 2-core CPU trains two runs at a time in about 2 hours (resume across sessions with the same command);
``cpu-w32-10ep``: the ablation recipe of a CPU, the same network for 10 epochs with fid2k-test every 5
epochs, about an hour per run, two at a time:

    python experiments/paper.py --recipe cpu-w32-10ep --out runs/cpu-abl --jobs 2 --threads 1 \
        --results results/cpu-ablation-10ep --only fmnist-hw6-s0 fmnist-float-s0 ...

``cpu-w32-anime``: Anime Face at width 32 for 15 epochs with fid2k-train every 5 epochs (its 20k-image
reference statistics come first, about 75 minutes on two free cores, cached and resumable):

    python experiments/paper.py --recipe cpu-w32-anime --out runs/cpu-anime --jobs 2 --threads 1 \
        --only anime-hw6-s0 anime-float-s0

``cpu-w32-anime-aug``: the same with DiffAugment of the discriminator's inputs (``--augment
color,translation,cutout``, docs/training.md), against the discriminator memorising the 19,969 faces:

    python experiments/paper.py --recipe cpu-w32-anime-aug --out runs/cpu-anime-aug --jobs 2 --threads 1 \
        --only anime-hw6-s0 anime-float-s0

Measurements, by experiments/measure.py, once per run and only of runs that finished training (for
``cpu-w32-10ep``, whose FID is the in-training one of its last epoch, only the ledger and the copies):
fid10k-test (Fashion-MNIST; and fid10k-train for the main runs) or fid10k-train (Anime) with KID, sample
seed 0; the energy ledger of every hardware run; copies of config, metrics and log. All land in
``--results`` (default ``results/<cpu|gpu>-<date>``), which ``experiments/report.py`` turns into
docs/results.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

RECIPES = {
    "gpu-w64": ["--width", "64", "--ema", "0.999", "--fid-every", "10", "--fid-n", "2000"],
    # the shipped generator's recipe (results/cpu-2026-11-28): its run reached step 13,870 in 105 CPU minutes
    "cpu-w32": ["--width", "32", "--ema", "0.999", "--max-steps", "13870", "--fid-every", "10", "--fid-n", "2000"],
    # the ablation recipe of a 2-core CPU: the same network and optimiser, 10 epochs, fid2k-test every 5 epochs;
    # its last in-training FID is the ablation table's FID (a fid10k per configuration would cost 64 CPU minutes)
    "cpu-w32-10ep": ["--width", "32", "--ema", "0.999", "--epochs", "10", "--fid-every", "5", "--fid-n", "2000"],
    # Anime Face on a 2-core CPU: width 32, 15 epochs (2,340 steps; `benchmarks/train_step.py --dataset anime
    # --width 32 --threads 1`: 2.5-2.6 s/step with three processes on the two cores, so ~1.7 s on a free core:
    # about 70 minutes a run), EMA 0.998 so the initial weights weigh < 1 % by the end (0.998^2340), fid2k-train
    # every 5 epochs
    "cpu-w32-anime": ["--width", "32", "--ema", "0.998", "--epochs", "15", "--fid-every", "5", "--fid-n", "2000"],
    "cpu-w32-anime-aug": ["--width", "32", "--ema", "0.998", "--epochs", "15", "--fid-every", "5", "--fid-n", "2000",
                          "--augment", "color,translation,cutout"],
}
IN_TRAINING_FID_ONLY = {"cpu-w32-10ep"}  # recipes measured by their in-training FID: no fid10k afterwards
RUNS: dict[str, list[str]] = {
    "fmnist-hw6-s0": ["--seed", "0"],
    "fmnist-hw6-s1": ["--seed", "1"],
    "fmnist-float-s0": ["--float", "--seed", "0"],
    "fmnist-float-s1": ["--float", "--seed", "1"],
    "fmnist-synapse-only": ["--cmos-activations"],
    "fmnist-dw-only": ["--float-weights"],
    "fmnist-hw6-d2d0.05": ["--d2d", "0.05"],
    "fmnist-hw6-d2d0.10": ["--d2d", "0.1"],
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


def launch(root: Path, name: str, args: argparse.Namespace) -> subprocess.Popen | None:
    """Start a run's training, or continue it as it was configured (its epochs, steps and FID schedule:
    a resumed run is never lengthened by this script's --epochs); None when it already finished."""
    existing = run_folder(root, name)
    if existing and finished(existing):
        return None
    cmd = [sys.executable, "-m", "spindcgan.cli", "train", "--no-progress", "--threads", "1"]
    if args.time_limit:
        cmd += ["--time-limit", str(args.time_limit)]
    if args.device:
        cmd += ["--device", args.device]
    if existing:
        cmd += ["--resume", str(existing)]
    else:  # the recipe's own --epochs, where it has one, comes after (and wins over) the default
        cmd += ["--out", str(root / name), "--epochs", str(args.epochs),
                *(QUICK if args.quick else RECIPES[args.recipe]), *RUNS[name]]
    (root / name).mkdir(parents=True, exist_ok=True)
    log = open(root / name / "train.log", "a")  # noqa: SIM115 - closed when the process ends
    log.write(" ".join(cmd) + "\n")
    log.flush()
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)


MAIN_RUNS = {"fmnist-hw6-s0", "fmnist-hw6-s1", "fmnist-float-s0", "fmnist-float-s1"}


def measured(results: Path, name: str, in_training_only: bool = False) -> bool:
    """The run's record is in the result folder: its fid record, or (a recipe measured by its in-training
    FID) its copied metrics."""
    if in_training_only:
        return (results / "runs" / name / "metrics.jsonl").exists()
    return any(results.glob(f"fid-{name}.json")) or any(results.glob(f"fid-{name}-*.json"))


def finished(run: Path) -> bool:
    """Training reached its end (a time limit did not stop it)."""
    from spindcgan.training.checkpoint import load_checkpoint

    return load_checkpoint(run).get("finished", True)


def measure_all(runs: dict[str, Path], results: Path, args: argparse.Namespace) -> None:
    """experiments/measure.py for each finished, unmeasured run: fid10k against the dataset's reference
    (and, for the main Fashion-MNIST runs, the 60k training set, last: its reference alone takes hours on
    a CPU), the energy ledger, the copies report.py reads."""
    from measure import copy_run, measure_energy, measure_fid

    n, ref_n = (64, 32) if args.quick else (10_000, None)
    in_training_only = args.recipe in IN_TRAINING_FID_ONLY and not args.quick  # the copies carry their FIDs
    todo = {name: run for name, run in runs.items()
            if finished(run) and not measured(results, name, in_training_only)}
    for name, run in todo.items():
        if not in_training_only:
            measure_fid(run, name, results, None, n, args.threads, args.device, ref_n=ref_n)
        measure_energy(run, name, results)
        copy_run(run, name, results)
    for name, run in todo.items() if not in_training_only else ():
        if name in MAIN_RUNS and json.loads((run / "config.json").read_text())["model"]["dataset"] == "fashion-mnist":
            measure_fid(run, name, results, "train", n, args.threads, args.device, ref_n=ref_n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="results/paper")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--recipe", choices=list(RECIPES), default="gpu-w64")
    parser.add_argument("--epochs", type=int, default=30,
                        help="epochs of new runs (cpu-w32 stops at its step count first; the 10ep and anime recipes "
                             "set their own)")
    parser.add_argument("--time-limit", type=float, help="minutes of training per run in this invocation")
    parser.add_argument("--only", nargs="*", help="run names (default: all)")
    parser.add_argument("--jobs", type=int, default=6, help="runs training at the same time (default 6)")
    parser.add_argument("--quick", action="store_true", help="tiny settings: a smoke test of this script")
    parser.add_argument("--skip-train", action="store_true")
    parser.add_argument("--results", help="result folder for report.py (default results/<cpu|gpu>-<date>)")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads of the measurements")
    args = parser.parse_args()
    args.results = args.results or f"results/{'gpu' if args.device.startswith('cuda') else 'cpu'}-{date.today()}"
    root = Path(args.out)
    names = args.only or list(RUNS)
    start = time.time()

    # the in-training FID's reference statistics first, once, so the parallel runs find them cached
    from spindcgan.metrics.fid import cached_statistics, reference_pixels

    for dataset, split in [("fashion-mnist", "test"), ("anime", "train")]:
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
                if (proc := launch(root, name, args)) is not None:
                    running[name] = proc
            time.sleep(1)
            for name, proc in list(running.items()):
                if proc.poll() is not None:
                    print(f"[{time.time() - start:6.0f}s] {name}: training exited {proc.returncode}", flush=True)
                    del running[name]

    measure_all({name: run for name in names if (run := run_folder(root, name))}, Path(args.results), args)
    print(f"done in {time.time() - start:.0f}s", flush=True)


if __name__ == "__main__":
    main()
