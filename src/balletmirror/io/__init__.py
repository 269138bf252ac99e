"""Readers: every supported source, registered explicitly, imported lazily.

Each reader is a function ``read_xxx(path, **options) -> Motion`` living in its own
module; :data:`READERS` names it by ``"module:function"`` so that heavy dependencies
(PyAV, MediaPipe, ezc3d) are imported only when that format is read.  A video is read
through a pose model: its reader lives in :mod:`balletmirror.pose.video`, a layer above,
named here by its string and imported only when a video is read.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core.errors import InputError
from ..core.motion import Motion

__all__ = ["READERS", "Reader", "detect_kind", "read_motion", "register"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff", ".heic")
AUDIO_SUFFIXES = (".wav", ".mp3", ".m4a", ".flac", ".ogg", ".oga", ".aac", ".opus", ".aif",
                  ".aiff")


@dataclasses.dataclass(frozen=True)
class Reader:
    """A registered input format.

    Attributes
    ----------
    name : str
        Short name (``"video"``, ``"bvh"``...), also ``source.kind`` in results.json.
    suffixes : tuple of str
        Lower-case file suffixes this reader claims.
    target : str
        ``"module:function"`` of the reader function, imported on first use.
    extra : str or None
        The pip extra that provides its dependencies, for the error message.
    """

    name: str
    suffixes: tuple[str, ...]
    target: str
    extra: str | None = None

    def load(self) -> Callable[..., Motion]:
        module_name, func = self.target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            hint = f" (pip install 'balletmirror[{self.extra}]')" if self.extra else ""
            raise InputError(f"reading {self.name} files needs {exc.name}{hint}") from None
        return getattr(module, func)


READERS: dict[str, Reader] = {}


def register(reader: Reader) -> None:
    """Add ``reader`` to :data:`READERS` (a later registration of a name replaces it)."""
    READERS[reader.name] = reader


register(Reader("video", (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg"),
                "balletmirror.pose.video:read_video", "video"))
register(Reader("bvh", (".bvh",), "balletmirror.io.bvh:read_bvh"))
register(Reader("c3d", (".c3d",), "balletmirror.io.c3d:read_c3d", "c3d"))
register(Reader("keypoints", (".json",), "balletmirror.io.keypoints:read_keypoints_json"))
register(Reader("csv", (".csv",), "balletmirror.io.keypoints:read_csv"))
register(Reader("motion", (".npz",), "balletmirror.core.motion:load_motion"))


def detect_kind(path: str | Path) -> str:
    """The :data:`READERS` name for ``path``, from its suffix.

    Raises
    ------
    InputError
        Missing file, empty file, an image or audio file, or an unknown suffix.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        if any(path.glob("*_keypoints.json")):
            return "keypoints"  # OpenPose writes one JSON file per frame
        raise InputError(f"{path}: is a folder; give a video, mocap or keypoint file "
                         "(or a folder of OpenPose *_keypoints.json files)")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty (0 bytes)")
    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        raise InputError(f"{path}: is a still image; give a video of the dancer")
    if suffix in AUDIO_SUFFIXES:
        raise InputError(f"{path}: is an audio file; give the video (music goes with --music)")
    for reader in READERS.values():
        if suffix in reader.suffixes:
            return reader.name
    known = sorted({s for r in READERS.values() for s in r.suffixes})
    raise InputError(f"{path}: unsupported format {suffix or '(no suffix)'!r}; "
                     f"supported: {' '.join(known)}")


def read_motion(path: str | Path, *, kind: str | None = None, **options: Any) -> Motion:
    """Read any supported source into a raw (uncleaned) :class:`Motion`.

    Parameters
    ----------
    path : path
        The input file.
    kind : str, optional
        A :data:`READERS` name, to override detection by suffix.
    **options
        Passed to the reader (e.g. ``progress`` for video).

    Returns
    -------
    Motion
        As the file holds it: image pixels (video, keypoints) or world metres (motion
        capture), NaN where a joint is unseen; cleaning is the next stage.
    """
    kind = kind or detect_kind(path)
    if kind not in READERS:
        raise InputError(f"unknown reader {kind!r}; known: {', '.join(READERS)}")
    return READERS[kind].load()(Path(path), **options)
