"""balletmirror: the mirror that talks back.

The public API::

    from balletmirror import Motion, read_motion, clean_motion, compute_kinematics
"""

from .errors import BalletMirrorError, ConfigError, InputError
from .motion import Motion, load_motion

__all__ = ["BalletMirrorError", "ConfigError", "InputError", "Motion", "load_motion",
           "read_motion", "__version__"]
__version__ = "0.1.0"


def read_motion(path, **options):
    """Read a video, BVH, C3D, keypoint JSON/CSV or saved Motion (see :mod:`balletmirror.io`)."""
    from .io import read_motion as _read

    return _read(path, **options)
