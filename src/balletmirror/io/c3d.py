"""Read C3D motion-capture marker files into a world-space
:class:`~balletmirror.core.motion.Motion`.

A C3D file holds the 3D trajectories of skin markers, not joints.  This reader
turns markers into the canonical joints of :mod:`balletmirror.core.skeleton` with the
table below (:data:`MARKER_MAP`), for the Vicon Plug-in Gait full-body set and the
CMU Graphics Lab set (which uses the Plug-in Gait names except at the waist, see
:data:`MARKER_ALIASES`).

Markers → canonical joints
--------------------------
Each joint lists recipes in order of preference; per frame the first recipe whose
markers are all present is used ("A+B" is the mid-point of A and B).

==================  ==============================================  ====================
joint               recipe(s)                                       note
==================  ==============================================  ====================
left/right_hip      Harrington 2007 regression from LASI, RASI and  hip joint centre
                    the mid-point of LPSI+RPSI (or SACR)            (see below)
left/right_knee     LKNE+LKNM, else LKNE                            lateral (+ medial)
left/right_ankle    LANK+LMED, else LANK                            lateral (+ medial)
left/right_heel     LHEE
left/right_toe      LTOE                                            2nd metatarsal head
left/right_shoulder LSHO                                            acromion marker
left/right_elbow    LELB                                            lateral epicondyle
left/right_wrist    LWRA+LWRB, else LWRA, else LWRB                 radial/ulnar styloid
left/right_ear      LFHD+LBHD                                       side of the head
left_eye            0.7·LFHD + 0.3·RFHD                             approximation
right_eye           0.7·RFHD + 0.3·LFHD                             approximation
nose                LFHD+RFHD                                       front of the head
neck                C7+CLAV                                         root of the neck
mid_hip             (derived by Motion: mid-point of the hips)
==================  ==============================================  ====================

(Right joints use the ``R`` markers.)  CMU names: ``LFWT/RFWT`` (front waist) are
read as ``LASI/RASI`` and ``LBWT/RBWT`` (back waist) as ``LPSI/RPSI``; the rest of
the CMU set (``LFHD``, ``LSHO``, ``LELB``, ``LWRA/LWRB``, ``LKNE``, ``LANK``,
``LHEE``, ``LTOE``, ``C7``, ``CLAV``...) already uses these names.  A label's subject
prefix (``"Subject:LKNE"``) is dropped and labels are compared in upper case.

Approximations (documented, not hidden):

* **Hips** use the regression of Harrington et al. (2007), *J Biomech* 40:595-602,
  in the pelvis frame (origin mid-ASIS, x anterior, y superior, z to the right)::

      x = -0.24 PD - 9.9 mm,   y = -0.30 PW - 10.9 mm,   z = ±(0.33 PW + 7.3 mm)

  with PW the inter-ASIS distance and PD the distance from mid-ASIS to mid-PSIS.
  CMU waist markers sit on a belt near, not on, ASIS/PSIS: expect a centimetre or two.
* **Head**: Plug-in Gait has four head markers and no face markers.  The "nose" is
  the front of the head (forehead height, ~8 cm above the nose tip), the ears are the
  mid-points of the front and back head marker of each side, and the eyes lie on the
  front-head line 0.2·|LFHD-RFHD| either side of its centre (weights 0.7/0.3).
* **Single-marker fallbacks** (a knee without its medial marker, a wrist with one of
  its two markers) are used per frame and are biased by about the marker's distance
  from the joint centre (2-5 cm).

Axes and units
--------------
C3D laboratories are almost always **Z up**; balletmirror's world is Y up,
right-handed.  The conversion is a -90° rotation about X:
``(x, y, z) -> (x, z, -y)`` (determinant +1, so handedness is kept).  Give
``up="y"`` for a file that is already Y up.  Positions are scaled to metres from the
``POINT:UNITS`` parameter (``mm``, ``cm`` or ``m``; ``mm`` is assumed when absent),
or from the ``units`` option, which overrides it.

Missing markers (NaN in ezc3d, or a negative residual) give NaN positions with
confidence 0; present joints have confidence 1.

Damaged files
-------------
ezc3d (C++) trusts the sizes a file declares: on a cut or damaged file it can hang,
read gigabytes or crash the process (SIGSEGV).  So the reader first checks the layout
in Python (:func:`_layout`: the signature and processor type, every parameter record
fitting in the parameter section, a header rate that is a number, data that the file
is long enough to hold), then parses in a forked child process (Linux,
:data:`ISOLATE_PARSER`) under a time limit (:data:`PARSE_TIMEOUT_S`) and a memory cap,
and checks afterwards that ezc3d read every frame the header declares (it stops
quietly at the end of a cut file).  A crash or a hang of the child is an
:class:`~balletmirror.core.errors.InputError`; a bug in the child's own code (a
traceback, exit code 1) stays a ``RuntimeError``.  Marker coordinates that are
infinite or beyond :data:`~balletmirror.core.motion.MAX_FILE_VALUE` and rates outside
:data:`~balletmirror.core.motion.FILE_FPS_RANGE` are refused.
"""

