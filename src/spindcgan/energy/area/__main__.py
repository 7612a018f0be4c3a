"""python -m spindcgan.energy.area docs/area.md: regenerate the page's generated part (``area.doc``)."""

import sys

from .doc import write_page

if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m spindcgan.energy.area docs/area.md")
    print(write_page(sys.argv[1]))
