"""Reading a soundtrack: the audio stream of a video, or an audio file (PyAV).

Samples are placed at their presentation time, so a stream that starts late (or an
AAC encoder's priming samples before 0) stays aligned with the video's frames,
whose clock starts at 0 with the first frame.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.errors import InputError

RATE = 22050  # Hz: librosa's default, plenty for beats


def _decode(container, rate: int) -> tuple[np.ndarray, float] | None:
    """(mono samples at ``rate``, time of the first sample in s) or None without audio."""
    import av

    if not container.streams.audio:
        return None
    stream = container.streams.audio[0]
    resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
    chunks, start = [], None
    for frame in container.decode(stream):
        if start is None and frame.pts is not None and frame.time_base is not None:
            start = float(frame.pts * frame.time_base)
        chunks.extend(r.to_ndarray().ravel() for r in resampler.resample(frame))
    chunks.extend(r.to_ndarray().ravel() for r in resampler.resample(None))
    if not chunks:
        return None
    return np.concatenate(chunks).astype(np.float32), start or 0.0


def video_start(container) -> float:
    """Presentation time of the first video frame, seconds (0 without video)."""
    if not container.streams.video:
        return 0.0
    stream = container.streams.video[0]
    if stream.start_time is None:
        return 0.0
    return float(stream.start_time * stream.time_base)


def read_audio(path: Path, *, rate: int = RATE) -> tuple[np.ndarray, int] | None:
    """Mono samples of ``path``'s first audio stream at ``rate`` Hz, sample 0 at the
    first video frame (or at the stream's start for an audio file); None when the
    file has no audio stream.

    Raises
    ------
    InputError
        The file is missing or not readable as audio or video.
    """
    import av

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such audio or video file")
    try:
        with av.open(str(path)) as container:
            origin = video_start(container)
            decoded = _decode(container, rate)
    except (av.error.FFmpegError, ValueError) as exc:
        raise InputError(f"{path}: not a readable audio or video file ({exc})") from None
    if decoded is None:
        return None
    y, start = decoded
    shift = int(round((start - origin) * rate))  # samples before the first frame: cut
    y = y[-shift:] if shift < 0 else np.concatenate([np.zeros(shift, np.float32), y])
    return y, rate
