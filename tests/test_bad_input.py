"""Every command holds against bad input (issue 51): a non-zero exit, one line naming the file or the option and
what is wrong, no traceback, and nothing the user had overwritten or lost.

``CASES`` is the table of docs/bad-input.md (``python tests/test_bad_input.py`` writes it; a test checks it is
current), beside the cases that need a process of their own (``PROCESS_CASES``: kill -9, a full disk).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
IDX = Path("/usr/share/datasets/fashion-mnist")


@dataclass(frozen=True)
class Case:
    kind: str
    what: str
    argv: Callable[[Path, Path], list[str]]  # (the shared files, this case's own folder) -> the command's arguments
    says: str  # what the one line must name

    @property
    def id(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.what.lower()).strip("-")


TINY = ["--width", "4", "--batch-size", "16", "--limit", "32", "--no-progress", "--max-steps", "1"]
ANIME = ["train", "--dataset", "anime", "--width", "4", "--batch-size", "2", "--limit", "4", "--no-progress",
         "--max-steps", "1"]


def train(*options: str) -> Callable[[Path, Path], list[str]]:
    """A tiny Fashion-MNIST training with ``options``, into the case's own folder."""
    return lambda w, t: ["train", *TINY, "--out", str(t / "runs"), *options]


def run_of(w: Path) -> Path:
    return w / "runs" / "00000-fashion-mnist-6bit-dw"


def copied_run(w: Path, t: Path, edit: Callable[[Path], None]) -> Path:
    """A copy of the shared run folder, edited; the shared one stays as it was."""
    run = shutil.copytree(run_of(w), t / "run")
    edit(run)
    return run


def edit_config(change: Callable[[dict], None]) -> Callable[[Path], None]:
    def edit(run: Path) -> None:
        config = json.loads((run / "config.json").read_text())
        change(config)
        (run / "config.json").write_text(json.dumps(config))
    return edit


def resume(edit: Callable[[Path], None]) -> Callable[[Path, Path], list[str]]:
    return lambda w, t: ["train", "--resume", str(copied_run(w, t, edit)), "--max-steps", "2", "--no-progress"]


def idx_folder(t: Path, content: Callable[[bytes], bytes]) -> Path:
    """A copy of the Fashion-MNIST files with the training images' file replaced by ``content(original)``."""
    folder = t / "idx"
    shutil.copytree(IDX, folder)
    images = folder / "train-images-idx3-ubyte.gz"
    images.write_bytes(content(images.read_bytes()))
    return folder


def idx_training(content: Callable[[bytes], bytes]) -> Callable[[Path, Path], list[str]]:
    """A tiny training on the Fashion-MNIST files with the training images' file as ``content`` makes it."""
    return lambda w, t: train("--data", str(idx_folder(t, content)))(w, t)


