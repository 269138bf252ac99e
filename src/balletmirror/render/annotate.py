"""annotated.mp4: her video with the skeleton drawn, the step she is dancing and its
turn count, her knee angles live, and each correction shown at its moment.

For video input every frame of the input is drawn on and written with its own
timestamp, so the annotated video has the input's frame count and duration (and its
sound).  For motion capture (no picture) the clean 3D skeleton is filmed by a virtual
camera in front of her first facing, far enough to keep her whole path in view; 2D
keypoints without their video are drawn on a plain canvas of the image's size.

What is drawn where is decided by small pure functions of the analysis (``step_at``,
``turn_label``, ``corrections_at``, ``hud_lines``); Pillow draws it (a font with the
accents of ballet words: DejaVu Sans, shipped with matplotlib or the system).
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..core.camera import PHONE_VFOV_DEG, camera_preset, project
from ..core.motion import Motion
from ..core.records import Step
from ..core.skeleton import BONES, J
from ..core.vocabulary import step_word
from .drawing import MOCAP_BACKGROUND, drawable, font, panel

if TYPE_CHECKING:
    from ..analysis.pipeline import Analysis

#: A correction shows from this long before its moment to ``CORRECTION_AFTER_S`` after.
CORRECTION_BEFORE_S = 0.3
CORRECTION_AFTER_S = 2.5
MIN_CONFIDENCE = 0.3  # joints less sure than this are not drawn
LEFT, RIGHT, CENTRE = (70, 170, 255), (255, 140, 50), (240, 240, 240)
WARN_DARK = (120, 0, 0)
MOCAP_SIZE = (960, 540)
THUMB_WIDTH = 320


# ------------------------------------------------------------------ what to show
def step_at(steps: list[Step], t: float) -> Step | None:
    """The step on the timeline at ``t`` seconds (the latest started), or None."""
    current = [s for s in steps if s.start_s <= t <= s.end_s]
    return max(current, key=lambda s: s.start_s) if current else None


def turns_done(steps: list[Step], t: float) -> float:
    """Turns completed by ``t``: those of the steps already over, and the turn marks
    passed in the step under way (``metrics.turn_marks_s``, one a turn)."""
    done = 0.0
    for s in steps:
        if not s.turns:
            continue
        if s.end_s <= t:
            done += float(s.turns)
        elif s.start_s <= t:
            marks = s.metrics.get("turn_marks_s") or []
            done += min(float(s.turns), float(sum(m <= t for m in marks)))
    return done


def turn_label(step: Step | None, t: float) -> str | None:
    """"turn 3 of 8" inside a turning step, from its turn marks; None elsewhere."""
    if step is None or not step.turns:
        return None
    total = float(step.turns)
    marks = step.metrics.get("turn_marks_s") or []
    current = min(math.ceil(total), 1 + sum(m <= t for m in marks))
    return f"turn {current} of {total:g}"


def corrections_at(steps: list[Step], t: float) -> list[str]:
    """The corrections whose moment is near ``t`` ("plié: <message>")."""
    out = []
    for s in steps:
        for c in s.corrections:
            if c.at_s is not None and \
                    c.at_s - CORRECTION_BEFORE_S <= t <= c.at_s + CORRECTION_AFTER_S:
                out.append(f"{step_word(s.name)}: {c.message}")
    return out


def hud_lines(steps: list[Step], t: float) -> list[str]:
    """The panel's lines at ``t``: the step (side, score), its turn, the turns so far."""
    step = step_at(steps, t)
    lines = [f"{t:6.2f} s"]
    if step is not None:
        side = f" ({step.side})" if step.side else ""
        score = f"  score {step.score:.0f}" if step.score is not None else ""
        lines.append(f"{step_word(step.name)}{side}{score}")
        label = turn_label(step, t)
        if label:
            lines.append(label)
    done = turns_done(steps, t)
    if done:
        lines.append(f"turns so far: {done:g}")
    return lines


# ------------------------------------------------------------------ drawing
def _colour(bone: tuple[str, str]) -> tuple[int, int, int]:
    names = " ".join(bone)
    if "left" in names and "right" not in names:
        return LEFT
    if "right" in names and "left" not in names:
        return RIGHT
    return CENTRE


