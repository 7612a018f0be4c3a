"""Rough edges a new user hit on first contact (issue 38): each fails on the code before it was mended."""

import pytest

import spindcgan.training.loop as loop
from spindcgan import SpinDCGANError
from spindcgan.cli import main
from spindcgan.data import load_fashion_mnist
from spindcgan.training import load_checkpoint

TINY_TRAIN = ["train", "--width", "4", "--batch-size", "16", "--limit", "32", "--no-progress"]


def test_a_named_data_folder_that_is_missing_is_an_error_not_the_system_dataset(tmp_path, capsys):
    missing = tmp_path / "no-such-folder"
    with pytest.raises(SpinDCGANError, match="no-such-folder: no such folder"):
        load_fashion_mnist("train", missing)
    assert main([*TINY_TRAIN, "--max-steps", "1", "--data", str(missing), "--out", str(tmp_path / "runs")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and str(missing) in err
    assert not list((tmp_path / "runs").glob("*/checkpoint.pt"))  # nothing trained on another dataset


@pytest.mark.parametrize("stop", [["--max-steps", "2"], ["--time-limit", "0"]])
def test_every_stop_leaves_a_sample_grid(tmp_path, stop):
    out = tmp_path / "runs"
    assert main([*TINY_TRAIN, "--limit", "64", "--epochs", "1", *stop, "--out", str(out)]) == 0  # 4 steps an epoch
    (run,) = out.iterdir()
    step = load_checkpoint(run)["step"]
    assert step == (2 if "--max-steps" in stop else 0)  # stopped before the first epoch's end
    assert [p.name for p in (run / "samples").iterdir()] == [f"step-{step:07d}.png"]


def test_resume_and_sample_take_the_out_folder_of_a_single_run(tmp_path, capsys):
    out = tmp_path / "runs"
    assert main([*TINY_TRAIN, "--max-steps", "1", "--out", str(out)]) == 0
    (run,) = out.iterdir()
    assert main(["train", "--resume", str(out), "--max-steps", "2", "--no-progress"]) == 0
    assert load_checkpoint(run)["step"] == 2  # the one run inside was continued
    assert main(["sample", str(out), "--n", "4", "--out", str(tmp_path / "grid.png")]) == 0
    assert (tmp_path / "grid.png").exists()

    assert main([*TINY_TRAIN, "--max-steps", "1", "--out", str(out)]) == 0  # a second run: which one is meant?
    capsys.readouterr()
    assert main(["sample", str(out), "--n", "4", "--out", str(tmp_path / "other.png")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "holds 2 runs" in err
    assert all(str(r) in err for r in out.iterdir())
    assert main(["train", "--resume", str(out), "--max-steps", "3", "--no-progress"]) == 2


def test_train_prints_its_run_folder_before_the_first_step(tmp_path, monkeypatch, capsys):
    seen_before_first_step = []
    real_step = loop.train_step

    def step(*args, **kwargs):
        if not seen_before_first_step:
            seen_before_first_step.append(capsys.readouterr().out)
        return real_step(*args, **kwargs)

    monkeypatch.setattr(loop, "train_step", step)
    out = tmp_path / "runs"
    assert main([*TINY_TRAIN, "--max-steps", "1", "--out", str(out)]) == 0
    (run,) = out.iterdir()
    assert f"run folder: {run}" in seen_before_first_step[0]


def test_a_sample_folder_overwritten_holds_only_the_new_sample_and_the_users_other_files(tmp_path):
    """``--out FOLDER --overwrite`` with fewer images than before: the earlier sample's extra images go (an FID of
    the folder would mix two generators), a file of the user's stays, and without --overwrite nothing is written."""
    import pytest
    import torch

    from spindcgan import SpinDCGANError
    from spindcgan.generation import write_samples

    out = tmp_path / "samples"
    write_samples(torch.zeros(3, 1, 8, 8), out)
    (out / "notes.txt").write_text("mine")
    with pytest.raises(SpinDCGANError, match="non-empty folder"):
        write_samples(torch.ones(2, 1, 8, 8), out)
    write_samples(torch.ones(2, 1, 8, 8), out, overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == ["000000.png", "000001.png", "notes.txt"]


def test_an_out_with_an_image_suffix_is_one_grid_in_that_format(tmp_path):
    """``--out grid.jpg`` once made a folder named grid.jpg of PNGs; any suffix PIL writes is a grid in its format,
    a name without one (or with a suffix no image format has) is a folder, and another image format's suffix is a
    one-line error, before anything is written."""
    import torch
    from PIL import Image

    from spindcgan.generation import write_samples
    from spindcgan.io import image_grid

    images = torch.linspace(-1, 1, 4 * 3 * 8 * 8).reshape(4, 3, 8, 8)
    for name, kind in (("grid.jpg", "JPEG"), ("grid.JPEG", "JPEG"), ("grid.png", "PNG"), ("grid.tif", "TIFF")):
        out = write_samples(images, tmp_path / name)
        assert out.is_file() and Image.open(out).format == kind, name
        assert Image.open(out).size == image_grid(images).size
    for name in ("grid.gif", "grid.pdf", "grid.h5"):
        with pytest.raises(SpinDCGANError, match=f"{name}: a grid is written as .*, not"):
            write_samples(images, tmp_path / name)
        assert not (tmp_path / name).exists()
    folder = write_samples(images, tmp_path / "run.v2")
    assert folder.is_dir() and sorted(p.name for p in folder.iterdir()) == [f"{i:06d}.png" for i in range(4)]
