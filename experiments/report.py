"""Write docs/results.md, docs/studies.md and their plots from result folders (no hand-typed numbers).

    python experiments/report.py [results/cpu-2026-11-28 ...]

A result folder (``results/cpu-*``, ``results/gpu-*``) holds ``fid-<run>[-standing][-<ref>].json`` records
(``spindcgan fid`` output, via experiments/measure.py or paper.py), ``energy-<run>/`` ledgers
(``spindcgan energy``) and ``runs/<run>/{config.json, metrics.jsonl, train.log}`` copied from the run folders;
a folder keeps only what the pages read and cite (``reporting/folders.py`` names the commit that holds the rest).
``results/reproduced/`` holds records of files measured again later (on a fresh machine), each set beside the
record it repeats. The code is the package ``experiments/reporting`` (one module per page section, one loader of
result folders).
"""

from reporting.pages import main

if __name__ == "__main__":
    main()
