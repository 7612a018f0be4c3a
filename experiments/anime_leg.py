"""One leg of issue 48's long Anime Face run: continue it, stop in time, leave what the next session needs.

    python experiments/anime_leg.py --time-limit 120 [--finish-only] [-- EXTRA TRAIN OPTIONS, e.g. --lr-decay-start 100]

1. continue the run: from its folder under ``--runs`` where this machine kept it (exact), else from the pack in
   the repository (``packs/anime-long.pack``: not exact, said in the run's logs); the arithmetic is bf16 where the
   CPU has bfloat16 products, else fp32 (``--precision`` may change on a resume);
2. ``spindcgan train --resume ... --time-limit MIN`` with the options after ``--`` (a schedule or EMA horizons
   chosen later), its output in ``train.log`` of the run folder (appended);
3. at the stop, the run's fallback pack replaces the one in the repository (``spindcgan pack --limit-mb
   --weight-steps``: sized so that all packs' history stays under issue 48's 120 MB), and
   its small logs are copied to ``results/anime-long/runs/<name>/``; a line per leg goes to
   ``results/anime-long/legs.jsonl`` (steps before and after, seconds, the commit, the processor, the precision);
4. docs/results.md re-rendered (``experiments/report.py`` of ``--repo``: its section on the run under way).

Then commit ``packs/``, ``results/anime-long/`` and the re-rendered docs. Run it from a fixed copy of the code (a
git worktree at a commit, installed editable in its own venv, so that the run's environment.jsonl names that commit)
so that editing the tree cannot change a running leg; ``--repo`` is the tree that receives the pack, the logs and
the docs.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from spindcgan.errors import SpinDCGANError
from spindcgan.runtime import cpu_has_native_bf16
from spindcgan.training.checkpoint import CHECKPOINT_NAME, load_checkpoint
from spindcgan.training.pack import LOG_FILES, check_pack_options, pack_step, write_pack

ROOT = Path(__file__).resolve().parents[1]
RUN_NAME = "00000-anime-6bit-dw"


def spindcgan(*args: str, log: Path) -> None:
    """Run ``spindcgan ARGS`` as a user would, its output appended to ``log``; stop on its failure."""
    with log.open("a") as out:
        out.write(f"$ spindcgan {' '.join(args)}\n")
        out.flush()
        done = subprocess.run([sys.executable, "-m", "spindcgan", *args], stdout=out, stderr=subprocess.STDOUT)
    if done.returncode:
        sys.exit(f"spindcgan {args[0]} failed ({done.returncode}): see {log}")


def git_commit(repo: Path) -> str:
    return subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True).stdout.strip() or "unknown"


def packs_history_mb(repo: Path) -> float:
    """Megabytes that the packs committed so far take in ``repo``'s history (each version, as git stores it)."""
    listed = subprocess.run(["git", "-C", str(repo), "rev-list", "--objects", "--all", "--", "packs"],
                            capture_output=True, text=True, check=True).stdout
    sizes = subprocess.run(["git", "-C", str(repo), "cat-file", "--batch-check=%(objecttype) %(objectsize:disk)"],
                           input="".join(line.split()[0] + "\n" for line in listed.splitlines() if line.strip()),
                           capture_output=True, text=True, check=True).stdout
    return sum(int(size) for kind, size in (line.split() for line in sizes.splitlines()) if kind == "blob") / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=Path, default=Path.home() / "spindcgan-runs" / "anime48" / "long",
                        help="the --out folder of the run on this machine")
    parser.add_argument("--repo", type=Path, default=ROOT, help="the working tree that receives the pack and logs")
    parser.add_argument("--time-limit", type=float, default=120.0, help="minutes of training in this leg")
    parser.add_argument("--limit-mb", type=float, default=4.5, help="the pack's size limit (default 4.5: G and D at "
                        "63 steps, ~4.1 MB; issue 48 keeps all packs' history under 120 MB, and legs 1-9 spent 73 "
                        "MB of it at ~8 MB a pack, so the ~10 legs left get ~4.5 MB each: the EMA generators, "
                        "~2.8 MB each, stay out, and start again after a lost folder)")
    parser.add_argument("--weight-steps", type=int, default=63, help="G's and D's packed weights: steps each side of "
                        "zero (default 63: 2x finer than the 6-bit synapses, ~16 %% fewer bytes than 127)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--finish-only", action="store_true", help="train nothing: only step 3, for a leg that ran "
                        "by hand (the first one)")
    parser.add_argument("extra", nargs="*", help="after --: further spindcgan train options for this leg")
    args = parser.parse_args()
    try:  # before the leg trains, not at its end
        check_pack_options(args.limit_mb, args.weight_steps)
    except SpinDCGANError as exc:
        parser.error(str(exc))
    pack_path = args.repo / "packs" / "anime-long.pack"
    results = args.repo / "results" / "anime-long"
    run_dir = args.runs / RUN_NAME
    if (run_dir / CHECKPOINT_NAME).is_file():
        source, from_folder = str(run_dir), True
        kept, packed = load_checkpoint(run_dir)["step"], pack_step(pack_path) if pack_path.is_file() else -1
        if packed > kept:
            sys.exit(f"{pack_path} (step {packed}) is ahead of {run_dir} (step {kept}): another machine went on; "
                     "move the folder away to continue from the pack")
    elif pack_path.is_file() and not args.finish_only:
        source, from_folder = str(pack_path), False
    else:
        sys.exit(f"neither {run_dir} nor {pack_path}: nothing to continue")
    precision = "bf16" if cpu_has_native_bf16() else "fp32"
    args.runs.mkdir(parents=True, exist_ok=True)
    log = args.runs / "legs.log"
    started = time.time()
    if not args.finish_only:
        spindcgan("train", "--resume", source, "--out", str(args.runs), "--time-limit", f"{args.time_limit:g}",
                  "--precision", precision, "--threads", str(args.threads), "--no-progress", *args.extra, log=log)
    seconds = time.time() - started
    state = load_checkpoint(run_dir)
    pack_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        info = write_pack(run_dir, pack_path, args.limit_mb, args.weight_steps)
    except SpinDCGANError as exc:
        sys.exit(f"the leg trained, but its pack was not written: {exc}")
    copies = results / "runs" / "long"
    copies.mkdir(parents=True, exist_ok=True)
    for name in LOG_FILES:
        if (run_dir / name).is_file():
            shutil.copy2(run_dir / name, copies / name)
    if log.is_file():
        shutil.copy2(log, copies / "legs.log")
    starts = [json.loads(line) for line in (run_dir / "environment.jsonl").read_text().splitlines()]
    record = {"utc": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"), "from": source,
              "from_folder": from_folder, "step_before": starts[-1]["step"], "step_after": state["step"],
              "finished": state["finished"], "seconds": round(seconds), "precision": starts[-1].get("precision"),
              "cpu": starts[-1].get("cpu"),
              "commit_of_run": starts[-1].get("commit"), "commit_of_script": git_commit(ROOT), "extra": args.extra,
              "pack_mb": round(info.megabytes, 2), "pack_left_out": list(info.dropped),
              "packs_history_mb": round(packs_history_mb(args.repo) + info.megabytes, 2)}
    with (results / "legs.jsonl").open("a") as legs:
        legs.write(json.dumps(record) + "\n")
    print(json.dumps(record))
    rendered = subprocess.run([sys.executable, "experiments/report.py"], cwd=args.repo)  # the run under way
    docs = " docs/results.md docs/img/results" if rendered.returncode == 0 else ""
    if not docs:
        print("docs/results.md was not re-rendered: run python experiments/report.py before committing")
    print(f"commit: git -C {args.repo} add packs results/anime-long{docs} && git -C {args.repo} commit")


if __name__ == "__main__":
    main()