from __future__ import annotations

import io
import json
import math
import multiprocessing
import os
import signal
import struct
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ..core.errors import InputError
from ..core.geometry import unit_vectors
from ..core.motion import (
    FILE_FPS_RANGE,
    MAX_FILE_VALUE,
    Motion,
    empty_arrays,
    uniform_times,
)
from ..core.skeleton import JOINTS, J

#: A recipe: (marker, weight) pairs whose weighted sum is the joint (weights sum to 1).
Recipe = tuple[tuple[str, float], ...]

#: Marker names of other sets read as their Plug-in Gait equivalent (CMU waist belt).
MARKER_ALIASES: dict[str, str] = {
    "LFWT": "LASI",
    "RFWT": "RASI",
    "LBWT": "LPSI",
    "RBWT": "RPSI",
}

#: Joints that must be mapped for the file to be usable.
REQUIRED_JOINTS: tuple[str, ...] = (
    "left_hip", "right_hip", "left_knee", "right_knee",
    "left_ankle", "right_ankle", "left_shoulder", "right_shoulder",
)

#: Length units of ``POINT:UNITS`` and the ``units`` option, in metres per unit.
UNIT_SCALE: dict[str, float] = {
    "mm": 1e-3, "millimeter": 1e-3, "millimeters": 1e-3, "millimetre": 1e-3,
    "millimetres": 1e-3, "cm": 1e-2, "m": 1.0, "meter": 1.0, "meters": 1.0, "metre": 1.0,
    "metres": 1.0,
}

# Harrington et al. (2007) hip regression, coefficients and offsets in metres.
_HJC_AP = (-0.24, -0.0099)   # times pelvis depth
_HJC_SI = (-0.30, -0.0109)   # times pelvis width
_HJC_ML = (0.33, 0.0073)     # times pelvis width

#: The hip joint centres are computed by :func:`harrington_hip_centres`.
HIP_REGRESSION = "harrington2007"


def _mean(*names: str) -> Recipe:
    return tuple((name, 1.0 / len(names)) for name in names)


def _sided(side: str) -> dict[str, tuple[Recipe, ...]]:
    s = side[0].upper()
    o = "R" if s == "L" else "L"
    return {
        f"{side}_knee": (_mean(f"{s}KNE", f"{s}KNM"), _mean(f"{s}KNE")),
        f"{side}_ankle": (_mean(f"{s}ANK", f"{s}MED"), _mean(f"{s}ANK")),
        f"{side}_heel": (_mean(f"{s}HEE"),),
        f"{side}_toe": (_mean(f"{s}TOE"),),
        f"{side}_shoulder": (_mean(f"{s}SHO"),),
        f"{side}_elbow": (_mean(f"{s}ELB"),),
        f"{side}_wrist": (_mean(f"{s}WRA", f"{s}WRB"), _mean(f"{s}WRA"), _mean(f"{s}WRB")),
        f"{side}_ear": (_mean(f"{s}FHD", f"{s}BHD"),),
        f"{side}_eye": (((f"{s}FHD", 0.7), (f"{o}FHD", 0.3)),),
    }


#: Canonical joint -> recipes in order of preference (hips: see :data:`HIP_REGRESSION`).
MARKER_MAP: dict[str, tuple[Recipe, ...]] = {
    "nose": (_mean("LFHD", "RFHD"),),
    "neck": (_mean("C7", "CLAV"),),
    **_sided("left"),
    **_sided("right"),
}


