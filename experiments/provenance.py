"""Where a result came from: the command that produced it and the commit it ran at (written into every record)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from spindcgan.runtime import command_line, source_commit

ROOT = Path(__file__).resolve().parents[1]


def commit() -> str:
    """The checked-out commit of this repository, or "unknown" outside a git checkout."""
    return source_commit()


def shown(path: Path) -> str:
    """A path as records and docs name it: relative to the repository when inside it."""
    return str(path.resolve().relative_to(ROOT)) if path.resolve().is_relative_to(ROOT) else str(path)


def tracked(path: Path) -> bool:
    """Whether git tracks this file in this repository (a file only in an ignored ``runs/`` folder is not: a
    record naming it has to say how to make it again)."""
    try:
        return subprocess.run(["git", "ls-files", "--error-unmatch", str(path)], capture_output=True,
                              cwd=ROOT).returncode == 0
    except OSError:
        return False


def command() -> str:
    """This process's command line as typed (``python experiments/... ARGS``; ``runtime.command_line``)."""
    return command_line()


def fill_block(page: Path, begin: str, end: str, text: str) -> None:
    """Put ``text`` between the markers ``begin`` and ``end`` of a hand-written page (a record rendered where the
    docs show it; the rest of the page is left as it is), atomically; a page without the markers is an error."""
    from spindcgan.io import save_text

    s = page.read_text()
    if s.count(begin) != 1 or s.count(end) != 1 or s.index(begin) > s.index(end):
        raise SystemExit(f"{page}: the markers {begin} ... {end} are not there once, in order")
    save_text(s[: s.index(begin) + len(begin)] + "\n" + text.rstrip("\n") + "\n" + s[s.index(end):], page)


def study_record(description: str, out: Path, page: Path, measure: Callable[[], dict]) -> tuple[dict, Path, Path]:
    """The command line a study script shares: ``--out`` (its record), ``--page`` (the page its block goes in) and
    ``--pages-only`` (measure nothing: the committed record); returns the record (measured and saved, or read) and
    the two paths. One thread: a study's numbers do not depend on the machine's."""
    import argparse
    import json

    import torch

    from spindcgan.io import save_json

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", type=Path, default=out)
    parser.add_argument("--page", type=Path, default=page)
    parser.add_argument("--pages-only", action="store_true", help="measure nothing: render the page's block (and "
                        "plot) from the record at --out")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.pages_only:
        return json.loads(args.out.read_text()), args.out, args.page
    record = measure()
    save_json(record, args.out)
    return record, args.out, args.page
