"""An upsample + convolution generator on spintronic crossbars, against the paper's zero-padded deconvolutions.

A transposed convolution on a crossbar (the paper) drives the array with zero-padded inputs: three quarters of
the rows of a stride-2 layer carry inserted zeros. Upsampling by nearest neighbour and convolving (Odena et al.
2016) has no inserted zeros, but its convolutions see four times the pixels. Which costs less per generated image
at the same quality? This script trains such a generator (our own network, ``spindcgan.convert``-ed) against the
paper's Fashion-MNIST discriminator with the library's training step, then writes its FID and both energy ledgers.

    python examples/upsample_generator.py --epochs 20 --out runs/upsample     # train, FID, energies (result.json)
    python examples/upsample_generator.py --generator paper --epochs 20 --out runs/paper   # the paper's, same loop

Run it again with the same --out to continue a run stopped by --time-limit MIN (or anything else).

Full run on this project's 2-core CPU (results/examples): 20 epochs in 64 min of training (three legs, the first
partly beside other work), then about 20 min for the FID and both ledgers; fid10k-test 30.8, and 0.182 nJ per
image in the devices, 375.7 nJ with the CMOS peripherals. The paper's zero-padded generator by the same loop
(``--generator paper``, 36 min of training: its steps are about 1.9x cheaper here) reached fid10k-test 28.5 (27.1
under ``--seed 1``) at 1,280.6 nJ per image: 2-5 FID better for 3.4x the energy (upsample under ``--seed 1``: 31.7).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
import torch.nn as nn

from spindcgan import HardwareConfig, convert
from spindcgan.data import load_fashion_mnist
from spindcgan.data.fashion_mnist import to_model_range
from spindcgan.energy.ledger import DEVICE_COMPONENTS, build_network_ledger
from spindcgan.io import save_grid, save_json, save_torch
from spindcgan.metrics.fid import images_fid
from spindcgan.models import Discriminator, Generator, ModelConfig
from spindcgan.runtime import environment
from spindcgan.training import GAN, loop_state_values, resume_loop_state, save_loop_state, train_step

Z = 100


class UpsampleGenerator(nn.Module):
    """z -> 7x7 -> (upsample, 3x3 conv) 14x14 -> (upsample, 3x3 conv) 28x28, the paper's widths."""

    def __init__(self, width: int = 32) -> None:
        super().__init__()
        self.width = width
        self.project = nn.Sequential(nn.Linear(Z, 4 * width * 7 * 7, bias=False), nn.BatchNorm1d(4 * width * 7 * 7),
                                     nn.ReLU())
        self.up = nn.Sequential(
            nn.Upsample(scale_factor=2), nn.Conv2d(4 * width, 2 * width, 3, padding=1, bias=False),
            nn.BatchNorm2d(2 * width), nn.ReLU(),
            nn.Upsample(scale_factor=2), nn.Conv2d(2 * width, 1, 3, padding=1), nn.Tanh())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.up(self.project(z).view(-1, 4 * self.width, 7, 7))


def make_generator(kind: str, width: int, hardware: HardwareConfig) -> nn.Module:
    """``"upsample"``: this script's network, converted; ``"paper"``: the library's zero-padded-deconvolution
    generator of the same width, for training both by one loop and comparing them at equal training."""
    if kind == "paper":
        return Generator(ModelConfig.preset("fashion-mnist", width), hardware)
    return convert(UpsampleGenerator(width), hardware)


