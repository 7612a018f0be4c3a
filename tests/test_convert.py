"""spindcgan.convert: any network on crossbars, exact with hardware=None, and the ledger of what it converts."""

import copy
import io
import pickle
import warnings

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from spindcgan import HardwareConfig, convert
from spindcgan.energy.constants import PeripheralCosts
from spindcgan.energy.layers import crossbar_forward
from spindcgan.nn import DomainWallLeakyReLU, DomainWallReLU, SpinConv2d, SpinConvTranspose2d, SpinLinear

LAYERS = {
    "conv": lambda bias: nn.Conv2d(4, 6, 3, padding=1, bias=bias),
    "conv-groups": lambda bias: nn.Conv2d(4, 6, 3, padding=1, groups=2, bias=bias),
    "conv-dilation": lambda bias: nn.Conv2d(4, 6, 3, padding=2, dilation=2, bias=bias),
    "conv-reflect": lambda bias: nn.Conv2d(4, 6, 3, padding=1, padding_mode="reflect", bias=bias),
    "conv-circular": lambda bias: nn.Conv2d(4, 6, 3, padding=1, padding_mode="circular", bias=bias),
    "conv-stride": lambda bias: nn.Conv2d(4, 6, 4, stride=2, padding=1, bias=bias),
    "deconv": lambda bias: nn.ConvTranspose2d(4, 6, 4, stride=2, padding=1, bias=bias),
    "deconv-output-padding": lambda bias: nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1,
                                                             bias=bias),
    "deconv-groups": lambda bias: nn.ConvTranspose2d(4, 6, 4, stride=2, padding=1, groups=2, bias=bias),
    "deconv-dilation": lambda bias: nn.ConvTranspose2d(4, 6, 3, stride=1, padding=2, dilation=2, bias=bias),
    "linear": lambda bias: nn.Linear(4, 6, bias=bias),
}
SPIN = {nn.Conv2d: SpinConv2d, nn.ConvTranspose2d: SpinConvTranspose2d, nn.Linear: SpinLinear}


def example(kind: str) -> torch.Tensor:
    return torch.randn(3, 5, 4) if kind == "linear" else torch.randn(3, 4, 8, 8)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("kind", list(LAYERS))
