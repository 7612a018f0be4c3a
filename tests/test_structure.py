"""Which modules may import which: dependencies that run one way (issue 38, item 5)."""

import ast
from pathlib import Path

import torch

from spindcgan.energy.report import model_ledger
from spindcgan.energy.updates import Writes
from spindcgan.models import ModelConfig
from spindcgan.training import RunConfig, TrainConfig

SRC = Path(__file__).resolve().parents[1] / "src" / "spindcgan"


def imports_of(module: Path) -> set[str]:
    """Every spindcgan module a file imports, at its top or inside a function, as a dotted name under spindcgan."""
    package = module.relative_to(SRC.parent).with_suffix("").parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = list(package[: len(package) - node.level + 1]) if node.level else []
            target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            found |= {target} | {f"{target}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return {name for name in found if name.startswith("spindcgan")}


def test_checkpoints_and_device_state_files_do_not_import_each_other():
    assert not {n for n in imports_of(SRC / "export.py") if n.startswith("spindcgan.training.checkpoint")}
    assert not {n for n in imports_of(SRC / "training" / "checkpoint.py") if n.startswith("spindcgan.export")}


def test_the_energy_ledger_does_not_depend_on_the_training_loop():
    for module in (SRC / "energy").glob("*.py"):
        training = {n for n in imports_of(module) if n.startswith("spindcgan.training")}
        assert training <= {"spindcgan.config", "spindcgan.config.RunConfig"}, module.name


def test_the_ledger_prices_whatever_writes_its_counter_reports():
    """A counter that is no training loop at all: the ledger prices its figure and says where it came from."""
    config = RunConfig(ModelConfig.preset("fashion-mnist", width=4), train=TrainConfig(data="/nonexistent"))

    def counter(real):
        assert real is None  # no dataset at that path: the counter is told so
        return Writes(1000.0, "a stub counter")

    try:
        ledger = model_ledger(config, batch=2, writes=counter)
    finally:
        torch.manual_seed(0)
    synapse = config.hardware.synapse
    assert ledger.training["synapse_write"] == 1000.0 * synapse.write_energy_per_state
    assert ledger.to_dict()["synapse_updates"]["source"] == "a stub counter"
