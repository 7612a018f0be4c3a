"""Process-wide runtime settings (glibc's allocator kept for big tensors, full fp32 on CUDA devices), the
arithmetic of a training step (``training_precision``) and the record of the environment a run computes in.

The allocator: freed memory is kept for reuse, not handed back to the kernel.

By default glibc serves every allocation above its mmap threshold (128 KiB, growing to at most 32 MiB) with a
fresh ``mmap`` and returns it with ``munmap`` when the tensor is freed. The FID's Inception (a batch of 100
images is a 107 MB input and activations of 0.5 GB) and 64x64 training steps allocate and free such tensors
many times a second, so the kernel zero-fills every page again: on this project's 2-core machine a third of
the FID's CPU time was system time. Taking large blocks from the heap instead and never trimming it removes
those page faults (``python benchmarks/allocator.py``: FID features and anime training steps, with vs without).
The price is that the process keeps its peak memory until it exits.

Only glibc (Linux) has ``mallopt``; elsewhere this does nothing and says so by returning False.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import hashlib
import platform
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import PIL
import torch

from .errors import SpinDCGANError

M_TRIM_THRESHOLD = -1  # <malloc.h>: free memory at the heap's top above this is returned to the kernel
M_MMAP_MAX = -4  # <malloc.h>: how many blocks may be served by mmap at once (0: none, all from the heap)
GLIBC_DEFAULTS = {M_TRIM_THRESHOLD: 128 * 1024, M_MMAP_MAX: 65536}  # glibc's documented defaults
KEEP = {M_TRIM_THRESHOLD: 2**31 - 1, M_MMAP_MAX: 0}  # mallopt takes a C int: 2 GiB is the largest threshold


@functools.lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    libc = ctypes.CDLL(None)
    return libc if hasattr(libc, "mallopt") else None


def keep_freed_memory(keep: bool = True) -> bool:
    """Make glibc keep freed memory for the next tensor (``keep=False``: its default settings again).

    Process-wide; the CLI does it for every verb. Returns whether the allocator took the settings."""
    libc = _libc()
    if libc is None:
        return False
    settings = KEEP if keep else GLIBC_DEFAULTS
    return all(libc.mallopt(param, value) == 1 for param, value in settings.items())


DEVICE_TYPES = ("cpu", "cuda")
"""Where the project computes: the CPU, or a CUDA GPU (``cuda`` or ``cuda:N``)."""


def check_device(device: str, name: str = "device", available: bool = True) -> str:
    """``device`` if it names a device this project computes on (``DEVICE_TYPES``) and, with ``available``, one this
    machine has; else a one-line error naming the setting ``name`` (a typo would otherwise surface from deep
    inside torch at the first tensor moved)."""
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        parsed = None
    if parsed is None or parsed.type not in DEVICE_TYPES:
        raise SpinDCGANError(f"{name} {device!r} is not a device: cpu, cuda or cuda:N")
    if available and parsed.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if (parsed.index or 0) >= count:
            raise SpinDCGANError(f"{name} {device!r}: this machine has "
                                 f"{'no CUDA device' if not count else f'{count} CUDA device(s)'}")
    return device


def full_fp32_on_cuda(device: str) -> None:
    """On a CUDA device, compute convolutions and matrix products in full fp32, as on the CPU.

    PyTorch lets cuDNN convolutions use TF32 by default (inputs rounded to 11 significant bits). The modelled
    crossbars and the FID protocol are both defined in fp32, so a GPU run must compute what a CPU run computes:
    process-wide, set before the first CUDA kernel of training or of the FID's Inception."""
    if device.startswith("cuda"):
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False


PRECISIONS = ("fp32", "bf16")
"""The arithmetic of a training step (``TrainConfig.precision``)."""


def training_precision(precision: str, device: str) -> contextlib.AbstractContextManager:
    """The context a training step runs in: nothing for "fp32"; for "bf16", autocast, which computes convolutions
    and matrix products in bfloat16 (8 significant bits) and keeps the weights, the optimiser, the losses and
    the BatchNorm statistics in fp32; fast where the processor has bfloat16 products (``cpu_has_native_bf16``,
    docs/benchmarks.md).

    Only training uses it: sampling, FID, export and energy always compute in fp32, so the generator a run is
    measured by is the fp32 one whatever it trained in. ``precision`` is one of ``PRECISIONS`` (``TrainConfig``
    checks a run's)."""
    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast("cuda" if device.startswith("cuda") else "cpu", dtype=torch.bfloat16)


def _cpuinfo(field: str) -> str | None:
    """The value of a field of the first processor in /proc/cpuinfo (None where there is none: not Linux)."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return None
    return next((ln.split(":", 1)[1].strip() for ln in lines if ln.split(":", 1)[0].strip() == field), None)


def _cpu_model() -> str:
    return _cpuinfo("model name") or platform.processor() or platform.machine()


def cpu_has_native_bf16() -> bool | None:
    """Whether the CPU computes bfloat16 products in hardware (AVX-512 BF16 or AMX; None: cannot tell). Without
    them oneDNN emulates bfloat16, and ``--precision bf16`` steps can be slower than fp32 ones."""
    flags = _cpuinfo("flags")
    return None if flags is None else bool({"avx512_bf16", "amx_bf16"} & set(flags.split()))


def command_line() -> str:
    """This process's command as typed, quoted for a shell: ``spindcgan sweep ...`` for the console script,
    ``python experiments/x.py ...`` for a script (a record says how it was made)."""
    program = sys.argv[0]
    head = ["python", program] if program.endswith(".py") else [Path(program).name]
    return shlex.join([*head, *sys.argv[1:]])


@functools.cache
def source_commit() -> str:
    """The git commit of the spindcgan source this process imported (a checkout or an editable install), or
    "unknown" for an installed copy: which code made a result, recorded beside it."""
    here = Path(__file__).resolve().parent
    try:
        top, head = subprocess.run(["git", "rev-parse", "--show-toplevel", "HEAD"], capture_output=True, text=True,
                                   check=True, cwd=here).stdout.split()
    except (OSError, subprocess.CalledProcessError, ValueError):
        return "unknown"
    return head if here.is_relative_to(Path(top).resolve()) else "unknown"


def environment(device: str = "cpu", data: torch.Tensor | None = None) -> dict[str, Any]:
    """What a computation ran with beyond its config: library versions, processor, threads and, given ``data``,
    the SHA-256 of its bytes. One config and seed train bit for bit alike in one environment
    (``tests/test_training.py``); two environments need not (session 15's rerun of a session-14 anime run differed
    from step 50), so each run keeps this record to compare."""
    from . import __version__

    record: dict[str, Any] = {
        "spindcgan": __version__, "python": platform.python_version(), "torch": torch.__version__,
        "numpy": np.__version__, "pillow": PIL.__version__, "cpu": _cpu_model(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(), "threads": torch.get_num_threads(),
        "device": torch.cuda.get_device_name(device) if device.startswith("cuda") else device,
        "commit": source_commit(),
    }
    if data is not None:
        record["data_sha256"] = hashlib.sha256(data.detach().cpu().contiguous().numpy().tobytes()).hexdigest()
    return record
