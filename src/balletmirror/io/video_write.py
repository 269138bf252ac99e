"""Writing H.264 video (PyAV, libx264) that plays in a browser, with optional sound.

Browsers play H.264 only in 4:2:0 chroma (``yuv420p``) and start playing an MP4 before
it is fully loaded only when its index (``moov``) comes first (``movflags=faststart``).
Frames carry their own timestamps, so a variable frame rate is kept and the written
file has exactly the frames and the duration it was given.  Mono audio is encoded as
AAC a little ahead of the video, so the muxer interleaves without holding the whole
track.
"""

from __future__ import annotations

import fractions
import math
from pathlib import Path

import numpy as np

from ..core.errors import ConfigError

TIME_BASE = fractions.Fraction(1, 90000)


class _AudioFeeder:
    """Encode mono float audio as AAC into ``container`` up to a given time."""

    CHUNK = 1024

    def __init__(self, container, y: np.ndarray, sr: int):
        self.stream = container.add_stream("aac", rate=int(sr))
        self.stream.layout = "mono"
        self.container, self.sr = container, int(sr)
        self.y = np.clip(np.asarray(y, dtype=np.float32).ravel(), -1.0, 1.0)
        self.done = 0

    def feed_until(self, t: float) -> None:
        import av

        end = min(len(self.y), int(t * self.sr))
        while self.done < end:
            chunk = self.y[self.done:self.done + self.CHUNK][None, :]
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk), format="fltp",
                                               layout="mono")
            frame.sample_rate = self.sr
            frame.pts = self.done
            frame.time_base = fractions.Fraction(1, self.sr)
            self.done += chunk.shape[1]
            for packet in self.stream.encode(frame):
                self.container.mux(packet)

    def close(self) -> None:
        self.feed_until(len(self.y) / self.sr + 1.0)
        for packet in self.stream.encode():
            self.container.mux(packet)


class H264Writer:
    """An MP4 file written frame by frame: ``with H264Writer(...) as w: w.write(rgb, t)``.

    Parameters
    ----------
    path : path
        The ``.mp4`` to write (its folder must exist).
    width, height : int
        Frame size, pixels; odd sizes are padded by one pixel (4:2:0 needs even sides).
    fps : float
        Nominal frame rate, frames/s (each frame's own time decides when it shows).
    audio : array (samples,), optional
        Mono sound in [-1, 1] from time 0 of the video.
    sr : int
        Its sample rate, Hz.
    crf : int
        x264 constant rate factor (18: visually lossless; 23: x264's default).
    preset : str
        x264 speed preset.
    """

    def __init__(self, path: str | Path, width: int, height: int, fps: float, *,
                 audio: np.ndarray | None = None, sr: int = 22050, crf: int = 20,
                 preset: str = "veryfast"):
        if not (math.isfinite(fps) and fps > 0) or width < 2 or height < 2:
            raise ConfigError(f"Expected fps > 0 and a frame of at least 2x2, but got "
                              f"fps={fps}, {width}x{height}")
        self.path, self.size = Path(path), (int(width), int(height))
        self.even = (self.size[0] + self.size[0] % 2, self.size[1] + self.size[1] % 2)
        self.fps, self.audio, self.sr = float(fps), audio, sr
        self.crf, self.preset = crf, preset
        self.frames = 0

    def __enter__(self) -> H264Writer:
        import av

        self.container = av.open(str(self.path), "w", options={"movflags": "faststart"})
        rate = fractions.Fraction(self.fps).limit_denominator(1001)
        self.stream = self.container.add_stream(
            "libx264", rate=rate, options={"crf": str(self.crf), "preset": self.preset})
        self.stream.width, self.stream.height = self.even
        self.stream.pix_fmt = "yuv420p"
        self.stream.codec_context.time_base = TIME_BASE
        self.feeder = (_AudioFeeder(self.container, self.audio, self.sr)
                       if self.audio is not None else None)
        return self

    def write(self, rgb: np.ndarray, t: float) -> None:
        """Append one frame (rows, cols, 3) uint8 RGB shown from ``t`` seconds."""
        import av

        if rgb.shape[:2] != self.size[::-1]:
            raise ConfigError(f"Expected frames of {self.size[0]}x{self.size[1]}, but got "
                              f"{rgb.shape[1]}x{rgb.shape[0]}")
        if self.even != self.size:
            rgb = np.pad(rgb, ((0, self.even[1] - self.size[1]),
                               (0, self.even[0] - self.size[0]), (0, 0)), mode="edge")
        if self.feeder is not None:
            self.feeder.feed_until(t + 1.0)
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        frame.pts = int(round(t / TIME_BASE))
        frame.time_base = TIME_BASE
        for packet in self.stream.encode(frame):
            self.container.mux(packet)
        self.frames += 1

    def __exit__(self, *exc) -> None:
        try:
            if exc[0] is None:
                for packet in self.stream.encode():
                    self.container.mux(packet)
                if self.feeder is not None:
                    self.feeder.close()
        finally:
            self.container.close()
