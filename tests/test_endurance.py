"""Endurance: per-device update counters, their summary in the run folder, exact across a resume, and the runs a
chip survives."""

import json
import math

import numpy as np
import pytest
import torch

from spindcgan import SpinDCGANError
from spindcgan.cli import main
from spindcgan.devices import SkyrmionSynapse
from spindcgan.energy.updates import count_state_changes
from spindcgan.models import ModelConfig
from spindcgan.training import RunConfig, TrainConfig, train
from spindcgan.training.endurance import (
    QUANTILES,
    WRITES_NAME,
    DeviceWrites,
    format_endurance,
    load_writes,
    runs_survived,
)


def _states(*rows):
    return [(torch.tensor(p, dtype=torch.uint8), None if n is None else torch.tensor(n, dtype=torch.uint8))
            for p, n in rows]


def test_counters_add_each_devices_state_moves():
    a = _states(([0, 5, 63], [1, 1, 1]), ([7, 7], None))
    b = _states(([3, 5, 60], [1, 0, 1]), ([7, 9], None))
    c = _states(([0, 5, 60], [1, 0, 2]), ([8, 9], None))
    writes = DeviceWrites(a)
    assert writes.add(a, b) == count_state_changes(a, b) == 3 + 3 + 1 + 2
    assert writes.add(b, c) == count_state_changes(b, c) == 3 + 1 + 1
    assert writes.counts[0][0].tolist() == [6, 0, 3]
    assert writes.counts[0][1].tolist() == [0, 1, 1]
    assert writes.counts[1][0].tolist() == [1, 2] and writes.counts[1][1] is None
    summary = writes.summary(step=2)
    assert summary["devices"] == 8 and summary["updates"] == 14 and summary["max_per_device"] == 6
    assert summary["never_written"] == pytest.approx(2 / 8)
    assert sum(summary["histogram"]["devices"]) == 8
    assert summary["histogram"]["lower_edges"] == [0, 1, 2, 4, 8]
    assert summary["histogram"]["devices"] == [2, 3, 2, 1, 0]  # 0 | 1 | 2-3 (3, 2) | 4-7 (6) | 8+


def test_runs_survived_by_hand():
    synapse = SkyrmionSynapse(endurance=1e12)
    writes = {"max_per_device": 1_000_000, "steps": 100}
    assert runs_survived(writes, synapse) == pytest.approx(1e6)
    assert runs_survived(writes, synapse, total_steps=400) == pytest.approx(2.5e5)  # counted a quarter of the plan
    assert runs_survived({"max_per_device": 0, "steps": 5}, synapse) == math.inf
    with pytest.raises(SpinDCGANError, match="endurance"):
        SkyrmionSynapse(endurance=0)


def _config(**kwargs):
    train_kwargs = {"batch_size": 16, "limit": 64, "log_every": 1, "sample_count": 4, "threads": 2, **kwargs}
    return RunConfig(model=ModelConfig.preset("fashion-mnist", width=4), train=TrainConfig(**train_kwargs))


def test_a_run_counts_every_update_it_logs_and_a_resume_continues_the_count(tmp_path):
    whole = train(_config(max_steps=4), tmp_path / "whole", progress=False)
    record = load_writes(whole)
    logged = [json.loads(ln) for ln in (whole / "metrics.jsonl").read_text().splitlines()]
    per_step = [r["state_changes_per_image"] * 16 for r in logged if "state_changes_per_image" in r]
    assert len(per_step) == 4 and record["updates"] == round(sum(per_step))
    assert record["steps"] == 4 and record["max_per_device"] > 0

    part = train(_config(max_steps=2), tmp_path / "part", progress=False)
    assert load_writes(part)["steps"] == 2
    train(_config(max_steps=4), resume=part, progress=False)
    assert load_writes(part) == record


def test_info_of_a_run_reports_its_wear(tmp_path, capsys):
    run = train(_config(max_steps=2), tmp_path, progress=False)
    assert main(["info", str(run)]) == 0
    out = capsys.readouterr().out
    assert "device writes over 2 training steps" in out and "full runs of this recipe" in out
    text = format_endurance(load_writes(run), SkyrmionSynapse(), total_steps=8)
    assert "scaled from 2 to the plan's 8 steps" in text


def test_a_float_run_has_no_counters(tmp_path):
    config = RunConfig(model=ModelConfig.preset("fashion-mnist", width=4), hardware=None,
                       train=TrainConfig(batch_size=16, limit=32, max_steps=1, threads=2, sample_count=4))
    run = train(config, tmp_path, progress=False)
    assert not (run / WRITES_NAME).exists() and load_writes(run) is None


def test_summary_quantiles_and_histogram_equal_numpy_on_the_counts_themselves():
    rng = np.random.default_rng(0)
    for size, high in ((1, 3), (7, 2), (1000, 40), (12345, 300)):
        counts = torch.from_numpy(rng.geometric(0.05, size).clip(max=high) - 1).to(torch.int32)
        writes = DeviceWrites([(torch.zeros(size, dtype=torch.uint8), None)])
        writes.counts = [(counts, None)]
        summary = writes.summary(step=5)
        flat = counts.numpy()
        assert summary["quantiles"] == {str(q): float(np.quantile(flat, q)) for q in QUANTILES}  # to the bit
        edges = summary["histogram"]["lower_edges"]
        assert summary["histogram"]["devices"] == np.histogram(flat, bins=[*edges, np.inf])[0].tolist()
        assert summary["mean_per_device"] == pytest.approx(float(flat.mean()), rel=1e-12)
        assert summary["max_per_device"] == int(flat.max()) and summary["updates"] == int(flat.sum())