def draw_skeleton(draw, points: np.ndarray, confidence: np.ndarray, *, width: int) -> None:
    """Bones (her left blue, her right orange) and joints of one frame's pixels."""
    seen = np.isfinite(points).all(axis=1) & (confidence >= MIN_CONFIDENCE)
    for a, b in BONES:
        i, j = J[a], J[b]
        if seen[i] and seen[j]:
            draw.line([tuple(points[i]), tuple(points[j])], fill=_colour((a, b)),
                      width=width)
    r = max(2, width)
    for k in np.flatnonzero(seen):
        x, y = points[k]
        draw.ellipse([x - r, y - r, x + r, y + r], fill=(255, 255, 255))


def annotate_frame(rgb: np.ndarray, points: np.ndarray, confidence: np.ndarray,
                   lines: list[str], corrections: list[str],
                   angles: dict[str, float]) -> np.ndarray:
    """One frame with the skeleton, the panel, the knee angles and the corrections.

    Parameters
    ----------
    rgb : array (rows, cols, 3) uint8
    points : array (23, 2)
        The joints in this frame's pixels (NaN: not seen).
    confidence : array (23,)
    lines : list of str
        The panel's lines (:func:`hud_lines`).
    corrections : list of str
        Shown at the bottom in red.
    angles : dict joint name -> degrees
        Written beside those joints (e.g. ``{"left_knee": 171.0}``).
    """
    from PIL import Image, ImageDraw

    img = Image.fromarray(rgb)
    draw = ImageDraw.Draw(img)
    h = img.size[1]
    big, small = font(max(12, h // 24)), font(max(10, h // 34))
    draw_skeleton(draw, points, confidence, width=max(2, h // 220))
    for name, value in angles.items():
        p = points[J[name]]
        if np.isfinite(value) and np.isfinite(p).all() and confidence[J[name]] >= MIN_CONFIDENCE:
            draw.text((p[0] + small.size * 0.6, p[1] - small.size * 0.5),
                      drawable(f"{value:.0f}°", small), font=small, fill=(255, 255, 120),
                      stroke_width=2, stroke_fill=(0, 0, 0))
    panel(img, draw, (h // 40, h // 40), [drawable(x, big) for x in lines], big,
           fill=(0, 0, 0), opacity=0.6)
    shown = [drawable(x, small) for x in corrections[:3]]
    if shown:
        y = h - h // 40 - len(shown) * small.size * 1.25 - small.size * 0.5
        panel(img, draw, (h // 40, int(y)), shown, small, fill=WARN_DARK, opacity=0.75)
    return np.asarray(img)


def thumbnail(rgb: np.ndarray, *, width: int = THUMB_WIDTH) -> bytes:
    """A JPEG of ``rgb`` scaled to ``width`` pixels wide."""
    from PIL import Image

    img = Image.fromarray(rgb)
    img = img.resize((width, max(1, round(img.size[1] * width / img.size[0]))))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=80)
    return buf.getvalue()


# ------------------------------------------------------------------ the frames
def _frame_index(times: np.ndarray, t: float) -> int:
    """The Motion frame nearest ``t`` seconds."""
    i = int(np.searchsorted(times, t))
    if i >= len(times):
        return len(times) - 1
    return i - 1 if i > 0 and t - times[i - 1] < times[i] - t else i


def first_forward(motion: Motion) -> np.ndarray:
    """The horizontal direction she faces in the first frame her hips are seen (world
    space, Y up; zero when never seen)."""
    p = motion.positions
    first = np.flatnonzero(np.isfinite(p[:, [J["left_hip"], J["right_hip"]]]).all(axis=(1, 2)))
    f = first[0] if first.size else 0
    across = p[f, J["left_hip"]] - p[f, J["right_hip"]]
    return np.cross(np.nan_to_num(across), [0.0, 1.0, 0.0])


def mocap_camera(motion: Motion):
    """A camera in front of her first facing, far enough to keep her whole path in the
    picture (world space, Y up, metres)."""
    p = motion.positions
    forward = first_forward(motion)
    yaw = math.degrees(math.atan2(forward[0], forward[2])) if np.any(forward) else 0.0
    centre = np.nanmedian(p[:, J["mid_hip"]], axis=0)
    top = float(np.nanmax(p[..., 1]))
    target = (float(centre[0]), 0.5 * top, float(centre[2]))
    reach = float(np.nanmax(np.hypot(p[..., 0] - centre[0], p[..., 2] - centre[2])))
    w, h = MOCAP_SIZE
    tan = math.tan(math.radians(PHONE_VFOV_DEG) / 2)
    distance = max(3.0, 0.6 * top / (0.85 * tan), reach / (0.85 * tan * w / h) + reach)
    return camera_preset("front", yaw_deg=yaw, target_m=target, distance_m=distance,
                         height_m=target[1], width=w, height=h)


def picture_of(motion: Motion) -> np.ndarray:
    """Her joints in a picture, (frames, 23, 2) pixels: an image-space Motion's own,
    or a world-space Motion (metres) filmed by :func:`mocap_camera`."""
    if motion.space == "image":
        return motion.positions[..., :2]
    return project(motion.positions, mocap_camera(motion))[0]


def _canvas(w: int, h: int) -> np.ndarray:
    background = np.empty((h + h % 2, w + w % 2, 3), np.uint8)
    background[:] = MOCAP_BACKGROUND
    return background


def canvas_frames(motion: Motion) -> Iterator[tuple[float, np.ndarray, int]]:
    """``(time_s, background, frame index)`` for a Motion without its video: the
    virtual camera's picture for motion capture, for 2D keypoints a canvas of the
    image's size (its recorded size, else the keypoints' extent)."""
    if motion.space == "world":
        w, h = MOCAP_SIZE
    elif motion.image_size is not None:
        w, h = motion.image_size
    else:
        w, h = (int(np.nanmax(motion.positions[..., k])) + 40 for k in (0, 1))
    background = _canvas(w, h)
    for i, t in enumerate(motion.times):
        yield float(t), background.copy(), i


def video_frames(path: Path, motion: Motion) -> Iterator[tuple[float, np.ndarray, int]]:
    """``(time_s, rgb, frame index)`` for every frame of her video, with the Motion
    frame nearest in time."""
    from ..io.video import iter_frames

    for t, rgb in iter_frames(path):
        yield t, rgb, _frame_index(motion.times, t)


def _source(motion: Motion, video: Path | None) -> dict:
    """Frames, rate, frame count, sound and per-frame confidence to draw from."""
    if video is None:
        return {"frames": canvas_frames(motion), "fps": motion.fps, "total": motion.n_frames,
                "sound": None,
                "confidence": np.isfinite(motion.positions).all(axis=2).astype(float)}
    from ..io.audio import RATE, audio_blocks, has_audio
    from ..io.video import probe_video

    info = probe_video(video)
    sound = (audio_blocks(video, tolerant=True), RATE) if has_audio(video) else None
    return {"frames": video_frames(video, motion), "fps": info.fps, "total": info.frames,
            "sound": sound, "confidence": motion.confidence}


def render_annotated(analysis: Analysis, out: Path, *, video: Path | None,
                     thumbs_at: tuple[float, ...] = (),
                     progress: Callable[[int, int | None], None] | None = None
                     ) -> tuple[Path, dict[float, bytes]]:
    """Write annotated.mp4 of an analysis; return its path and JPEG thumbnails of the
    annotated frames nearest ``thumbs_at`` (seconds).

    Parameters
    ----------
    analysis : Analysis
    out : Path
        The .mp4 to write.
    video : Path or None
        Her video (its frames are drawn on, its sound kept); None for motion capture.
    thumbs_at : tuple of float
        Times whose annotated frame the report shows.
    progress : callable(done, total), optional
        Called after each frame drawn.

    Returns
    -------
    path : Path
        ``out``: H.264 yuv420p, every input frame with its own timestamp (and her
        video's sound).
    thumbs : dict of seconds -> bytes
        JPEG thumbnails of the annotated frames nearest ``thumbs_at``.
    """
    from ..io.video_write import H264Writer

    motion, kin, steps = analysis.motion, analysis.kinematics, analysis.steps
    src = _source(motion, video)
    pixels = picture_of(motion)
    frames = src["frames"]
    first = next(frames)
    sound = src["sound"] or (None, 22050)
    wanted, thumbs = sorted(set(thumbs_at)), {}
    knees = {name: kin[f"{name}_angle"] for name in ("left_knee", "right_knee")
             if f"{name}_angle" in kin.series}
    with H264Writer(out, first[1].shape[1], first[1].shape[0], src["fps"], audio=sound[0],
                    sr=sound[1]) as writer:
        for n, (t, rgb, i) in enumerate(_chain(first, frames)):
            img = annotate_frame(rgb, pixels[i], src["confidence"][i], hud_lines(steps, t),
                                 corrections_at(steps, t),
                                 {name: float(series[i]) for name, series in knees.items()})
            writer.write(img, t)
            while wanted and wanted[0] <= t + 0.5 / src["fps"]:
                thumbs[wanted.pop(0)] = thumbnail(img)
            if progress is not None:
                progress(n + 1, src["total"])
    return out, thumbs


def _chain(first, rest: Iterator) -> Iterator:
    yield first
    yield from rest
