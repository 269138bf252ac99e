"""The one error hierarchy of balletmirror.

Everything the user can cause (a missing file, an unsupported format, a video with
nobody in it, a broken BVH hierarchy) raises an :class:`InputError`; the CLI turns
any :class:`BalletMirrorError` into one line on stderr and exit code 2.  Anything
else is a bug (exit code 1).
"""

from __future__ import annotations


class BalletMirrorError(Exception):
    """Base class of every error balletmirror raises on purpose."""


class InputError(BalletMirrorError):
    """Bad input: missing or unreadable file, unsupported format, no person found."""


class ConfigError(BalletMirrorError):
    """Bad settings or command-line usage."""


class MotionValidationError(InputError, ValueError):
    """A Motion was built from arrays of the wrong shape, type or values.

    Messages read "Expected X, but got Y".
    """
