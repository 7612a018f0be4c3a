"""Probe: does the hardware discriminator make the Anime Face hardware / float FID gap?

The shipped anime hardware run and its float baseline share seed, schedule and FID points; their in-training FIDs
were level until the learning-rate decay, during which the float run improved much more. If its EMA generator
scores the same on and off the hardware (``experiments/hardware_at_evaluation.py``), the gap is made while
training, not by the evaluated generator's devices. This probe continues a copy of a hardware run from its
checkpoint with everything as before except the discriminator, which becomes float
(``hardware.discriminator_on_hardware = False``); the generator stays on the modelled hardware. Resuming the same
checkpoint with the same schedule keeps the data order and noise (the RNG state is in the checkpoint), so its FID
curve against the unchanged run's isolates the discriminator.

    python experiments/float_discriminator_probe.py runs/anime-aug120/00000-anime-6bit-dw \
        --out runs/anime-floatd-decay100/probe --epochs 100 --lr-decay-start 76 --threads 2 --time-limit 100

A time-limited probe is continued with ``spindcgan train --resume OUT/<run> ...`` as any run. The copy's
``config.json`` is the probe's configuration; ``phases.json`` beside it says which steps trained with the hardware
discriminator.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
from pathlib import Path

from spindcgan import SpinDCGANError
from spindcgan.io import save_json
from spindcgan.training import RunConfig, load_checkpoint, train


def probe(run: Path, out: Path, epochs: int, lr_decay_start: int | None, threads: int | None,
          time_limit_min: float | None) -> Path:
    """Copy ``run`` into ``out`` and continue it with a float discriminator; returns the copy's run folder."""
    config = RunConfig.load(run / "config.json")
    if config.hardware is None or not config.hardware.discriminator_on_hardware:
        raise SpinDCGANError(f"{run}: the probe needs a run whose discriminator is on the hardware")
    if out.exists():
        raise SpinDCGANError(f"{out} exists; the probe writes a new copy and never changes an existing one")
    step = load_checkpoint(run)["step"]
    target = out / run.name
    shutil.copytree(run, target)
    save_json({"hardware_discriminator_steps": [1, step], "float_discriminator_from_step": step + 1,
               "copied_from": str(run)}, target / "phases.json")
    train_config = dataclasses.replace(config.train, epochs=epochs, lr_decay_start=lr_decay_start,
                                       threads=threads or config.train.threads)
    config = dataclasses.replace(config, hardware=dataclasses.replace(config.hardware, discriminator_on_hardware=False),
                                 train=train_config)
    return train(config, resume=target, progress=False,
                 time_limit=None if time_limit_min is None else 60 * time_limit_min)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("run", type=Path, help="hardware run folder to continue (it is copied, never changed)")
    p.add_argument("--out", type=Path, required=True, help="new parent folder of the copy")
    p.add_argument("--epochs", type=int, required=True)
    p.add_argument("--lr-decay-start", type=int)
    p.add_argument("--threads", type=int)
    p.add_argument("--time-limit", type=float, metavar="MIN")
    args = p.parse_args(argv)
    try:
        done = probe(args.run, args.out, args.epochs, args.lr_decay_start, args.threads, args.time_limit)
    except SpinDCGANError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({"run": str(done), "step": load_checkpoint(done)["step"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
