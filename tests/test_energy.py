"""Energy ledger: hand computations, closed-form counts, the zero-free mapping, and sanity orderings."""

import dataclasses
import itertools

import pytest
import torch

from spindcgan import HardwareConfig, with_settings
from spindcgan.crossbar.config import ArrayConfig
from spindcgan.crossbar.deconv import zero_padded_conv_transpose2d
from spindcgan.crossbar.zero_free import zero_free_conv_transpose2d
from spindcgan.energy import PeripheralCosts, build_ledger
from spindcgan.energy.layers import crossbar_forward
from spindcgan.energy.updates import count_state_changes, synapse_states
from spindcgan.models import Discriminator, Generator, ModelConfig
from spindcgan.nn import SpinConv2d, SpinConvTranspose2d

HW = HardwareConfig()
COSTS = PeripheralCosts()


def test_one_layer_ledger_equals_hand_computation():
    layer = SpinConv2d(2, 1, 1, bias=False, hardware=HW)
    layer.weight.data = torch.tensor([1.0, -0.5]).view(1, 2, 1, 1)  # scale 1: states (63, 0) and (0, 32)
    x = torch.tensor([0.5, -1.0]).view(1, 2, 1, 1)  # DAC full scale 1
    cost = crossbar_forward(layer, x, HW, "zero-padded", COSTS)
    g = lambda n: 1e-6 + 9e-6 * n / 63  # noqa: E731 - the default linear ladder, 1 to 10 uS
    v, t = 0.1, 1e-9
    expected_read = (0.5 * v) ** 2 * (g(63) + g(0)) * t + (1.0 * v) ** 2 * (g(0) + g(32)) * t
    assert cost.energy["synapse_read"] == pytest.approx(expected_read, rel=1e-9)
    assert (cost.arrays, cost.input_vectors, cost.crossbar_reads, cost.macs) == (1, 1, 1, 2)
    assert (cost.dac_conversions, cost.adc_conversions, cost.partial_sum_adds) == (2, 1, 0)
    assert cost.energy["dac"] == pytest.approx(2 * 0.05e-12)
    assert cost.energy["adc"] == pytest.approx(10e-15 * 256)
    assert cost.latency == pytest.approx(2e-9)


def test_tiling_counts_follow_the_array_size():
    hw = dataclasses.replace(HardwareConfig(), array=ArrayConfig(rows=16, cols=4))
    layer = SpinConv2d(8, 10, 3, padding=1, bias=False, hardware=hw)  # 72 rows x 10 columns: 5 x 3 tiles
    cost = crossbar_forward(layer, torch.randn(2, 8, 5, 5), hw, "zero-padded", COSTS)
    assert cost.arrays == 15 and cost.input_vectors == 25 and cost.crossbar_reads == 25 * 15
    assert cost.adc_conversions == 25 * 10 * 5 and cost.partial_sum_adds == 25 * 10 * 4
    assert cost.dac_conversions == 25 * 72 * 3
    # border padding: each of the 4 corners misses 5 of 9 taps, each edge pixel 3 (x 8 channels)
    assert cost.zero_row_activations == 8 * (4 * 5 + 12 * 3)


DECONVS = [(3, 5, 4, 2, 1, 0, 7), (4, 6, 3, 2, 1, 1, 5), (2, 3, 7, 1, 0, 0, 1), (3, 2, 5, 3, 2, 1, 4),
           (2, 2, 4, 2, 0, 0, 3)]


@pytest.mark.parametrize("c_in,c_out,k,s,p,op,size", DECONVS)
def test_deconv_mac_counts_equal_closed_forms(c_in, c_out, k, s, p, op, size):
    layer = SpinConvTranspose2d(c_in, c_out, k, s, p, op, bias=False, hardware=HW)
    x = torch.randn(2, c_in, size, size)
    h_out = layer(x).shape[-1]
    padded = crossbar_forward(layer, x, HW, "zero-padded", COSTS)
    free = crossbar_forward(layer, x, HW, "zero-free", COSTS)
    assert padded.macs == h_out * h_out * c_in * c_out * k * k
    assert free.macs == size * size * c_in * c_out * k * k
    assert free.zero_row_activations == 0
    # the products that matter are the same in both mappings
    assert padded.macs - padded.zero_macs == pytest.approx(free.macs - free.zero_macs)
    assert free.energy["synapse_read"] == pytest.approx(padded.energy["synapse_read"], rel=1e-9)
    assert free.input_vectors <= padded.input_vectors


