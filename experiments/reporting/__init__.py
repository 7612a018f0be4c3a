"""experiments/report.py's library: docs/results.md, docs/studies.md and their plots, from result folders.

``runs`` loads the folders (one loader for every page); ``claims``, ``beyond``, ``studies``, ``plots`` and ``folders``
write their sections; ``pages`` puts the pages together.
"""
