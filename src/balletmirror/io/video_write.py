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
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ..core.errors import ConfigError

TIME_BASE = fractions.Fraction(1, 90000)


class _AudioFeeder:
    """Encode mono float audio (an array, or an iterable of blocks read as needed) as
    AAC into ``container`` up to a given time."""

    CHUNK = 1024

    def __init__(self, container, audio: np.ndarray | Iterable[np.ndarray], sr: int):
        self.stream = container.add_stream("aac", rate=int(sr))
        self.stream.layout = "mono"
        self.container, self.sr = container, int(sr)
        blocks = [audio] if isinstance(audio, np.ndarray) else audio
        self.blocks = iter(blocks)
        self.pending = np.zeros(0, np.float32)
        self.done = 0

    def _take(self, n: int) -> np.ndarray:
        """Up to ``n`` samples, pulling blocks as needed (fewer only at the end)."""
        while self.pending.size < n:
            block = next(self.blocks, None)
            if block is None:
                break
            self.pending = np.concatenate([self.pending, np.asarray(block, np.float32).ravel()])
        chunk, self.pending = self.pending[:n], self.pending[n:]
        return np.clip(chunk, -1.0, 1.0)

    def feed_until(self, t: float | None) -> None:
        """Encode the samples before ``t`` seconds (None: all of them)."""
        import av

        end = None if t is None else int(t * self.sr)
        while end is None or self.done < end:
            chunk = self._take(self.CHUNK)
            if not chunk.size:
                return
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk[None, :]),
                                               format="fltp", layout="mono")
            frame.sample_rate = self.sr
            frame.pts = self.done
            frame.time_base = fractions.Fraction(1, self.sr)
            self.done += chunk.size
            for packet in self.stream.encode(frame):
                self.container.mux(packet)

    def close(self) -> None:
        self.feed_until(None)
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
    audio : array (samples,) or iterable of arrays, optional
        Mono sound in [-1, 1] from time 0 of the video (blocks are read as the video
        reaches them).
    sr : int
        Its sample rate, Hz.
    crf : int
        x264 constant rate factor (18: visually lossless; 23: x264's default).
    preset : str
        x264 speed preset.
    """

    def __init__(self, path: str | Path, width: int, height: int, fps: float, *,
                 audio: np.ndarray | Iterable[np.ndarray] | None = None,
                 sr: int = 22050, crf: int = 20,
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
