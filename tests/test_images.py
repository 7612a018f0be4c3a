"""Image folder / zip datasets (Anime Face) and the 64x64 colour DCGAN."""

import io
import json
import zipfile

import numpy as np
import pytest
import torch
from PIL import Image

from spindcgan import HardwareConfig, SpinDCGANError
from spindcgan.data.anime import HELDOUT_N, anime_candidates, anime_split, heldout_indices, load_anime
from spindcgan.data.images import load_images
from spindcgan.models import Discriminator, Generator, ModelConfig
from spindcgan.training import RunConfig, TrainConfig, load_checkpoint, train

ANIME = next((p for p in anime_candidates() if p.exists()), None)
needs_anime = pytest.mark.skipif(ANIME is None, reason="shared/data/anime-faces-64.zip not found")


def _png(mode: str, size=(40, 30), colour=None) -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, colour).save(buf, format="PNG")
    return buf.getvalue()


def _jpeg(size=(64, 64)) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (*size, 3), dtype=np.uint8)).save(buf, "JPEG")
    return buf.getvalue()


def _cmyk_jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("CMYK", (20, 20), (0, 0, 0, 0)).save(buf, "JPEG")
    return buf.getvalue()


@needs_anime
def test_real_anime_zip_in_place(tmp_path, monkeypatch):
    monkeypatch.setenv("SPINDCGAN_CACHE", str(tmp_path))
    images = load_images(ANIME, 64, limit=300, progress=False)
    assert images.shape == (300, 3, 64, 64) and images.dtype == torch.uint8
    assert 60 < images.float().mean() < 220 and images.float().std() > 20
    again = load_images(ANIME, 64, limit=300, progress=False)  # from the memory-mapped cache
    assert torch.equal(images, again)
    assert len(list(tmp_path.glob("images/*.npy"))) == 1
    small = load_images(ANIME, 32, limit=10, progress=False)  # resized: another cache entry
    assert small.shape == (10, 3, 32, 32)


