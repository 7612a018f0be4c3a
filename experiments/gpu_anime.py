"""The Anime Face runs at the paper's width 64 on a lent GPU, in one call of at most 10 minutes, as executed.

The hardware run (6-bit skyrmion synapses + DW activations) and its float baseline train side by side with the
recipe of ``results/cpu-anime-decay100-w32`` (DiffAugment, EMA 0.998, seed 0, a linear learning-rate decay over
the last quarter of the run) at width 64 instead of 32, in bf16 mixed precision (``--precision``; fp32 in calls
before session 25). The call first times the steps (``benchmarks/train_step.py --device cuda``: fp32 before,
bf16 and channels-last after), then sizes the runs to end inside the call: both start together with no
learning-rate decay and stop at a short time limit (``--calibrate`` seconds, checkpointed); their step counts give
the side-by-side rate, from which the epochs that fit are chosen (a multiple of ``--export-every``, at most
``--max-epochs``), and both are resumed with those epochs and the decay over their last quarter
(``spindcgan train --resume --epochs E --lr-decay-start E - E // 4``: the steps already taken had the
constant rate every plan gives them, so the result is the run planned with E epochs from its start).

No FID is measured on that machine: the Inception file (95 MB) does not fit the call's 64 MiB transfer beside
the data. Instead the hardware run saves its evaluated generator's device states every ``--export-every`` epochs
(``spindcgan train --export-every``), from which the FID curve is measured afterwards. After training the call
exports the hardware run's last EMA generator with standing BatchNorm statistics and its energy report (both need
the full checkpoint, which cannot come back). The runs come back as slim checkpoints (their EMA generators
alone), logs, the benchmark's output and as many exports as fit (the last first, then every other one, then the
rest), each xz-compressed, in one tar split into parts of at most 15 MiB, and are measured here on the CPU
(``experiments/measure.py``, ``spindcgan fid RUN --exports``). Usage there, with the zip compressed here by
``xz -9e`` into a git-ignored folder that ``carry`` names:

    PYTHONPATH=src python3 experiments/gpu_anime.py --xz .gpudata/anime-faces-64.zip.xz --sha256 HEX \
        --deadline 560 --out "$OUT"

Back here: ``cat anime-w64.tar.part* | tar x -C runs``, then ``xz -d`` each ``*.xz`` member. The compressed zip is
58 MB, so the call's working tree must be small: ``results/gpu-anime-w64/NOTES.md`` gives the temporary branch that
keeps only the code.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import lzma
import re
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECIPE = ["--dataset", "anime", "--augment", "color,translation,cutout", "--threads", "4",
          "--no-progress"]
EMA_IMAGES = 64_000  # the recipe's generator EMA, 0.998 at batch 128, by the images it averages over
RUNS = {"anime-w64-hw6-gpu": [], "anime-w64-float-gpu": ["--float"]}
SLIM_DROPS = ("opt_g", "opt_d", "generator", "discriminator", "device_writes")  # each keeps its EMA generator: what a
# FID needs (the write counters, half a hardware copy compressed, are summed in device_writes.json beside it)
PART_BYTES = 15 * 2**20
RETURN_BYTES = 58 * 2**20  # what comes back from a call: 64 MiB at most, in at most 8 files (tar headers aside)
AFTER_TRAINING_S = 60  # the standing-statistics export, the energy report and packing, after the runs end
RESTART_S = 20  # the runs' second start-up (imports, CUDA, the cached data) between calibration and training


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


def benchmark(width: int, batch_size: int, device: str, out: Path) -> dict[str, float]:
    """Milliseconds per fp32, bf16 and bf16 channels-last training step on this device, by name
    (``benchmarks/train_step.py``; a variant that failed is missing), its output kept beside the runs."""
    command = [sys.executable, str(ROOT / "benchmarks" / "train_step.py"), "--dataset", "anime", "--width",
               str(width), "--batch-size", str(batch_size), "--device", device, "--augment",
               "color,translation,cutout", "--steps", "8", "--rounds", "2", "--threads", "4", "--loop-steps", "300"]
    try:
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
        text = f"$ {' '.join(command[1:])}\n{result.stdout}{result.stderr[-2000:]}"
    except subprocess.TimeoutExpired:
        text = f"$ {' '.join(command[1:])}\ntimed out after 120 s"
    (out / "benchmark-train-step.log").write_text(text)
    for line in text.splitlines():
        log(f"benchmark: {line}")
    found = (re.match(r"\s*(.+?):\s+([\d.]+) ms/step", line) for line in text.splitlines())
    return {m.group(1): float(m.group(2)) for m in found if m}


def start_runs(recipe: list[str], runs: dict[str, list[str]], schedule: list[str], time_limit_s: float,
               export_every: int, resume: dict[str, Path] | None = None) -> dict[str, subprocess.Popen]:
    """Each run in its own process and folder, all at once (``runs/<name>/train.log`` holds each command), the
    hardware runs exporting their device states every ``export_every`` epochs; with ``resume``, continue the run
    folders given by name (new schedule, same recipe)."""
    procs = {}
    for name, extra in runs.items():
        folder = ROOT / "runs" / name
        folder.mkdir(parents=True, exist_ok=True)
        if resume is None:
            exports = ["--export-every", str(export_every)] if export_every and "--float" not in extra else []
            args = [*recipe, *extra, "--fid-every", "0", *exports, "--out", f"runs/{name}"]
        else:
            args = ["--resume", str(resume[name].relative_to(ROOT)), "--no-progress"]
        args += [*schedule, "--time-limit", f"{time_limit_s / 60:.2f}"]
        logfile = (folder / "train.log").open("a")
        logfile.write("$ spindcgan train " + " ".join(args) + "\n")
        logfile.flush()
        procs[name] = subprocess.Popen([sys.executable, "-m", "spindcgan.cli", "train", *args], cwd=ROOT,
                                       stdout=logfile, stderr=subprocess.STDOUT)
    return procs


def wait_for(procs: dict[str, subprocess.Popen], keep_going: bool = False) -> dict[str, Path]:
    """Wait for the runs, reporting each one's last metrics line every 30 s; their run folders. A failed run ends
    the call unless ``keep_going`` (then what it left is packed with the others)."""
    last_report = time.time()
    while any(p.poll() is None for p in procs.values()):
        time.sleep(1)
        if time.time() - last_report < 30:
            continue
        last_report = time.time()
        for name in procs:
            ends = list((ROOT / "runs" / name).glob("0*/metrics.jsonl"))
            last = ends[0].read_text().splitlines()[-1:] if ends else []
            log(f"{name}: {last[0][:160] if last else 'starting'}")
    for name, proc in procs.items():
        log(f"{name}: exit {proc.returncode}")
        if proc.returncode:
            tail = (ROOT / "runs" / name / "train.log").read_text().splitlines()[-5:]
            log(f"{name} failed: " + " | ".join(tail))
            if not keep_going:
                raise SystemExit(f"{name} failed")
    return {name: folder for name in procs for folder in sorted((ROOT / "runs" / name).glob("0*"))[:1]}


def steps_done(run_dir: Path) -> int:
    """The optimiser steps of a run's checkpoint."""
    from spindcgan.training.checkpoint import load_checkpoint

    return int(load_checkpoint(run_dir)["step"])


