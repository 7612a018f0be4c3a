"""Where the raw logs and images behind each study are: the last commit that held them in the tree. The result
folders keep only the records the pages read and cite (FID records with their command and commit, the runs' configs
and logged curves); the folders' notes, the sample grids, the energy plots, the exports and the scripts that only
ran one-off orchestration left the tree (issue 50), and ``git show COMMIT:PATH`` reads any of them."""

from __future__ import annotations

LAST_HELD = {
    "results/cpu-2026-11-28/": ("b92366c", "notes, sample grid and energy ledger of the first shipped generator"),
    "results/cpu-2026-11-29/": ("93cea2f", "notes, sample grids and energy ledger of its second seed and float run"),
    "results/cpu-ablation-10ep/": ("dc45318", "the ablation runs' notes, sample grids and energy plots"),
    "results/ablation-energy/": ("c6b74f3", "ledgers of each ablation configuration on a fresh model"),
    "experiments/ablation_energy.py": ("b360491", "the script that wrote them (the ablation reads trained runs')"),
    "results/cpu-anime-w32/": ("b424dd5", "notes, sample grids and energy ledger"),
    "results/cpu-anime-aug-w32/": ("8eb24f0", "notes, sample grids and energy ledger"),
    "docs/img/anime-hw6-aug-ep15-standing.png": ("8eb24f0", "64 samples of its epoch-15 generator"),
    "results/cpu-anime-aug30-w32/": ("e2e99e6", "the lost 30-epoch continuation's curve so far"),
    "results/cpu-anime-aug60-w32/": ("9805684", "notes, runs, sample grids and energy ledger"),
    "docs/img/anime-hw6-aug60-s0.png": ("9805684", "64 samples of its epoch-60 generator"),
    "results/cpu-anime-decay100-w32/": ("4a93d1b", "notes, sample grids and energy ledger"),
    "docs/img/anime-hw6-decay100-s0.png": ("4a93d1b", "64 samples of its epoch-100 generator"),
    "results/cpu-anime-floatd-w32/": ("1f0e981", "notes and sample grid"),
    "results/cpu-anime-b64-w32/": ("5ae30f2", "notes and sample grid"),
    "results/cpu-anime-bf16-w32/": ("7f1fecc", "notes and sample grid"),
    "results/cpu-anime-sn-w32/": ("ec40126", "notes and sample grid"),
    "results/cpu-anime-sn-ttur-w32/": ("ec40126", "notes and sample grid"),
    "results/cpu-fmnist-decay-w32/": ("4cc0e0a", "notes, runs, sample grids and energy ledgers"),
    "results/cpu-fmnist-decay60-w32/": ("93cea2f", "notes, runs, sample grids and energy ledgers"),
    "results/cpu-fmnist-decay60-fp32-w32/": ("b92366c", "notes, sample grids, energy plot, the export shipped since"),
    "docs/img/shipped-fashion-mnist.png": ("b92366c", "64 samples of the shipped generator"),
    "results/gpu-2026-11-28/": ("3a983ed", "notes and every run's logs"),
    "experiments/gpu_run.sh": ("6130e39", "the script that ran it on the GPU"),
    "experiments/stage_for_device.sh": ("ef98c20", "the script that staged its data"),
    "results/gpu-anime-w64/": ("dea0155", "notes, the GPU calls' logs, runs, sample grids and energy ledgers"),
    "docs/img/shipped-anime.png": ("4a93d1b", "64 samples of the shipped generator"),
    "results/gpu-anime-w64-bf16/": ("51b18ba", "notes, the GPU calls' logs, sample grid and energy ledger"),
    "results/gpu-anime-w64-b256/": ("0cb5fdf", "sample grids and energy ledger"),
    "experiments/gpu_anime.py": ("a17d84e", "the script that trained them on the GPU"),
    "experiments/scale_probe.py": ("a07b86b", "the script that measured it"),
    "results/robust-fmnist/": ("fb4b7d5", "the two exports the robust-training sweep measured (docs/sweeps.md)"),
    "results/examples/": ("02b938b", "the examples' sample grids but the conditional one (docs/convert.md)"),
    "docs/img/results/": ("be7a934", "the plots of every run's losses and FID during training"),
    "docs/studies.md": ("0cb5fdf", "this page before issue 50: every result folder's notes, runs and records"),
}
"""Each path that lost files to issue 50 (a folder ends in ``/``): the last commit that changed it, which holds
all of it (``git log -1 --format=%h -- PATH`` just before its files left), and what left."""


def held(paths: list[str]) -> str:
    """Where a study's raw logs and images are, one line."""
    return "Raw logs and images: " + "; ".join(f"`{p}` at commit {LAST_HELD[p][0]}" for p in paths) + "."


def elsewhere(named: set[str]) -> list[str]:
    """The paths no study names, each with its commit."""
    return [f"- `{p}` at commit {commit}: {what}" for p, (commit, what) in LAST_HELD.items() if p not in named]
