"""A run's FID curve measured after training, from the device-state exports ``train --export-every`` saved.

A run on a machine that cannot measure FID itself (a lent GPU, which the Inception file cannot reach) saves its
evaluated generator every K epochs. Each export measured here by the run's in-training protocol
(``loop.measure_fid``: ``fid_n`` images of ``TRAINING_FID_SEED`` against the dataset's reference) is the point the
run would have logged at that epoch, up to the rebuilding of its weights from device states (sample pixels within
one uint8 level, ``tests/test_training.py``). The records go to ``export-fids.jsonl`` beside ``metrics.jsonl``,
never into it: ``metrics.jsonl`` holds only what training itself logged.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from tqdm import tqdm

from ..errors import SpinDCGANError, about
from ..export import generator_from_exported, read_exported
from ..io import load_jsonl, save_jsonl
from . import loop
from .checkpoint import run_folder, runs_in

EXPORT_FIDS_NAME = "export-fids.jsonl"


def exports_folder(path: str | Path) -> Path:
    """The run folder whose exports ``path`` names: itself when it holds ``exports/``, else the one run of an
    ``--out`` folder (``checkpoint.run_folder``, as the other verbs read it, which names the runs of a folder holding
    several); else ``path``, which has none."""
    path = Path(path)
    if (path / loop.EXPORTS_DIR).is_dir() or not path.is_dir() or not runs_in(path):  # with or without a checkpoint
        return path
    return run_folder(path)


def measure_exports(run_dir: str | Path, device: str = "cpu", data: str | None = None, progress: bool = True
                    ) -> list[dict[str, Any]]:
    """Measure every export of ``run_dir`` (``exports_folder``) not yet in its ``export-fids.jsonl`` (so an
    interrupted measurement continues where it stopped), saving the file after each; all its records, by epoch.
    ``data``: where the reference images are here (default: where the run read them, or the dataset's standard
    search)."""
    run_dir = exports_folder(run_dir)
    exports = loop.epoch_exports(run_dir)
    if not exports:
        raise SpinDCGANError(f"{run_dir}: no exports/epoch-NNN.pt to measure (train with --export-every K)")
    records = load_jsonl(run_dir / EXPORT_FIDS_NAME)
    done = {r["export"] for r in records}
    for epoch, export in tqdm(exports.items(), desc="exports", disable=not progress):
        name = f"{loop.EXPORTS_DIR}/{export.name}"
        if name in done:
            continue
        exported = read_exported(export)  # read once: the generator and the step its weights are from
        with about(export):
            generator, config = generator_from_exported(exported, device)
        config = replace(config, train=replace(config.train, device=device, data=data or config.train.data))
        fid = loop.measure_fid(generator, config)
        records.append({"step": exported.get("step"), "epoch_end": epoch, **fid, "export": name})
        records.sort(key=lambda r: r["epoch_end"])
        save_jsonl(records, run_dir / EXPORT_FIDS_NAME)
    return records
