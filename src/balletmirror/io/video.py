"""Video input: streamed decoding with PyAV (the pose model's reading of the frames is
:mod:`balletmirror.pose.video`).

Memory does not grow with the video's length: frames are decoded one at a time in a
background thread (bounded queue) and handed on.

Rotation metadata (phones store portrait video as landscape plus a display matrix)
is honoured: frames are turned upright before the pose model sees them and image
coordinates refer to the upright frame.  Timestamps come from each frame's
presentation time, so variable-frame-rate phone video keeps its true timing.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..core.errors import InputError

#: Codecs of still images: a "video" made of them is an image in disguise.
STILL_IMAGE_CODECS = {"png", "mjpeg", "bmp", "gif", "webp", "tiff", "jpeg2000", "jpegls"}



@dataclasses.dataclass(frozen=True)
class VideoInfo:
    """What the container says about the first video stream.

    ``width``/``height`` are the displayed size in pixels (after rotation);
    ``rotation`` is the clockwise display rotation in degrees (0, 90, 180, 270);
    ``frames`` is an estimate (containers may not know) or None; ``duration_s`` the
    container's duration and ``stream_duration_s`` the video stream's own (None when
    the container does not say), seconds.
    """

    width: int
    height: int
    rotation: int
    fps: float
    frames: int | None
    duration_s: float | None
    codec: str
    has_audio: bool
    stream_duration_s: float | None = None


def _open(path: Path):
    import av

    try:
        return av.open(str(path))
    except (av.error.InvalidDataError, av.error.EOFError) as exc:
        raise InputError(f"{path}: not a readable video (truncated or corrupt?): {exc}") from None
    except (av.error.FFmpegError, ValueError, OSError) as exc:  # ValueError: bad metadata
        raise InputError(f"{path}: could not open the video (damaged?): {exc}") from None


def _video_stream(container, path: Path):
    if not container.streams.video:
        kind = "an audio file" if container.streams.audio else "a file"
        raise InputError(f"{path}: has no video stream ({kind}); give a video of the dancer")
    stream = container.streams.video[0]
    if stream.codec_context is None:
        raise InputError(f"{path}: its video stream has no decoder (an unknown or damaged "
                         "codec); convert it to H.264, e.g. with ffmpeg -i IN -c:v libx264 "
                         "OUT.mp4")
    codec = stream.codec_context.name
    frames = stream.frames or 0
    if codec in STILL_IMAGE_CODECS and frames <= 1 and container.format.name.endswith("_pipe"):
        raise InputError(f"{path}: is a still image ({codec}); give a video of the dancer")
    return stream


def _stream_fps(stream) -> float:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    return float(rate) if rate else 30.0


def _frame_count(container, stream) -> int | None:
    if stream.frames:
        return int(stream.frames)
    if stream.duration and stream.time_base:
        return int(round(float(stream.duration * stream.time_base) * _stream_fps(stream)))
    if container.duration:
        return int(round(container.duration / 1e6 * _stream_fps(stream)))
    return None


def probe_video(path: Path) -> VideoInfo:
    """Read the container's header (no decoding beyond the first frame).

    Raises
    ------
    InputError
        Not a video, no video stream, a still image, or nothing decodable.
    """
    with _open(path) as container:
        stream = _video_stream(container, path)
        first = next(_decode(container, stream, path), None)
        if first is None:
            raise InputError(f"{path}: the video holds no decodable frame (truncated?)")
        rotation = int(first.rotation or 0) % 360
        w, h = stream.codec_context.width, stream.codec_context.height
        if rotation in (90, 270):
            w, h = h, w
        duration = container.duration / 1e6 if container.duration else None
        own = (float(stream.duration * stream.time_base)
               if stream.duration and stream.time_base else None)
        return VideoInfo(width=w, height=h, rotation=rotation, fps=_stream_fps(stream),
                         frames=_frame_count(container, stream), duration_s=duration,
                         codec=stream.codec_context.name,
                         has_audio=bool(container.streams.audio), stream_duration_s=own)


def _decode(container, stream, path: Path, report: dict | None = None):
    """The stream's frames.  A decoding error before the first frame is an InputError;
    after it, with a ``report``, decoding stops there and ``report["error"]`` says why
    (the readable part is kept), without one it is an InputError too."""
    import av

    count = 0
    try:
        for frame in container.decode(stream):
            count += 1
            yield frame
    except (av.error.FFmpegError, ValueError) as exc:
        if report is not None and count:
            report["error"] = f"decoding stopped after frame {count}: {exc}"
            return
        raise InputError(f"{path}: the video is truncated or corrupt after frame {count}: "
                         f"{exc}") from None


def _upright(frame, max_side: int | None) -> np.ndarray:
    """The frame as an upright RGB array (rows, cols, 3), at most ``max_side`` px long."""
    w, h = frame.width, frame.height
    rotation = int(frame.rotation or 0) % 360
    scale = 1.0 if not max_side else min(1.0, max_side / max(w, h))
    if scale < 1.0:
        frame = frame.reformat(width=int(round(w * scale / 2)) * 2,
                               height=int(round(h * scale / 2)) * 2)
    rgb = frame.to_ndarray(format="rgb24")
    # Display rotation is counter-clockwise in FFmpeg's convention: undo it.
    turns = rotation // 90
    return np.ascontiguousarray(np.rot90(rgb, k=turns)) if turns else rgb


def iter_frames(path: Path, *, max_side: int | None = None, prefetch: int = 8,
                report: dict | None = None) -> Iterator[tuple[float, np.ndarray]]:
    """Yield ``(time_s, rgb)`` for every frame, decoded in a background thread.

    Parameters
    ----------
    path : Path
        The video.
    max_side : int, optional
        Downscale so the longer side is at most this many pixels (the pose model
        works at 256 px; decoding 4K at full size only costs time).
    prefetch : int
        Frames decoded ahead (the queue bound keeps memory flat).
    report : dict, optional
        Given, a file damaged after its first frame yields what it can and
        ``report["error"]`` says where decoding stopped (else it is an InputError).

    Times are seconds from the first frame's presentation time.
    """
    frames: queue.Queue = queue.Queue(maxsize=prefetch)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            with _open(path) as container:
                stream = _video_stream(container, path)
                stream.thread_type = "AUTO"
                t0 = None
                for i, frame in enumerate(_decode(container, stream, path, report)):
                    t = frame.time if frame.time is not None else i / _stream_fps(stream)
                    t0 = t if t0 is None else t0
                    while not stop.is_set():
                        try:
                            frames.put((t - t0, _upright(frame, max_side)), timeout=0.1)
                            break
                        except queue.Full:
                            continue
                    if stop.is_set():
                        return
        except BaseException as exc:  # handed to the consumer, re-raised there
            frames.put(exc)
        frames.put(done)

    worker = threading.Thread(target=produce, name="balletmirror-decode", daemon=True)
    worker.start()
    try:
        while (item := frames.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join(timeout=5)
