"""Micromagnetic calibration: physics checks of the --quick setups, and the shipped calibrations.

The simulations need the optional extra (``pip install 'spindcgan[micromag]'``, which CI installs); they
are marked slow (about a minute each on two cores). Without the extra they are skipped, and the
command's one-line install hint is tested instead.
"""

from __future__ import annotations

import builtins
import dataclasses
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from spindcgan.cli import main
from spindcgan.crossbar.config import HardwareConfig
from spindcgan.devices.calibration import load_calibration, shipped_path
from spindcgan.errors import SpinDCGANError

# find_spec, not import: importing magnumnp changes torch's default dtype for every test after this module
HAVE_MAGNUMNP = importlib.util.find_spec("magnumnp") is not None

needs_magnumnp = pytest.mark.skipif(not HAVE_MAGNUMNP, reason="needs the micromag extra")


@pytest.fixture(scope="module")
def leaky_quick(tmp_path_factory):
    """The quick Leaky ReLU calibration, run through the command line once for every test below."""
    out = tmp_path_factory.mktemp("calibration")
    code = main(["devices", "calibrate", "dw-leaky-relu", "--quick", "--out", str(out), "--no-progress"])
    assert code == 0
    return out, load_calibration(out / "dw-leaky-relu-quick.json")


@pytest.mark.slow
@needs_magnumnp
def test_cli_quick_calibration_writes_json_and_plots(leaky_quick):
    out, record = leaky_quick
    assert record["quick"] is True and record["command"] == "spindcgan devices calibrate dw-leaky-relu --quick"
    assert len(record["plots"]) == 2
    for plot in record["plots"]:
        assert Path(plot).parent == out and Path(plot).stat().st_size > 1000


@pytest.mark.slow
@needs_magnumnp
def test_wall_moves_with_the_torque_and_grows_with_drive(leaky_quick):
    _, record = leaky_quick
    points, setup = record["points"], record["setup"]
    drives, dx = np.array(points["drive"]), np.array(points["displacement"])
    travel = setup["length"] - setup["rest_position"]
    assert np.all(np.sign(dx[drives != 0]) == np.sign(drives[drives != 0]))  # direction of the torque
    below = (drives > 0) & (dx < 0.9 * travel)
    assert below.sum() >= 3 and np.all(np.diff(dx[below]) > 0)  # grows with drive below saturation
    assert np.all(np.diff(dx[drives < 0]) > 0)  # and more negative for stronger negative drive
    assert dx[drives == drives.max()][0] == pytest.approx(travel, abs=5e-9)  # saturated at the track end
    assert record["fit"]["all_settled"]


@pytest.mark.slow
@needs_magnumnp
def test_fitted_negative_slope_follows_the_curvature_ratio(leaky_quick):
    fit = leaky_quick[1]["fit"]
    assert fit["designed_negative_slope"] == 0.2
    assert fit["negative_slope"] == pytest.approx(fit["designed_negative_slope"], rel=0.10)


@pytest.mark.slow
@needs_magnumnp
def test_drive_energy_scales_with_current_squared(leaky_quick):
    from spindcgan.devices.micromagnetics.dw_track import TrackSetup

    setup = TrackSetup()
    e1, e2 = setup.drive_energy(1e11, 2e-9), setup.drive_energy(3e11, 2e-9)
    assert e2 / e1 == pytest.approx(9.0, rel=1e-12)
    # hand value: I = J w t_HM, R = rho L / (w t_HM): E = J^2 rho L w t_HM t
    assert e1 == pytest.approx(1e22 * 2e-7 * 200e-9 * 40e-9 * 4e-9 * 2e-9, rel=1e-12)
    fit = leaky_quick[1]["fit"]
    assert fit["energy_per_evaluation"] == pytest.approx(fit["drive_energy_at_saturation"] + fit["read_energy"])
    expected = setup.drive_energy(fit["saturation_drive"], fit["settling_time"])
    assert fit["drive_energy_at_saturation"] == pytest.approx(expected, rel=1e-9)


@pytest.mark.slow
@needs_magnumnp
def test_relu_side_is_pinned():
    from spindcgan.devices.micromagnetics.calibrate import track_setup
    from spindcgan.devices.micromagnetics.dw_track import fit_track, simulate_track

    # the pinned side settles within a few ns; 3 ns keep the test short (the right side need not settle here)
    setup = dataclasses.replace(track_setup("dw-relu").quick(), drives=(-2e11, -1e11, 0.0, 5e10, 1e11), duration=3e-9)
    fit = fit_track(simulate_track(setup))
    # A 50x stiffer left side is not a perfect pin: the wall (about 2 wall widths long) still leans into the
    # soft side, a leak of about 0.07 in the full run (docs/devices.md). It must stay far below the Leaky's 0.2.
    assert 0 <= fit["negative_slope"] < 0.1
    assert fit["slope_right_nm_per_1e10"] > 1.0


@pytest.mark.slow
@needs_magnumnp
def test_synapse_states_hold_one_more_skyrmion_each():
    from spindcgan.devices.micromagnetics.synapse import SynapseSetup, simulate_states

    states = simulate_states(SynapseSetup().quick())
    assert list(states.skyrmions) == list(range(8))
    assert np.all(np.diff(states.conductance) > 0)  # every state distinguishable, ordered


@pytest.mark.parametrize("progress", [False, True])
def test_without_the_extra_the_command_says_how_to_install(monkeypatch, capsys, progress):
    """One line saying how to install the solver, and no progress bar drawn before it."""
    real_import = builtins.__import__

    def no_magnumnp(name, *args, **kwargs):
        if name == "magnumnp":
            raise ImportError("No module named 'magnumnp'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_magnumnp)
    monkeypatch.delitem(__import__("sys").modules, "magnumnp", raising=False)
    flags = [] if progress else ["--no-progress"]
    assert main(["devices", "calibrate", "dw-relu", "--quick", "--out", "unused", *flags]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "pip install 'spindcgan[micromag]'" in err
    assert err.startswith("spindcgan: error:")  # nothing drawn before it (a progress bar starts with its label)


@pytest.mark.parametrize("device", ["dw-relu", "dw-leaky-relu", "skyrmion-synapse"])
def test_shipped_calibrations_are_full_runs_the_defaults_use(device):
    record = load_calibration(device)
    assert record["quick"] is False and record["command"] == f"spindcgan devices calibrate {device}"
    assert shipped_path(device).exists()
    hw = HardwareConfig()
    model = {"dw-relu": hw.activations.relu, "dw-leaky-relu": hw.activations.leaky_relu,
             "skyrmion-synapse": hw.synapse}[device]
    assert model.calibration.startswith(f"{device}.json")
    for key, value in record["compact_model"].items():
        if hasattr(model, key) and key != "negative_slope":
            assert getattr(model, key) == value


def test_bad_calibration_file_is_one_line_error(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text(json.dumps({"device": "dw-relu"}))
    with pytest.raises(SpinDCGANError, match="lacks the field"):
        load_calibration(bad)
    with pytest.raises(SpinDCGANError, match="no calibration file"):
        load_calibration(tmp_path / "missing.json")


def test_info_says_which_calibration_each_device_uses(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    for device in ("skyrmion-synapse", "dw-relu", "dw-leaky-relu"):
        assert f"calibration {device}.json (spindcgan devices calibrate {device})" in out
    assert "ledger uses 192 fJ" in out  # the published Leaky ReLU energy stays in the ledger
