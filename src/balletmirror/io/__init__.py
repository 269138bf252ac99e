"""Readers: every supported source, registered explicitly, imported lazily.

The format is decided by the file's content, not its name (:func:`detect_kind`): a
BVH's ``HIERARCHY``, a C3D's parameter marker, a zip (a saved Motion), JSON, an MVNX
root, a CSV header (Xsens's segment positions or canonical joints), still images by
their magic numbers (an animated GIF is a video), and anything else FFmpeg can open
with a video stream (``.3gp``, ``.mts``, ``.gif``...) is a video; only when the
content says nothing (a damaged file) does the suffix choose the reader, whose error
then says what is wrong.

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
    options : tuple of str
        The user's reading options it takes (:data:`USER_OPTIONS`: ``fps``, ``units``,
        ``up``, ``mapping``).
    """

    name: str
    suffixes: tuple[str, ...]
    target: str
    extra: str | None = None
    options: tuple[str, ...] = ()

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


#: The reading options a user gives on the command line, by their flags.
USER_OPTIONS = {"fps": "--fps", "units": "--units", "up": "--up", "mapping": "--map"}

register(Reader("video", (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg",
                          ".3gp", ".gif"), "balletmirror.pose.video:read_video", "video"))
register(Reader("bvh", (".bvh",), "balletmirror.io.bvh:read_bvh",
                options=("units", "up", "mapping")))
register(Reader("c3d", (".c3d",), "balletmirror.io.c3d:read_c3d", "c3d",
                options=("units", "up", "mapping")))
register(Reader("keypoints", (".json",), "balletmirror.io.keypoints:read_keypoints_json",
                options=("fps",)))
register(Reader("csv", (".csv",), "balletmirror.io.keypoints:read_csv",
                options=("fps", "units", "up")))
register(Reader("motion", (".npz",), "balletmirror.core.motion:load_motion"))
register(Reader("mvnx", (".mvnx",), "balletmirror.io.xsens:read_mvnx", options=("fps",)))
register(Reader("xsens_csv", (), "balletmirror.io.xsens:read_xsens_csv", options=("fps",)))


def check_user_options(kind: str, options: dict[str, Any]) -> None:
    """InputError when a reading option the user gave does not apply to ``kind``."""
    for name in options:
        if name in USER_OPTIONS and name not in READERS[kind].options:
            takers = [r.name for r in READERS.values() if name in r.options]
            raise InputError(f"{USER_OPTIONS[name]} does not apply to a {kind} input; it "
                             f"applies to {', '.join(takers)} files")

#: Still-image magic numbers (GIF is checked apart: an animated one is a video).
IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"BM",
               b"\x00\x00\x00\x0cjP  ")
SNIFF_BYTES = 4096


def _text_kind(head: bytes) -> str | None:
    """The reader a text file's first bytes name, if any."""
    from .xsens import looks_like_mvnx, looks_like_xsens_csv

    if looks_like_mvnx(head):
        return "mvnx"
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
    if text[:9].upper() == "HIERARCHY":
        return "bvh"
    if text[:1] in ("{", "["):
        return "keypoints"
    first = text.splitlines()[0] if text else ""
    if first.replace("\t", " ").isprintable() and any(sep in first for sep in ",;\t"):
        return "xsens_csv" if looks_like_xsens_csv(first) else "csv"
    return None


#: ISO base-media brands of still images (HEIF/HEIC, AVIF): FFmpeg opens them as video.
IMAGE_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif",
                b"avis")