def test_with_hardware_none_a_converted_layer_computes_as_the_original(kind, bias):
    torch.manual_seed(0)
    original = nn.Sequential(LAYERS[kind](bias))
    converted = convert(original, hardware=None)
    assert type(converted[0]) is SPIN[type(original[0])] and type(original[0]) is not SPIN[type(original[0])]
    x = example(kind)
    x1, x2 = x.clone().requires_grad_(), x.clone().requires_grad_()
    out1, out2 = original(x1), converted(x2)
    torch.testing.assert_close(out2, out1, rtol=1e-6, atol=1e-7)
    grad = torch.randn_like(out1)
    out1.backward(grad)
    out2.backward(grad)
    torch.testing.assert_close(x2.grad, x1.grad, rtol=1e-6, atol=1e-7)
    for p1, p2 in zip(original.parameters(), converted.parameters(), strict=True):
        torch.testing.assert_close(p2.grad, p1.grad, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("kind", list(LAYERS))
def test_state_dicts_load_both_ways_and_the_default_hardware_uses_at_most_2_to_the_bits_states(kind):
    torch.manual_seed(1)
    original = nn.Sequential(LAYERS[kind](True))
    converted = convert(original)
    assert converted.state_dict().keys() == original.state_dict().keys()
    for a, b in zip(converted.state_dict().values(), original.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    fresh = nn.Sequential(LAYERS[kind](True))
    fresh.load_state_dict(converted.state_dict())
    again = convert(nn.Sequential(LAYERS[kind](True)))
    again.load_state_dict(original.state_dict())
    x = example(kind)
    assert torch.equal(again(x), converted(x)) and torch.equal(fresh(x), original(x))
    states = converted[0].program()
    bits = HardwareConfig().synapse.bits
    for devices in (states.positive, states.negative):
        assert devices.dtype == torch.uint8 and int(devices.max()) < 2**bits
    levels = converted[0].effective_weight().detach().unique()
    assert len(levels) <= 2 * 2**bits - 1  # signed levels of a differential pair


class Custom(nn.Module):
    """A network the way users write them: nested containers, a custom block, layers the crossbars cannot hold."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.LeakyReLU(0.1))
        self.blocks = nn.ModuleList([nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.ReLU())])
        self.heads = nn.ModuleDict({"up": nn.ConvTranspose2d(8, 4, 4, 2, 1), "out": nn.Conv2d(4, 3, 1)})
        self.volume = nn.Conv3d(1, 1, 1)
        self.gate = nn.Linear(3, 3)
        self.frozen = nn.Conv2d(3, 3, 1)
        self.frozen.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for block in self.blocks:
            x = block(x)
        x = self.heads["out"](self.heads["up"](x))
        x = F.conv2d(x, x.new_ones(3, 3, 1, 1) / 3)  # functional: nothing for convert to swap
        return self.frozen(self.gate(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2))


def test_nested_containers_convert_and_the_unmappable_is_named_in_one_warning():
    model = Custom()
    with pytest.warns(UserWarning, match="left in CMOS") as caught:
        converted = convert(model, example_input=torch.randn(2, 3, 8, 8))
    message = str(caught[0].message)
    assert "volume (Conv3d)" in message and "functional conv2d" in message
    assert type(converted.stem[0]) is SpinConv2d and type(converted.stem[1]) is DomainWallLeakyReLU
    assert converted.stem[1].negative_slope == 0.1
    assert type(converted.blocks[0][1]) is DomainWallReLU
    assert type(converted.heads["up"]) is SpinConvTranspose2d and type(converted.gate) is SpinLinear
    assert not converted.frozen.weight.requires_grad and converted.stem[0].weight.requires_grad
    assert type(model.stem[0]) is nn.Conv2d  # the original is untouched (a copy was converted)
    seeds = [m.variation_seed for m in converted.modules() if hasattr(m, "variation_seed")]
    assert len(set(seeds)) == len(seeds) == 6 + 2  # six crossbar layers and two DW activation layers
    assert converted(torch.randn(2, 3, 8, 8)).shape == (2, 3, 16, 16)


def test_exclude_takes_names_patterns_and_types_and_cmos_keeps_activations():
    model = Custom()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        converted = convert(model, exclude=["stem", "heads.*", nn.Linear], activations="cmos")
    assert type(converted.stem[0]) is nn.Conv2d and type(converted.heads["up"]) is nn.ConvTranspose2d
    assert type(converted.gate) is nn.Linear and type(converted.blocks[0][0]) is SpinConv2d
    assert type(converted.blocks[0][1]) is nn.ReLU
    same = convert(model, hardware=None, inplace=True, exclude=[nn.Conv3d])
    assert same is model and type(model.stem[0]) is SpinConv2d


def test_a_converted_model_copies_pickles_saves_and_moves():
    torch.manual_seed(2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        converted = convert(Custom())
    x = torch.randn(1, 3, 8, 8)
    expected = converted(x)
    buffer = io.BytesIO()
    torch.save(converted, buffer)
    buffer.seek(0)
    for other in (copy.deepcopy(converted), pickle.loads(pickle.dumps(converted)),
                  torch.load(buffer, weights_only=False), copy.deepcopy(converted).to("cpu", torch.float64)):
        assert torch.allclose(other(x.to(next(other.parameters()).dtype)).float(), expected, atol=1e-5)


def test_bad_exclude_and_activations_are_one_line_errors():
    from spindcgan import SpinDCGANError

    with pytest.raises(SpinDCGANError, match="exclude takes"):
        convert(nn.Linear(2, 2), exclude=[3])
    with pytest.raises(SpinDCGANError, match="activations must be"):
        convert(nn.Linear(2, 2), activations="dw")


def test_the_ledger_of_a_converted_linear_layer_equals_the_hand_formula():
    """300 inputs x 200 outputs on 128 x 128 arrays: 3 row tiles x 2 column tiles; one input vector per image."""
    hw = HardwareConfig()
    layer = convert(nn.Sequential(nn.Linear(300, 200, bias=False)), hardware=hw)[0]
    x = torch.rand(4, 300)
    cost = crossbar_forward(layer, x, hw, "zero-padded", PeripheralCosts())
    assert cost.kind == "linear"
    assert (cost.arrays, cost.input_vectors, cost.crossbar_reads) == (6, 1, 6)
    assert (cost.row_activations, cost.macs) == (300, 300 * 200)
    assert (cost.dac_conversions, cost.adc_conversions, cost.partial_sum_adds) == (300 * 2, 200 * 3, 200 * 2)
    syn = hw.synapse
    states = layer.program()
    g = lambda n: syn.g_min + (syn.g_max - syn.g_min) * n.double() / (syn.levels - 1)  # noqa: E731 - linear ladder
    row_g = (g(states.positive) + g(states.negative)).sum(0)  # [in]: conductance each input line sees
    read = ((syn.read_voltage * x.double() / x.abs().max()).square() * row_g).sum(1).mean() * syn.read_time
    assert cost.energy["synapse_read"] == pytest.approx(float(read), rel=1e-9)
    costs = PeripheralCosts()
    assert cost.energy["dac"] == pytest.approx(600 * costs.dac_energy)
    assert cost.energy["adc"] == pytest.approx(600 * costs.adc_energy)


USER_NET = '''
import torch.nn as nn


class Decoder(nn.Module):  # an upsample-and-convolve decoder, written as a user would
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 32 * 4 * 4)
        self.body = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(32, 8, 3, padding=1), nn.BatchNorm2d(8),
                                  nn.ReLU(), nn.Conv2d(8, 3, 3, padding=1), nn.Tanh())

    def forward(self, z):
        return self.body(self.fc(z).view(-1, 32, 4, 4))


def make():
    return Decoder()


def broken():
    raise ValueError("no weights file")


def not_a_model():
    return 3
'''


def test_energy_and_info_of_a_network_named_by_its_factory(tmp_path, monkeypatch, capsys):
    import json

    from spindcgan.cli import main

    (tmp_path / "user_nets.py").write_text(USER_NET)
    monkeypatch.chdir(tmp_path)
    assert main(["energy", "--model", "user_nets:make", "--input-shape", "2,16", "--out", "ledger"]) == 0
    record = json.loads((tmp_path / "ledger" / "energy-user_nets-make-zero-padded.json").read_text())
    kinds = [row["kind"] for row in record["generator_forward"]]
    assert kinds[0] == "linear" and kinds.count("conv") == 2 and "dw-relu" in kinds
    assert record["inference"]["energy"]["synapse_read"] > 0 and record["training"]["total"] > record["inference"][
        "total"]
    assert main(["info", "--model", "user_nets:make", "--input-shape", "1,16", "--bits", "4"]) == 0
    out = capsys.readouterr().out
    assert "16x512" in out and "4-bit" in out  # the linear layer's crossbar: 16 rows x 512 columns
    for args, message in ((["--model", "user_nets:broken", "--input-shape", "1,16"], "factory raised ValueError"),
                          (["--model", "user_nets:not_a_model", "--input-shape", "1,16"], "not an nn.Module"),
                          (["--model", "user_nets:make", "--input-shape", "1,15"], "does not fit"),
                          (["--model", "no_such_module:make", "--input-shape", "1,16"], "cannot import"),
                          (["--model", "user_nets", "--input-shape", "1,16"], "expected MODULE:FUNCTION"),
                          (["--model", "user_nets:make", "--input-shape", "1,a"], "positive integers"),
                          (["--model", "user_nets:make"], "takes --input-shape")):
        assert main(["energy", *args]) == 2
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and message in err, (args, err)


def test_a_converted_network_exports_its_device_states_and_generates_from_them(tmp_path, monkeypatch, capsys):
    from PIL import Image

    from spindcgan.cli import main
    from spindcgan.export import network_from_exported, read_exported
    from spindcgan.factory import load_factory

    (tmp_path / "user_nets.py").write_text(USER_NET)
    monkeypatch.chdir(tmp_path)
    torch.manual_seed(3)
    trained = convert(load_factory("user_nets:make"))  # as a user's own training loop would leave it
    torch.save(trained.state_dict(), tmp_path / "trained.pt")
    assert main(["export", "--model", "user_nets:make", "--weights", "trained.pt", "--input-shape", "1,16",
                 "--out", "g.pt"]) == 0
    rebuilt, shape = network_from_exported(read_exported(tmp_path / "g.pt"))
    assert shape == (1, 16)
    for (name, a), (_, b) in zip(trained.named_modules(), rebuilt.named_modules(), strict=True):
        if hasattr(a, "program"):
            assert torch.equal(a.program().positive, b.program().positive), name  # every device on its state
            torch.testing.assert_close(b.effective_weight(), a.effective_weight())
    assert main(["generate", "--model", "g.pt", "--n", "4", "--out", "grid.png"]) == 0
    assert Image.open(tmp_path / "grid.png").size[0] > 16
    assert "nJ in the spintronic devices" in capsys.readouterr().out
    assert main(["export", "--model", "user_nets:make", "--weights", "g.pt", "--input-shape", "1,16",
                 "--out", "again.pt"]) == 2  # a device-state file is no state_dict
    assert main(["export", str(tmp_path), "--bits", "4", "--out", "x.pt"]) == 2
    err = capsys.readouterr().err
    assert "not a state_dict of user_nets:make" in err and "--bits describes a fresh model or --model's" in err


def test_the_ledger_of_a_converted_model_is_the_same_inside_no_grad():
    """A user measuring under torch.no_grad() (as around generation and FID) gets the ledger, training passes too."""
    from spindcgan.energy.ledger import build_network_ledger

    hw = HardwareConfig()
    model = convert(nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4)), hardware=hw)
    x = torch.rand(3, 8)
    plain = build_network_ledger(model, x, hw)
    with torch.no_grad():
        inside = build_network_ledger(model, x, hw)
    assert inside.inference == plain.inference and inside.training == plain.training
    assert sum(plain.training.values()) > 0
