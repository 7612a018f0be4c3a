"""The Anime Face runs at the paper's width 64 on a lent GPU, in one call of at most 10 minutes, as executed.

The hardware run (6-bit skyrmion synapses + DW activations) and its float baseline train side by side with the
recipe of ``results/cpu-anime-decay100-w32`` (DiffAugment, EMA 0.998, seed 0, a linear learning-rate decay over
the last quarter of the run) at width 64 instead of 32. Whatever the machine's speed, both must end before the
call does, so the number of epochs is chosen from a timing made first: two short runs per configuration (the
CLI's own ``train``, in this process), whose step-count difference gives seconds per step; the two runs are then
assumed to share the GPU with no overlap at all (the cautious case). At most ``--max-epochs``. ``--batch-size``
changes the images per step and, with it, the EMA decay, so that the EMA still averages 64,000 images.

No FID is measured on that machine: the Inception file (95 MB) does not fit the call's 64 MiB transfer beside
the data. Instead a hardware run saves its evaluated generator's device states every ``--export-every`` epochs
(``spindcgan train --export-every``), from which the FID curve is measured afterwards. The runs come back as slim
checkpoints (``training.checkpoint.slim_checkpoint``: no optimiser state; the float run keeps only its EMA
generator) and those exports, in an xz-compressed tar split into parts of at most 15 MiB, and are measured here
on the CPU (``experiments/measure.py``). Usage there, with the zip compressed here by ``xz -9e`` into a
git-ignored folder that ``carry`` names:

    PYTHONPATH=src python3 experiments/gpu_anime.py --xz .gpudata/anime-faces-64.zip.xz --sha256 HEX \
        --deadline 560 --out "$OUT"

Back here: ``cat parts/anime-w64.tar.xz.part* | xz -d | tar x -C runs``. The compressed zip is 58 MB, so the
call's working tree must be small: ``results/gpu-anime-w64/NOTES.md`` gives the temporary branch that keeps
only the code.
"""

from __future__ import annotations

import argparse
import hashlib
import lzma
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECIPE = ["--dataset", "anime", "--augment", "color,translation,cutout", "--seed", "0", "--threads", "4",
          "--no-progress"]
EMA_IMAGES = 64_000  # the recipe's generator EMA, 0.998 at batch 128, by the images it averages over
RUNS = {"anime-w64-hw6-gpu": [], "anime-w64-float-gpu": ["--float"]}
FLOAT_DROPS = ("opt_g", "opt_d", "generator", "discriminator")  # the float copy keeps its EMA: all its FID needs
PART_BYTES = 15 * 2**20
RETURN_BYTES = 60 * 2**20  # what comes back from a call: 64 MiB at most, in at most 8 files


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def unpack_data(xz: Path, sha256: str) -> Path:
    """The anime zip where the loader looks first (``shared/data`` in the checkout), byte-identical to ours."""
    target = ROOT / "shared" / "data" / "anime-faces-64.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with lzma.open(xz) as src, target.open("wb") as dst:
        while chunk := src.read(1 << 22):  # hashed as written: the 73 MB are not read back
            digest.update(chunk)
            dst.write(chunk)
    found = digest.hexdigest()
    if found != sha256:
        raise SystemExit(f"{target}: sha256 {found}, expected {sha256}: the transfer changed the data")
    log(f"data: {target} ({target.stat().st_size / 1e6:.1f} MB), sha256 matches")
    return target


def ema_decay(batch_size: int) -> float:
    """The generator-EMA decay per step that averages over ``EMA_IMAGES`` images at ``batch_size``."""
    if not 0 < batch_size < EMA_IMAGES:
        raise SystemExit(f"--batch-size: {batch_size} is not between 1 and {EMA_IMAGES - 1}")
    return 1 - batch_size / EMA_IMAGES


