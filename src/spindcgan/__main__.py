"""``python -m spindcgan`` (and ``torchrun ... -m spindcgan train``): the command line."""

import sys

from .cli import main

sys.exit(main())
