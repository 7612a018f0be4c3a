import pytest
import torch


@pytest.fixture(autouse=True)
def _deterministic_threads():
    """Tests compare runs bit for bit: keep the thread count fixed within a test."""
    torch.set_num_threads(2)
    yield
