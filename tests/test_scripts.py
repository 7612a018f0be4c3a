"""The scripts of benchmarks/ and experiments/ still import after the package moves a name: no test runs most of
them (they take minutes to hours), so a stale import would first show when a user runs one (benchmarks/train_step.py
imported ``parse_policy`` from a module it had left). Each is imported as a module, its ``main`` left unrun."""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted([*(ROOT / "benchmarks").glob("*.py"), *(ROOT / "experiments").glob("*.py")])


def test_scripts_found() -> None:
    """The glob finds the scripts (a moved folder would make the test below pass on nothing)."""
    names = {p.name for p in SCRIPTS}
    assert {"train_step.py", "circuit.py", "measure.py", "report.py", "anime_leg.py"} <= names


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_script_imports(script: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Importing the script runs its imports and module-level code, not its ``if __name__ == "__main__"`` part."""
    monkeypatch.syspath_prepend(str(script.parent))  # experiments import their siblings (provenance, reporting)
    spec = importlib.util.spec_from_file_location(f"script_{script.parent.name}_{script.stem}", script)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    assert module.__doc__, f"{script.name} says what it does in a docstring"


DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
DOTTED = re.compile(r"`(spindcgan(?:\.[A-Za-z_]\w*)+)`")


def resolve(dotted: str) -> object:
    """The object a dotted name stands for: its longest importable module, then attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(dotted)


def test_the_docs_name_only_what_the_package_has() -> None:
    """Every `spindcgan.x.y` the README and docs/ name in code quotes is a module or attribute of the package (a
    moved name would leave a user looking for it)."""
    named = {m.group(1): doc.name for doc in DOCS for m in DOTTED.finditer(doc.read_text())}
    assert len(named) > 20  # the pattern still finds the docs' references
    missing = []
    for dotted, doc in sorted(named.items()):
        try:
            resolve(dotted)
        except (ImportError, AttributeError):
            missing.append(f"{dotted} ({doc})")
    assert not missing, f"named in the docs but not in the package: {missing}"
