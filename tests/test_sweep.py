"""Design-space sweeps: the grid's one-line errors, each point's hardware, resuming without redoing a finished point,
the Pareto front, and the FID at the default point equal to `spindcgan fid`'s."""

import json

import pytest
import torch

from spindcgan import HardwareConfig, SpinDCGANError
from spindcgan.api import SHIPPED_MODEL
from spindcgan.cli import main
from spindcgan.loading import load_generator
from spindcgan.models import Generator, ModelConfig
from spindcgan.sweep import (
    POINTS_NAME,
    cheapest_within,
    generator_at,
    grid_points,
    hardware_at,
    parse_grid,
    run_sweep,
    summarise,
)
from spindcgan.training import RunConfig


@pytest.mark.parametrize("term,match", [
    ("bitz=4", "unknown name 'bitz'"),
    ("bits", "expected NAME=V1,V2"),
    ("bits=", "expected NAME=V1,V2"),
    ("bits=4,x", "'x' is not an integer"),
    ("bits=0", "'0' is not an integer"),
    ("retention=1parsec", "'1parsec' is not a time"),
    ("stuck=-0.1", "'-0.1' is not a share"),
    ("bits=4,4", "repeated"),
])
def test_a_malformed_grid_term_is_one_line_naming_it(term, match):
    with pytest.raises(SpinDCGANError, match=match) as error:
        parse_grid([term])
    assert term in str(error.value) and "\n" not in str(error.value)


def test_points_and_their_hardware():
    grid = parse_grid(["bits=4,6", "adc_bits=none,6", "retention=0,1y"])
    points = grid_points(grid)
    assert len(points) == 8 and points[1] == {"bits": "4", "adc_bits": "none", "retention": "1y"}
    base = HardwareConfig(seed=3)
    hw = hardware_at(base, points[-1], draw=2)
    assert hw.synapse.bits == 6 and hw.array.adc_bits == 6
    assert hw.retention.time == pytest.approx(365.25 * 86400, rel=1e-2)
    assert hw.seed == 5 and hw.synapse.write_energy_per_state == base.synapse.write_energy_per_state
    with pytest.raises(SpinDCGANError, match="point stuck=2"):
        hardware_at(base, {"stuck": "2"})


def test_the_same_term_twice_is_refused():
    with pytest.raises(SpinDCGANError, match="bits is given twice"):
        parse_grid(["bits=4", "bits=6"])


class Killed(Exception):
    pass


def _fake_fid(calls, kill_after=None):
    """A stand-in FID: lower for more bits and for no stuck devices; raises after ``kill_after`` calls."""
    def evaluate(generator):
        if kill_after is not None and len(calls) == kill_after:
            raise Killed
        layer = generator.main[0]
        calls.append((layer.hardware.synapse.bits, layer.hardware.faults.stuck, layer.hardware.seed))
        return {"metric": "fid-fake", "fid": 30 - layer.hardware.synapse.bits + 100 * layer.hardware.faults.stuck
                + 0.1 * layer.hardware.seed, "kid": 0.0}
    return evaluate


def test_a_killed_sweep_resumes_without_redoing_finished_points(tmp_path):
    model = ModelConfig.preset("fashion-mnist", width=4)
    config = RunConfig(model=model)
    torch.manual_seed(0)
    trained = Generator(model, config.hardware).eval()
    grid = parse_grid(["bits=4,6", "stuck=0,0.01"])
    spec = {"generator": "test"}
    calls = []
    with pytest.raises(Killed):
        run_sweep(trained, config, grid, tmp_path, _fake_fid(calls, kill_after=3), spec, draws=2, progress=False)
    assert len(calls) == 3
    partial = run_sweep(trained, config, grid, tmp_path, _fake_fid(calls), spec, draws=2, progress=False,
                        measure=False)
    assert len(calls) == 3 and [r["draws"] for r in partial] == [2, 1]  # the outputs of what was done, no more
    rows = run_sweep(trained, config, grid, tmp_path, _fake_fid(calls), spec, draws=2, progress=False)
    assert len(calls) == 8 and len(set(calls)) == 8  # 4 points x 2 draws, none measured twice
    lines = [json.loads(ln) for ln in (tmp_path / POINTS_NAME).read_text().splitlines()]
    assert len(lines) == 8
    assert len(rows) == 4 and all(r["draws"] == 2 for r in rows)
    costs = json.loads((tmp_path / "costs.json").read_text())
    assert sorted(costs) == sorted(f"bits={b} stuck={s}" for b in (4, 6) for s in (0, 0.01))
    assert "energy_j" not in lines[0]  # a point's energy is the ledger's, one per point, not per measurement
    six_clean = next(r for r in rows if r["bits"] == "6" and r["stuck"] == "0")
    assert six_clean["fid"] == pytest.approx(24.05) and six_clean["fid_std"] == pytest.approx(0.1 / 2**0.5)
    assert six_clean["pareto"] or six_clean["energy_j"] > min(r["energy_j"] for r in rows)
    assert (tmp_path / "sweep.csv").read_text().count("\n") == 5 and (tmp_path / "pareto.png").stat().st_size > 0
    assert run_sweep(trained, config, grid, tmp_path, _fake_fid(calls), spec, draws=2, progress=False) == rows
    assert len(calls) == 8  # a finished sweep measures nothing again
    with pytest.raises(SpinDCGANError, match="holds another sweep"):
        run_sweep(trained, config, parse_grid(["bits=5"]), tmp_path, _fake_fid(calls), spec, progress=False)