def train(epochs: int, width: int, out: Path, max_steps: int | None = None, limit: int | None = None,
          seed: int = 0, time_limit: float | None = None, kind: str = "upsample") -> tuple[nn.Module, bool]:
    """DCGAN's recipe against the paper's discriminator (both on the paper's hardware), by spindcgan's own
    training step, for the generator ``kind`` (``make_generator``); a grid per epoch and the loop's state
    (``checkpoint.pt``), from which the same call continues bit for bit. Stops after the epoch that passes
    ``time_limit`` minutes; returns the generator and whether training reached its end."""
    torch.manual_seed(seed)
    hardware = HardwareConfig()
    g = make_generator(kind, width, hardware)
    d = Discriminator(ModelConfig.preset("fashion-mnist", width), hardware)
    gan = GAN(g, d, torch.optim.Adam(g.parameters(), 2e-4, betas=(0.5, 0.999)),
              torch.optim.Adam(d.parameters(), 2e-4, betas=(0.5, 0.999)))
    parts = {"generator": g, "discriminator": d, "opt_g": gan.opt_g, "opt_d": gan.opt_d}
    done = {"epoch": 0, "step": 0, "seconds": 0.0}
    if (out / "checkpoint.pt").exists():
        done = resume_loop_state(out / "checkpoint.pt", parts)
        print(f"continuing {out} after epoch {done['epoch']}")
    images = to_model_range(load_fashion_mnist("train")[0][:limit])
    batch, step, began = min(128, len(images)), done["step"], time.monotonic()
    noise = torch.randn(64, Z, generator=torch.Generator().manual_seed(1))
    for epoch in range(done["epoch"], epochs):
        g.train()
        order = torch.randperm(len(images))
        for i in range(0, len(images) - batch + 1, batch):
            stats = train_step(gan, images[order[i:i + batch]], torch.randn(batch, Z))
            step += 1
            if step % 100 == 0:
                print(f"epoch {epoch + 1} step {step}: loss_d {stats['loss_d']:.3f} loss_g {stats['loss_g']:.3f}",
                      flush=True)
            if max_steps is not None and step >= max_steps:
                break
        with torch.no_grad():
            save_grid(g.eval()(noise), out / f"epoch-{epoch + 1:03d}.png")
        seconds = done["seconds"] + time.monotonic() - began
        save_loop_state(out / "checkpoint.pt", parts, epoch=epoch + 1, step=step, seconds=seconds, seed=seed,
                        width=width, kind=kind)
        if max_steps is not None and step >= max_steps:
            break
        if time_limit is not None and epoch + 1 < epochs and time.monotonic() - began > 60 * time_limit:
            print(f"time limit: stopped after epoch {epoch + 1} of {epochs}; the same command continues")
            return g, False
    save_torch({"generator": g.state_dict(), "width": width, "kind": kind}, out / "model.pt")
    return g, True


ENERGY_NAMES = {"upsample": "upsample + convolution", "paper": "paper: zero-padded deconvolution"}


def energies(g: nn.Module, width: int, kind: str = "upsample") -> dict[str, dict[str, float]]:
    """nJ per generated image of both generators of this width, ``g`` for its ``kind`` and the other with fresh
    weights, in the devices and in all. The peripherals' share and the latency follow from the shapes alone; the
    devices' from the conductances read, which follow the weights a little (compare trained with trained)."""
    hardware = HardwareConfig()
    z = torch.randn(64, Z, generator=torch.Generator().manual_seed(0))
    out = {}
    for other, name in ENERGY_NAMES.items():
        model = g if other == kind else make_generator(other, width, hardware)
        ledger = build_network_ledger(model, z, hardware)
        out[name] = {"devices": 1e9 * sum(ledger.inference[k] for k in DEVICE_COMPONENTS),
                     "with_peripherals": 1e9 * sum(ledger.inference.values()),
                     "latency_us": 1e6 * ledger.inference_latency}
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--max-steps", type=int)
    p.add_argument("--limit", type=int, help="train on the first N images (a quick run)")
    p.add_argument("--fid-n", type=int, default=10_000, help="images of the final FID (0: none)")
    p.add_argument("--generator", choices=sorted(ENERGY_NAMES), default="upsample",
                   help="train this script's network or the paper's generator by the same loop (for equal FID)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--time-limit", type=float, help="minutes: stop after the epoch that passes them (a leg); "
                   "the same command continues from --out")
    p.add_argument("--out", type=Path, default=Path("runs/upsample"))
    args = p.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    g, finished = train(args.epochs, args.width, args.out, args.max_steps, args.limit, args.seed, args.time_limit,
                        args.generator)
    if not finished:
        return
    record = {"generator": ENERGY_NAMES[args.generator], "energy_per_image_nJ": energies(g, args.width, args.generator)}
    if args.fid_n:
        with torch.no_grad():
            z = torch.randn(args.fid_n, Z, generator=torch.Generator().manual_seed(0))
            images = torch.cat([g.eval()(z[i:i + 500]) for i in range(0, args.fid_n, 500)])
        record |= images_fid(images, "fashion-mnist", "test")
    record |= {"command": " ".join(["python", *sys.argv]), "sample_seed": 0,
               "trained": loop_state_values(args.out / "checkpoint.pt"),
               "environment": environment()}
    save_json(record, args.out / "result.json")
    for name, e in record["energy_per_image_nJ"].items():
        print(f"{name}: {e['devices']:.3f} nJ in the devices, {e['with_peripherals']:,.1f} nJ with peripherals")
    if "fid" in record:
        print(f"{record['metric']} = {record['fid']:.2f}")


if __name__ == "__main__":
    main()
