"""Small media files made by the tests themselves (PyAV, zlib, wave)."""

from __future__ import annotations

import fractions
import struct
import wave
import zlib
from pathlib import Path

import numpy as np


def write_video(path: Path, frames: list[np.ndarray], *, fps: int = 25,
                pts: list[int] | None = None, rotation: int | None = None) -> Path:
    """Encode RGB frames (rows, cols, 3) uint8 as H.264 MP4; ``pts`` in 1/fps units."""
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for i, img in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = i if pts is None else pts[i]
            frame.time_base = fractions.Fraction(1, fps)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def blank_frames(n: int, *, size=(240, 320), value=200) -> list[np.ndarray]:
    return [np.full((*size, 3), value, dtype=np.uint8) for _ in range(n)]


def write_png(path: Path, *, size=(16, 16)) -> Path:
    """A valid grey PNG written by hand (no imaging library needed)."""
    h, w = size
    raw = b"".join(b"\x00" + bytes([128]) * (w * 3) for _ in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return path


def write_wav(path: Path, *, seconds: float = 0.5, rate: int = 8000) -> Path:
    t = np.arange(int(seconds * rate)) / rate
    data = (np.sin(2 * np.pi * 440 * t) * 3000).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(data.tobytes())
    return path


def write_audio_only_mp4(path: Path, *, seconds: float = 0.5, rate: int = 44100) -> Path:
    """An MP4 container holding only an AAC audio stream."""
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=rate)
        samples = (np.sin(np.arange(int(seconds * rate)) * 0.05) * 0.3).astype(np.float32)
        for start in range(0, len(samples), 1024):
            chunk = samples[start:start + 1024][None, :]
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
            frame.sample_rate = rate
            frame.pts = start
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path