def test_pareto_front_and_cheapest_point_by_hand():
    data = (("4", 30.0, 1.0), ("5", 25.0, 2.0), ("6", 26.0, 3.0), ("8", 20.0, 4.0))
    records = [{"point": {"bits": b}, "fid": f, "metric": "m"} for b, f, _ in data]
    costs = {f"bits={b}": {"energy_j": e, "device_energy_j": e, "latency_s": 1.0} for b, _, e in data}
    rows = summarise(records, {"bits": ["4", "5", "6", "8"]}, costs)
    assert [r["pareto"] for r in rows] == [True, True, False, True]
    assert cheapest_within(rows, 27.5)["bits"] == "5" and cheapest_within(rows, 10.0) is None
    costs["bits=4"]["energy_j"] = 2.0 * (1 - 1e-4)  # as cheap as bits=5 but for a hair, with a worse FID: off
    again = summarise(records, {"bits": ["4", "5", "6", "8"]}, costs)
    assert [r["pareto"] for r in again] == [False, True, False, True]
    assert cheapest_within(again, 31.0)["bits"] == "5"  # the hair cheaper bits=4 ties, and loses on FID


def test_the_sweeps_default_point_equals_spindcgan_fid(tmp_path):
    generator, config = load_generator(SHIPPED_MODEL)
    same = generator_at(generator, config, config.hardware)
    z = torch.randn(4, config.model.z_dim)
    assert torch.equal(same(z), generator(z))  # re-programmed at its own point: the very same generator
    four = generator_at(generator, config, hardware_at(config.hardware, {"bits": "4"}))
    assert int(four.main[0].program().positive.max()) <= 15 < int(same.main[0].program().positive.max())
    assert not torch.equal(four(z), generator(z))
    args = ["--n", "20", "--ref-n", "20", "--seed", "3", "--threads", "2", "--no-progress"]
    assert main(["sweep", str(SHIPPED_MODEL), "--grid", "bits=6", "--out", str(tmp_path / "sweep"), *args]) == 0
    assert main(["fid", str(SHIPPED_MODEL), *args, "--json", str(tmp_path / "fid.json")]) == 0
    swept = json.loads((tmp_path / "sweep" / POINTS_NAME).read_text().splitlines()[0])
    measured = json.loads((tmp_path / "fid.json").read_text())
    assert swept["metric"] == measured["metric"] == "fid20-test20"
    assert swept["fid"] == pytest.approx(measured["fid"], rel=1e-9)


def test_a_sweep_over_adc_sharing_and_array_size_writes_each_points_area_and_a_three_way_front(tmp_path):
    """Issue 53's bar: K in {1, 4, 8}, arrays of 64 and 128: each point's chip area (and its ADC band) in the
    table; fewer ADCs, less area; the front is over FID, energy and area."""
    model = ModelConfig.preset("fashion-mnist", width=4)
    config = RunConfig(model=model)
    torch.manual_seed(0)
    trained = Generator(model, config.hardware).eval()
    grid = parse_grid(["adc_share=1,4,8", "array=64,128"])
    rows = run_sweep(trained, config, grid, tmp_path, _fake_fid([]), {"generator": "test"}, progress=False)
    area = {(r["adc_share"], r["array"]): r["area_mm2"] for r in rows}
    assert len(area) == 6 and all(r["area_low_mm2"] <= r["area_mm2"] <= r["area_high_mm2"] for r in rows)
    assert area[("1", "128")] > area[("4", "128")] > area[("8", "128")]
    assert area[("1", "64")] > area[("4", "64")] > area[("8", "64")]
    latency = {(r["adc_share"], r["array"]): r["latency_s"] for r in rows}
    assert latency[("1", "128")] < latency[("4", "128")] < latency[("8", "128")]  # reads K-fold (test_energy)
    assert "area_mm2" in (tmp_path / "sweep.csv").read_text().splitlines()[0]
    # one FID everywhere (the fake FID sees neither K nor the array), and K leaves the energy as it is: a point with
    # one ADC per column has the energy of its K = 8 twin and more area, so it is off the front; the smallest chip
    # is on it
    assert not any(r["pareto"] for r in rows if r["adc_share"] == "1")
    assert min(rows, key=lambda r: r["area_mm2"])["pareto"]
    best = cheapest_within(rows, 1e9)  # one energy and one FID at every K of an array: the smallest chip wins
    assert best["area_mm2"] == min(r["area_mm2"] for r in rows if r["energy_j"] == best["energy_j"])


