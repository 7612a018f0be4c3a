"""spindcgan.api, the front door the CLI, the experiments and users call, and the package's floors: each
package imports only from the floors below it (issue 50)."""

import ast
from pathlib import Path

import pytest
import torch

from spindcgan import SpinDCGANError, api
from spindcgan.cli import main
from spindcgan.generation import generate

SRC = Path(__file__).resolve().parents[1] / "src" / "spindcgan"

FLOORS = [("errors", "formats", "seeds", "cache", "tracing", "runtime", "io", "plots", "data", "devices"),
          ("crossbar",), ("nn",), ("models", "convert"), ("config", "factory", "generation"),
          ("energy", "reports", "export"), ("metrics", "training", "loading", "sweep"), ("api",),
          ("cli", "cli_reference", "__main__")]
"""The package's floors from the ground up: a module may import its own floor's and the lower floors' modules."""


def floor_of(module: str) -> int:
    return next(i for i, names in enumerate(FLOORS) if module in names)


def imported_packages(path: Path) -> set[str]:
    """The first-level spindcgan modules that ``path`` imports (relative imports resolved)."""
    package = path.relative_to(SRC).parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[:len(package) - node.level + 1]
            target = [*base, *(node.module.split(".") if node.module else [])]
            if target:
                found.add(target[0])
            elif node.module is None:  # from . import name, at the package's top
                found.update(alias.name for alias in node.names)
    return found


def test_every_module_imports_from_its_floor_or_below():
    modules = {p.stem if p.parent == SRC else p.relative_to(SRC).parts[0] for p in SRC.rglob("*.py")} - {"__init__"}
    assert modules <= {m for names in FLOORS for m in names}, "a module without a floor: add it to FLOORS"
    upward = []
    for path in SRC.rglob("*.py"):
        if path.parent == SRC and path.stem == "__init__":
            continue
        here = path.stem if path.parent == SRC else path.relative_to(SRC).parts[0]
        for target in imported_packages(path) - {here, "__version__"}:
            if target in modules and floor_of(target) > floor_of(here):
                upward.append(f"{path.relative_to(SRC)} -> {target}")
    assert not upward


def test_generate_returns_the_shipped_generators_images_and_their_cost():
    made = api.generate(n=4, seed=1)
    generator, _ = api.load_generator(api.SHIPPED_MODEL)
    assert torch.equal(made.images, generate(generator, 4, 1))
    assert 0 < made.device_energy_j < made.total_energy_j and made.latency_s > 0


def test_the_api_refuses_in_one_line_what_cannot_be(tmp_path, capsys):
    with pytest.raises(SpinDCGANError, match="train a new config or resume a run, one of the two"):
        api.train()
    with pytest.raises(SpinDCGANError, match="no shipped generator of 'cifar'"):
        api.shipped_model("cifar")
    with pytest.raises(SpinDCGANError, match="unknown metric 'fid10k-tset'"):
        api.fid(api.SHIPPED_MODEL, "fid10k-tset")
    assert main(["fid", str(api.SHIPPED_MODEL), "--metric", "fid2k-test", "--n", "500"]) == 2
    assert "--metric names the images and the reference itself" in capsys.readouterr().err