def _is_image(head: bytes) -> bool:
    return (head.startswith(IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
            or (head[4:8] == b"ftyp" and head[8:12] in IMAGE_BRANDS))


def _is_c3d(path: Path, head: bytes) -> bool:
    """A C3D header: byte 1 is 0x50 and the parameter section it points to (512-byte
    block ``head[0]``) names a processor type (84 Intel, 85 DEC, 86 MIPS) in its byte 3."""
    if len(head) < 512 or head[1] != 0x50 or head[0] < 2:
        return False
    with open(path, "rb") as f:
        f.seek((head[0] - 1) * 512 + 3)
        return f.read(1) in (b"\x54", b"\x55", b"\x56")


def _gif_frames(path: Path) -> int:
    """Frames of a GIF (0 when PyAV cannot read it, 2 when PyAV is not installed: the
    video reader then says what to install), counted up to 2."""
    try:
        import av
    except ImportError:
        return 2
    try:
        with av.open(str(path)) as container:
            count = 0
            for packet in container.demux(video=0):
                count += packet.size > 0
                if count >= 2:
                    break
            return count
    except Exception:  # noqa: BLE001 - any failure to decode means "not a video"
        return 0


def _media_kind(path: Path) -> str | None:
    """"video" when FFmpeg opens ``path`` with a video stream, "audio" with only sound,
    None when it cannot open it (or PyAV is not installed)."""
    try:
        import av
    except ImportError:
        return None
    try:
        with av.open(str(path)) as container:
            moving = [s for s in container.streams.video
                      if not s.disposition & av.stream.Disposition.attached_pic]
            if moving:
                return "video"
            return "audio" if container.streams.audio else None
    except Exception:  # noqa: BLE001 - FFmpeg's errors are many: none means "not media"
        return None


def sniff(path: Path) -> str | None:
    """The :data:`READERS` name ``path``'s content shows, or None when it shows none.

    Raises
    ------
    InputError
        A still image or an audio file.
    """
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
    if head.startswith(b"PK\x03\x04"):
        return "motion"
    if _is_image(head):
        raise InputError(f"{path}: is a still image; give a video of the dancer")
    if _is_c3d(path, head):
        return "c3d"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        if _gif_frames(path) >= 2:
            return "video"
        raise InputError(f"{path}: is a still image (GIF); give a video of the dancer")
    kind = _text_kind(head)
    if kind is not None:
        return kind
    media = _media_kind(path)
    if media == "audio":
        raise InputError(f"{path}: is an audio file; give the video (music goes with --music)")
    return media


def detect_kind(path: str | Path) -> str:
    """The :data:`READERS` name for ``path``: from its content (module docstring), else
    from its suffix.

    Raises
    ------
    InputError
        Missing or empty file, an image or audio file, or a file neither its content nor
        its suffix names.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        if any(path.glob("*_keypoints.json")):
            return "keypoints"  # OpenPose writes one JSON file per frame
        raise InputError(f"{path}: is a folder; give a video, mocap or keypoint file "
                         "(or a folder of OpenPose *_keypoints.json files)")
    if not path.is_file():
        raise InputError(f"{path}: is not a regular file; give a video, mocap or keypoint "
                         "file")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty (0 bytes)")
    try:
        kind = sniff(path)
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return kind or _by_suffix(path)


def _by_suffix(path: Path) -> str:
    """The reader ``path``'s suffix names (its content named none)."""
    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        raise InputError(f"{path}: is a still image; give a video of the dancer")
    if suffix in AUDIO_SUFFIXES:
        raise InputError(f"{path}: is an audio file; give the video (music goes with --music)")
    for reader in READERS.values():
        if suffix in reader.suffixes:
            return reader.name
    known = sorted({s for r in READERS.values() for s in r.suffixes})
    raise InputError(f"{path}: unsupported format {suffix or '(no suffix)'!r}: its content "
                     f"is none balletmirror reads nor a video FFmpeg can open; supported: "
                     f"{' '.join(known)} and any video")


def read_motion(path: str | Path, *, kind: str | None = None, **options: Any) -> Motion:
    """Read any supported source into a raw (uncleaned) :class:`Motion`.

    Parameters
    ----------
    path : path
        The input file.
    kind : str, optional
        A :data:`READERS` name, to override detection by suffix.
    **options
        Passed to the reader (e.g. ``progress`` for video; the user's ``fps``, ``units``,
        ``up`` and ``mapping`` where the reader takes them, else InputError).

    Returns
    -------
    Motion
        As the file holds it: image pixels (video, keypoints) or world metres (motion
        capture), NaN where a joint is unseen; cleaning is the next stage.
    """
    kind = kind or detect_kind(path)
    if kind not in READERS:
        raise InputError(f"unknown reader {kind!r}; known: {', '.join(READERS)}")
    check_user_options(kind, options)
    return READERS[kind].load()(Path(path), **options)