# --------------------------------------------------------------------- geometry
def harrington_hip_centres(
    lasi: np.ndarray, rasi: np.ndarray, back: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Hip joint centres from the pelvis markers (Harrington et al. 2007).

    Parameters
    ----------
    lasi, rasi : array (frames, 3)
        Left and right anterior superior iliac spine markers, metres, any right-handed
        frame.
    back : array (frames, 3)
        Mid-point of the posterior superior iliac spines (or the sacrum marker), metres.

    Returns
    -------
    left, right : array (frames, 3)
        Hip joint centres in metres, same frame; NaN where a marker is NaN.

    Notes
    -----
    Pelvis frame: origin mid-ASIS, z = unit(RASI - LASI) (to the right), x = the
    mid-PSIS→mid-ASIS direction made orthogonal to z (anterior), y = z × x (superior).
    With PW = |RASI - LASI| and PD = |mid-ASIS - back| in mm the centre is at
    x = -0.24 PD - 9.9, y = -0.30 PW - 10.9, z = ±(0.33 PW + 7.3) (+ right, - left).
    Harrington ME, Zavatsky AB, Lawson SEM, Yuan Z, Theologis TN (2007), J Biomech
    40(3):595-602, doi:10.1016/j.jbiomech.2006.02.003.
    """
    origin = 0.5 * (lasi + rasi)
    width = np.linalg.norm(rasi - lasi, axis=-1, keepdims=True)
    forward = origin - back
    depth = np.linalg.norm(forward, axis=-1, keepdims=True)
    z = unit_vectors(rasi - lasi)
    x = unit_vectors(forward - np.sum(forward * z, axis=-1, keepdims=True) * z)
    y = np.cross(z, x)
    centre = (origin + (_HJC_AP[0] * depth + _HJC_AP[1]) * x
              + (_HJC_SI[0] * width + _HJC_SI[1]) * y)
    lateral = (_HJC_ML[0] * width + _HJC_ML[1]) * z
    return centre - lateral, centre + lateral


def z_up_to_y_up(points: np.ndarray) -> np.ndarray:
    """Rotate Z-up coordinates to Y-up: ``(x, y, z) -> (x, z, -y)``.

    Parameters
    ----------
    points : array (..., 3)
        Right-handed, Z up.

    Returns
    -------
    array (..., 3)
        Right-handed, Y up (a -90° rotation about X; lengths and handedness kept).
    """
    return np.stack([points[..., 0], points[..., 2], -points[..., 1]], axis=-1)


# ------------------------------------------------------------------ file access
#: Bytes in a C3D block; the header is block 1, the parameters start at the block its
#: first byte names, and the second byte is the C3D signature 0x50.
C3D_BLOCK = 512
_SIGNATURE = 0x50
#: Processor type byte of the parameter section -> byte order (84 Intel, 85 DEC, 86 MIPS).
_PROCESSORS = {84: "<", 85: "<", 86: ">"}
#: ezc3d parses in a child process (Linux), which may take this many seconds plus
#: :data:`PARSE_SECONDS_PER_MB` per megabyte; a parse that runs longer is a damaged file.
PARSE_TIMEOUT_S = 30.0
PARSE_SECONDS_PER_MB = 1.0
#: Address space the child may add to its parent's: this plus 32 bytes per file byte.
PARSE_MEMORY_BYTES = 2 * 1024**3
#: Parse in a forked child process, so that a crash or a hang of ezc3d (a C++ parser
#: that a damaged file can make read out of bounds) is an InputError, not the end of
#: the program.  Only where ``fork`` is safe and cheap (Linux: ~10 ms a file).
ISOLATE_PARSER = sys.platform.startswith("linux")
_POINT_PARAMETERS = ("LABELS", "LABELS2", "LABELS3", "LABELS4", "UNITS", "RATE", "SCALE")
#: What ezc3d raises for a file it cannot read (its C++ exceptions, via SWIG).
_EZC3D_ERRORS = (OSError, RuntimeError, ValueError, IndexError, MemoryError, OverflowError)
_AGAIN = "export the trial again as C3D"


class C3DContent(NamedTuple):
    """What the reader uses of a C3D file, as ezc3d parsed it.

    Attributes
    ----------
    points : array (4, markers, frames)
        Marker coordinates in the file's units (rows x, y, z, 1); NaN where missing.
    residuals : array (1, markers, frames) or None
        Marker residuals; negative where a marker was not reconstructed.
    parameters : dict
        ``POINT:<name>`` -> its values (str or float), for :data:`_POINT_PARAMETERS`.
    header_rate : float
        The header's point rate, frames/s.
    first_frame : int
        The header's first frame number.
    analog_values : int
        Analog samples in the data section, all channels together.
    """

    points: np.ndarray
    residuals: np.ndarray | None
    parameters: dict[str, list]
    header_rate: float
    first_frame: int
    analog_values: int


def _import_ezc3d() -> Any:
    try:
        import ezc3d
    except ImportError:
        raise InputError("reading C3D files needs ezc3d: pip install 'balletmirror[c3d]'") \
            from None
    return ezc3d


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _signed(byte: int) -> int:
    return byte - 256 if byte > 127 else byte


class _Section(NamedTuple):
    """The parameter section's bytes, where it starts in the file, and its processor type."""

    data: bytes
    start: int
    processor: int

    @property
    def order(self) -> str:
        """``"little"`` or ``"big"``: the byte order of its integers."""
        return "big" if _PROCESSORS[self.processor] == ">" else "little"

    def need(self, end: int, pos: int, what: str) -> None:
        if end > len(self.data):
            raise self.damaged(pos, f"{what} runs past the section's end")

    def damaged(self, pos: int, what: str) -> InputError:
        size = abs(_signed(self.data[pos]))
        name = strip_label(self.data[pos + 2: pos + 2 + size].decode("latin-1"))[:20]
        return InputError(f"the C3D parameter section is damaged: record {name!r} at byte "
                          f"{self.start + pos}: {what}; {_AGAIN}")


def _parameter_values_end(section: _Section, pos: int, at: int) -> int:
    """Where the values of the parameter record at ``pos`` end (they start at ``at``)."""
    section.need(at + 2, pos, "its type")
    kind, n_dims = _signed(section.data[at]), _signed(section.data[at + 1])
    if kind not in (-1, 1, 2, 4) or not 0 <= n_dims <= 7:
        raise section.damaged(pos, f"type {kind} with {n_dims} dimensions")
    section.need(at + 2 + n_dims, pos, "its dimensions")
    dims = section.data[at + 2: at + 2 + n_dims]
    count = math.prod(dims) if n_dims else (0 if kind == -1 else 1)
    return at + 2 + n_dims + abs(kind) * count


def _record_next(section: _Section, pos: int) -> int:
    """The position of the record after the one at ``pos`` (0: none), checking its sizes.

    These are the sizes ezc3d trusts: a negative description length or values longer
    than the record make it read gigabytes or out of bounds.
    """
    data = section.data
    section.need(pos + 2, pos, "its header")
    at = pos + 2 + abs(_signed(data[pos]))
    section.need(at + 2, pos, "its name")
    offset = int.from_bytes(data[at: at + 2], section.order)
    following = at + offset if offset else 0
    at += 2
    if _signed(data[pos + 1]) == 0:
        raise section.damaged(pos, "group id 0")
    if _signed(data[pos + 1]) > 0:
        at = _parameter_values_end(section, pos, at)
    section.need(at + 1, pos, "its values")
    described = _signed(data[at])
    if described < 0:
        raise section.damaged(pos, f"a description of {described} characters")
    section.need(at + 1 + described, pos, "its description")
    if following and at + 1 + described > following:
        raise section.damaged(pos, "it runs into the next record")
    return following


def _check_parameters(path: Path, section: _Section) -> None:
    """InputError for a parameter section ezc3d would read out of bounds or forever."""
    pos = 4
    try:
        while pos < len(section.data) and section.data[pos] != 0:
            pos = _record_next(section, pos)
            if not pos:
                return
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
    if pos >= len(section.data):
        raise InputError(f"{path}: the C3D parameter section is damaged: its records run "
                         f"past its end; {_AGAIN}")


def _read_parts(path: Path) -> tuple[int, bytes, _Section]:
    """The file size, its header block and its parameter section (checked for size)."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(C3D_BLOCK)
        if size < 2 * C3D_BLOCK or head[1] != _SIGNATURE or head[0] < 2:
            raise InputError(f"{path}: not a readable C3D file (no C3D header and parameter "
                             f"blocks in its {size} bytes); give a .c3d file or {_AGAIN}")
        start = (head[0] - 1) * C3D_BLOCK
        handle.seek(start)
        section = handle.read(4)
        if len(section) < 4 or section[3] not in _PROCESSORS:
            raise InputError(f"{path}: not a readable C3D file (no processor type in the "
                             f"parameter section at block {head[0]}); {_AGAIN}")
        end = start + section[2] * C3D_BLOCK
        if section[2] == 0 or end > size:
            raise InputError(f"{path}: the C3D file is cut short: its parameter section "
                             f"needs {end} bytes, but the file has {size}; {_AGAIN}")
        section += handle.read(end - start - 4)
    return size, head, _Section(section, start, section[3])


class _Declared(NamedTuple):
    """What the header declares: file size (bytes), data-start block, frames (at most
    65535 there: longer trials count theirs elsewhere), markers and analog values a frame."""

    size: int
    data_start: int
    frames: int
    points: int
    analogs: int

    def needed(self, word: int, frames: int) -> int:
        """Bytes a file of ``frames`` frames needs, ``word`` bytes a value."""
        return ((self.data_start - 1) * C3D_BLOCK
                + word * max(frames, 0) * (4 * self.points + self.analogs))


def _check_header_rate(path: Path, head: bytes, section: _Section) -> None:
    """InputError for a NaN, infinite or negative point rate in an IEEE-float header.

    (ezc3d fails on it with a C++ message; DEC-float headers are left to it.)
    """
    if section.processor == 85:
        return
    rate = struct.unpack("<f" if section.order == "little" else ">f", head[20:24])[0]
    if not (math.isfinite(rate) and rate >= 0):
        raise InputError(f"{path}: the C3D header's point rate is {rate:g}; expected frames/s "
                         "> 0: fix the export settings")


def _declared(path: Path, head: bytes, order: str, size: int) -> _Declared:
    """What the header declares, after checking that the data it declares fits."""
    words = [int.from_bytes(head[k: k + 2], order) for k in range(0, 18, 2)]
    declared = _Declared(size, words[8], words[4] - words[3] + 1, words[1], words[2])
    # 2 bytes a value at least (4 for float data): a lower bound, never a false refusal.
    needed = declared.needed(2, declared.frames)
    if declared.data_start >= 1 and needed > size:
        raise InputError(f"{path}: the C3D file is cut short: its header declares "
                         f"{declared.frames} frames of {declared.points} markers from block "
                         f"{declared.data_start}, which need at least {needed} bytes, but the "
                         f"file has {size}; {_AGAIN}")
    return declared


def _layout(path: Path) -> _Declared:
    """What the header declares, after checking the layout.

    Checks what ezc3d trusts without checking (it hangs, crashes or reads gigabytes
    when they are wrong): the signature and processor type; a parameter section inside
    the file whose records fit in it (:func:`_check_parameters`); and data that the
    file is long enough to hold.
    """
    size, head, section = _read_parts(path)
    _check_parameters(path, section)
    _check_header_rate(path, head, section)
    return _declared(path, head, section.order, size)


def _plain(value: Any) -> list:
    """Parameter values as a list of str (UTF-8 safe) and float."""
    if value is None:
        return []
    return [v.encode("utf-8", "replace").decode("utf-8") if isinstance(v, str) else float(v)
            for v in np.ravel(np.asarray(value, dtype=object))]


def _parse(path: Path) -> C3DContent:
    """Parse ``path`` with ezc3d (in this process); raises what ezc3d raises."""
    c3d = _import_ezc3d().c3d(str(path))
    point = c3d["parameters"]["POINT"]
    residuals = c3d["data"].get("meta_points", {}).get("residuals")
    return C3DContent(
        points=np.asarray(c3d["data"]["points"], dtype=np.float64),
        residuals=(np.asarray(residuals, dtype=np.float64)
                   if residuals is not None and np.size(residuals) else None),
        parameters={name: _plain(point[name].get("value")) for name in _POINT_PARAMETERS
                    if isinstance(point.get(name), dict)},
        header_rate=float(c3d["header"]["points"]["frame_rate"]),
        first_frame=int(c3d["header"]["points"]["first_frame"]),
        analog_values=int(np.size(c3d["data"]["analogs"])))


def _encode(content: C3DContent) -> bytes:
    """``content`` as .npz bytes (arrays and JSON; nothing pickled)."""
    meta = {"parameters": content.parameters, "header_rate": content.header_rate,
            "first_frame": content.first_frame, "analog_values": content.analog_values}
    arrays = {"points": content.points, "meta": np.array(json.dumps(meta))}
    if content.residuals is not None:
        arrays["residuals"] = content.residuals
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _decode(raw: bytes) -> C3DContent:
    with np.load(io.BytesIO(raw), allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        residuals = data["residuals"] if "residuals" in data.files else None
        return C3DContent(points=data["points"], residuals=residuals, **meta)


def _limit_memory(extra: int) -> None:
    """Cap this process's address space at its present size plus ``extra`` bytes."""
    try:
        import resource

        with open("/proc/self/statm", encoding="ascii") as handle:
            used = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = used + extra if hard == resource.RLIM_INFINITY else min(used + extra, hard)
        if soft == resource.RLIM_INFINITY or soft > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):
        return


