"""Training under torchrun (gloo ranks on the CPU): replicas equal after every step, exact resume under the same
world size, a killed rank ends the run in one line with its checkpoint intact, one rank equal to plain training."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch

from spindcgan import SpinDCGANError
from spindcgan.cli import main
from spindcgan.training import load_checkpoint, train
from spindcgan.training.distributed import World, shard, start

# Run by torchrun: trains a tiny run with World(...) from the environment and, after every step, gathers a checksum
# of every rank's generator, discriminator and optimiser states into rank-0's record; checks reduce_stats once.
WORKER = textwrap.dedent('''
    import json, sys, torch, torch.distributed as dist
    from spindcgan.models import ModelConfig
    from spindcgan.training import RunConfig, TrainConfig, train
    from spindcgan.training.distributed import reduce_stats, world_from_environment

    out, max_steps, resume = sys.argv[1], int(sys.argv[2]), (sys.argv[3] if len(sys.argv) > 3 else None)
    config = RunConfig(model=ModelConfig.preset("fashion-mnist", width=4), train=TrainConfig(
        batch_size=16, limit=64, log_every=1, sample_count=4, threads=1, max_steps=max_steps, ema=0.9,
        augment="color,translation,cutout"))
    world = world_from_environment()
    record = {"steps": [], "differ": [], "reduced": None}

    def checksum(gan):
        tensors = [*gan.generator.parameters(), *gan.discriminator.parameters()]
        for opt in (gan.opt_g, gan.opt_d):
            tensors += [v for s in opt.state.values() for v in s.values() if torch.is_tensor(v)]
        return [float(t.double().sum()) for t in tensors] + [float((t.double() ** 2).sum()) for t in tensors]

    def on_step(step, gan):
        if step == 1:
            record["reduced"] = reduce_stats({"loss_d": float(world.rank), "state_changes_per_image": 1.0}, world)
        sums = [None] * world.size
        dist.all_gather_object(sums, checksum(gan))
        record["steps"].append(step)
        if any(s != sums[0] for s in sums):
            record["differ"].append(step)

    run = train(config, out, resume=resume, progress=False, world=world, on_step=on_step)
    if world.is_main:
        (run / "worker.json").write_text(json.dumps({**record, "run": str(run)}))
''')


def torchrun(tmp_path: Path, nproc: int, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(nproc), "--standalone",
               str(script), *args]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)


def ranks_said(launched: subprocess.CompletedProcess) -> str:
    """What the ranks themselves wrote to stderr (torchrun's own report, which ends the stream, names only the
    signal), for a failed launch's assertion message."""
    said = [ln for ln in launched.stderr.splitlines() if ln.startswith("[rank") or "what()" in ln
            or "terminate called" in ln or "Error" in ln]
    return "\n".join(said[-40:]) or launched.stderr[-3000:]


def _state(run: Path) -> dict[str, torch.Tensor]:
    state = load_checkpoint(run)
    return {f"{net}.{k}": v for net in ("generator", "discriminator", "generator_ema") for k, v in state[net].items()}


def _assert_same(run_a: Path, run_b: Path, skip: str = "") -> None:
    a, b = _state(run_a), _state(run_b)
    assert a.keys() == b.keys()
    for key in a:
        if skip and key.startswith(skip):
            continue
        assert torch.equal(a[key], b[key]), key


@pytest.fixture(scope="module")
def two_rank_runs(tmp_path_factory):
    """An uninterrupted 2-rank run of 4 steps, and one stopped after 2 and resumed to 4."""
    tmp = tmp_path_factory.mktemp("ddp")
    whole = torchrun(tmp, 2, str(tmp / "whole"), "4")
    assert whole.returncode == 0, ranks_said(whole)
    part = torchrun(tmp, 2, str(tmp / "parts"), "2")
    assert part.returncode == 0, ranks_said(part)
    run = next((tmp / "parts").iterdir())
    resumed = torchrun(tmp, 2, str(tmp / "parts"), "4", str(run))
    assert resumed.returncode == 0, ranks_said(resumed)
    return next((tmp / "whole").iterdir()), run


def test_two_ranks_hold_identical_networks_after_every_step(two_rank_runs):
    record = json.loads((two_rank_runs[0] / "worker.json").read_text())
    assert record["steps"] == [1, 2, 3, 4]
    assert record["differ"] == []
    # losses averaged over ranks (0 and 1), synapse writes added (each rank a chip of its own)
    assert record["reduced"] == {"loss_d": 0.5, "state_changes_per_image": 2.0}
    state = load_checkpoint(two_rank_runs[0])
    assert state["world_size"] == 2 and len(state["rng_ranks"]) == 2
    assert not torch.equal(state["rng_ranks"][0], state["rng_ranks"][1])  # each rank draws its own noise