def test_mixed_zip_skips_broken_handles_modes_and_ignores_non_images(tmp_path, monkeypatch):
    monkeypatch.setenv("SPINDCGAN_CACHE", str(tmp_path / "cache"))
    good_jpeg = _jpeg()
    path = tmp_path / "mixed.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("images/a.jpg", good_jpeg)
        z.writestr("images/b_truncated.jpg", good_jpeg[: len(good_jpeg) // 2])
        z.writestr("images/c_alpha.png", _png("RGBA", colour=(255, 0, 0, 0)))  # fully transparent red
        z.writestr("images/d_gray.png", _png("L", colour=77))
        z.writestr("images/e_cmyk.jpg", _cmyk_jpeg())
        z.writestr("images/notes.txt", "not an image")
        z.writestr("images/nested/deeper/f.png", _png("P", size=(64, 80)))
    with pytest.warns(UserWarning, match=r"skipped 1 unreadable image\(s\): .*b_truncated.jpg"):
        images = load_images(path, 32, progress=False)
    assert images.shape == (5, 3, 32, 32)
    alpha, gray = images[1], images[2]
    assert torch.all(alpha == 255)  # transparent pixels composite over white
    assert torch.all(gray == 77)  # grayscale copied to three channels


def test_folder_source_and_list_of_sources(tmp_path, monkeypatch):
    monkeypatch.setenv("SPINDCGAN_CACHE", str(tmp_path / "cache"))
    (tmp_path / "faces" / "sub").mkdir(parents=True)
    (tmp_path / "faces" / "one.png").write_bytes(_png("RGB", (64, 64), (10, 20, 30)))
    (tmp_path / "faces" / "sub" / "two.jpg").write_bytes(_jpeg((70, 100)))
    (tmp_path / "faces" / "readme.md").write_text("# hi")
    images = load_images(tmp_path / "faces", 64, progress=False)
    assert images.shape == (2, 3, 64, 64)
    assert images[0, :, 0, 0].tolist() == [10, 20, 30]
    both = load_images([tmp_path / "faces", tmp_path / "faces" / "sub"], 64, progress=False)
    assert len(both) == 3


def test_sources_without_images_are_one_line_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "a.txt").write_text("x")
    with pytest.raises(SpinDCGANError, match="empty: no images found"):
        load_images(tmp_path / "empty", 64)
    with pytest.raises(SpinDCGANError, match="no such folder"):
        load_images(tmp_path / "missing", 64)
    (tmp_path / "x.zip").write_bytes(b"not a zip")
    with pytest.raises(SpinDCGANError, match="not a folder or a zip"):
        load_images(tmp_path / "x.zip", 64)
    with pytest.raises(SpinDCGANError, match="Anime Face images not found"):
        load_anime(tmp_path / "nowhere.zip")


@pytest.mark.parametrize("hardware", [None, HardwareConfig()])
def test_64x64_generator_and_discriminator_shapes(hardware):
    model = ModelConfig.preset("anime", width=8)
    g, d = Generator(model, hardware), Discriminator(model, hardware)
    images = g(torch.randn(3, 100))
    assert images.shape == (3, 3, 64, 64) and d(images).shape == (3,)
    assert [m.out_channels for m in g.modules() if hasattr(m, "out_channels")] == [64, 32, 16, 8, 3]


@needs_anime
@pytest.mark.parametrize("hardware", [None, HardwareConfig()])
def test_few_anime_training_steps_give_finite_losses(tmp_path, monkeypatch, capfd, hardware):
    monkeypatch.setenv("SPINDCGAN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr("spindcgan.data.anime.load_images", lambda *a, **k: load_images(*a, **{**k, "limit": 64}))
    config = RunConfig(ModelConfig.preset("anime", width=4), hardware,
                       TrainConfig(max_steps=3, batch_size=16, log_every=1, sample_count=4))
    run = train(config, tmp_path, progress=False)
    losses = [json.loads(ln) for ln in (run / "metrics.jsonl").read_text().splitlines()]
    assert len([m for m in losses if "loss_d" in m]) == 3
    assert all(np.isfinite(m["loss_d"]) and np.isfinite(m["loss_g"]) for m in losses if "loss_d" in m)
    assert load_checkpoint(run)["step"] == 3
    assert "decoding images" not in capfd.readouterr().err  # progress=False (--no-progress) silences every bar


def test_the_anime_splits_hold_out_a_fixed_2000_faces_from_fit():
    """fit and heldout partition the set; the draw is pinned, so every run and FID names the same faces."""
    faces = torch.arange(19_969).view(-1, 1, 1, 1)  # the set's size, each face its own index
    held, fit = anime_split(faces, "heldout").flatten(), anime_split(faces, "fit").flatten()
    assert len(held) == HELDOUT_N == 2000 and len(fit) == 19_969 - 2000
    assert torch.equal(torch.cat([held, fit]).sort().values, faces.flatten())  # disjoint, and all of them
    assert bool((held.diff() > 0).all() and (fit.diff() > 0).all())  # in the set's order
    assert torch.equal(held, heldout_indices(19_969)) and torch.equal(anime_split(faces, "train"), faces)
    assert held[:5].tolist() == [1, 7, 10, 20, 21]  # the pinned draw (seed 0); changing it orphans every record
    seen = anime_split(faces, "seen").flatten()  # the held-out check's other side: as many, drawn from fit
    assert len(seen) == HELDOUT_N and bool((seen.diff() > 0).all()) and set(seen.tolist()) <= set(fit.tolist())
    assert seen.float().mean().item() == pytest.approx(fit.float().mean().item(), rel=0.05)  # over the whole set
    assert seen.max() > 19_000 and seen.min() < 100  # not the first faces of fit (the set is ordered by id)
    with pytest.raises(SpinDCGANError, match="no anime split 'test'"):
        anime_split(faces, "test")
    with pytest.raises(SpinDCGANError, match="too few to hold out 2000"):
        heldout_indices(100)


def test_only_anime_runs_may_train_on_fit():
    with pytest.raises(SpinDCGANError, match="train_split 'fit': fashion-mnist runs train on train"):
        RunConfig(ModelConfig.preset("fashion-mnist", width=4), None, TrainConfig(train_split="fit"))
    with pytest.raises(SpinDCGANError, match="train_split 'heldout': anime runs train on train or fit"):
        RunConfig(ModelConfig.preset("anime", width=4), None, TrainConfig(train_split="heldout"))


@needs_anime
def test_an_anime_run_on_fit_never_sees_the_held_out_faces(tmp_path, monkeypatch):
    """64 faces, 8 of them held out: an epoch of batches of 16 is 3 steps on fit, 4 on the whole set."""
    monkeypatch.setenv("SPINDCGAN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr("spindcgan.data.anime.load_images", lambda *a, **k: load_images(*a, **{**k, "limit": 64}))
    monkeypatch.setattr("spindcgan.data.anime.HELDOUT_N", 8)
    steps = {}
    for split in ("train", "fit"):
        config = RunConfig(ModelConfig.preset("anime", width=4), None,
                           TrainConfig(epochs=1, batch_size=16, sample_count=4, train_split=split))
        steps[split] = load_checkpoint(train(config, tmp_path / split, progress=False))["step"]
    assert steps == {"train": 4, "fit": 3}
