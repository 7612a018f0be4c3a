"""Fashion-MNIST reader on the real files and on corrupted copies."""

import gzip
import shutil
from pathlib import Path

import pytest

from spindcgan import SpinDCGANError
from spindcgan.data import load_fashion_mnist
from spindcgan.data.fashion_mnist import DEBIAN_DIR, IMAGE_MAGIC, read_idx

needs_data = pytest.mark.skipif(not (DEBIAN_DIR / "t10k-images-idx3-ubyte.gz").exists(),
                                reason="apt-get install dataset-fashion-mnist")


@needs_data
def test_real_files_have_the_documented_shapes():
    images, labels = load_fashion_mnist("test")
    assert images.shape == (10000, 28, 28) and labels.shape == (10000,)
    assert int(labels.min()) == 0 and int(labels.max()) == 9
    assert 60 < float(images.float().mean()) < 90  # Fashion-MNIST mean pixel is about 72.9


@pytest.fixture
def copy_dir(tmp_path):
    """The test split copied into a temp folder, gz and raw."""
    for stem in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        shutil.copy(DEBIAN_DIR / f"{stem}.gz", tmp_path / f"{stem}.gz")
    return tmp_path


@needs_data
def test_raw_files_and_data_dir_take_precedence(copy_dir, monkeypatch):
    raw = copy_dir / "t10k-images-idx3-ubyte"
    raw.write_bytes(gzip.open(copy_dir / "t10k-images-idx3-ubyte.gz").read())
    (copy_dir / "t10k-images-idx3-ubyte.gz").unlink()
    images, _ = load_fashion_mnist("test", copy_dir)
    assert images.shape == (10000, 28, 28)
    monkeypatch.setenv("SPINDCGAN_DATA", str(copy_dir))
    assert load_fashion_mnist("test")[0].shape == (10000, 28, 28)


def _write_gz(path: Path, data: bytes) -> None:
    with gzip.open(path, "wb") as f:
        f.write(data)


@needs_data
@pytest.mark.parametrize(
    "corrupt,message",
    [
        (lambda raw: b"\x00\x00\x08\x01" + raw[4:], "bad magic number"),
        (lambda raw: raw[: len(raw) // 2], "wrong size"),
        (lambda raw: raw + b"\x00" * 10, "wrong size"),
        (lambda raw: raw[:5], "too short"),
    ],
)
def test_corrupted_file_is_one_line_naming_it(copy_dir, corrupt, message):
    path = copy_dir / "t10k-images-idx3-ubyte.gz"
    _write_gz(path, corrupt(gzip.open(path).read()))
    with pytest.raises(SpinDCGANError, match=message) as info:
        load_fashion_mnist("test", copy_dir)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


@needs_data
def test_truncated_gzip_stream_is_named(copy_dir):
    path = copy_dir / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:100_000])
    with pytest.raises(SpinDCGANError, match="cannot read") as info:
        read_idx(path, IMAGE_MAGIC)
    assert str(path) in str(info.value)


def test_missing_files_say_where_and_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("SPINDCGAN_DATA", str(tmp_path / "env"))
    monkeypatch.setattr("spindcgan.data.fashion_mnist.DEBIAN_DIR", tmp_path / "debian")
    with pytest.raises(SpinDCGANError) as info:
        load_fashion_mnist("train")
    text = str(info.value)
    for where in ("env", "debian", "apt-get install dataset-fashion-mnist"):
        assert where in text
    (tmp_path / "given").mkdir()  # a folder the user named is the only place looked, and the error says so
    with pytest.raises(SpinDCGANError) as info:
        load_fashion_mnist("train", tmp_path / "given")
    assert "given" in str(info.value) and "env" not in str(info.value)
