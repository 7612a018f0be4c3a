"""Sampling a trained generator: the same seed gives the same images."""

from __future__ import annotations

from pathlib import Path

import torch
from PIL import Image

from .errors import SpinDCGANError
from .io import atomic_write, image_format, new_output, save_grid, to_uint8, writable_file, writable_folder
from .models import Generator


@torch.no_grad()
def generate(generator: Generator, n: int, seed: int = 0, batch_size: int = 500) -> torch.Tensor:
    """``n`` images [n, C, H, W] in [-1, 1]; latent noise from a generator seeded by ``seed``."""
    device = next(generator.parameters()).device
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(n, generator.config.z_dim, generator=gen)
    generator.eval()
    return torch.cat([generator(z[i : i + batch_size].to(device)).cpu() for i in range(0, n, batch_size)])


def sample_output(out: str | Path, overwrite: bool = False) -> Path:
    """``out`` as ``write_samples`` will write it, refused in one line (before any image is made) where it would
    clobber without ``overwrite`` or cannot be written."""
    out = Path(out)
    if image_format(out) is not None:
        return new_output(out, overwrite)
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise SpinDCGANError(f"{out} is a non-empty folder; choose another --out or pass --overwrite")
    writable_file(out / "000000.png")  # no file stands where the folder goes
    return out


def write_samples(images: torch.Tensor, out: str | Path, overwrite: bool = False) -> Path:
    """A grid when ``out`` ends in an image suffix (.png, .jpg, ...: ``io.image_format``), else one PNG per image in
    the folder ``out`` (``NNNNNN.png``); never clobbers without ``overwrite`` (``sample_output``), and with it
    leaves no image of an earlier sample behind (other files stay)."""
    out = sample_output(out, overwrite)
    if image_format(out) is not None:
        return save_grid(images, out)
    writable_folder(out)
    for i, pixels in enumerate(to_uint8(images)):
        image = Image.fromarray(pixels[..., 0] if pixels.shape[-1] == 1 else pixels)
        atomic_write(out / f"{i:06d}.png", lambda tmp, im=image: im.save(tmp, format="PNG"))
    for stale in out.glob("[0-9]" * 6 + ".png"):  # an earlier, larger sample's: an FID of the folder would mix them
        if int(stale.stem) >= len(images):
            stale.unlink()
    return out