@pytest.mark.parametrize("s,k,p,op,d,g", [c for c in itertools.product((1, 2, 3), (1, 3, 4), (0, 1), (0, 1), (1, 2),
                                                                       (1, 2)) if c[3] < max(c[0], c[4])])
def test_zero_free_mapping_computes_exactly_the_zero_padded_result(s, k, p, op, d, g):
    torch.manual_seed(s * 7 + k)
    x = torch.randn(2, 2 * g, 4, 5, dtype=torch.float64)
    w = torch.randn(2 * g, 3, k, k, dtype=torch.float64)
    b = torch.randn(3 * g, dtype=torch.float64)
    args = (w, b, (s, s), (p, p), (op, op), g, (d, d))
    try:
        expected = zero_padded_conv_transpose2d(x, *args)
    except RuntimeError:
        pytest.skip("no output for this configuration")
    torch.testing.assert_close(zero_free_conv_transpose2d(x, *args), expected, atol=1e-12, rtol=1e-10)


@pytest.fixture(scope="module")
def fashion_ledgers():
    torch.manual_seed(0)
    model = ModelConfig.preset("fashion-mnist", width=16)
    g, d = Generator(model, HW), Discriminator(model, HW)
    z, real = torch.randn(8, 100), torch.rand(8, 1, 28, 28) * 2 - 1
    return {m: build_ledger(g, d, HW, z, real, m, state_changes_per_image=100.0) for m in ("zero-padded", "zero-free")}


def test_zero_free_never_costs_more_and_training_costs_more_than_inference(fashion_ledgers):
    padded, free = fashion_ledgers["zero-padded"], fashion_ledgers["zero-free"]
    for ledger in (padded, free):
        assert sum(ledger.training.values()) >= sum(ledger.inference.values())
        assert ledger.training["synapse_write"] == pytest.approx(100 * 0.87e-15)
    for which in ("inference", "training"):
        a, b = getattr(free, which), getattr(padded, which)
        assert sum(a.values()) <= sum(b.values())
        for k in a:
            assert a[k] <= b[k] * (1 + 1e-9), k
    assert free.inference_latency < padded.inference_latency


def test_dw_activation_energy_is_evaluations_times_device_energy(fashion_ledgers):
    ledger = fashion_ledgers["zero-padded"]
    relu_evals = sum(p.activation_evaluations for p in ledger.generator_forward if p.kind == "dw-relu")
    assert relu_evals == 64 * 7 * 7 + 32 * 14 * 14  # width 16: 4w x 7 x 7 and 2w x 14 x 14
    assert ledger.inference["dw_activation"] == pytest.approx(relu_evals * 9.16e-15)


def test_all_zero_input_image_draws_no_synapse_read_current():
    torch.manual_seed(0)
    layer = SpinConv2d(1, 8, 4, 2, 1, bias=False, hardware=HW)
    zero = crossbar_forward(layer, torch.zeros(3, 1, 28, 28), HW, "zero-padded", COSTS)
    assert zero.energy["synapse_read"] == 0.0
    some = crossbar_forward(layer, torch.rand(3, 1, 28, 28), HW, "zero-padded", COSTS)
    assert some.energy["synapse_read"] > 0
    model = ModelConfig.preset("fashion-mnist", width=8)
    ledger = build_ledger(Generator(model, HW), Discriminator(model, HW), HW, torch.randn(2, 100),
                          torch.zeros(2, 1, 28, 28))
    first_d = ledger.discriminator_forward[0]
    assert first_d.kind == "conv" and first_d.energy["synapse_read"] > 0  # the fakes are not all zero


def test_state_changes_count_levels_moved():
    layer = SpinConv2d(1, 1, 1, bias=False, hardware=HW)
    layer.weight.data = torch.tensor([1.0]).view(1, 1, 1, 1)
    second = SpinConv2d(1, 2, 1, bias=False, hardware=HW)
    second.weight.data = torch.tensor([1.0, 0.5]).view(2, 1, 1, 1)  # states 63, 32
    before = synapse_states(layer, second)
    second.weight.data = torch.tensor([1.0, -0.25]).view(2, 1, 1, 1)  # G+: 32 -> 0, G-: 0 -> 16
    assert count_state_changes(before, synapse_states(layer, second)) == 32 + 16


