"""Reading a soundtrack: the audio stream of a video, or an audio file (PyAV).

Samples are placed at their presentation time, so a stream that starts late (or an
AAC encoder's priming samples before 0) stays aligned with the video's frames,
whose clock starts at 0 with the first frame.

The audio is decoded block by block (:func:`audio_blocks`): a 10-minute class with
music is never held whole (22.05 kHz mono float32 is 5.3 MB a minute); who needs it
twice decodes it twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..core.errors import InputError

RATE = 22050  # Hz: librosa's default, plenty for beats


def video_start(container) -> float:
    """Presentation time of the first video frame, seconds (0 without video)."""
    if not container.streams.video:
        return 0.0
    stream = container.streams.video[0]
    if stream.start_time is None:
        return 0.0
    return float(stream.start_time * stream.time_base)


def _open(path: Path):
    import av

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such audio or video file")
    try:
        return av.open(str(path))
    except (av.error.FFmpegError, ValueError, OSError) as exc:
        raise InputError(f"{path}: not a readable audio or video file ({exc})") from None


def has_audio(path: Path) -> bool:
    """Whether ``path`` has an audio stream.

    Raises
    ------
    InputError
        The file is missing or not readable as audio or video.
    """
    with _open(path) as container:
        return bool(container.streams.audio)


def _aligned(chunks: Iterator[tuple[np.ndarray, float | None]], origin: float,
             rate: int) -> Iterator[np.ndarray]:
    """The decoded chunks shifted so that sample 0 is at ``origin`` seconds: samples
    before it cut, a late start filled with silence (the first chunk's time decides)."""
    shift = None
    for y, start in chunks:
        if shift is None:
            shift = int(round(((start or 0.0) - origin) * rate))
            if shift > 0:
                yield np.zeros(shift, np.float32)
        if shift < 0:
            cut = min(-shift, y.size)
            y, shift = y[cut:], shift + cut
        if y.size:
            yield y


def _decoded(container, rate: int) -> Iterator[tuple[np.ndarray, float | None]]:
    """(mono float32 samples at ``rate``, time of the stream's first decoded sample or
    None when it has no timestamp)."""
    import av

    stream = container.streams.audio[0]
    resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
    start = None
    for frame in container.decode(stream):
        if start is None and frame.pts is not None and frame.time_base is not None:
            start = float(frame.pts * frame.time_base)
        for r in resampler.resample(frame):
            yield r.to_ndarray().ravel().astype(np.float32, copy=False), start
    for r in resampler.resample(None):
        yield r.to_ndarray().ravel().astype(np.float32, copy=False), start


def audio_blocks(path: Path, *, rate: int = RATE, max_s: float | None = None,
                 tolerant: bool = False) -> Iterator[np.ndarray]:
    """Mono float32 samples of ``path``'s first audio stream at ``rate`` Hz, block by
    block, sample 0 at the first video frame (or at the stream's start for an audio
    file); nothing when the file has no audio stream.

    Parameters
    ----------
    path : Path
    rate : int
        Sample rate, Hz.
    max_s : float, optional
        Stop after this many seconds.
    tolerant : bool
        A stream damaged after its start ends where it breaks (a damaged video's own
        sound: the video is analysed up to where it is readable, and says so) instead
        of raising.

    Raises
    ------
    InputError
        The file is missing or not readable as audio or video, or (not ``tolerant``)
        its audio breaks off.
    """
    import av

    limit = None if max_s is None else int(max_s * rate)
    done = 0
    with _open(path) as container:
        if not container.streams.audio:
            return
        try:
            for y in _aligned(_decoded(container, rate), video_start(container), rate):
                if limit is not None and done + y.size >= limit:
                    yield y[:limit - done]
                    return
                done += y.size
                yield y
        except (av.error.FFmpegError, ValueError) as exc:
            if tolerant and done:
                return
            raise InputError(f"{path}: its audio cannot be decoded after {done / rate:.1f} s "
                             f"({exc})") from None


def read_audio(path: Path, *, rate: int = RATE,
               max_s: float | None = None) -> tuple[np.ndarray, int] | None:
    """All of :func:`audio_blocks` in one array, and the rate; None when the file has no
    audio stream (for short sounds: a long one is better read block by block).

    Raises
    ------
    InputError
        As :func:`audio_blocks`.
    """
    if not has_audio(path):
        return None
    blocks = list(audio_blocks(path, rate=rate, max_s=max_s))
    y = np.concatenate(blocks) if blocks else np.zeros(0, np.float32)
    return y, rate