def _child(connection: Any, path_text: str, memory: int) -> None:
    """In the child: parse, send b"ok" + the content or b"no" + ezc3d's message.  Ctrl-C
    and SIGTERM end it quietly (the parent says what happened)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _limit_memory(memory)
    try:
        message = b"ok" + _encode(_parse(Path(path_text)))
    except _EZC3D_ERRORS as exc:
        message = b"no" + _one_line(exc).encode("utf-8", "replace")
    connection.send_bytes(message)
    connection.close()


def _receive(path: Path, connection: Any, child: Any, timeout: float) -> bytes:
    """The child's message; InputError when it hangs or crashes."""
    if not connection.poll(timeout):
        raise InputError(f"{path}: ezc3d did not finish reading the file in {timeout:.0f} s; "
                         f"the file is probably damaged: {_AGAIN}")
    try:
        return connection.recv_bytes()
    except EOFError:
        child.join(10)
    code = child.exitcode
    if code is not None and code < 0:
        try:
            how = signal.Signals(-code).name
        except ValueError:
            how = f"signal {-code}"
        raise InputError(f"{path}: ezc3d crashed reading the file ({how}); the file is "
                         f"damaged: {_AGAIN}")
    raise RuntimeError(f"the C3D parsing process for {path} failed (exit code {code})")


