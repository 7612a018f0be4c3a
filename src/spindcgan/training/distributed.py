"""One run trained by several processes: ``torchrun`` and DistributedDataParallel.

``torchrun --nproc_per_node N -m spindcgan train ...`` starts N ranks of the same command. Each rank holds a
replica of both networks (``DistributedDataParallel``), takes a disjoint shard of every global batch (so the images
of an epoch are the set one process would see) and draws its own latent noise; the gradients are averaged across
ranks before each optimiser step, so every rank holds the same weights after it.

What is GAN-specific:

- The discriminator's BatchNorm buffers stay each rank's own (``forward_sync_buffers=False``, formerly
  ``broadcast_buffers=False``): its running statistics are never used (the discriminator always runs in
  training mode), and broadcasting them would cost a collective per forward, three per step. The generator's
  are rank 0's (DDP's default broadcast): they are the ones sampled. With ``sync_batchnorm`` (CUDA only:
  PyTorch's SyncBatchNorm has no CPU kernel), batch statistics are those of the global batch instead of each
  rank's shard.
- Rank 0 alone writes the run folder (config, metrics, samples, exports, in-training FID, checkpoints) and keeps
  the generator EMA; the others wait for it at the next step's gradient reduction (hence ``COLLECTIVE_TIMEOUT``).
- Every rank's RNG state is checkpointed, so a resume with the same world size continues exactly; another world
  size is refused (its noise streams and BatchNorm shards would be another run).
- Rank 0 draws its noise from the stream a single process draws from, so one rank under torchrun trains the same
  parameters bit for bit as plain ``spindcgan train``.
- Each rank is a chip of its own holding a replica, so every synapse write happens on each: the state changes
  per training image are summed over ranks (``reduce_stats``).

Without torchrun (``world_from_environment()`` is None) none of this runs.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import signal
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel

from ..errors import SpinDCGANError
from ..seeds import stream_seed

BACKENDS = ("gloo", "nccl")
"""gloo runs on CPUs (and GPUs); nccl only between CUDA devices, and is the fast one there."""

COLLECTIVE_TIMEOUT = datetime.timedelta(hours=3)
"""How long a rank waits at a collective. Rank 0 alone measures the in-training FID while the others wait at the
next gradient reduction; a first FID on a CPU also computes the reference statistics (tens of minutes for anime on
two cores), so PyTorch's default of 30 minutes could end a healthy run. A rank that dies is noticed at once
(its connections close; torchrun stops the rest), so the long timeout delays no failure."""

SUMMED_STATS = ("state_changes_per_image",)
"""Step statistics added over ranks (each rank a chip making the same writes); the others are averaged."""


@dataclass(frozen=True)
class World:
    """This process's place among the ranks of one run (from torchrun's environment variables)."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0
    backend: str | None = None
    """gloo or nccl (None: nccl on CUDA, gloo on the CPU)."""

    @property
    def is_main(self) -> bool:
        """Rank 0: the one that writes the run folder."""
        return self.rank == 0

    def backend_for(self, device: str) -> str:
        backend = self.backend or ("nccl" if device.startswith("cuda") else "gloo")
        if backend not in BACKENDS:
            raise SpinDCGANError(f"distributed backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
        if backend == "nccl" and not device.startswith("cuda"):
            raise SpinDCGANError("the nccl backend connects CUDA devices only: train with --device cuda, or "
                                 "--dist-backend gloo on the CPU")
        return backend


def world_from_environment(backend: str | None = None) -> World | None:
    """The World torchrun describes in RANK / WORLD_SIZE / LOCAL_RANK, or None when not launched by it."""
    if "RANK" not in os.environ or "WORLD_SIZE" not in os.environ:
        if backend is not None:
            raise SpinDCGANError("--dist-backend needs a distributed launch: torchrun --nproc_per_node N -m "
                                 "spindcgan train ...")
        return None
    try:
        rank, size = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
        local_rank = int(os.environ.get("LOCAL_RANK", rank))
    except ValueError:
        raise SpinDCGANError("RANK, WORLD_SIZE and LOCAL_RANK must be integers (torchrun sets them)") from None
    return World(rank, size, local_rank, backend)


def rank_device(world: World, device: str) -> str:
    """The device of this rank: ``cuda`` becomes this rank's own GPU (``cuda:LOCAL_RANK``)."""
    if device == "cuda":
        return f"cuda:{world.local_rank}"
    return device


def start(world: World, device: str, batch_size: int, sync_batchnorm: bool) -> None:
    """Check the launch fits the run, then join the process group (every rank calls it)."""
    if batch_size % world.size:
        raise SpinDCGANError(f"train.batch_size {batch_size} does not divide among {world.size} ranks: "
                             f"--batch-size is the global batch; give a multiple of {world.size}")
    if sync_batchnorm and not device.startswith("cuda"):
        raise SpinDCGANError("--sync-batchnorm needs CUDA devices (PyTorch's SyncBatchNorm has no CPU kernel)")
    backend = world.backend_for(device)
    if device.startswith("cuda"):
        torch.cuda.set_device(torch.device(device))
    if not dist.is_initialized():
        dist.init_process_group(backend, rank=world.rank, world_size=world.size, timeout=COLLECTIVE_TIMEOUT)


def stop(completed: bool) -> None:
    """Leave the process group (every rank, at the end of the run). After a completed run the ranks first wait
    for each other: rank 0 still writes the last checkpoint and samples when the others are done, and a gloo rank
    that closes its connections while a peer is still in the group can be aborted by the peer's reader thread.
    After a failure no rank waits (the others may be inside a collective that will never complete)."""
    if not dist.is_initialized():
        return
    if completed:
        dist.barrier()
    dist.destroy_process_group()


def replicate(generator: nn.Module, discriminator: nn.Module, device: str,
              sync_batchnorm: bool) -> tuple[nn.Module, nn.Module]:
    """The two networks wrapped for training across ranks (the modules themselves stay unwrapped for sampling,
    checkpoints and exports; the wrappers share their parameters)."""
    if sync_batchnorm:
        generator = nn.SyncBatchNorm.convert_sync_batchnorm(generator)
        discriminator = nn.SyncBatchNorm.convert_sync_batchnorm(discriminator)
    ids = [torch.device(device).index] if device.startswith("cuda") else None
    # a weight with one input channel (the discriminator's first layer on grey images) has a stride that no
    # layout fixes; DDP warns it may be slower, which for a [C, 1, 4, 4] gradient is nothing
    warnings.filterwarnings("ignore", message="Grad strides do not match bucket view strides")
    return (DistributedDataParallel(generator, device_ids=ids),
            DistributedDataParallel(discriminator, device_ids=ids, forward_sync_buffers=False))


def shard(batch_ids: torch.Tensor, world: World) -> torch.Tensor:
    """This rank's part of a global batch: consecutive equal slices, rank 0 first."""
    local = len(batch_ids) // world.size
    return batch_ids[world.rank * local : (world.rank + 1) * local]


def rank_seed(seed: int, rank: int) -> int:
    """The seed of rank ``rank``'s noise stream (rank 0 keeps the single process's stream, unseeded again)."""
    return stream_seed(seed, rank)


def _all_reduce(values: torch.Tensor, op: dist.ReduceOp = dist.ReduceOp.SUM) -> torch.Tensor:
    """``values`` reduced over all ranks, moved where the backend reduces (nccl: the rank's GPU)."""
    if dist.get_backend() == "nccl":
        values = values.cuda()
    dist.all_reduce(values, op=op)
    return values


def reduce_stats(stats: dict[str, float], world: World) -> dict[str, float]:
    """The step's statistics over all ranks: ``SUMMED_STATS`` added, the rest (losses, D outputs) averaged."""
    names = list(stats)
    values = _all_reduce(torch.tensor([stats[k] for k in names], dtype=torch.float64))
    return {k: float(v) if k in SUMMED_STATS else float(v) / world.size for k, v in zip(names, values.tolist(),
                                                                                          strict=True)}


def agree(flag: bool) -> bool:
    """True on every rank when any rank says True (a time limit each rank clocks itself)."""
    return bool(_all_reduce(torch.tensor([int(flag)]), dist.ReduceOp.MAX).item())


def broadcast(obj: Any) -> Any:
    """Rank 0's ``obj`` on every rank (the run folder rank 0 made)."""
    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def gather(obj: Any, world: World) -> list[Any]:
    """Every rank's ``obj``, in rank order (the RNG states a checkpoint keeps)."""
    boxes: list[Any] = [None] * world.size
    dist.all_gather_object(boxes, obj)
    return boxes


LOST_PEER_SIGNS = ("connection closed", "connection reset", "broken pipe", "timed out", "gloo", "nccl",
                   "socket", "peer")
"""Words of the errors a collective raises when another rank is gone (gloo and nccl word them differently)."""


def is_lost_peer(exc: BaseException) -> bool:
    """Whether ``exc`` is a collective failing because another rank stopped."""
    text = str(exc).lower()
    return isinstance(exc, dist.DistError) or any(sign in text for sign in LOST_PEER_SIGNS)


def lost_rank(exc: BaseException, world: World, checkpoint: str) -> SpinDCGANError:
    """The one-line error of a rank whose peers are gone (a collective failed)."""
    text = str(exc).strip()
    first = text.splitlines()[0].split(". ")[0] if text else exc.__class__.__name__
    return SpinDCGANError(f"rank {world.rank} of {world.size}: another rank stopped ({first}); the run ends "
                          f"here, the last good checkpoint is {checkpoint}; continue with --resume under "
                          f"{world.size} ranks")


@contextlib.contextmanager
def terminated_in_one_line(world: World, checkpoint: str | os.PathLike) -> Iterator[None]:
    """While training: torchrun's SIGTERM (sent to every rank when one fails) becomes a one-line error naming the
    last good checkpoint, instead of a silent end (the checkpoint is written atomically, so it is intact)."""
    def stopped(signum: int, frame: object) -> None:
        raise SpinDCGANError(f"rank {world.rank} of {world.size}: stopped by the launcher (torchrun stops every rank "
                             f"when one fails; its report names the first); the last good checkpoint is {checkpoint}; "
                             f"continue with --resume under {world.size} ranks")

    if threading.current_thread() is not threading.main_thread():  # signals reach the main thread only
        yield
        return
    previous = signal.signal(signal.SIGTERM, stopped)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