def image_bytes(size: int = 64, mode: str = "RGB", kind: str = "PNG") -> bytes:
    pixels = np.random.default_rng(size).integers(0, 256, (size, size, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).convert(mode).save(out, kind)
    return out.getvalue()


def zip_of(t: Path, entries: dict[str, bytes]) -> Path:
    path = t / "faces.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def anime_with(*entries: tuple[str, bytes]) -> Callable[[Path, Path], list[str]]:
    """A tiny anime training on a zip of four good faces and ``entries``."""
    def argv(w: Path, t: Path) -> list[str]:
        data = zip_of(t, {f"{i}.png": image_bytes() for i in range(4)} | dict(entries))
        return [*ANIME, "--out", str(t / "runs"), "--data", str(data)]
    return argv


def edited_export(w: Path, t: Path, edit: Callable[[dict], None]) -> Path:
    """A copy of the shared export with its contents edited (a damaged or hand-edited file)."""
    import torch

    data = torch.load(w / "g.pt", weights_only=False)
    edit(data)
    torch.save(data, t / "edited.pt")
    return t / "edited.pt"


def generate_edited(edit: Callable[[dict], None]) -> Callable[[Path, Path], list[str]]:
    return lambda w, t: ["generate", "--model", str(edited_export(w, t, edit)), "--out", str(t / "g.png")]


def first_layer(data: dict) -> dict:
    return next(iter(data["crossbars"].values()))


def converted_export(w: Path, t: Path) -> Path:
    """bad_input_nets:make (16 numbers in, 8 out: no image) converted and exported with its own weights."""
    import torch
    from bad_input_nets import make

    from spindcgan.cli import main

    torch.save(make().state_dict(), t / "make.pt")
    assert main(["export", "--model", "bad_input_nets:make", "--input-shape", "1,16", "--weights",
                 str(t / "make.pt"), "--out", str(t / "net.pt")]) == 0
    return t / "net.pt"


def packed(w: Path, t: Path) -> Path:
    """A pack of the shared run."""
    from spindcgan.cli import main

    assert main(["pack", str(run_of(w)), "--out", str(t / "whole.pack")]) == 0
    return t / "whole.pack"


def pack_without(part: str) -> Callable[[Path, Path], list[str]]:
    """unpack of a pack of the shared run with the part ``part`` taken out of its zip."""
    def argv(w: Path, t: Path) -> list[str]:
        with zipfile.ZipFile(packed(w, t)) as whole, zipfile.ZipFile(t / "cut.pack", "w") as cut:
            for name in whole.namelist():
                if name != f"{part}.pt.xz":
                    cut.writestr(name, whole.read(name))
        return ["unpack", str(t / "cut.pack"), "--out", str(t / "up")]
    return argv


def folder_fid(real: str, fake: str, *options: str) -> Callable[[Path, Path], list[str]]:
    return lambda w, t: ["fid", "--real", str(w / real), "--fake", str(w / fake), "--no-progress", *options]


CASES = [
    # data
    Case("data", "a truncated IDX file", idx_training(lambda b: b[:1000]), "train-images-idx3-ubyte.gz: cannot"),
    Case("data", "a garbage IDX file", idx_training(lambda b: b"garbage" * 99), "train-images-idx3-ubyte.gz: cannot"),
    Case("data", "an IDX file of the wrong shape", idx_training(
        lambda b: gzip.compress(b"\x00\x00\x08\x03" + (7).to_bytes(4, "big") + bytes(7))),
        "train-images-idx3-ubyte.gz"),
    Case("data", "an empty data folder", lambda w, t: train("--data", str(w / "empty"))(w, t), "not found"),
    Case("data", "--data naming a file, not a folder", lambda w, t: train("--data", str(w / "a-file"))(w, t),
         "a-file: no such folder"),
    Case("data", "an energy ledger's --data that cannot be read", lambda w, t: [
        "energy", "--width", "4", "--batch", "2", "--update-steps", "0", "--data", str(w / "empty"), "--out",
        str(t)], "not found"),
    Case("data", "a zip entry named as an image that is none", anime_with(("notes.png", b"not an image")),
         "notes.png (unreadable"),
    Case("data", "a zip with no images", lambda w, t: [*ANIME, "--out", str(t / "runs"), "--data", str(
        zip_of(t, {"readme.txt": b"faces to come"}))], "faces.zip: no images found"),
    Case("data", "a corrupt JPEG inside a zip", anime_with(("broken.jpg", image_bytes(kind="JPEG")[:300])),
         "broken.jpg (unreadable"),
    Case("data", "training images smaller than the model's", anime_with(("small.png", image_bytes(32))),
         "small.png (32x32, smaller than the model's 64x64)"),
    Case("data", "a grayscale image in a colour set", anime_with(("gray.png", image_bytes(mode="L"))),
         "gray.png (grayscale"),
    Case("data", "a file named .zip that is no zip", lambda w, t: [*ANIME, "--out", str(t / "runs"), "--data",
                                                                   str(w / "not.zip")], "not a folder or a zip"),
    # run folders
    Case("run folder", "resume from a truncated checkpoint", resume(
        lambda run: (run / "checkpoint.pt").write_bytes((run / "checkpoint.pt").read_bytes()[:5000])),
        "checkpoint.pt: not a readable spindcgan checkpoint"),
    Case("run folder", "resume with a config.json that is not JSON", resume(
        lambda run: (run / "config.json").write_text("{not json")), "config.json: cannot read run config"),
    Case("run folder", "resume with a config.json field of the wrong type", resume(
        edit_config(lambda c: c["train"].update(epochs="many"))), "config.json: train.epochs must be an integer"),
    Case("run folder", "resume with an unknown config.json field", resume(
        edit_config(lambda c: c["train"].update(colour=1))), "unknown field(s) in train: colour"),
    Case("run folder", "resume with a config.json of another width than the checkpoint", resume(
        edit_config(lambda c: c["model"].update(g_channels=[32, 16], d_channels=[16, 32]))),
        "config.json: model.g_channels is (32, 16), the checkpoint's (16, 8)"),
    Case("run folder", "resume with a config.json of other hardware than the checkpoint", resume(
        edit_config(lambda c: c["hardware"]["synapse"].update(bits=4))), "config.json: hardware.synapse"),
    Case("run folder", "resume with a config.json of an unknown dataset", resume(
        edit_config(lambda c: c["model"].update(dataset="cifar"))),
        "model.dataset 'cifar' is not one of fashion-mnist, anime"),
    Case("run folder", "resume with an option the run fixed", lambda w, t: [
        "train", "--resume", str(copied_run(w, t, lambda run: None)), "--width", "8"], "--width cannot change"),
    Case("run folder", "resume from a folder that does not exist", lambda w, t: [
        "train", "--resume", str(t / "nowhere"), "--no-progress"], "nowhere: no such run folder"),
    Case("run folder", "two trainings of one run folder at once", lambda w, t: held_run(w, t),
         "another training is running in this run folder"),
    # files of the wrong kind
    Case("wrong file", "a checkpoint where an export is expected", lambda w, t: [
        "generate", "--model", str(run_of(w) / "checkpoint.pt"), "--out", str(t / "g.png")],
        "not a spindcgan device-state file"),
    Case("wrong file", "a file torch did not write as a network's weights", lambda w, t: [
        "export", "--model", "bad_input_nets:make", "--input-shape", "1,16", "--weights", str(w / "keep.png"),
        "--out", str(t / "net.pt")], "keep.png: not a state_dict file"),
    Case("wrong file", "a whole pickled model as a network's weights", lambda w, t: [
        "export", "--model", "bad_input_nets:make", "--input-shape", "1,16", "--weights", str(w / "module.pt"),
        "--out", str(t / "net.pt")], "module.pt: holds more than tensors (a whole pickled model?)"),
    Case("wrong file", "an export where a run or pack is expected", lambda w, t: [
        "train", "--resume", str(w / "g.pt"), "--out", str(t / "runs")], "g.pt: not a spindcgan pack"),
    Case("wrong file", "a truncated export", lambda w, t: [
        "generate", "--model", str(truncated(w / "g.pt", t)), "--out", str(t / "g.png")],
        "not a readable device-state file"),
    Case("wrong file", "random bytes as a checkpoint", lambda w, t: [
        "sample", str(w / "random.pt"), "--out", str(t / "s.png")], "random.pt: not a readable spindcgan checkpoint"),
    Case("wrong file", "a state_dict of another network for a converted export", lambda w, t: [
        "export", "--model", "bad_input_nets:make", "--input-shape", "1,16", "--weights", str(w / "other.pt"),
        "--out", str(t / "net.pt")], "not a state_dict of bad_input_nets:make"),
    Case("wrong file", "a network with no layer the crossbars can hold", lambda w, t: [
        "info", "--model", "bad_input_nets:recurrent", "--input-shape", "1,4,16"],
        "no Conv2d, ConvTranspose2d or Linear"),
    Case("wrong file", "random bytes as the model of an energy ledger", lambda w, t: [
        "energy", str(w / "random.pt"), "--out", str(t / "ledger")], "random.pt: not a readable spindcgan checkpoint"),
    Case("wrong file", "an info of a truncated export", lambda w, t: [
        "info", str(truncated(w / "g.pt", t))], "not a readable"),
    Case("wrong file", "a pack of something that is no run folder", lambda w, t: [
        "pack", str(w / "g.pt"), "--out", str(t / "p.pack")], "g.pt: no such run folder"),
    Case("wrong file", "an export whose layer holds too few states", generate_edited(
        lambda d: first_layer(d).update(positive=first_layer(d)["positive"][:1])), "edited.pt: damaged device states"),
    Case("wrong file", "an export with a NaN scale", generate_edited(
        lambda d: first_layer(d).update(scale=float("nan"))), "edited.pt: damaged device states: layer main.0: its "
        "scale is nan"),
    Case("wrong file", "an export without a BatchNorm parameter", generate_edited(
        lambda d: d["cmos"].pop(next(k for k in d["cmos"] if k.endswith(".weight")))),
        "edited.pt: damaged device states: the CMOS parameters do not fit"),
    Case("wrong file", "a converted network whose output is no image, to generate", lambda w, t: [
        "generate", "--model", str(converted_export(w, t)), "--out", str(t / "g.png")],
        "net.pt: bad_input_nets:make outputs a tensor of shape (64, 8), not images"),
    Case("wrong file", "a converted network's export to the DCGAN's energy ledger", lambda w, t: [
        "energy", str(converted_export(w, t)), "--out", str(t)],
        "net.pt: holds bad_input_nets:make, a network of your own: spindcgan energy --model bad_input_nets:make "
        "--input-shape 1,16"),
    Case("wrong file", "a pack where an export is expected", lambda w, t: [
        "generate", "--model", str(packed(w, t)), "--out", str(t / "g.png")],
        "whole.pack: a pack of a run, not a checkpoint or export: spindcgan unpack"),
    Case("wrong file", "a pack without its generator", pack_without("generator"),
         "cut.pack: not a whole spindcgan pack (no generator part)"),
    Case("wrong file", "unpack of a file that is no pack", lambda w, t: [
        "unpack", str(w / "random.pt"), "--out", str(t / "up")], "random.pt: not a spindcgan pack"),
    # options
    Case("option", "a zero count", train("--epochs", "0"), "train.epochs must be >= 1"),
    Case("option", "a device that is none", train("--device", "foo"),
         "argument --device: 'foo' is not a device: cpu, cuda or cuda:N"),
    Case("option", "a negative count", lambda w, t: ["generate", "--n", "-1"], "argument --n: must be >= 1"),
    Case("option", "zero threads", train("--threads", "0"), "argument --threads: must be >= 1"),
    Case("option", "a negative seed", train("--seed", "-1"), "argument --seed: must be >= 0"),
    Case("option", "a seed beyond torch's 64 bits", lambda w, t: [
        "generate", "--seed", "99999999999999999999", "--out", str(t / "g.png")],
        "argument --seed: must be <= 9223344366820"),
    Case("option", "a hardware seed beyond torch's 64 bits", train("--hw-seed", str(2**63)),
         "argument --hw-seed: expected an integer in [0, 9223344366820]"),
    Case("option", "a NaN rate", train("--lr", "nan"), "argument --lr: expected a finite number"),
    Case("option", "an infinite time limit", train("--time-limit", "inf"), "argument --time-limit: expected a finite"),
    Case("option", "a NaN device spread", train("--d2d", "nan"), "argument --d2d: expected a relative std >= 0"),
    Case("option", "a NaN spread by its former name", train("--d2d-sigma", "nan"),
         "argument --d2d-sigma: expected a relative std >= 0"),
    Case("option", "a negative wire resistance", train("--wire", "-1"), "argument --wire: expected a resistance >= 0"),
    Case("option", "an array beyond the exact wire solver's limit", train("--array", "256", "--wire", "1",
                                                                          "--wire-solver", "exact"),
         "the exact wire solver takes arrays of up to 16,384 cells"),
    Case("option", "a probability above 1", train("--stuck", "1.5"), "argument --stuck: expected a share of devices"),
    Case("option", "an EMA decay of 1 or more", train("--ema", "1"), "train.ema must be in [0, 1)"),
    Case("option", "bits 0", train("--bits", "0"), "argument --bits: expected an integer of synapse bits"),
    Case("option", "bits 99", train("--bits", "99"), "synapse.bits must be between 1 and 8, got 99"),
    Case("option", "a word that is no number", train("--lr", "fast"), "argument --lr: expected a number"),
    Case("option", "an unknown augment word", train("--augment", "colour"), "unknown colour"),
    Case("option", "an empty item in a comma list", train("--augment", "color,,translation"),
         "train.augment 'color,,translation': an empty item"),
    Case("option", "an item given twice in a comma list", train("--ema-half-lives", "2,2"),
         "argument --ema-half-lives: '2,2': 2 given twice"),
    Case("option", "an unknown training-noise name", train("--train-noise", "heat=1"), "'heat' is not a noise"),
    Case("option", "an unknown retention duration", train("--retention", "forever"),
         "argument --retention: expected a time"),
    Case("option", "an unknown sweep grid key", lambda w, t: [
        "sweep", str(w / "g.pt"), "--grid", "colour=1", "--out", str(t / "sweep")], "unknown name 'colour'"),
    Case("option", "a sweep grid value out of range", lambda w, t: [
        "sweep", str(w / "g.pt"), "--grid", "bits=99", "--out", str(t / "sweep"), "--n", "10"],
        "synapse.bits must be between 1 and 8"),
    Case("option", "a report of a sweep never run", lambda w, t: [
        "sweep", str(w / "g.pt"), "--grid", "bits=4", "--report-only", "--out", str(t / "sweep")],
        "sweep: no sweep here (no sweep.json); run without --report-only"),
    Case("option", "zero draws of a sweep", lambda w, t: [
        "sweep", str(w / "g.pt"), "--grid", "bits=4", "--draws", "0", "--out", str(t / "sweep")],
        "argument --draws: must be >= 1"),
    Case("option", "an unknown option", train("--colour", "red"), "unrecognized arguments: --colour"),
    Case("option", "zero images traced by the energy ledger", lambda w, t: ["energy", "--batch", "0"],
         "argument --batch: must be >= 1"),
    Case("option", "a negative technology node", lambda w, t: ["energy", "--node", "-1", "--out", str(t)],
         "--node: '-1' is not a technology node in nm > 0"),
    Case("option", "an unknown ADC area model", lambda w, t: ["energy", "--adc-model", "flash", "--out", str(t)],
         "--adc-model: 'flash' is not one of isaac, neurosim, survey"),
    Case("option", "zero columns per ADC", lambda w, t: ["energy", "--adc-share", "0", "--out", str(t)],
         "argument --adc-share: expected an integer >= 1"),
    Case("option", "more columns per ADC than an array has", lambda w, t: [
        "energy", "--adc-share", "200", "--out", str(t)], "hardware.array.adc_share must be an integer in [1, 128]"),
    Case("option", "a sweep over a node of zero", lambda w, t: [
        "sweep", str(w / "g.pt"), "--grid", "node=0,22", "--out", str(t / "sweep")], "'0' is not a technology node"),
    Case("option", "an unknown device to calibrate", lambda w, t: ["devices", "calibrate", "mtj"],
         "argument device: invalid choice: 'mtj'"),
    Case("option", "conflicting options", train("--float", "--bits", "4"), "--float models no hardware"),
    Case("option", "a hardware option beside a trained generator (info)", lambda w, t: [
        "info", str(w / "g.pt"), "--bits", "4"], "--bits describes a fresh model or --model's; "),
    Case("option", "a model option beside a trained run (energy)", lambda w, t: [
        "energy", str(run_of(w)), "--width", "8", "--out", str(t)], "--width describes a fresh model or --model's; "),
    Case("option", "a hardware option beside a trained run (export)", lambda w, t: [
        "export", str(run_of(w)), "--adc-bits", "4", "--out", str(t / "g.pt")], "--adc-bits describes a fresh model"),
    Case("option", "a pack option without a pack", lambda w, t: [
        "train", "--resume", str(copied_run(w, t, lambda run: None)), "--pack-warmup", "10"],
        "--pack-warmup applies to --resume PACK"),
    # outputs
    Case("output", "an existing --out without --overwrite (sample)", lambda w, t: [
        "sample", str(run_of(w)), "--out", str(w / "keep.png")], "keep.png exists"),
    Case("output", "an existing --out without --overwrite (export)", lambda w, t: [
        "export", str(run_of(w)), "--out", str(w / "keep.png")], "keep.png exists"),
    Case("output", "an existing --out without --overwrite (generate)", lambda w, t: [
        "generate", "--n", "2", "--out", str(w / "keep.png")], "keep.png exists"),
    Case("output", "an existing ledger without --overwrite (energy)", lambda w, t: [
        "energy", "--width", "4", "--out", str(w)], "energy-fashion-mnist-zero-padded.json exists"),
    Case("output", "an existing --json without --overwrite (fid)", lambda w, t: folder_fid("colour", "colour")(
        w, t) + ["--json", str(w / "keep.png")], "keep.png exists; choose another --json or pass --overwrite"),
    Case("output", "an output whose parent is a file", lambda w, t: [
        "export", str(run_of(w)), "--out", str(w / "a-file" / "g.pt")], "a-file is not a folder"),
    Case("output", "a run folder parent that is a file", lambda w, t: [
        "train", *TINY, "--out", str(w / "a-file" / "runs")], "a-file is not a folder"),
    Case("output", "an --out that is a device (/dev/full)", lambda w, t: [
        "export", str(run_of(w)), "--out", "/dev/full", "--overwrite"], "/dev/full: not a regular file"),
    Case("output", "a sample folder that is a device (/dev/full)", lambda w, t: [
        "sample", str(run_of(w)), "--out", "/dev/full"], "/dev/full is not a folder"),
    # FID
    Case("FID", "an empty image folder", folder_fid("empty", "colour"), "empty: no readable images"),
    Case("FID", "tiny images", folder_fid("tiny", "colour"), "images of 2x2 are too small for an FID"),
    Case("FID", "grayscale images against colour ones", folder_fid("gray", "colour"),
         "grayscale images against the colour ones"),
    Case("FID", "one reference image", lambda w, t: ["fid", str(w / "g.pt"), "--n", "10", "--ref-n", "1"],
         "--ref-n 1: an FID needs at least 2 images on each side"),
    Case("FID", "one image", folder_fid("one", "colour"), "one: 1 image; an FID needs at least 2 on each side"),
    Case("FID", "one image on the generated side", folder_fid("colour", "one"), "one: 1 image; an FID needs at least"),
    Case("wrong file", "a run folder where an export is expected", lambda w, t: [
        "generate", "--model", str(run_of(w)), "--out", str(t / "g.png")],
        "a folder, not a device-state file (spindcgan export RUN_DIR --out FILE makes one"),
    Case("FID", "fewer reference images than asked", lambda w, t: [
        "fid", str(w / "g.pt"), "--n", "10", "--ref-n", "20000", "--no-progress"],
        "--ref-n 20000 is more than the 10000 images"),
]


def held_run(w: Path, t: Path) -> list[str]:
    """A resume of a run folder that another training holds (this process holds its lock until the test ends)."""
    from spindcgan.training.checkpoint import run_lock

    run = copied_run(w, t, lambda run: None)
    lock = run_lock(run)
    lock.__enter__()
    HELD.append(lock)
    return ["train", "--resume", str(run), "--max-steps", "2", "--no-progress"]


HELD: list = []


def truncated(path: Path, t: Path) -> Path:
    out = t / f"truncated-{path.name}"
    out.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return out


NETS = '''
import torch.nn as nn


def make():
    return nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 8))


class Recurrent(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(16, 8, batch_first=True)

    def forward(self, x):
        return self.rnn(x)[0]


def recurrent():
    return Recurrent()
'''


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> Path:
    """The files the cases read: a tiny trained run, its export, image folders, odd files."""
    import torch

    from spindcgan.cli import main

    w = tmp_path_factory.mktemp("user")
    assert main(["train", *TINY, "--out", str(w / "runs")]) == 0
    assert main(["export", str(run_of(w)), "--out", str(w / "g.pt")]) == 0
    (w / "empty").mkdir()
    (w / "a-file").write_text("a file")
    (w / "not.zip").write_bytes(b"PK but no zip")
    (w / "random.pt").write_bytes(np.random.default_rng(0).bytes(3000))
    (w / "keep.png").write_bytes(b"the user's picture")
    (w / "energy-fashion-mnist-zero-padded.json").write_text("the user's ledger")
    torch.save(torch.nn.Linear(2, 2), w / "module.pt")
    torch.save({"other.weight": torch.zeros(3, 3)}, w / "other.pt")
    (w / "bad_input_nets.py").write_text(NETS)
    for name, size, mode, count in (("colour", 32, "RGB", 4), ("gray", 32, "L", 4), ("tiny", 2, "RGB", 4),
                                    ("one", 32, "RGB", 1)):
        (w / name).mkdir()
        for i in range(count):
            (w / name / f"{i}.png").write_bytes(image_bytes(size, mode))
    return w


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` by its hash: what the user had."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_fails_in_one_line_and_keeps_what_the_user_had(case, shared, tmp_path, capsys, monkeypatch):
    from spindcgan.cli import main

    monkeypatch.syspath_prepend(str(shared))  # the user's own network module (bad_input_nets)
    argv = case.argv(shared, tmp_path)
    before = snapshot(shared)
    try:
        code = main(argv)
    finally:
        while HELD:
            HELD.pop().__exit__(None, None, None)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, err
    assert len(lines) == 1 and "error: " in lines[0] and "Traceback" not in err, err
    assert case.says in lines[0], lines[0]
    assert not re.search(r"\.[^/\s]+\.tmp\b", lines[0]), lines[0]  # the user's file is named, never a temp file
    assert snapshot(shared) == before  # nothing the user had was overwritten or lost


def test_there_are_at_least_thirty_kinds_of_case():
    assert len({case.what for case in CASES}) + len(PROCESS_CASES) >= 30


PROCESS_CASES = [
    ("run folder", "kill -9 during a checkpoint write: the previous checkpoint stays loadable and resumes",
     "test_kill_9_during_a_checkpoint_write_keeps_the_previous_checkpoint"),
    ("output", "a full disk: a one-line error, the old file intact, no partial file behind",
     "test_a_full_disk_fails_in_one_line_and_leaves_no_partial_file"),
    ("sweep", "kill -9 in the middle of a sweep point: a restart loses no finished point and recomputes none",
     "test_a_sweep_killed_mid_point_loses_and_repeats_no_point"),
]
"""Cases that need a process of their own, each a test below: (kind, what, test)."""


def run_python(code: str, cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, capture_output=True, text=True,
                          timeout=300, **kwargs)


def test_kill_9_during_a_checkpoint_write_keeps_the_previous_checkpoint(tmp_path):
    """The second checkpoint's write is killed (SIGKILL) half way through its bytes; the first stays whole, the
    run resumes from it, and the stray temp file is cleared when the run folder is next held."""
    killed = run_python(f"""
        import os, signal, torch
        import spindcgan.io as io
        from spindcgan.cli import main
        saves = []
        def save(obj, path):
            saves.append(path)
            if len(saves) == 2:  # the checkpoint after step 2: half its bytes, then kill -9
                buffer = __import__("io").BytesIO()
                torch.save(obj, buffer)
                with open(path, "wb") as f:
                    f.write(buffer.getvalue()[: len(buffer.getvalue()) // 2])
                    f.flush()
                os.kill(os.getpid(), signal.SIGKILL)
            torch.save(obj, path)
        io.save_torch = lambda obj, path: io.atomic_write(path, lambda tmp: save(obj, tmp))
        main(["train", {", ".join(repr(a) for a in TINY[:-1])}, "4", "--checkpoint-every", "1",
              "--out", "runs"])
    """, tmp_path)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    (run,) = (tmp_path / "runs").iterdir()
    assert [p.name for p in run.glob(".checkpoint.pt.*.tmp")]  # the half-written file, never renamed
    from spindcgan.cli import main
    from spindcgan.training import load_checkpoint

    assert load_checkpoint(run)["step"] == 1  # the previous checkpoint, whole
    assert main(["train", "--resume", str(run), "--no-progress"]) == 0
    assert load_checkpoint(run)["step"] == 4
    assert not list(run.glob(".*.tmp"))


def test_a_full_disk_fails_in_one_line_and_leaves_no_partial_file(tmp_path, shared):
    """A file-size limit (RLIMIT_FSIZE: writes past it fail with EFBIG, as a full disk fails them with ENOSPC)
    stops the export's write: one line naming the file, the user's old file intact, no temp file left."""
    out = tmp_path / "g.pt"
    out.write_bytes(b"the user's old export")
    full = run_python(f"""
        import resource, signal, sys
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
        from spindcgan.cli import main
        sys.exit(main(["export", {str(run_of(shared))!r}, "--out", {str(out)!r}, "--overwrite"]))
    """, tmp_path)
    lines = full.stderr.strip().splitlines()
    assert full.returncode == 2 and len(lines) == 1, full.stderr
    assert "File too large" in lines[0] and str(tmp_path) in lines[0]
    assert out.read_bytes() == b"the user's old export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.pt"]


def test_a_sweep_killed_mid_point_loses_and_repeats_no_point(tmp_path, shared):
    """kill -9 while the third of four points is being measured; the restart measures the third and fourth only,
    and the two finished points' records are kept byte for byte."""
    script = f"""
        import json, os, signal, sys
        import spindcgan.cli as cli
        import spindcgan.metrics.registry as registry  # what the sweep measures through
        kill_at = int(sys.argv[1])
        def fake(generator, *args, **kwargs):
            layer = generator.main[0]
            with open("calls.jsonl", "a") as log:
                log.write(json.dumps([layer.hardware.synapse.bits, layer.hardware.variation.d2d]) + "\\n")
            if sum(1 for _ in open("calls.jsonl")) == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return {{"metric": "fid-fake", "fid": 30.0 - layer.hardware.synapse.bits, "kid": 0.0}}
        registry.generator_fid = fake
        sys.exit(cli.main(["sweep", {str(shared / "g.pt")!r}, "--grid", "bits=4,6", "--grid", "d2d=0,0.1",
                           "--n", "10", "--out", "sweep", "--no-progress"]))
    """
    killed = subprocess.run([sys.executable, "-c", textwrap.dedent(script), "3"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    finished = (tmp_path / "sweep" / "points.jsonl").read_text()
    assert finished.count("\n") == 2
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(script), "0"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    calls = [tuple(json.loads(line)) for line in (tmp_path / "calls.jsonl").read_text().splitlines()]
    assert len(calls) == 5 and len(set(calls)) == 4  # the killed point measured again, no finished one
    points = (tmp_path / "sweep" / "points.jsonl").read_text()
    assert points.startswith(finished) and points.count("\n") == 4


PAGE = ROOT / "docs" / "bad-input.md"


def page() -> str:
    """docs/bad-input.md: every case of this module and what the user reads."""
    lines = ["# Bad input: what each command says", "",
             "Every case below is a test in `tests/test_bad_input.py` (this page is generated from its list: "
             "`python tests/test_bad_input.py`). Each exits with status 2 and one line, `spindcgan: error: ...` "
             "(or `spindcgan COMMAND: error: ...` for an option), naming the file or the option; no traceback; "
             "nothing the user had is overwritten or lost (the test hashes every file before and after).", "",
             "| kind | case | the one line says |", "|---|---|---|"]
    lines += [f"| {c.kind} | {c.what} | `{c.says}` |" for c in CASES]
    lines += ["", "Cases that need a process of their own:", "", "| kind | case | test |", "|---|---|---|"]
    lines += [f"| {kind} | {what} | `{test}` |" for kind, what, test in PROCESS_CASES]
    lines += ["", "Files the data loaders accept as they are: a non-image file in a folder or zip (a README) is "
              "ignored; images larger than the model's size are resized (shorter side) and centre-cropped; for "
              "`spindcgan fid --real/--fake`, unreadable images are skipped with one warning that counts them "
              "(a training set refuses them, above).", ""]
    return "\n".join(lines)


def test_the_bad_input_page_lists_the_cases():
    assert PAGE.read_text() == page()


if __name__ == "__main__":
    PAGE.write_text(page())
    print(f"wrote {PAGE}")
