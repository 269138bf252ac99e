"""Pose backends: models that find the dancer's joints in one RGB frame.

A backend is a context manager with ``process(rgb) -> PoseResult | None``; it is
registered by name in :data:`BACKENDS` (``"module:Class"``) and imported lazily
(MediaPipe sits behind the ``video`` extra).  :func:`balletmirror.pose.video.read_video`
runs one over every frame of a video.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
from collections.abc import Iterator

import numpy as np

from ..core.errors import ConfigError, InputError

__all__ = ["BACKENDS", "PoseResult", "open_backend"]

BACKENDS: dict[str, str] = {
    "mediapipe": "balletmirror.pose.mediapipe:MediaPipePose",
}


@dataclasses.dataclass(frozen=True)
class PoseResult:
    """One frame's pose in canonical joint order.

    Attributes
    ----------
    image : array (joints, 2)
        Normalised image coordinates in [0, 1] (x right, y down); NaN where the
        backend has no such joint.
    confidence : array (joints,)
        In [0, 1].
    world : array (joints, 3)
        Metres, pelvis-centred, right-handed, Y up, z towards the camera.
    """

    image: np.ndarray
    confidence: np.ndarray
    world: np.ndarray


@contextlib.contextmanager
def open_backend(name: str, **options) -> Iterator:
    """Instantiate the backend ``name`` (see :data:`BACKENDS`) and close it afterwards."""
    if name not in BACKENDS:
        raise ConfigError(f"Expected a pose backend in {sorted(BACKENDS)}, but got {name!r}")
    module_name, cls = BACKENDS[name].split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InputError(f"the {name} pose backend needs {exc.name} "
                         "(pip install 'balletmirror[video]')") from None
    backend = getattr(module, cls)(**options)
    try:
        yield backend
    finally:
        backend.close()
