"""The FID floor of Fashion-MNIST under spindcgan's protocol: real training images against the test set.

    python experiments/fid_floor.py [--n 10000] [--threads 2] [--device cpu]

Measures fid{n}-test of the first N training images (what a perfect generator would score with N
samples) and writes results/fid-floor.json with the command, commit, protocol and the measured time of
each feature pass (the CPU cost of 10k Fashion-MNIST-sized images). The test-set statistics it computes
are cached and reused by every later ``spindcgan fid``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import torch
from provenance import command, commit, fill_block

from spindcgan.io import save_json
from spindcgan.metrics.fid import cached_statistics, compare, count_name, reference_pixels


def write_docs(record: dict, docs: Path = Path("docs/fid.md")) -> None:
    """Put the floor into docs/fid.md between its markers (generated, not typed)."""
    t = record["timings"]
    text = (
        f"`{record['command']}` (commit `{record['commit'][:10]}`, written to `results/fid-floor.json`):\n\n"
        f"**{record['metric']} = {record['fid']:.2f}** (KID {record['kid']:.5f} +- {record['kid_std']:.5f}) for "
        f"{record['what']}: the floor any generator is measured against with 10k samples under this protocol.\n\n"
        "Measured time on this CPU (2 threads, batch 32): "
        + ", ".join(f"{k.split('_')[0]} set ({int(k.split('_')[1]):,} images) {v / 60:.1f} min" for k, v in t.items())
        + ". The test-set pass shared the machine with other work (and was paused for benchmarks); the "
        "training-set pass ran on an otherwise idle machine, so it is the figure for 10,000 images.\n"
    )
    fill_block(docs, "<!-- floor -->", "<!-- /floor -->", text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch-size", type=int, default=32, help="32 runs ~1.3x faster than 100 on a 2-core CPU")
    parser.add_argument("--out", default="results/fid-floor.json")
    parser.add_argument("--docs-only", action="store_true", help="only rewrite docs/fid.md from --out")
    args = parser.parse_args()
    if args.docs_only:
        write_docs(json.loads(Path(args.out).read_text()))
        return
    torch.set_num_threads(args.threads)

    timings = {}
    start = time.perf_counter()
    test_pixels = reference_pixels("fashion-mnist", "test")
    test = cached_statistics(test_pixels, "fashion-mnist-test", args.device, args.batch_size)
    timings["test_10000_s"] = time.perf_counter() - start
    start = time.perf_counter()
    train = cached_statistics(reference_pixels("fashion-mnist", "train", limit=args.n),
                              f"fashion-mnist-train-first{args.n}", args.device, args.batch_size)
    timings[f"train_{args.n}_s"] = time.perf_counter() - start
    result = compare(test, train)
    record = {
        "metric": f"fid{count_name(args.n)}-test",
        "what": f"the first {args.n} Fashion-MNIST training images against the 10,000 test images",
        **result,
        "command": command(),
        "commit": commit(),
        "protocol": test.meta["protocol"],
        "timings": timings,
        "machine": {"cpu_threads": torch.get_num_threads(), "device": args.device, "torch": torch.__version__,
                    "processor": platform.processor() or platform.machine(), "load_average": os.getloadavg()[0]},
    }
    save_json(record, args.out)
    print(f"{record['metric']} (train {args.n} vs test) = {result['fid']:.3f}, KID {result['kid']:.5f}; "
          f"timings {timings}")


if __name__ == "__main__":
    main()