@pytest.mark.parametrize("bits", [None, 4, 6])
def test_the_adc_is_priced_at_the_hardware_resolution(bits):
    """An ideal read-out is costed as PeripheralCosts.adc_bits (8); a modelled ADC at its own bits."""
    from spindcgan.energy.ledger import generation_cost

    hw = with_settings(HardwareConfig(), adc_bits=bits)
    layer = SpinConv2d(4, 3, 1, bias=False, hardware=hw)
    (cost,) = generation_cost(torch.nn.Sequential(layer), hw, torch.randn(2, 4, 3, 3))
    assert cost.adc_conversions == 9 * 3
    assert cost.energy["adc"] == pytest.approx(cost.adc_conversions * 10e-15 * 2 ** (bits or 8), rel=1e-12)


def test_r1_penalty_adds_one_double_backward_per_image(fashion_ledgers):
    """R1's cost is one more D forward, D backward and D backward to the image (without weight gradients), priced
    by the very passes the ledger traced."""
    plain = fashion_ledgers["zero-padded"]
    r1 = dataclasses.replace(plain, r1_penalty=True)
    added = {k: 0.0 for k in plain.training}
    for passes, weight_gradients in ((plain.discriminator_forward, True), (plain.discriminator_backward, True),
                                     (plain.discriminator_backward_to_image, False)):
        for p in passes:
            for k, v in p.energy.items():
                if k in added and (weight_gradients or k != "cmos_weight_gradient"):
                    added[k] += v
    for k in plain.training:
        assert r1.training[k] == pytest.approx(plain.training[k] + added[k], rel=1e-12, abs=1e-30), k
    assert sum(added.values()) > 0 and r1.inference == plain.inference
    d_fwd = sum(p.latency for p in plain.discriminator_forward)
    d_img = sum(p.latency for p in plain.discriminator_backward_to_image)
    assert r1.training_latency == pytest.approx(plain.training_latency + d_fwd + 2 * d_img)
    assert r1.to_dict()["training"]["r1_penalty"] is True


def test_bits_6_is_the_default_synapse_with_its_calibration_and_the_same_energy(tmp_path):
    """`--bits 6` once built a bare SkyrmionSynapse(bits=6), losing the shipped micromagnetic calibration (no
    simulated update energy): it must model the very synapse of the default, and report the same energy."""
    import json

    from spindcgan.cli import build_parser, hardware_from_args, main

    parser = build_parser()
    default = hardware_from_args(parser.parse_args(["train"]))
    six = hardware_from_args(parser.parse_args(["train", "--bits", "6"]))
    assert six == default and six.synapse.calibration != "none"
    four = hardware_from_args(parser.parse_args(["train", "--bits", "4"])).synapse
    assert four.bits == 4 and four.simulated_update_energy == default.synapse.simulated_update_energy
    reports = []
    for name, extra in (("default", []), ("six", ["--bits", "6"])):
        assert main(["energy", "--width", "8", "--out", str(tmp_path / name), *extra]) == 0
        reports.append(json.loads((tmp_path / name / "energy-fashion-mnist-zero-padded.json").read_text()))
    assert reports[0] == reports[1]


def test_adc_sharing_multiplies_the_read_latency_and_keeps_the_energy():
    """One ADC per K columns (array.adc_share): the columns convert one after another, so a read takes K times as
    long; every conversion is still made, so the energy is the same."""
    torch.manual_seed(0)
    layer = SpinConv2d(8, 10, 3, padding=1, bias=False, hardware=HardwareConfig())
    x = torch.randn(2, 8, 5, 5)
    one = crossbar_forward(layer, x, HardwareConfig(), "zero-padded", COSTS)
    eight = crossbar_forward(layer, x, with_settings(HardwareConfig(), adc_share=8), "zero-padded", COSTS)
    assert eight.latency == pytest.approx(8 * one.latency, rel=1e-12) and one.latency > 0
    assert eight.energy == one.energy and eight.adc_conversions == one.adc_conversions