def test_points_that_differ_only_in_cost_share_one_measurement_and_the_node_is_an_axis(tmp_path):
    """ADC sharing and the area model's settings change what a chip costs, never its images: a sweep measures such
    points once (each row names the point it took its FID from); the node scales the area, not the energy."""
    model = ModelConfig.preset("fashion-mnist", width=4)
    config = RunConfig(model=model)
    torch.manual_seed(0)
    trained = Generator(model, config.hardware).eval()
    z = torch.randn(3, model.z_dim)
    noisy = {"adc_bits": "6", "d2d": "0.1", "stuck": "0.01"}  # where anything the ADC sharing touched would show
    one, eight = (generator_at(trained, config, hardware_at(config.hardware, {**noisy, "adc_share": k}))
                  for k in ("1", "8"))
    assert torch.equal(one(z), eight(z))  # what makes sharing the measurement right
    calls = []
    grid = parse_grid(["bits=4,6", "adc_share=1,8", "node=22,32"])
    rows = run_sweep(trained, config, grid, tmp_path, _fake_fid(calls), {"generator": "test"}, progress=False)
    assert len(rows) == 8 and sorted(c[0] for c in calls) == [4, 6]  # two measurements for eight points
    lines = [json.loads(ln) for ln in (tmp_path / POINTS_NAME).read_text().splitlines()]
    assert [ln.get("same_images_as") for ln in lines[:4]] == [None, *["bits=4 adc_share=1 node=22"] * 3]
    by = {(r["bits"], r["adc_share"], r["node"]): r for r in rows}
    assert by[("6", "8", "32")]["fid"] == by[("6", "1", "22")]["fid"] != by[("4", "1", "22")]["fid"]
    small, large = by[("6", "1", "22")], by[("6", "1", "32")]
    assert small["energy_j"] == large["energy_j"] and small["area_mm2"] < large["area_mm2"]
    log = [json.loads(ln) for ln in (tmp_path / "provenance.jsonl").read_text().splitlines()]
    assert len(log) == 1 and log[0]["measure"] and len(log[0]["commit"]) in (40, len("unknown"))
    with pytest.raises(SpinDCGANError, match="adc_share must be an integer in"):  # refused before anything is written
        run_sweep(trained, config, parse_grid(["adc_share=200"]), tmp_path / "bad", _fake_fid(calls), {},
                  progress=False)
    assert not (tmp_path / "bad").exists()
    with pytest.raises(SpinDCGANError, match="--grid 'node=0'.*not a technology node"):
        parse_grid(["node=0"])
    with pytest.raises(SpinDCGANError, match="'flash' is not one of isaac"):
        parse_grid(["adc_model=flash"])


def test_a_time_limit_starts_no_point_that_the_longest_so_far_would_carry_past_it(tmp_path, monkeypatch, capsys):
    """With each measurement taking 10 (fake) seconds and a deadline at 25, two are measured (the third would end
    at 30), each with its copy at the other ADC sharing, the sweep says why it stopped, and a rerun without the
    limit measures the rest only."""
    import spindcgan.sweep as sweep_module

    clock = [0.0]
    monkeypatch.setattr(sweep_module, "monotonic", lambda: clock[0])
    calls = []
    fake = _fake_fid(calls)

    def slow(generator):
        clock[0] += 10.0
        return fake(generator)

    model = ModelConfig.preset("fashion-mnist", width=4)
    config = RunConfig(model=model)
    trained = Generator(model, config.hardware).eval()
    grid = parse_grid(["bits=3,4,5,6", "adc_share=1,2"])
    rows = run_sweep(trained, config, grid, tmp_path, slow, {"generator": "test"}, progress=False, deadline=25.0)
    assert [(r["bits"], r["adc_share"]) for r in rows] == [("3", "1"), ("3", "2"), ("4", "1"), ("4", "2")]
    assert "stopped by the time limit" in capsys.readouterr().err  # the copies of a measured point still written
    rows = run_sweep(trained, config, grid, tmp_path, slow, {"generator": "test"}, progress=False)
    assert len(rows) == 8 and [c[0] for c in calls] == [3, 4, 5, 6]


def test_the_papers_design_point_is_every_setting_at_its_default():
    from spindcgan.sweep import is_paper_point

    paper = {"bits": "6", "adc_bits": "none", "retention": "0", "array": "128", "adc_share": "1", "node": "32",
             "wire": "0", "compensation": "0", "hw_seed": "3", "wire_solver": "exact", "fid": 20.0}
    assert is_paper_point(paper)
    for name, value in (("bits", "4"), ("array", "64"), ("adc_share", "8"), ("node", "22"), ("wire", "0.5"),
                        ("adc_bits", "6"), ("retention", "1y")):
        assert not is_paper_point({**paper, name: value}), name
