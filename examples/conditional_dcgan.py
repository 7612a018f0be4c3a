"""A class-conditional DCGAN on Fashion-MNIST, on spintronic crossbars: a network and a training loop of our own.

The way a user would bring a network to spindcgan: plain PyTorch, then ``spindcgan.convert`` puts its
convolutions, deconvolutions and linear layers on 6-bit skyrmion crossbars and its activations on domain-wall
devices; the label embedding stays in CMOS. The library gives the rest: the data, FID and the energy ledger.

    python examples/conditional_dcgan.py --epochs 20 --out runs/conditional      # train, FID, energy, accuracy
    python examples/conditional_dcgan.py --generate-from runs/conditional --garment 7 --out sneakers.png
    python examples/conditional_dcgan.py --accuracy-of runs/conditional            # the garments asked for, again
    python examples/conditional_dcgan.py --float --out runs/conditional-float      # the recipe's float baseline

Run it again with the same --out to continue a run stopped by --time-limit MIN (or anything else).

Full run on this project's 2-core CPU (results/examples): 20 epochs in 27 min, then 13 min for the FID;
fid10k-test 35.3, a classifier names the garment asked for in 86.1 % of its images (87.7 % of the real test
images; under ``--seed 1``: 38.1 and 89.0 %), and its images of one garment vary as much as the real ones
(``accuracy.json``: 0.85-1.19 of their pixel spread). That takes MSGAN's mode-seeking term (``--mode-seeking``,
on by default): without it the same network drew nearly one image per garment (fid10k-test 156.8, sandals at 0.07
of the real spread), in float as on the crossbars (results/examples/NOTES.md).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from spindcgan import HardwareConfig, convert
from spindcgan.data import load_fashion_mnist
from spindcgan.data.fashion_mnist import to_model_range
from spindcgan.energy.ledger import DEVICE_COMPONENTS, build_network_ledger
from spindcgan.io import save_grid, save_json, save_torch
from spindcgan.metrics.fid import images_fid
from spindcgan.runtime import environment
from spindcgan.training import loop_state_values, resume_loop_state, save_loop_state

GARMENTS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
Z = 100


class Generator(nn.Module):
    """z and a label embedding -> 7x7 -> 14x14 -> 28x28 (the paper's Fashion-MNIST generator, conditioned)."""

    def __init__(self, width: int = 32) -> None:
        super().__init__()
        self.embed = nn.Embedding(10, 50)
        self.project = nn.Sequential(nn.Linear(Z + 50, 4 * width * 7 * 7), nn.BatchNorm1d(4 * width * 7 * 7),
                                     nn.ReLU())
        self.up = nn.Sequential(nn.ConvTranspose2d(4 * width, 2 * width, 4, 2, 1, bias=False),
                                nn.BatchNorm2d(2 * width), nn.ReLU(), nn.ConvTranspose2d(2 * width, 1, 4, 2, 1),
                                nn.Tanh())
        self.width = width

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        h = self.project(torch.cat([z, self.embed(labels)], 1))
        return self.up(h.view(-1, 4 * self.width, 7, 7))


class Discriminator(nn.Module):
    """Image -> 14x14 -> 7x7 -> features h; logit = w.h + <embed(label), h>: a projection discriminator (Miyato &
    Koyama 2018). Its label enters only through that inner product, computed in CMOS beside the embedding.

    The first version fed the label to the first convolution as a second image channel: trained 20 epochs on the
    crossbars, its generator drew nearly one image per garment (within-class spread 0.08-0.56 of the real one;
    results/examples/NOTES.md)."""

    def __init__(self, width: int = 32) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(1, width, 4, 2, 1), nn.LeakyReLU(0.2),
                                  nn.Conv2d(width, 2 * width, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * width),
                                  nn.LeakyReLU(0.2), nn.Flatten())
        self.head = nn.Linear(2 * width * 7 * 7, 1)
        self.embed = nn.Embedding(10, 2 * width * 7 * 7)
        nn.init.normal_(self.embed.weight, std=0.02)

    def forward(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        h = self.body(images)
        return self.head(h).squeeze(1) + (self.embed(labels) * h).sum(1)


def on_crossbars(network: nn.Module, on_hardware: bool = True) -> nn.Module:
    """The network on the paper's hardware, its label embedding kept in CMOS; or as it is (float)."""
    return convert(network, HardwareConfig(), exclude=[nn.Embedding]) if on_hardware else network


def mode_seeking_penalty(fake: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """MSGAN's regulariser (Mao et al. 2019), to be minimised by the generator: 1 / (|G(z1, y) - G(z2, y)| /
    |z1 - z2|), mean absolute differences, between the first and the second half of a batch drawn for the same
    labels. A generator that draws one image per label whatever its noise pays without bound; without it, this
    example's generator drew nearly one sandal (results/examples/NOTES.md)."""
    half = len(fake) // 2
    ratio = (fake[:half] - fake[half:2 * half]).abs().mean() / (z[:half] - z[half:2 * half]).abs().mean()
    return 1 / (ratio + 1e-5)


def train(epochs: int, width: int, out: Path, max_steps: int | None = None, limit: int | None = None,
          seed: int = 0, time_limit: float | None = None, on_hardware: bool = True,
          mode_seeking: float = 1.0) -> tuple[nn.Module, nn.Module, bool]:
    """DCGAN's recipe (Adam 2e-4, betas 0.5 / 0.999, batch 128, the non-saturating loss) with ``mode_seeking``
    times ``mode_seeking_penalty`` in the generator's loss (its fakes drawn in two halves for the same labels;
    0: plain DCGAN, the recipe of the first runs), both networks on the paper's hardware (``on_hardware=False``:
    both in float, plain PyTorch, the recipe's baseline); writes a grid per epoch (one row per garment) and the
    loop's state (``checkpoint.pt``), from which the same call continues bit for bit. Stops after the epoch that
    passes ``time_limit`` minutes; returns the networks and whether training reached its end."""
    torch.manual_seed(seed)
    g, d = on_crossbars(Generator(width), on_hardware), on_crossbars(Discriminator(width), on_hardware)
    opt_g = torch.optim.Adam(g.parameters(), 2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), 2e-4, betas=(0.5, 0.999))
    parts = {"generator": g, "discriminator": d, "opt_g": opt_g, "opt_d": opt_d}
    done = {"epoch": 0, "step": 0, "seconds": 0.0}
    if (out / "checkpoint.pt").exists():
        done = resume_loop_state(out / "checkpoint.pt", parts)
        recipe = {"on_hardware": on_hardware, "mode_seeking": mode_seeking}
        saved = {"on_hardware": done.get("on_hardware", True), "mode_seeking": done.get("mode_seeking", 0.0)}
        if saved != recipe:  # runs from before either option: on the crossbars, without mode seeking
            raise SystemExit(f"{out / 'checkpoint.pt'}: trained with {saved}, asked to continue with {recipe}; "
                             "continue it with the same --float / --mode-seeking")
        print(f"continuing {out} after epoch {done['epoch']}")
    images, labels = load_fashion_mnist("train")
    images, labels = to_model_range(images[:limit]), labels[:limit]
    batch, step, began = 128 if limit is None else min(128, len(images)), done["step"], time.monotonic()
    for epoch in range(done["epoch"], epochs):
        g.train()
        order = torch.randperm(len(images))
        for i in range(0, len(images) - batch + 1, batch):
            real, y = images[order[i:i + batch]], labels[order[i:i + batch]]
            asked = y[:batch // 2].repeat(2) if mode_seeking else y  # two halves, the same labels
            z = torch.randn(len(asked), Z)
            fake = g(z, asked)
            loss_d = (F.binary_cross_entropy_with_logits(d(real, y), torch.ones(len(y)))
                      + F.binary_cross_entropy_with_logits(d(fake.detach(), asked), torch.zeros(len(asked))))
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
            loss_g = F.binary_cross_entropy_with_logits(d(fake, asked), torch.ones(len(asked)))
            if mode_seeking:
                loss_g = loss_g + mode_seeking * mode_seeking_penalty(fake, z)
            opt_g.zero_grad()
            loss_g.backward()
            opt_g.step()
            step += 1
            if step % 100 == 0:
                print(f"epoch {epoch + 1} step {step}: loss_d {loss_d.item():.3f} loss_g {loss_g.item():.3f}",
                      flush=True)
            if max_steps is not None and step >= max_steps:
                break
        save_grid(garments(g), out / f"epoch-{epoch + 1:03d}.png")
        seconds = done["seconds"] + time.monotonic() - began
        save_loop_state(out / "checkpoint.pt", parts, epoch=epoch + 1, step=step, seconds=seconds, seed=seed,
                        width=width, on_hardware=on_hardware, mode_seeking=mode_seeking)
        if max_steps is not None and step >= max_steps:
            break
        if time_limit is not None and epoch + 1 < epochs and time.monotonic() - began > 60 * time_limit:
            print(f"time limit: stopped after epoch {epoch + 1} of {epochs}; the same command continues")
            return g, d, False
    save_torch({"generator": g.state_dict(), "discriminator": d.state_dict(), "width": width,
                "on_hardware": on_hardware}, out / "model.pt")
    return g, d, True


@torch.no_grad()
def garments(g: nn.Module, per_class: int = 10, garment: int | None = None, seed: int = 0) -> torch.Tensor:
    """A grid's images: ``per_class`` of each garment in order, or of the one ``garment``."""
    classes = range(10) if garment is None else [garment]
    labels = torch.tensor([c for c in classes for _ in range(per_class)])
    z = torch.randn(len(labels), Z, generator=torch.Generator().manual_seed(seed))
    return g.eval()(z, labels)


@torch.no_grad()
def asked_garments(g: nn.Module, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``n`` images the FID and the label accuracy judge, and the garments they were asked for: labels as in
    the test set (10 % each), noise of sample seed 0."""
    asked = torch.arange(n) % 10
    z = torch.randn(n, Z, generator=torch.Generator().manual_seed(0))
    return torch.cat([g.eval()(z[i:i + 500], asked[i:i + 500]) for i in range(0, n, 500)]), asked


class Classifier(nn.Module):
    """A small float CNN (CMOS, never converted) that names the garment in a 28x28 image: the judge of whether
    the generator draws the class it is asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                 nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                                 nn.Linear(32 * 7 * 7, 10))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images)


def classify(clf: nn.Module, images: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return torch.cat([clf.eval()(images[i:i + 500]).argmax(1) for i in range(0, len(images), 500)])


def label_accuracy(g: nn.Module, n: int = 10_000, epochs: int = 2, limit: int | None = None,
                   seed: int = 0) -> dict:
    """How often a classifier trained on the real training images names the garment the generator was asked for
    (the FID's ``n`` images: labels 10 % each, sample seed 0), beside that classifier's accuracy on the real test
    images, the most a generator can score by it; and per garment how much its images vary (mean pixel standard
    deviation) against the real test images of that garment: near 1 for a generator that covers the class, near 0
    for one that draws the same image whatever its noise (mode collapse within the class)."""
    torch.manual_seed(seed)
    clf, (images, labels) = Classifier(), load_fashion_mnist("train")
    images, labels = to_model_range(images[:limit]), labels[:limit]
    opt = torch.optim.Adam(clf.parameters(), 1e-3)
    for _ in range(epochs):
        order = torch.randperm(len(images))
        for i in range(0, len(images), 128):
            loss = F.cross_entropy(clf.train()(images[order[i:i + 128]]), labels[order[i:i + 128]])
            opt.zero_grad()
            loss.backward()
            opt.step()
    test_images, test_labels = load_fashion_mnist("test")
    test_images = to_model_range(test_images)
    real = (classify(clf, test_images) == test_labels).float().mean().item()
    fakes, asked = asked_garments(g, n)
    spread = {GARMENTS[c]: fakes[asked == c].std(0).mean().item() / test_images[test_labels == c].std(0).mean().item()
              for c in range(10) if (asked == c).sum() > 1}
    return {"label_accuracy": (classify(clf, fakes) == asked).float().mean().item(),
            "classifier_test_accuracy": real, "n_generated": n, "classifier_epochs": epochs,
            "within_class_spread": spread}


def energy_per_image(g: nn.Module) -> dict[str, float]:
    """nJ per generated image, in the devices and with the CMOS peripherals, from the generator's own trace."""
    labels = torch.arange(64) % 10
    z = torch.randn(64, Z, generator=torch.Generator().manual_seed(0))
    ledger = build_network_ledger(g, (z, labels), HardwareConfig())
    return {"devices": 1e9 * sum(ledger.inference[k] for k in DEVICE_COMPONENTS),
            "with_peripherals": 1e9 * sum(ledger.inference.values())}


@torch.no_grad()
def measure(g: nn.Module, n: int, out: Path) -> dict:
    """FID of ``n`` images (labels drawn as in the test set: 10 % each) against the test set, and the energy, in
    ``fid.json`` with what made them: the command, the training's epochs and time, the code and the machine."""
    images, _ = asked_garments(g, n)
    trained = loop_state_values(out / "checkpoint.pt")
    record = {**images_fid(images, "fashion-mnist", "test"),
              "energy_per_image_nJ": energy_per_image(g) if trained.get("on_hardware", True) else None,
              "command": " ".join(["python", *sys.argv]), "sample_seed": 0, "trained": trained,
              "environment": environment()}
    save_json(record, out / "fid.json")
    return record


def trained_generator(folder: Path) -> nn.Module:
    """The generator a finished run of this script left in ``folder`` (its ``model.pt``)."""
    state = torch.load(folder / "model.pt", weights_only=True)
    g = on_crossbars(Generator(state["width"]), state.get("on_hardware", True))
    g.load_state_dict(state["generator"])
    return g


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--max-steps", type=int)
    p.add_argument("--limit", type=int, help="train on the first N images (a quick run)")
    p.add_argument("--fid-n", type=int, default=10_000, help="images of the final FID (0: none)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--float", action="store_true", help="train both networks in float (the recipe's baseline)")
    p.add_argument("--mode-seeking", type=float, default=1.0, metavar="LAMBDA", help="weight of MSGAN's "
                   "mode-seeking term in the generator's loss (0: plain DCGAN, the first runs' recipe)")
    p.add_argument("--time-limit", type=float, help="minutes: stop after the epoch that passes them (a leg); "
                   "the same command continues from --out")
    p.add_argument("--out", type=Path, default=Path("runs/conditional"))
    p.add_argument("--generate-from", type=Path, help="a folder this script trained: generate from its model.pt")
    p.add_argument("--garment", type=int, choices=range(10), help="with --generate-from: 64 images of this class")
    p.add_argument("--accuracy-of", type=Path, metavar="DIR", help="a folder this script trained: how often a "
                   "classifier names the garment asked for (accuracy.json there)")
    args = p.parse_args()
    if args.mode_seeking < 0:
        p.error(f"--mode-seeking {args.mode_seeking}: a weight >= 0 (a negative one would reward the collapse)")
    if args.accuracy_of:
        write_accuracy(trained_generator(args.accuracy_of), args.accuracy_of)
        return
    if args.generate_from:
        g = trained_generator(args.generate_from)
        save_grid(garments(g, 64, args.garment), args.out)
        print(f"wrote 64 images of {GARMENTS[args.garment] if args.garment is not None else 'every garment'} "
              f"to {args.out}")
        return
    args.out.mkdir(parents=True, exist_ok=True)
    g, _, finished = train(args.epochs, args.width, args.out, args.max_steps, args.limit, args.seed, args.time_limit,
                           not args.float, args.mode_seeking)
    if finished and args.fid_n:
        record = measure(g, args.fid_n, args.out)
        energy = record["energy_per_image_nJ"]
        print(f"{record['metric']} = {record['fid']:.2f}" + (f"; {energy['devices']:.3f} nJ per image in the "
                                                              "devices" if energy else ""))
        write_accuracy(g, args.out)


def write_accuracy(g: nn.Module, folder: Path) -> dict:
    """``label_accuracy`` of a trained generator into ``folder/accuracy.json``, with what made it."""
    record = {**label_accuracy(g), "command": " ".join(["python", *sys.argv]), "environment": environment()}
    save_json(record, folder / "accuracy.json")
    print(f"label accuracy {record['label_accuracy']:.1%} (the classifier on the real test images: "
          f"{record['classifier_test_accuracy']:.1%})")
    return record


if __name__ == "__main__":
    main()