def test_the_ledger_carries_the_chip_area_and_the_figures_of_merit(tmp_path, capsys):
    """The inference chip of the ledger is energy.area's model_area of the generator; TOPS/W, TOPS/mm^2 and
    images/s/mm^2 follow from its useful MACs, energy, latency and area; the command prints and records them."""
    import json

    from spindcgan.cli import main
    from spindcgan.energy.area import AreaConfig, model_area

    torch.manual_seed(0)
    hw, model = HardwareConfig(), ModelConfig.preset("fashion-mnist", 8)
    g, d = Generator(model, hw), Discriminator(model, hw)
    z, real = torch.randn(4, model.z_dim), torch.rand(4, 1, 28, 28) * 2 - 1
    ledger = build_ledger(g, d, hw, z, real, area=AreaConfig(node_nm=22.0))
    chip = model_area(g, z[:1], hw, AreaConfig(node_nm=22.0))
    assert ledger.area.total == chip.total > 0 and ledger.discriminator_area.total > 0
    merit, ops = ledger.merit(), 2 * sum(p.macs - p.zero_macs for p in ledger.generator_forward)
    energy, latency = sum(ledger.inference.values()), ledger.inference_latency
    assert merit["tops_per_w"] == pytest.approx(ops / energy / 1e12, rel=1e-12)
    assert merit["tops_per_mm2"] == pytest.approx(ops / latency / 1e12 / (chip.total / 1e6), rel=1e-12)
    assert merit["images_per_s_per_mm2"] == pytest.approx(1 / latency / (chip.total / 1e6), rel=1e-12)
    assert 0 < merit["adc_share_of_area"] < 1
    assert main(["energy", "--width", "8", "--update-steps", "0", "--node", "22", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "TOPS/mm^2" in out and "inference chip area per layer" in out
    record = json.loads((tmp_path / "energy-fashion-mnist-zero-padded.json").read_text())
    assert record["merit"]["area_mm2"] == pytest.approx(record["area"]["inference_chip"]["total"] / 1e6)


def test_info_gives_the_generator_area_per_layer(capsys):
    from spindcgan.cli import main
    from spindcgan.energy.area import model_area

    assert main(["info", "--width", "8"]) == 0
    out = capsys.readouterr().out
    model = ModelConfig.preset("fashion-mnist", 8)
    chip = model_area(Generator(model, HardwareConfig()), torch.zeros(1, model.z_dim), HardwareConfig())
    assert "generator area per layer at 32 nm" in out and f"chip {chip.total / 1e6:.4f} mm^2" in out


def test_the_ledger_of_an_export_is_its_runs_for_inference_and_refuses_what_would_be_lost(tmp_path, capsys):
    """An export holds the generator's device states (no discriminator): its ledger's inference costs are those of
    the run folder it came from, to rounding. A ledger already in --out is refused before any work (and kept), and
    replaced with --overwrite; a --data that cannot be read is an error, not silently generated images."""
    import json

    from spindcgan.cli import main

    tiny = ["--width", "4", "--batch-size", "16", "--limit", "32", "--no-progress", "--max-steps", "1"]
    assert main(["train", *tiny, "--out", str(tmp_path / "runs")]) == 0
    (run,) = (tmp_path / "runs").iterdir()
    assert main(["export", str(run), "--out", str(tmp_path / "g.pt")]) == 0
    for name, source in (("run", run), ("export", tmp_path / "g.pt")):
        assert main(["energy", str(source), "--batch", "8", "--update-steps", "0", "--out", str(tmp_path / name)]) == 0
    run_ledger, export_ledger = (json.loads((tmp_path / name / "energy-fashion-mnist-zero-padded.json").read_text())
                                 for name in ("run", "export"))
    assert export_ledger["inference"]["energy"]["synapse_read"] > 0
    for key, value in run_ledger["inference"]["energy"].items():
        assert export_ledger["inference"]["energy"][key] == pytest.approx(value, rel=1e-6, abs=1e-30), key

    ledger = tmp_path / "export" / "energy-fashion-mnist-zero-padded.json"
    ledger.write_text("the user's ledger")
    capsys.readouterr()
    assert main(["energy", str(tmp_path / "g.pt"), "--out", str(tmp_path / "export")]) == 2
    assert "energy-fashion-mnist-zero-padded.json exists; choose another --out or pass --overwrite" in \
        capsys.readouterr().err
    assert ledger.read_text() == "the user's ledger"
    assert main(["energy", str(tmp_path / "g.pt"), "--batch", "8", "--update-steps", "0", "--out",
                 str(tmp_path / "export"), "--overwrite"]) == 0
    assert json.loads(ledger.read_text())["inference"] == export_ledger["inference"]
    (tmp_path / "empty").mkdir()
    capsys.readouterr()
    assert main(["energy", str(tmp_path / "g.pt"), "--data", str(tmp_path / "empty"), "--out",
                 str(tmp_path / "data")]) == 2
    assert "empty" in capsys.readouterr().err and not (tmp_path / "data").exists()
