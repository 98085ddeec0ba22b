"""Errors that reach the user as one line of text.

Anything the user can cause (a bad file, a wrong option, an unwritable folder) raises
:class:`DustoffError` with a message that stands on its own; the CLI prints it and exits non-zero.
"""


class DustoffError(Exception):
    """A problem with the user's input or environment, explained in one line."""


class UnsupportedImageError(DustoffError):
    """The file is a valid image, but of a kind dustoff does not process (e.g. CMYK, palette)."""


class CorruptImageError(DustoffError):
    """The file is empty, truncated, or not an image at all."""


class ImageTooLargeError(DustoffError):
    """The header declares more pixels than the configured limit (decompression-bomb guard)."""
