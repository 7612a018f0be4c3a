import pytest
import torch


@pytest.fixture(autouse=True)
def _deterministic_threads():
    """Tests compare runs bit for bit: keep the thread count fixed within a test."""
    torch.set_num_threads(2)
    yield


def load_experiment(name: str):
    """A script of experiments/ as a module (they import their sibling provenance.py)."""
    import importlib
    import sys
    from pathlib import Path

    folder = str(Path(__file__).resolve().parents[1] / "experiments")
    sys.path.insert(0, folder)
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(folder)


@pytest.fixture
def experiment():
    """``load_experiment``, for a test: ``study = experiment("area_study")``."""
    return load_experiment
