"""The generator that ships inside the package: valid device states, real images, `spindcgan generate` with no data."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from spindcgan.cli import SHIPPED_MODEL, main
from spindcgan.export import load_exported


def test_shipped_generator_holds_6bit_device_states():
    data = torch.load(SHIPPED_MODEL, map_location="cpu", weights_only=False)
    assert data["config"]["hardware"]["synapse"]["bits"] == 6
    assert data["crossbars"], "no crossbar layers in the shipped file"
    for name, layer in data["crossbars"].items():
        for side in ("positive", "negative"):
            states = layer[side]
            assert states.dtype == torch.uint8, name  # integers by type
            assert int(states.min()) >= 0 and int(states.max()) <= 63, name
        assert float(layer["scale"]) > 0
    assert SHIPPED_MODEL.stat().st_size < 15e6


def test_shipped_generator_makes_varied_images():
    generator, config = load_exported(SHIPPED_MODEL)
    with torch.no_grad():
        images = generator(torch.randn(16, config.model.z_dim, generator=torch.Generator().manual_seed(0)))
    assert images.shape == (16, 1, 28, 28)
    assert float(images.std()) > 0.2  # not a constant image
    assert float((images[0] - images[1]).abs().mean()) > 0.05  # different noise, different image


def test_generate_without_arguments_or_dataset(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SPINDCGAN_DATA", str(tmp_path / "no-dataset-here"))
    assert main(["generate"]) == 0
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
