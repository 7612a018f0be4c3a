"""Energy and latency accounting of the modelled hardware, per image, for inference and training."""

from .constants import PeripheralCosts
from .layers import COMPONENTS, DEVICE_COMPONENTS, MAPPINGS, PassCost
from .ledger import Ledger, build_ledger, format_ledger

__all__ = ["COMPONENTS", "DEVICE_COMPONENTS", "MAPPINGS", "Ledger", "PassCost", "PeripheralCosts", "build_ledger",
           "format_ledger"]