def _parse_isolated(path: Path, size: int) -> bytes:
    """The child's message for ``path`` (see :func:`_child`), parsed in a forked process."""
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_child, name="balletmirror-c3d",
                            args=(sending, str(path), PARSE_MEMORY_BYTES + 32 * size))
    child.start()
    sending.close()
    try:
        return _receive(path, receiving, child,
                        PARSE_TIMEOUT_S + PARSE_SECONDS_PER_MB * size / 1e6)
    finally:
        receiving.close()
        if child.is_alive():
            child.kill()
        child.join()
        child.close()


def _check_complete(path: Path, content: C3DContent, declared: _Declared) -> None:
    """InputError when the file holds fewer frames than its header declares.

    ezc3d stops quietly at the end of a cut file and returns the frames it got.
    """
    frames = content.points.shape[2]
    scale = (content.parameters.get("SCALE") or [None])[0]
    word = 4 if isinstance(scale, float) and scale < 0 else 2
    needed = declared.needed(word, max(frames, declared.frames))
    if frames < declared.frames or (declared.data_start >= 1 and needed > declared.size):
        raise InputError(f"{path}: the C3D file is cut short: its header declares "
                         f"{declared.frames} frames of {declared.points} markers, which need "
                         f"{needed} bytes, but the file has {declared.size} and ezc3d read "
                         f"{frames} frames; {_AGAIN}")


