"""A run's FID curve measured after training, from the device-state exports ``train --export-every`` saved.

A run on a machine that cannot measure FID itself (a lent GPU, which the Inception file cannot reach) saves its
evaluated generator every K epochs. Each export measured here by the run's in-training protocol
(``loop.measure_fid``: ``fid_n`` images of ``TRAINING_FID_SEED`` against the dataset's reference) is the point the
run would have logged at that epoch, up to the rebuilding of its weights from device states (sample pixels within
one uint8 level, ``tests/test_training.py``). The records go to ``export-fids.jsonl`` beside ``metrics.jsonl``,
never into it: ``metrics.jsonl`` holds only what training itself logged.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from tqdm import tqdm

from ..errors import SpinDCGANError
from ..io import save_jsonl
from . import loop

EXPORT_FIDS_NAME = "export-fids.jsonl"


def export_fids(run_dir: str | Path) -> list[dict[str, Any]]:
    """The records measured so far from a run folder's exports (none when the file is absent)."""
    path = Path(run_dir) / EXPORT_FIDS_NAME
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def measure_exports(run_dir: str | Path, device: str = "cpu", data: str | None = None, progress: bool = True
                    ) -> list[dict[str, Any]]:
    """Measure every export of ``run_dir`` not yet in its ``export-fids.jsonl`` (so an interrupted measurement
    continues where it stopped), saving the file after each; all its records, by epoch. ``data``: where the
    reference images are here (default: where the run read them, or the dataset's standard search)."""
    from ..export import load_exported, provenance_of

    run_dir = Path(run_dir)
    exports = sorted((run_dir / loop.EXPORTS_DIR).glob("epoch-*.pt"))
    if not exports:
        raise SpinDCGANError(f"{run_dir}: no exports/epoch-NNN.pt to measure (train with --export-every K)")
    records = export_fids(run_dir)
    done = {r["export"] for r in records}
    for export in tqdm(exports, desc="exports", disable=not progress):
        name = f"{loop.EXPORTS_DIR}/{export.name}"
        if name in done:
            continue
        generator, config = load_exported(export, device)
        config = replace(config, train=replace(config.train, device=device, data=data or config.train.data))
        fid = loop.measure_fid(generator, config)
        records.append({"step": provenance_of(export)["step"], "epoch_end": int(export.stem.split("-")[1]),
                        **fid, "export": name})
        records.sort(key=lambda r: r["epoch_end"])
        save_jsonl(records, run_dir / EXPORT_FIDS_NAME)
    return records
