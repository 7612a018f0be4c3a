"""How much of a hardware generator's FID its hardware makes at evaluation: one checkpoint, three ways.

    python experiments/hardware_at_evaluation.py RUN_DIR --name NAME [--baseline FLOAT_RUN_DIR] [--threads 2] \
        --out FILE.json

The checkpoint's EMA generator (its weights and BatchNorm buffers as the checkpoint holds them), evaluated

- ``hardware``: as the modelled hardware computes it: 6-bit device states, DW ReLU;
- ``float weights``: with the full-precision shadow weights behind those states, DW ReLU kept: the synapses' share;
- ``float``: shadow weights and CMOS ReLU: the same trained weights with no hardware at evaluation at all.

Each by the run's own in-training protocol (``fid_n`` images of sample seed 12345 against its reference split, the
FIDs of its ``metrics.jsonl``), so the ``hardware`` row repeats the logged point of the checkpoint's epoch, and the
float run given as ``--baseline`` (same seed and schedule) contributes its logged FID at that epoch. If the three
rows agree while the baseline is lower, the gap was made in training, not by the evaluated generator's devices.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import torch
from provenance import command, commit, shown

from spindcgan.errors import SpinDCGANError
from spindcgan.io import save_json
from spindcgan.loading import load_generator
from spindcgan.models import Generator
from spindcgan.training import RunConfig
from spindcgan.training.checkpoint import load_checkpoint
from spindcgan.training.loop import TRAINING_FID_SEED, checkpointed_metrics, measure_fid


def variants(run_dir: Path) -> dict[str, torch.nn.Module]:
    """The checkpoint's EMA generator on the hardware, with float weights, and with no hardware."""
    hardware, config = load_generator(run_dir)
    if config.hardware is None or config.hardware.synapse is None or config.hardware.activations.relu is None:
        raise SpinDCGANError(f"{run_dir}: needs a run with synapses and DW activations (the paper's setting)")
    weights = hardware.state_dict()
    float_weights = Generator(config.model, dataclasses.replace(config.hardware, synapse=None))
    no_hardware = Generator(config.model, None)
    for generator in (float_weights, no_hardware):
        generator.load_state_dict(weights)
    return {"hardware": hardware, "float weights": float_weights.eval(), "float": no_hardware.eval()}


def logged_fid(records: list[dict], epoch: int) -> float | None:
    """The in-training FID among a run's ``records`` logged at the end of ``epoch`` (None when none was)."""
    return next((r["fid"] for r in records if r.get("epoch_end") == epoch and "fid" in r), None)


def measure(run_dir: Path, name: str, baseline: Path | None) -> dict:
    config = RunConfig.load(run_dir / "config.json")
    config = dataclasses.replace(config, train=dataclasses.replace(config.train, device="cpu"))  # as variants() builds
    step = load_checkpoint(run_dir)["step"]
    records = checkpointed_metrics(run_dir, step)
    epoch = next((r["epoch_end"] for r in records if r.get("step") == step and "epoch_end" in r), None)
    if epoch is None:
        raise SpinDCGANError(f"{run_dir}: its checkpoint (step {step}) is not at an epoch end, where FIDs are logged")
    rows = []
    for evaluated, generator in variants(run_dir).items():
        record = measure_fid(generator, config)
        rows.append({"evaluated": evaluated, **{k: record[k] for k in ("metric", "fid", "kid", "kid_std")}})
        print(json.dumps(rows[-1]), flush=True)
    return {"name": name, "run": shown(run_dir), "step": step, "epoch": epoch, "sample_seed": TRAINING_FID_SEED,
            "rows": rows, "logged_fid": logged_fid(records, epoch),
            "baseline": baseline and shown(baseline),
            "baseline_logged_fid": logged_fid(checkpointed_metrics(baseline), epoch) if baseline else None,
            "command": command(), "commit": commit()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("run_dir", type=Path)
    p.add_argument("--name", required=True, help="the run's name in the results (e.g. anime-hw6-decay100-s0)")
    p.add_argument("--baseline", type=Path, help="the float run of the same recipe (its logged FID is read)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", type=Path, required=True, help="the JSON record (written atomically)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    print(f"wrote {save_json(measure(args.run_dir, args.name, args.baseline), args.out)}")


if __name__ == "__main__":
    main()