def _open_c3d(path: Path) -> C3DContent:
    _import_ezc3d()
    if not path.is_file():
        raise InputError(f"{path}: no such file; check the path")
    try:
        declared = _layout(path)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({_one_line(exc)}); check it") from None
    if ISOLATE_PARSER:
        message = _parse_isolated(path, declared.size)
        if message[:2] != b"ok":
            raise InputError(f"{path}: not a readable C3D file "
                             f"({message[2:].decode('utf-8', 'replace')}); {_AGAIN}")
        content = _decode(message[2:])
    else:
        try:
            content = _parse(path)
        except _EZC3D_ERRORS as exc:
            raise InputError(f"{path}: not a readable C3D file ({_one_line(exc)}); "
                             f"{_AGAIN}") from None
    if content.points.ndim != 3 or content.points.shape[0] < 3:
        raise InputError(f"{path}: ezc3d read points of shape {content.points.shape}, not "
                         f"(4, markers, frames); {_AGAIN}")
    _check_complete(path, content, declared)
    return content


def _param(content: C3DContent, name: str) -> list | None:
    """The values of ``POINT:<name>``, or None when absent or empty."""
    return content.parameters.get(name) or None


def strip_label(label: str) -> str:
    """``"Subject:LKNE "`` -> ``"LKNE"``: drop the subject prefix, blanks; upper case.

    Characters that are not printable (a damaged label) become ``?``.
    """
    name = str(label).split(":")[-1].strip().upper()
    return "".join(ch if ch.isprintable() else "?" for ch in name)


def _markers(path: Path, content: C3DContent) -> tuple[list[str], np.ndarray]:
    """Labels (stripped) and points (frames, markers, 3) in file units, NaN where missing."""
    raw: list[str] = []
    for key in ("LABELS", "LABELS2", "LABELS3", "LABELS4"):
        raw += [str(v) for v in _param(content, key) or []]
    labels = [strip_label(lab) for lab in raw]
    data = content.points
    points = np.transpose(data[:3], (2, 1, 0)).copy()
    if content.residuals is not None:
        if content.residuals.shape != (1, *data.shape[1:]):
            raise InputError(f"{path}: the residuals (shape {content.residuals.shape}) do not "
                             f"match the points (shape {data.shape}); {_AGAIN}")
        points[content.residuals[0].T < 0] = np.nan
    _check_coordinates(path, labels, points)
    return labels[: points.shape[1]], points


def _check_coordinates(path: Path, labels: Sequence[str], points: np.ndarray) -> None:
    bad = np.argwhere(np.abs(points) > MAX_FILE_VALUE)
    if bad.size:
        frame, marker, axis = bad[0]
        name = labels[marker] if marker < len(labels) else f"#{marker + 1}"
        raise InputError(f"{path}: marker {name[:20]} has {'xyz'[axis]} = "
                         f"{points[frame, marker, axis]:g} in frame {frame}, infinite or "
                         f"beyond ±{MAX_FILE_VALUE:g} file units; the file is damaged: "
                         f"{_AGAIN}")


