"""spindcgan: a hybrid CMOS-spintronic DCGAN (skyrmion-synapse crossbars, domain-wall activations)."""

from .convert import convert
from .crossbar.config import HardwareConfig
from .crossbar.terms import with_settings
from .errors import SpinDCGANError

__version__ = "0.1.0"
__all__ = ["HardwareConfig", "SpinDCGANError", "__version__", "convert", "with_settings"]