def choose_epochs(budget_s: float, rate: float, max_epochs: int, steps_per_epoch: int, every: int) -> int:
    """The epochs a run stepping at ``rate`` steps/s finishes within ``budget_s`` (5 % spare for the per-epoch
    checkpoints and grids), a multiple of ``every`` when that is at least one, at most ``max_epochs``."""
    epochs = min(max_epochs, int(0.95 * budget_s * rate / steps_per_epoch))
    return epochs - epochs % every if every and epochs >= every else max(epochs, 1)


def after_training(run_dir: Path, deadline: float) -> None:
    """The hardware run's last EMA generator with standing BatchNorm statistics, and its energy report, while the
    full checkpoint is here (each skipped if the call's time is short)."""
    for args, budget in ((["export", str(run_dir), "--standing-statistics", "--out",
                           str(run_dir / "standing.pt")], 40),
                         (["energy", str(run_dir), "--out", str(run_dir / "energy")], 40)):
        left = deadline - time.time() - 25
        if left < 10:
            log(f"no time left for spindcgan {args[0]}")
            continue
        try:
            result = subprocess.run([sys.executable, "-m", "spindcgan.cli", *args], cwd=ROOT, capture_output=True,
                                    text=True, timeout=min(budget, left))
            log(f"spindcgan {' '.join(args)}: exit {result.returncode} {result.stderr.strip()[-300:]}")
        except subprocess.TimeoutExpired:
            log(f"spindcgan {args[0]}: timed out")


