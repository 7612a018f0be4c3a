"""User-facing errors: the CLI prints these as one line, never a traceback."""


class SpinDCGANError(Exception):
    """A problem with the user's input (a file, a field, an option) that they can fix."""
