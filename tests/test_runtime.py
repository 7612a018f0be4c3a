"""The allocator setting of spindcgan.runtime: freed big blocks are reused without new page faults."""

from __future__ import annotations

import platform
import resource

import pytest
import torch

from spindcgan.runtime import keep_freed_memory

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