def _unit_scale(path: Path, content: C3DContent, units: str | None) -> tuple[float, str, bool]:
    """Metres per file unit, the unit name, and whether it was assumed."""
    found = _param(content, "UNITS")
    name = units or (str(found[0]).strip() if found is not None else "")
    assumed = not name
    name = (name or "mm").lower()
    if name not in UNIT_SCALE:
        raise InputError(f"{path}: unknown point units {name[:20]!r}; pass units='mm', 'cm' "
                         "or 'm'")
    return UNIT_SCALE[name], name, assumed


def _frame_rate(path: Path, content: C3DContent) -> float:
    rate = _param(content, "RATE")
    fps = rate[0] if rate is not None else content.header_rate
    low, high = FILE_FPS_RANGE
    if not isinstance(fps, float) or not low <= fps <= high:
        shown = repr(fps[:20]) if isinstance(fps, str) else f"{fps:g}"
        raise InputError(f"{path}: the C3D file has no valid POINT:RATE ({shown}; expected "
                         f"{low:g} to {high:g} frames/s); fix the export settings")
    return fps


# -------------------------------------------------------------------- mapping
def marker_table(labels: Sequence[str], points: np.ndarray) -> dict[str, np.ndarray]:
    """Marker name -> trajectory (frames, 3), with :data:`MARKER_ALIASES` added.

    An alias (``LFWT`` read as ``LASI``) is added only when the file has no marker of
    the Plug-in Gait name; the first of duplicated labels wins.
    """
    table: dict[str, np.ndarray] = {}
    for i, label in enumerate(labels):
        table.setdefault(label, points[:, i])
    for alias, name in MARKER_ALIASES.items():
        if alias in table and name not in table:
            table[name] = table[alias]
    return table


def _apply_recipe(recipe: Recipe, markers: Mapping[str, np.ndarray]) -> np.ndarray:
    return sum(weight * markers[name] for name, weight in recipe)


def _describe(recipe: Recipe) -> str:
    if len({w for _, w in recipe}) == 1:
        return "+".join(name for name, _ in recipe)
    return " + ".join(f"{w:g}*{name}" for name, w in recipe)


def resolve_joint(
    recipes: Sequence[Recipe], markers: Mapping[str, np.ndarray], n_frames: int
) -> tuple[np.ndarray, list[str]]:
    """Positions (frames, 3) of one joint from its recipes, and the recipes used.

    Per frame the first recipe whose markers are all present gives the position;
    recipes naming a marker the file lacks are skipped.  NaN where none applies.
    """
    out = np.full((n_frames, 3), np.nan)
    used = []
    for recipe in recipes:
        if not all(name in markers for name, _ in recipe):
            continue
        value = _apply_recipe(recipe, markers)
        fill = np.isnan(out).any(axis=1) & ~np.isnan(value).any(axis=1)
        out[fill] = value[fill]
        used.append(_describe(recipe))
    return out, used


def _pelvis_back(markers: Mapping[str, np.ndarray]) -> tuple[np.ndarray | None, str]:
    if "LPSI" in markers and "RPSI" in markers:
        back = 0.5 * (markers["LPSI"] + markers["RPSI"])
        if "SACR" in markers:
            back = np.where(np.isnan(back), markers["SACR"], back)
            return back, "LPSI+RPSI (else SACR)"
        return back, "LPSI+RPSI"
    if "SACR" in markers:
        return markers["SACR"], "SACR"
    return None, ""


def _hips(markers: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, str] | None:
    back, back_name = _pelvis_back(markers)
    if back is None or "LASI" not in markers or "RASI" not in markers:
        return None
    left, right = harrington_hip_centres(markers["LASI"], markers["RASI"], back)
    return left, right, f"Harrington 2007 regression from LASI, RASI, {back_name}"


def _user_recipes(
    path: Path, markers: Mapping[str, Any], mapping: Mapping[str, Any]
) -> dict[str, tuple[Recipe, ...]]:
    """A user ``mapping`` {joint: label | [labels] | None} as recipes (None: unmapped)."""
    unknown = sorted(set(mapping) - set(JOINTS))
    if unknown:
        raise InputError(f"{path}: mapping names unknown joints {unknown}; "
                         f"valid joints: {', '.join(JOINTS)}")
    recipes: dict[str, tuple[Recipe, ...]] = {}
    for joint, labels in mapping.items():
        names = [] if labels is None else [labels] if isinstance(labels, str) else list(labels)
        recipes[joint] = (_mean(*(strip_label(n) for n in names)),) if names else ()
    absent = sorted({n for r in recipes.values() for rec in r for n, _ in rec} - set(markers))
    if absent:
        raise InputError(f"{path}: mapping names markers the file lacks ({', '.join(absent)}); "
                         f"labels found: {', '.join(sorted(markers))}")
    return recipes