def test_two_rank_resume_continues_exactly(two_rank_runs):
    whole, resumed = two_rank_runs
    # the discriminator's BatchNorm running statistics are each rank's own and unused in training; rank 0's after a
    # resume start from the checkpoint's, so only they may differ
    _assert_same(whole, resumed, skip="discriminator.main.")
    a, b = load_checkpoint(whole), load_checkpoint(resumed)
    for name, value in a["discriminator"].items():
        if "running" not in name and "num_batches" not in name:
            assert torch.equal(value, b["discriminator"][name]), name
    metrics = [json.loads(ln) for ln in (resumed / "metrics.jsonl").read_text().splitlines()]
    assert [m["step"] for m in metrics if "loss_d" in m] == [1, 2, 3, 4]


def test_a_resume_under_another_world_size_is_refused(two_rank_runs, tmp_path):
    from spindcgan.training import RunConfig

    config = RunConfig.load(two_rank_runs[0] / "config.json")
    with pytest.raises(SpinDCGANError, match="trained by 2 rank"):
        train(config, resume=two_rank_runs[0], progress=False)


def test_killed_rank_ends_the_run_in_one_line_with_its_checkpoint_intact(tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--standalone", "-m",
               "spindcgan", "train", "--width", "4", "--limit", "64", "--batch-size", "16", "--max-steps", "100000",
               "--threads", "1", "--checkpoint-every", "2", "--no-progress", "--out", str(tmp_path / "out")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                               start_new_session=True)
    try:
        deadline = time.time() + 90
        while not list((tmp_path / "out").glob("*/checkpoint.pt")) and time.time() < deadline:
            time.sleep(0.2)
        assert list((tmp_path / "out").glob("*/checkpoint.pt")), "no checkpoint within 90 s"
        os.kill(_pid_of_rank(1, str(tmp_path / "out")), signal.SIGKILL)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode != 0
    lines = [ln for ln in stderr.splitlines() if ln.startswith("spindcgan: error: rank 0 of 2")]
    assert lines and "last good checkpoint is" in lines[0], stderr[-3000:]
    state = load_checkpoint(next((tmp_path / "out").iterdir()))
    assert state["step"] >= 2 and state["step"] % 2 == 0 and state["world_size"] == 2


def _pid_of_rank(rank: int, mark: str) -> int:
    """The process torchrun started for ``rank`` of the command line holding ``mark``."""
    for entry in Path("/proc").iterdir():
        try:
            if mark not in (entry / "cmdline").read_bytes().decode():
                continue
            if f"RANK={rank}" in (entry / "environ").read_bytes().decode().split("\0"):
                return int(entry.name)
        except (OSError, ValueError):
            continue
    raise AssertionError(f"no process of rank {rank}")


def test_one_rank_under_torchrun_equals_plain_training(tmp_path):
    args = ["--width", "4", "--limit", "64", "--batch-size", "16", "--max-steps", "3", "--threads", "1",
            "--ema", "0.9", "--augment", "color,translation", "--no-progress"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    launched = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "1",
                               "--standalone", "-m", "spindcgan", "train", *args, "--out",
                               str(tmp_path / "ddp")], capture_output=True, text=True, timeout=120, env=env)
    assert launched.returncode == 0, ranks_said(launched)
    assert main(["train", *args, "--out", str(tmp_path / "plain")]) == 0
    ddp, plain = next((tmp_path / "ddp").iterdir()), next((tmp_path / "plain").iterdir())
    _assert_same(ddp, plain)
    assert torch.equal(load_checkpoint(ddp)["rng"], load_checkpoint(plain)["rng"])


def test_shards_of_a_global_batch_are_disjoint_and_cover_it():
    batch = torch.randperm(100)[:12]
    parts = [shard(batch, World(rank, 3)) for rank in range(3)]
    assert torch.equal(torch.cat(parts), batch)


@pytest.mark.parametrize("kwargs,match", [
    ({"batch_size": 10, "sync_batchnorm": False}, "does not divide among 3 ranks"),
    ({"batch_size": 12, "sync_batchnorm": True}, "needs CUDA"),
])
def test_a_launch_that_does_not_fit_is_one_line(kwargs, match):
    with pytest.raises(SpinDCGANError, match=match):
        start(World(0, 3), "cpu", **kwargs)


def test_plain_runs_refuse_sync_batchnorm_and_a_backend(monkeypatch):
    monkeypatch.delenv("RANK", raising=False)
    assert main(["train", "--sync-batchnorm", "--max-steps", "1", "--limit", "16", "--batch-size", "16",
                 "--width", "4", "--out", "/nonexistent-never-made"]) == 2
    assert main(["train", "--dist-backend", "gloo", "--max-steps", "1", "--width", "4"]) == 2


def test_r1_under_torchrun_is_refused_in_one_line():
    from spindcgan.models import ModelConfig
    from spindcgan.training import RunConfig, TrainConfig, train

    config = RunConfig(model=ModelConfig.preset("fashion-mnist", width=4), train=TrainConfig(r1=1.0))
    with pytest.raises(SpinDCGANError, match="one process only"):
        train(config, "/nonexistent-never-made", world=World(0, 2))
