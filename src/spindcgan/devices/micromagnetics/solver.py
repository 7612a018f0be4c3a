"""Access to the optional micromagnetic solver magnum.np, without its side effects on the rest of spindcgan.

Importing ``magnumnp`` sets torch's default dtype to float64, its default device to a GPU when one is
present, and compiles a dummy function. spindcgan imports it lazily, restores torch's defaults right
after, disables ``torch.compile`` inside magnum.np (on a CPU its compile time exceeds the whole ``--quick``
run), and runs every simulation in float64 on the CPU (or the device asked for) inside
:func:`simulation_defaults`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from types import ModuleType

import torch

from ...errors import SpinDCGANError

INSTALL_HINT = "pip install 'spindcgan[micromag]'"


@contextlib.contextmanager
def _torch_defaults(dtype: torch.dtype | None = None, device: str | None = None) -> Iterator[None]:
    """Disable ``torch.compile`` (and set ``dtype`` / ``device`` if given) inside; restore all three afterwards."""
    old_dtype, old_device = torch.get_default_dtype(), torch.get_default_device()
    compile_disabled = torch._dynamo.config.disable
    torch._dynamo.config.disable = True
    if dtype is not None:
        torch.set_default_dtype(dtype)
    if device is not None:
        torch.set_default_device(device)
    try:
        yield
    finally:
        torch.set_default_dtype(old_dtype)
        torch.set_default_device(old_device)
        torch._dynamo.config.disable = compile_disabled


def magnumnp() -> ModuleType:
    """The ``magnumnp`` module, or a one-line error saying how to install it."""
    try:
        with _torch_defaults():  # its import changes the defaults and compiles a dummy function
            import magnumnp as mn
    except ImportError as err:
        raise SpinDCGANError(
            f"micromagnetic calibration needs the optional solver magnum.np ({err}); install it with: {INSTALL_HINT}"
        ) from None
    mn.logging.set_log_level(logging.WARNING)  # magnum.np logs every solver step at INFO
    return mn


def simulation_defaults(device: str = "cpu") -> contextlib.AbstractContextManager[None]:
    """float64 tensors on ``device`` and no ``torch.compile`` while a simulation runs; restored afterwards."""
    return _torch_defaults(torch.float64, device)