def map_markers(
    markers: Mapping[str, np.ndarray], n_frames: int,
    overrides: Mapping[str, tuple[Recipe, ...]] | None = None,
) -> tuple[np.ndarray, dict[str, str]]:
    """Canonical positions (frames, joints, 3) from markers, and the recipe of each joint.

    ``overrides`` (joint -> recipes) replace :data:`MARKER_MAP` and the hip regression
    for their joints; an empty tuple leaves the joint unmapped.
    """
    overrides = dict(overrides or {})
    positions = np.full((n_frames, len(JOINTS), 3), np.nan)
    used: dict[str, str] = {}
    hips = _hips(markers)
    for side, index in (("left", 0), ("right", 1)):
        if hips is not None and f"{side}_hip" not in overrides:
            positions[:, J[f"{side}_hip"]] = hips[index]
            used[f"{side}_hip"] = hips[2]
    for joint, recipes in {**MARKER_MAP, **overrides}.items():
        value, names = resolve_joint(recipes, markers, n_frames)
        if names:
            positions[:, J[joint]] = value
            used[joint] = ", else ".join(names)
    return positions, used


def _marker_set(markers: Mapping[str, Any], custom: bool) -> str:
    if custom:
        return "custom"
    if "LASI" in markers and "LFWT" not in markers:
        return "plug-in-gait"
    if "LFWT" in markers:
        return "cmu"
    return "unknown"


def _check_required(path: Path, used: Mapping[str, str], labels: Sequence[str]) -> None:
    missing = [j for j in REQUIRED_JOINTS if j not in used]
    if missing:
        shown = ", ".join(lab[:20] for lab in labels[:60]) + (" ..." if len(labels) > 60 else "")
        raise InputError(
            f"{path}: cannot map the required joints {', '.join(missing)} from the marker "
            f"labels found ({shown or 'none'}); name them with --map {missing[0]}=<marker> "
            "(one --map a joint; from Python mapping={joint: marker label})")


# ---------------------------------------------------------------------- reader
def read_c3d(
    path: Path, *, mapping: Mapping[str, Any] | None = None, units: str | None = None,
    up: str = "z",
) -> Motion:
    """Read a C3D marker file as a world-space Motion of the canonical skeleton.

    Parameters
    ----------
    path : Path
        The ``.c3d`` file.
    mapping : dict, optional
        ``{joint: marker label | [labels] | None}``: overrides :data:`MARKER_MAP` (and
        the hip regression) for those joints; several labels are averaged; None leaves
        the joint unmapped.  Labels are matched without subject prefix, in upper case.
    units : {"mm", "cm", "m"}, optional
        Overrides the file's ``POINT:UNITS`` (``mm`` assumed when it has none).
    up : {"z", "y"}
        The file's vertical axis; ``"z"`` (the C3D norm) is rotated to Y up.

    Returns
    -------
    Motion
        ``space="world"``, ``units="m"``, positions (frames, joints, 3) Y up; NaN and
        confidence 0 where markers are missing, confidence 1 elsewhere; times
        ``i / POINT:RATE`` seconds from the first stored frame.

    Raises
    ------
    InputError
        ezc3d missing, unreadable, non-C3D, cut or damaged file (also when ezc3d crashes
        or hangs on it), infinite or huge coordinates, a bad rate, unknown units, bad
        mapping, or the hips, knees, ankles and shoulders cannot all be mapped.
    """
    path = Path(path)
    if up not in ("y", "z"):
        raise InputError(f"{path}: expected up='z' or 'y', but got {up!r}")
    c3d = _open_c3d(path)
    labels, points = _markers(path, c3d)
    if points.shape[0] == 0:
        raise InputError(f"{path}: the C3D file holds no point frames; export the markers")
    scale, unit_name, assumed = _unit_scale(path, c3d, units)
    points = points * scale
    if up == "z":
        points = z_up_to_y_up(points)
    markers = marker_table(labels, points)
    overrides = _user_recipes(path, markers, mapping) if mapping else None
    joints, used = map_markers(markers, points.shape[0], overrides)
    _check_required(path, used, labels)
    fps = _frame_rate(path, c3d)
    _, confidence = empty_arrays(points.shape[0], 3)
    confidence[~np.isnan(joints).any(axis=-1)] = 1.0
    provenance = {
        "reader": "c3d", "path": str(path), "marker_set": _marker_set(markers, bool(mapping)),
        "mapping": used, "labels": labels, "source_units": unit_name,
        "units_assumed": assumed, "up_axis": up,
        "rotation": "(x, y, z) -> (x, z, -y)" if up == "z" else "none",
        "first_frame": c3d.first_frame, "rate_hz": fps,
    }
    return Motion(positions=joints, confidence=confidence,
                  times=uniform_times(points.shape[0], fps), fps=fps, space="world",
                  units="m", provenance=provenance)
