"""What several commands share: argparse types that refuse bad values in one line, the model and hardware options
(one per setting of ``crossbar.terms.TERMS``) and how they become typed configs."""

from __future__ import annotations

import argparse
import math
import typing
from dataclasses import replace

from ..crossbar.config import ActivationDevices, HardwareConfig
from ..crossbar.terms import TERMS, option_of, with_terms
from ..data.registry import SPLITS
from ..errors import SpinDCGANError
from ..models import D_NORMS, DATASETS, ModelConfig
from ..runtime import check_device
from ..seeds import MAX_SEED, check_seed


class OneLineParser(argparse.ArgumentParser):
    """argparse with its errors in one line, like every other error of the CLI (the usage is one --help away)."""

    def error(self, message: str) -> typing.NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def finite(text: str) -> float:
    """An argparse type: a finite number (NaN and infinities are no setting)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def at_least(minimum: int) -> typing.Callable[[str], int]:
    """An argparse type: an integer >= ``minimum`` (counts >= 1, seeds >= 0)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    return parse


count, whole = at_least(1), at_least(0)


def seed_number(text: str) -> int:
    """An argparse type: a seed (``seeds.check_seed``: an integer in [0, MAX_SEED])."""
    value = whole(text)
    try:
        return check_seed(value, "a seed")
    except SpinDCGANError:
        raise argparse.ArgumentTypeError(f"must be <= {MAX_SEED}, got {value}") from None


def device(text: str) -> str:
    """An argparse type: a device this machine computes on (``runtime.check_device``)."""
    try:
        return check_device(text, "")
    except SpinDCGANError as exc:
        raise argparse.ArgumentTypeError(str(exc).strip()) from None

REFERENCE_SPLITS = sorted({split for splits in SPLITS.values() for split in splits})
"""The splits an FID may compare with, over all datasets (a dataset's own are checked when it loads)."""


def add_model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dataset", choices=DATASETS, help="dataset preset (default fashion-mnist)")
    p.add_argument("--width", type=count, help="DCGAN width ngf = ndf (default 64)")
    p.add_argument("--d-norm", choices=D_NORMS,
                   help="discriminator normalisation: batch (DCGAN, default) or spectral (SNGAN; no BatchNorm)")


def model_from_args(args: argparse.Namespace) -> ModelConfig:
    model = ModelConfig.preset(args.dataset or "fashion-mnist", args.width or 64)
    return model if args.d_norm is None else replace(model, d_norm=args.d_norm)


def term_value(name: str) -> typing.Callable[[str], str]:
    """An argparse type for the hardware setting ``name``: its text, once ``crossbar.terms`` reads it."""

    def parse(text: str) -> str:
        try:
            TERMS[name].parse(text)
        except (ValueError, SpinDCGANError):
            raise argparse.ArgumentTypeError(f"expected {TERMS[name].kind}, got {text!r}") from None
        return text

    return parse


HARDWARE_SWITCHES = ("float_weights", "cmos_activations", "float_discriminator")
HARDWARE_OPTIONS = (*HARDWARE_SWITCHES, *TERMS)
"""The dests of the hardware options: the switches, then one per setting of ``crossbar.terms.TERMS``."""


def add_hardware_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("modelled hardware (default: the paper's 6-bit synapses + DW activations; each "
                             "option is also a --grid and --train-noise name, docs/cli.md)")
    g.add_argument("--float", action="store_true", help="float baseline: no hardware model at all")
    g.add_argument("--float-weights", action="store_true", help="keep float weights (DW activations only)")
    g.add_argument("--cmos-activations", action="store_true", help="CMOS ReLU/LeakyReLU instead of DW devices")
    g.add_argument("--float-discriminator", action="store_true",
                   help="train against a float (CMOS) discriminator; the generator stays on the modelled hardware")
    for name, term in TERMS.items():
        g.add_argument(option_of(name), dest=name, type=term_value(name), metavar=term.metavar, help=term.help)
        for former in term.former:  # older spellings, still read (--wire-compensation was a flag)
            if name == "compensation":
                g.add_argument(former, dest=name, action="store_const", const="1", help=argparse.SUPPRESS)
            else:
                g.add_argument(former, dest=name, type=term_value(name), help=argparse.SUPPRESS)


def hardware_given(args: argparse.Namespace) -> list[str]:
    """The hardware options given, by dest (``--float`` first)."""
    return [o for o in ("float", *HARDWARE_OPTIONS) if getattr(args, o, None) not in (None, False)]


def keeps_its_own(args: argparse.Namespace, trained: str) -> None:
    """A trained file (``trained``) keeps the model and hardware it was trained on: a one-line error where an
    option that describes a fresh model (--dataset, --width, --bits, ...) is given beside it, rather than ignoring
    it."""
    given = [o for o in ("dataset", "width", "d_norm") if getattr(args, o, None) is not None] + hardware_given(args)
    if given:
        raise SpinDCGANError(f"{option_of(given[0])} describes a fresh model or --model's; {trained} keeps its own "
                             f"(spindcgan sweep FILE --grid NAME=V1,V2 measures a trained generator on other hardware)")


def hardware_from_args(args: argparse.Namespace) -> HardwareConfig | None:
    """The HardwareConfig the options describe (None for --float)."""
    if args.float:
        given = hardware_given(args)[1:]
        if given:
            raise SpinDCGANError(f"--float models no hardware; drop {option_of(given[0])}")
        return None
    hw = HardwareConfig()
    if args.float_weights:
        hw = replace(hw, synapse=None)
    if args.cmos_activations:
        hw = replace(hw, activations=ActivationDevices(relu=None, leaky_relu=None))
    if args.float_discriminator:
        hw = replace(hw, discriminator_on_hardware=False)
    # the default synapse at other bits (--bits) keeps its micromagnetic calibration
    return with_terms(hw, {name: getattr(args, name) for name in TERMS if getattr(args, name) is not None})


def add_image_output_options(p: argparse.ArgumentParser, default_out: str) -> None:
    p.add_argument("--n", type=count, default=64, help="images (default 64)")
    p.add_argument("--seed", type=seed_number, default=0, help="latent noise seed: the same seed gives the same images")
    p.add_argument("--out", default=default_out,
                   help="FILE.png (or .jpg, any image suffix) for a grid, or a folder for single PNGs")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out")


def add_factory_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("a network of your own (instead of the DCGAN presets; docs/convert.md)")
    g.add_argument("--model", metavar="MODULE:FUNCTION", dest="model",
                   help="a function returning an nn.Module, e.g. my_pkg.nets:make_generator; converted onto the "
                        "hardware options unless it already has crossbar layers")
    g.add_argument("--input-shape", metavar="N,...", help="its example input's shape, batch first, e.g. 1,100")
