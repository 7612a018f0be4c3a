"""The generators that ship inside the package: valid device states, real images, `spindcgan generate` with no
data."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from spindcgan.api import SHIPPED_MODEL, SHIPPED_MODELS
from spindcgan.cli import main
from spindcgan.loading import load_generator

# every shipped generator (Fashion-MNIST always; Anime Face once it ships) meets the same checks
SHIPPED = [pytest.param(path, id=dataset) for dataset, path in SHIPPED_MODELS.items()
           if path.exists() or path == SHIPPED_MODEL]
IMAGE_SHAPES = {"fashion-mnist": (1, 28, 28), "anime": (3, 64, 64)}


@pytest.mark.parametrize("shipped", SHIPPED)
def test_shipped_generator_holds_6bit_device_states(shipped):
    data = torch.load(shipped, map_location="cpu", weights_only=False)
    assert data["config"]["hardware"]["synapse"]["bits"] == 6
    assert data["crossbars"], "no crossbar layers in the shipped file"
    for name, layer in data["crossbars"].items():
        for side in ("positive", "negative"):
            states = layer[side]
            assert states.dtype == torch.uint8, name  # integers by type
            assert int(states.min()) >= 0 and int(states.max()) <= 63, name
        assert float(layer["scale"]) > 0
    assert shipped.stat().st_size < 15e6


@pytest.mark.parametrize("shipped", SHIPPED)
def test_shipped_generator_makes_varied_images(shipped):
    generator, config = load_generator(shipped)
    with torch.no_grad():
        images = generator(torch.randn(16, config.model.z_dim, generator=torch.Generator().manual_seed(0)))
    assert images.shape == (16, *IMAGE_SHAPES[config.model.dataset])
    assert float(images.std()) > 0.2  # not a constant image
    assert float((images[0] - images[1]).abs().mean()) > 0.05  # different noise, different image


@pytest.mark.parametrize("args", [[]] + [["--dataset", d] for d, path in SHIPPED_MODELS.items() if path.exists()],
                         ids=lambda args: " ".join(args) or "no-arguments")
def test_generate_without_a_dataset_present(args, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SPINDCGAN_DATA", str(tmp_path / "no-dataset-here"))
    assert main(["generate", *args]) == 0
    out = capsys.readouterr().out
    written = [p for p in tmp_path.iterdir() if p.suffix == ".png"]
    assert len(written) == 1
    grid = np.asarray(Image.open(written[0]))
    assert grid.std() > 20
    assert "nJ" in out and "energy per generated image" in out


def test_generate_refuses_a_model_file_and_a_shipped_dataset_together(tmp_path, capsys):
    assert main(["generate", "--model", str(tmp_path / "g.pt"), "--dataset", "fashion-mnist"]) == 2
    err = capsys.readouterr().err.strip()
    assert "not both" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("shipped", SHIPPED)
def test_info_reads_the_states_a_shipped_generator_holds(shipped, capsys):
    """Programming the rebuilt generator gives back the file's states, and `spindcgan info FILE` reports their use:
    every layer's weights carry less than the 6.99 bits a differential pair of 6-bit devices offers."""
    from spindcgan.nn import CrossbarLayerMixin
    from spindcgan.reports.usage import state_usage

    data = torch.load(shipped, map_location="cpu", weights_only=False)
    generator, config = load_generator(shipped)
    layers = {name: m for name, m in generator.named_modules() if isinstance(m, CrossbarLayerMixin)}
    assert layers.keys() == data["crossbars"].keys()
    for name, layer in layers.items():
        programmed = layer.program()
        assert torch.equal(programmed.positive, data["crossbars"][name]["positive"]), name
        assert torch.equal(programmed.negative, data["crossbars"][name]["negative"]), name
        usage = state_usage(name, programmed, config.hardware.synapse)
        assert 0 < usage.entropy_bits < usage.max_entropy_bits and 0 < usage.mean_magnitude < 1
    assert main(["info", str(shipped)]) == 0
    out = capsys.readouterr().out
    assert "device states of the trained generator" in out and all(f"\n{name} " in out for name in layers)
