"""spindcgan.runtime: freed big blocks are reused without new page faults; CUDA computes in full fp32."""

from __future__ import annotations

import platform
import resource
import subprocess
from pathlib import Path

import pytest
import torch

import spindcgan
from spindcgan.runtime import environment, full_fp32_on_cuda, keep_freed_memory

GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


def faults_of_a_fresh_64mb_tensor() -> int:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    x = torch.ones(16 * 2**20)  # 64 MiB, every page written
    after = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    del x
    return after - before


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's")
def test_kept_memory_serves_the_next_big_tensor_without_page_faults():
    try:
        assert keep_freed_memory()
        faults = [faults_of_a_fresh_64mb_tensor() for _ in range(8)]  # the first ones grow the heap
        # glibc's default: 16,384 faults (4 KiB pages) every time, the block went back to the kernel
        assert sum(faults[4:]) < 16384, faults
    finally:
        keep_freed_memory(False)


@pytest.mark.skipif(GLIBC, reason="only without glibc")
def test_without_glibc_it_says_it_did_nothing():
    assert keep_freed_memory() is False


def test_a_cuda_device_computes_in_full_fp32_and_the_cpu_is_left_alone():
    """cuDNN's default TF32 would round what the modelled crossbars compute to 11 bits on a GPU only. The switches
    are plain flags, settable without a GPU, so the test runs everywhere."""
    saved = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    try:
        torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = True
        full_fp32_on_cuda("cpu")
        assert torch.backends.cudnn.allow_tf32 and torch.backends.cuda.matmul.allow_tf32
        full_fp32_on_cuda("cuda:0")
        assert not torch.backends.cudnn.allow_tf32 and not torch.backends.cuda.matmul.allow_tf32
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = saved


def test_the_environment_names_the_commit_of_the_imported_source():
    """A checkout's own HEAD (what made a result), or "unknown" where the source is not in a git checkout."""
    src = Path(spindcgan.__file__).resolve().parent
    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=src)
    expected = head.stdout.strip() if head.returncode == 0 else "unknown"
    assert environment()["commit"] == expected
    assert expected == "unknown" or len(expected) == 40
