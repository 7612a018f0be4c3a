"""One section per result folder, with where each of its numbers came from: the command that measured it, the
commit, and the command that reproduces it."""

from __future__ import annotations

from pathlib import Path

from provenance import shown

from .claims import pair_ratios
from .runs import PAPER, Run, batchnorm, describe, last_training_fid, retired_note


def section(folder: Path, runs: list[Run]) -> list[str]:
    notes = folder / "NOTES.md"
    lines = [f"## {folder.name}", "", f"Source: `{shown(folder)}` (commands in each run's `train.log`).",
             "", *(notes.read_text().splitlines() + [""] if notes.exists() else []),
             "| run | dataset | configuration | width | steps | epochs done | FID | KID | metric | paper target |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in runs:
        in_training = last_training_fid(r)
        records = [*r.fids.values(), *r.alternatives] or [in_training]
        for fid in records:
            when = f", in training at epoch {fid['epoch_end']}" if fid is in_training and fid else ""
            when += ", standing BatchNorm statistics" if fid and batchnorm(fid) == "standing" else ""
            cells = (f"{fid['fid']:.2f} | {fid['kid']:.4f} | {fid['metric']} ({fid['n_generated']} vs "
                     f"{fid['n_reference']}{when})" if fid else "not measured | | ")
            lines.append(f"| {r.name} | {r.dataset} | {describe(r.config)} | {r.width} | {r.steps} (logged) | "
                         f"{r.epochs} | {cells} | <= {PAPER[r.dataset]['fid']} |")
    provenance = [f"- {r.name}, {fid['metric']}: measured by `{fid['command']}` at commit {fid['commit'][:7]}"
                  + (f" (file sha256 {fid['asset_sha256'][:12]}...)" if "asset_sha256" in fid else "")
                  + (f" (weights of training step {fid['step']})" if fid.get("step") is not None else "")
                  + retired_note(fid)
                  + f"; reproduce with `{fid['reproduce']}`."
                  for r in runs for fid in [*r.fids.values(), *r.alternatives] if "reproduce" in fid]
    curves_after = [f"- {r.name}: FID from its exports after training ({r.export_fids[0]['metric']}, "
                    f"`spindcgan fid RUN --exports`): "
                    + ", ".join(f"epoch {m['epoch_end']}: {m['fid']:.2f}" for m in r.export_fids) + "."
                    for r in runs if r.export_fids]
    ratios = pair_ratios(runs)
    return lines + [part for block in (curves_after, ratios, provenance) if block for part in ("", *block)] + [""]
