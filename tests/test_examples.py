"""The examples in examples/ run end to end for a few steps, as a user would run them."""

import importlib.util
from pathlib import Path

import pytest
import torch

from spindcgan.data.fashion_mnist import DEBIAN_DIR
from spindcgan.nn import SpinConvTranspose2d, SpinLinear

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
needs_data = pytest.mark.skipif(not (DEBIAN_DIR / "train-images-idx3-ubyte.gz").exists(),
                                reason="apt-get install dataset-fashion-mnist")


def example(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@needs_data
def test_the_conditional_dcgan_trains_on_crossbars_and_generates_a_chosen_garment(tmp_path):
    cdcgan = example("conditional_dcgan")
    g, d, finished = cdcgan.train(epochs=1, width=4, out=tmp_path, max_steps=2, limit=256)
    assert finished
    assert (tmp_path / "epoch-001.png").exists() and (tmp_path / "model.pt").exists()
    assert isinstance(g.up[0], SpinConvTranspose2d) and isinstance(g.project[0], SpinLinear)
    assert type(g.embed) is torch.nn.Embedding  # the label embedding stays in CMOS
    assert isinstance(d.head, SpinLinear) and type(d.embed) is torch.nn.Embedding  # the projection discriminator's
    with torch.no_grad():  # one image, two labels: the projection sees the label
        logits = d.eval()(torch.rand(1, 1, 28, 28).repeat(2, 1, 1, 1) * 2 - 1, torch.tensor([0, 7]))
    assert logits[0] != logits[1]
    sneakers = cdcgan.garments(g, per_class=3, garment=7)
    assert sneakers.shape == (3, 1, 28, 28) and sneakers.abs().max() <= 1
    energy = cdcgan.energy_per_image(g)
    assert 0 < energy["devices"] < energy["with_peripherals"]
    (tmp_path / "float").mkdir()  # the recipe's float baseline: plain PyTorch, nothing converted
    fg, _, _ = cdcgan.train(epochs=1, width=4, out=tmp_path / "float", max_steps=2, limit=256, on_hardware=False)
    assert type(fg.project[0]) is torch.nn.Linear and type(fg.up[0]) is torch.nn.ConvTranspose2d
    judged = cdcgan.label_accuracy(g, n=20, epochs=1, limit=2000)  # the judge of "draws the garment asked for"
    assert judged["classifier_test_accuracy"] > 0.3 and 0 <= judged["label_accuracy"] <= 1  # chance: 0.1
    assert set(judged["within_class_spread"]) == set(cdcgan.GARMENTS)  # 2 images of each garment
    assert all(v >= 0 for v in judged["within_class_spread"].values())


@needs_data
def test_the_upsample_generator_trains_and_sets_its_energy_beside_the_papers(tmp_path):
    upsample = example("upsample_generator")
    g, finished = upsample.train(epochs=1, width=4, out=tmp_path, max_steps=2, limit=256)
    assert finished
    assert (tmp_path / "epoch-001.png").exists()
    assert not any(isinstance(m, torch.nn.ConvTranspose2d) for m in g.modules())
    energy = upsample.energies(g, width=4)
    ours, paper = energy["upsample + convolution"], energy["paper: zero-padded deconvolution"]
    assert 0 < ours["devices"] < ours["with_peripherals"] and 0 < paper["devices"] < paper["with_peripherals"]
    (tmp_path / "paper").mkdir()  # the paper's generator by the same loop, for the comparison at equal training
    pg, _ = upsample.train(epochs=1, width=4, out=tmp_path / "paper", max_steps=2, limit=256, kind="paper")
    assert any(isinstance(m, SpinConvTranspose2d) for m in pg.modules())
    trained = upsample.energies(pg, width=4, kind="paper")  # the reads' conductances follow the weights a little
    for name, e in trained.items():  # the peripherals and the latency do not at all
        assert e["latency_us"] == energy[name]["latency_us"]
        assert e["with_peripherals"] - e["devices"] == pytest.approx(
            energy[name]["with_peripherals"] - energy[name]["devices"], rel=1e-9)
        assert e["devices"] == pytest.approx(energy[name]["devices"], rel=0.05)


@needs_data
@pytest.mark.parametrize("name", ["conditional_dcgan", "upsample_generator"])
def test_an_example_run_in_legs_equals_one_run_bit_for_bit(tmp_path, name):
    """--time-limit stops after an epoch; the same call continues from the loop's saved state."""
    script = example(name)
    (tmp_path / "whole").mkdir()
    (tmp_path / "legs").mkdir()
    whole = script.train(epochs=2, width=4, out=tmp_path / "whole", limit=256)
    first = script.train(epochs=2, width=4, out=tmp_path / "legs", limit=256, time_limit=0)
    assert first[-1] is False and not (tmp_path / "legs" / "model.pt").exists()
    second = script.train(epochs=2, width=4, out=tmp_path / "legs", limit=256, time_limit=0)
    assert whole[-1] is True and second[-1] is True
    for a, b in zip(whole[0].state_dict().values(), second[0].state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_the_mode_seeking_penalty_is_the_inverse_of_image_over_noise_distance():
    """MSGAN: 1 / (mean |G(z1) - G(z2)| / mean |z1 - z2|) between a batch's two halves; a collapsed generator
    (the same image for both halves) pays without bound."""
    cdcgan = example("conditional_dcgan")
    fake = torch.zeros(4, 1, 2, 2)
    fake[2:] = 0.5  # the second half differs from the first by 0.5 at every pixel
    z = torch.zeros(4, 3)
    z[2:] = 2.0  # and its noise by 2.0
    assert cdcgan.mode_seeking_penalty(fake, z).item() == pytest.approx(1 / (0.5 / 2.0 + 1e-5), rel=1e-6)
    assert cdcgan.mode_seeking_penalty(torch.ones(4, 1, 2, 2), z).item() == pytest.approx(1e5, rel=1e-6)


@needs_data
def test_a_conditional_run_continues_only_with_the_recipe_it_began_with(tmp_path):
    cdcgan = example("conditional_dcgan")
    cdcgan.train(epochs=2, width=4, out=tmp_path, limit=256, time_limit=0, mode_seeking=0.0)
    with pytest.raises(SystemExit, match="mode_seeking"):
        cdcgan.train(epochs=2, width=4, out=tmp_path, limit=256, mode_seeking=1.0)
