"""The training loop reads as a sequence (issue 50): short modules of short functions, its public names still
importable from ``spindcgan.training.loop``."""

import ast
from pathlib import Path

import spindcgan.training.loop as loop

SRC = Path(__file__).resolve().parents[1] / "src" / "spindcgan"
LOOP_MODULES = [SRC / "training" / f"{name}.py" for name in ("loop", "gan", "state", "resume", "epoch_end",
                                                            "run_folder")] + [SRC / "metrics" / "registry.py"]


def test_the_loop_s_modules_and_functions_are_short():
    """At most 400 lines a module and 80 a function, each function and method saying what it does."""
    for module in LOOP_MODULES:
        text = module.read_text()
        assert len(text.splitlines()) <= 400, module.name
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                lines = node.end_lineno - node.lineno + 1
                assert lines <= 80, f"{module.name}: {node.name} has {lines} lines"
        methods = [n for c in tree.body if isinstance(c, ast.ClassDef) for n in c.body]
        for node in [*tree.body, *methods]:
            if isinstance(node, ast.FunctionDef):
                assert ast.get_docstring(node), f"{module.name}: {node.name} says not what it does"


def test_no_module_of_the_package_is_over_400_lines_nor_a_function_over_80():
    """Issue 50's bar for all of src/: a module a newcomer reads top to bottom, functions that fit a screen."""
    long = []
    for module in SRC.rglob("*.py"):
        text = module.read_text()
        if len(text.splitlines()) > 400:
            long.append(f"{module.relative_to(SRC)}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno >= 80:
                long.append(f"{module.relative_to(SRC)}: {node.name} has {node.end_lineno - node.lineno + 1} lines")
    assert not long


def test_the_names_imported_from_the_loop_are_still_there():
    """Other modules, experiments, tests and docs name these as ``training.loop.X``."""
    for name in ("GAN", "TrainingDiverged", "train", "train_step", "host_values", "measure_fid", "TRAINING_FID_SEED",
                 "checkpointed_metrics", "fixed_noise", "save_samples", "learning_rates", "epoch_exports",
                 "EXPORTS_DIR", "EMA_FIDS_NAME", "ENVIRONMENT_NAME", "EMAS_KEY", "PACK_KEY", "WARMUP_KEY"):
        assert hasattr(loop, name), name
    assert set(loop.__all__) <= set(vars(loop))