def export_order(exports: list[Path]) -> list[Path]:
    """The order exports are packed in while they fit: the last, then every other one back from it, then the
    rest (so a short budget still spans the whole curve)."""
    by_epoch = sorted(exports)[::-1]
    return by_epoch[::2] + by_epoch[1::2]


def pack(run_dirs: dict[str, Path], out: Path, epochs: int) -> None:
    """Slim checkpoints (EMA generators), logs, metrics, a few sample grids, the standing-statistics export, the
    energy report and as many device-state exports as fit: each file xz-compressed in one tar, in parts."""
    from spindcgan.training.checkpoint import CHECKPOINT_NAME, slim_checkpoint

    keep_grids = {f"epoch-{e:03d}.png" for e in (epochs // 4, epochs // 2, 3 * epochs // 4, epochs)}
    members, exports = [], []
    for name, run_dir in run_dirs.items():
        full = run_dir / CHECKPOINT_NAME
        slim_checkpoint(full, run_dir / "slim.pt", SLIM_DROPS).replace(full)
        members.append((run_dir.parent / "train.log", f"{name}/train.log"))
        for path in sorted(run_dir.rglob("*")):
            if not path.is_file() or (path.parent.name == "samples" and path.name not in keep_grids):
                continue
            entry = (path, f"{name}/{run_dir.name}/{path.relative_to(run_dir)}")
            (exports if path.parent.name == "exports" else members).append(entry)
    order = {path: i for i, path in enumerate(export_order([p for p, _ in exports]))}
    members += sorted(exports, key=lambda entry: order[entry[0]])
    tar_path, used, left_out = Path("/tmp/anime-w64.tar"), 0, []
    with tarfile.open(tar_path, "w") as tar:
        for path, arcname in members:
            data = lzma.compress(path.read_bytes(), preset=1)
            if used + len(data) + 1024 > RETURN_BYTES:
                left_out.append(arcname)
                continue
            used += len(data) + 1024
            info = tarfile.TarInfo(arcname + ".xz")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    if left_out:
        log(f"left out (over {RETURN_BYTES / 2**20:.0f} MiB): {', '.join(left_out)}")
    data = tar_path.read_bytes()
    log(f"tar of xz files: {len(data) / 2**20:.1f} MiB")
    for i in range(0, len(data), PART_BYTES):
        (out / f"anime-w64.tar.part{i // PART_BYTES:02d}").write_bytes(data[i : i + PART_BYTES])


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--xz", type=Path, required=True)
    parser.add_argument("--sha256", required=True)
    parser.add_argument("--deadline", type=float, default=560, help="seconds from start by which all is packed")
    parser.add_argument("--max-epochs", type=int, default=300)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--width", type=int, default=64, help="DCGAN width (a smaller one for a dry run on a CPU)")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="bf16", help="spindcgan train --precision")
    parser.add_argument("--runs", nargs="+", choices=list(RUNS), default=list(RUNS))
    parser.add_argument("--epochs", type=int, help="train this many epochs (no timing first), within the deadline")
    parser.add_argument("--calibrate", type=float, default=30,
                        help="seconds of side-by-side training whose steps size the runs (without --epochs)")
    parser.add_argument("--no-benchmark", action="store_true", help="skip benchmarks/train_step.py")
    parser.add_argument("--export-every", type=int, default=10,
                        help="a hardware run's device-state exports every K epochs, for its FID curve (0: none)")
    parser.add_argument("--tag", default="", help="appended to the run folders' names (a second call's runs)")
    parser.add_argument("--d-norm", choices=["batch", "spectral"], default="batch",
                        help="the discriminator's normalisation (spindcgan train --d-norm)")
    parser.add_argument("--lr-d", type=float, help="the discriminator's learning rate (spindcgan train --lr-d)")
    parser.add_argument("--r1", type=float, help="R1 penalty weight of every run (spindcgan train --r1)")
    parser.add_argument("--augment-p", help="every run's augmentation probability, or auto: ADA "
                                            "(spindcgan train --augment-p)")
    parser.add_argument("--batch-size", type=int, default=128,
                        help="images per step; the EMA decay follows, 1 - B / 64000, to average the same images")
    parser.add_argument("--seed", type=int, default=0, help="every run's seed (a second seed of a plan: 1)")
    parser.add_argument("--train-split", choices=["train", "fit"], default="fit",
                        help="the runs' spindcgan train --train-split: fit (default) keeps the 2,000 held-out faces "
                             "unseen, for the generalisation check (spindcgan fid --ref heldout)")
    args = parser.parse_args()
    started = time.time()
    deadline = started + args.deadline
    runs = {name + args.tag: RUNS[name] for name in args.runs}
    recipe = [*RECIPE, "--seed", str(args.seed), "--width", str(args.width), "--device", args.device,
              "--d-norm", args.d_norm,
              "--batch-size", str(args.batch_size), "--ema", str(ema_decay(args.batch_size)),
              "--precision", args.precision, "--train-split", args.train_split,
              "--checkpoint-epochs", str(max(1, args.export_every)),  # with the exports (the stop always writes one)
              *(["--lr-d", str(args.lr_d)] if args.lr_d is not None else []),
              *(["--r1", str(args.r1)] if args.r1 is not None else []),
              *(["--augment-p", args.augment_p] if args.augment_p is not None else [])]
    import torch

    from spindcgan.data.registry import load_training_images
    from spindcgan.training.config import TrainConfig
    from spindcgan.training.schedule import steps_per_epoch_of

    log(f"torch {torch.__version__}, {torch.cuda.get_device_name(0) if args.device == 'cuda' else args.device}")
    data = unpack_data(args.xz, args.sha256)
    faces = load_training_images("anime", data, progress=False, split=args.train_split)  # decoded and cached once,
    steps_per_epoch = steps_per_epoch_of(TrainConfig(batch_size=args.batch_size), len(faces))  # before the runs
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.no_benchmark:
        timed = benchmark(args.width, args.batch_size, args.device, args.out)
        bf16, fp32 = timed.get("6-bit hardware, bf16"), timed.get("6-bit hardware")
        if args.precision == "bf16" and (bf16 is None or (fp32 is not None and bf16 >= fp32)):
            log(f"bf16 steps {bf16} ms, fp32 {fp32} ms (failed or not faster): the runs train in fp32")
            recipe[recipe.index("--precision") + 1] = "fp32"

    def training_budget() -> float:
        return deadline - time.time() - AFTER_TRAINING_S - RESTART_S

    resume, epochs = None, args.epochs
    if epochs is None:  # side by side with no decay for --calibrate seconds: the rate both keep up together
        calibration = start_runs(recipe, runs, ["--epochs", str(args.max_epochs)], args.calibrate,
                                 args.export_every)
        resume = wait_for(calibration)
        steps = {name: steps_done(run_dir) for name, run_dir in resume.items()}
        rate = min(steps.values()) / args.calibrate
        epochs = choose_epochs(training_budget(), rate, args.max_epochs, steps_per_epoch, args.export_every)
        log(f"calibration: {steps} steps in {args.calibrate:.0f} s side by side: {rate:.1f} steps/s each")
        progress = -(-max(steps.values()) // steps_per_epoch)
    else:
        progress = 0
    decay_start = max(epochs - epochs // 4, progress)
    decay = ["--lr-decay-start", str(decay_start)] if decay_start < epochs else []  # none in a run of a few epochs
    log(f"training budget {training_budget():.0f} s: {epochs} epochs, learning-rate decay {decay or 'none'}")
    schedule = ["--epochs", str(epochs), *decay]
    run_dirs = wait_for(start_runs(recipe, runs, schedule, training_budget(), args.export_every, resume), True)
    for name, run_dir in run_dirs.items():
        if "--float" not in runs[name]:
            after_training(run_dir, deadline)
    pack(run_dirs, args.out, epochs)
    log(f"done in {time.time() - started:.0f} s")


if __name__ == "__main__":
    run()