def seconds_per_step(recipe: list[str], extra: list[str]) -> float:
    """Seconds per training step of a configuration, from two short runs of the CLI (start-up cancels out),
    after a 2-step run that pays the one-off costs (data decoding into the cache, CUDA and cuDNN set-up)."""
    from spindcgan.cli import main

    times = []
    for steps in (2, 20, 60):
        started = time.time()
        if main(["train", *recipe, *extra, "--max-steps", str(steps), "--out", "/tmp/calibration"]) != 0:
            raise SystemExit(f"calibration run {extra} failed")
        times.append(time.time() - started)
    difference = (times[2] - times[1]) / 40
    return difference if difference > 0 else times[2] / 60  # a noisy difference: the whole run, an upper bound


def choose_epochs(budget_s: float, per_step: list[float], max_epochs: int, steps_per_epoch: int) -> int:
    """Epochs that fit ``budget_s`` if the runs' steps never overlap on the GPU (sum of their step times)."""
    per_epoch = steps_per_epoch * sum(per_step) + 2.0  # + each run's checkpoint and sample grid per epoch
    return max(1, min(max_epochs, int(budget_s // per_epoch)))


def train_side_by_side(recipe: list[str], runs: dict[str, list[str]], epochs: int, time_limit_s: float,
                       export_every: int) -> dict[str, Path]:
    """The runs at once, each in its own process and folder (``runs/<name>/train.log`` holds its command)."""
    decay = ["--lr-decay-start", str(round(0.76 * epochs))] if epochs >= 4 else []
    procs = {}
    for name, extra in runs.items():
        folder = ROOT / "runs" / name
        folder.mkdir(parents=True, exist_ok=True)
        exports = ["--export-every", str(export_every)] if export_every and "--float" not in extra else []
        args = [*recipe, *extra, "--epochs", str(epochs), *decay, "--fid-every", "0", *exports,
                "--time-limit", f"{time_limit_s / 60:.2f}", "--out", f"runs/{name}"]
        logfile = (folder / "train.log").open("w")
        logfile.write("$ spindcgan train " + " ".join(args) + "\n")
        logfile.flush()
        procs[name] = (subprocess.Popen([sys.executable, "-m", "spindcgan.cli", "train", *args], cwd=ROOT,
                                        stdout=logfile, stderr=subprocess.STDOUT), logfile)
    last_report = time.time()
    while any(p.poll() is None for p, _ in procs.values()):
        time.sleep(2)
        if time.time() - last_report < 30:
            continue
        last_report = time.time()
        for name in procs:
            ends = list((ROOT / "runs" / name).glob("0*/metrics.jsonl"))
            last = ends[0].read_text().splitlines()[-1:] if ends else []
            log(f"{name}: {last[0][:160] if last else 'starting'}")
    for name, (proc, logfile) in procs.items():
        logfile.close()
        log(f"{name}: exit {proc.returncode}")
    return {name: next((ROOT / "runs" / name).glob("0*")) for name in procs}


def packed(run_dirs: dict[str, Path], epochs: int, with_exports: bool) -> bytes:
    """Slim checkpoints, a few sample grids, logs, metrics and (``with_exports``) device-state exports: one
    xz-compressed tar (the exports' 6-bit states in bytes shrink to about half, float weights hardly)."""
    keep_grids = {f"epoch-{e:03d}.png" for e in (epochs // 4, epochs // 2, 3 * epochs // 4, epochs)}
    tar_path = Path("/tmp/anime-w64.tar.xz")
    with tarfile.open(tar_path, "w:xz", preset=1) as tar:
        for name, run_dir in run_dirs.items():
            tar.add(run_dir.parent / "train.log", f"{name}/train.log")
            for path in sorted(run_dir.rglob("*")):
                wanted = {"samples": path.name in keep_grids, "exports": with_exports}.get(path.parent.name, True)
                if path.is_file() and wanted:
                    tar.add(path, f"{name}/{run_dir.name}/{path.relative_to(run_dir)}")
    return tar_path.read_bytes()


def pack(run_dirs: dict[str, Path], out: Path, epochs: int) -> None:
    """The runs in parts that come back; without the exports if they would not all fit."""
    from spindcgan.training.checkpoint import CHECKPOINT_NAME, OPTIMISER_KEYS, slim_checkpoint

    for name, run_dir in run_dirs.items():
        full = run_dir / CHECKPOINT_NAME
        slim_checkpoint(full, run_dir / "slim.pt", FLOAT_DROPS if "float" in name else OPTIMISER_KEYS).replace(full)
    data = packed(run_dirs, epochs, with_exports=True)
    if len(data) > RETURN_BYTES:
        log(f"tar with exports: {len(data) / 2**20:.1f} MiB, over {RETURN_BYTES / 2**20:.0f}: packed without them")
        data = packed(run_dirs, epochs, with_exports=False)
    log(f"tar.xz: {len(data) / 2**20:.1f} MiB")
    for i in range(0, len(data), PART_BYTES):
        (out / f"anime-w64.tar.xz.part{i // PART_BYTES:02d}").write_bytes(data[i : i + PART_BYTES])


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--xz", type=Path, required=True)
    parser.add_argument("--sha256", required=True)
    parser.add_argument("--deadline", type=float, default=560, help="seconds from start by which all is packed")
    parser.add_argument("--max-epochs", type=int, default=100)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--width", type=int, default=64, help="DCGAN width (a smaller one for a dry run on a CPU)")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--runs", nargs="+", choices=list(RUNS), default=list(RUNS))
    parser.add_argument("--epochs", type=int, help="train this many epochs (no timing first), within the deadline")
    parser.add_argument("--export-every", type=int, default=25,
                        help="a hardware run's device-state exports every K epochs, for its FID curve (0: none)")
    parser.add_argument("--tag", default="", help="appended to the run folders' names (a second call's runs)")
    parser.add_argument("--d-norm", choices=["batch", "spectral"], default="batch",
                        help="the discriminator's normalisation (spindcgan train --d-norm)")
    parser.add_argument("--lr-d", type=float, help="the discriminator's learning rate (spindcgan train --lr-d)")
    parser.add_argument("--batch-size", type=int, default=128,
                        help="images per step; the EMA decay follows, 1 - B / 64000, to average the same images")
    args = parser.parse_args()
    runs = {name + args.tag: RUNS[name] for name in args.runs}
    recipe = [*RECIPE, "--width", str(args.width), "--device", args.device, "--d-norm", args.d_norm,
              "--batch-size", str(args.batch_size), "--ema", str(ema_decay(args.batch_size)),
              *(["--lr-d", str(args.lr_d)] if args.lr_d is not None else [])]
    started = time.time()
    import torch

    from spindcgan.data.images import list_entries
    from spindcgan.training.config import TrainConfig
    from spindcgan.training.loop import steps_per_epoch_of

    log(f"torch {torch.__version__}, {torch.cuda.get_device_name(0) if args.device == 'cuda' else args.device}")
    data = unpack_data(args.xz, args.sha256)
    steps_per_epoch = steps_per_epoch_of(TrainConfig(batch_size=args.batch_size), len(list_entries(data)))
    if args.epochs is None:
        per_step = [seconds_per_step(recipe, extra) for extra in runs.values()]
        log("seconds per step alone: " + ", ".join(f"{n} {s:.4f}" for n, s in zip(runs, per_step, strict=True)))
    budget = args.deadline - (time.time() - started) - 45  # packing and the runs' start-up
    epochs = args.epochs or choose_epochs(budget - 20, per_step, args.max_epochs, steps_per_epoch)
    log(f"training budget {budget:.0f} s: {epochs} epochs")
    run_dirs = train_side_by_side(recipe, runs, epochs, budget, args.export_every)
    pack(run_dirs, args.out, epochs)
    log(f"done in {time.time() - started:.0f} s")


if __name__ == "__main__":
    run()
