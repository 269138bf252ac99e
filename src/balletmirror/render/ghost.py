"""compare.mp4: her skeleton and the reference's as a ghost over it, time-aligned.

Each frame of her performance is drawn with the reference's frame that the
alignment (``reference.alignment.path_s``) pairs with it: her skeleton in blue, the
reference's in orange, both scaled to the same body height and standing on the same
floor, each centred on its own pelvis so that only the shapes are compared, and each
at the dancer's usual size (:func:`steady`: motion capture seen without perspective,
a video's keypoints shrunk back as she nears the lens), so that one who travels
towards the camera does not grow over the other.  A reference danced on the other
side is mirrored (left and right swapped, the picture flipped) so that it overlays
her.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..core.skeleton import BONES, MIRROR_PERMUTATION, J
from ..core.vocabulary import step_word
from ..features.signals import steady_picture
from .annotate import first_forward, picture_of, step_at
from .drawing import MOCAP_BACKGROUND, font, panel

if TYPE_CHECKING:
    from ..analysis.pipeline import Analysis

SIZE = (960, 540)
HER, REFERENCE = (70, 170, 255), (255, 150, 60)
BODY_FRACTION = 0.72  # of the picture's height a standing body fills


def normalised(px: np.ndarray) -> np.ndarray:
    """Pixels (frames, 23, 2) -> picture units: pelvis at x = 0 in every frame, the
    floor (the 95th percentile of the lowest foot, y down) at y = 0, her standing
    height (the 90th percentile of floor-to-nose) = 1.  Frames where no foot was seen
    (nobody in the picture) are left out of both percentiles; without any, all NaN."""
    feet = px[:, [J["left_ankle"], J["right_ankle"], J["left_heel"], J["right_heel"]], 1]
    seen = np.isfinite(feet).any(axis=1)
    if not seen.any():
        return np.full_like(px, np.nan)
    floor = np.nanpercentile(np.nanmax(feet[seen], axis=1), 95)
    nose = floor - px[:, J["nose"], 1]
    height = np.nanpercentile(nose, 90) if np.isfinite(nose).any() else np.nan
    out = np.empty_like(px)
    out[..., 0] = (px[..., 0] - px[:, [J["mid_hip"]], 0]) / height
    out[..., 1] = (px[..., 1] - floor) / height
    return out


def steady(motion) -> np.ndarray:
    """Her picture at her usual size, (frames, 23, 2), y down: motion capture seen
    without perspective from in front of her first facing (metres across and up),
    a video's keypoints shrunk back as she comes nearer the lens
    (:func:`balletmirror.features.signals.steady_picture`)."""
    if motion.space == "world":
        forward = first_forward(motion)
        norm = np.linalg.norm(forward)
        fx, _, fz = forward / norm if norm else (0.0, 0.0, 1.0)
        # the viewer faces her: his right, (fz, 0, -fx), is her left
        across = motion.positions[..., 0] * fz - motion.positions[..., 2] * fx
        return np.stack([across, -motion.positions[..., 1]], axis=-1)
    px = picture_of(motion)
    return px if motion.image_size is None else steady_picture(px, motion.image_size,
                                                                motion.fps)


def reference_frames(ref_block: dict, her_times: np.ndarray,
                     ref_times: np.ndarray) -> np.ndarray:
    """For each of her frames, the index of the reference frame the path pairs with it."""
    path = np.asarray(ref_block["alignment"]["path_s"], dtype=float)
    ta, tb = path[:, 0], path[:, 1]
    keys, inverse = np.unique(ta, return_inverse=True)
    means = np.bincount(inverse, weights=tb) / np.bincount(inverse)
    t_ref = np.interp(her_times, keys, means)
    idx = np.searchsorted(ref_times, t_ref).clip(0, len(ref_times) - 1)
    return idx


def _draw(draw, points: np.ndarray, colour, *, width: int) -> None:
    for a, b in BONES:
        i, j = J[a], J[b]
        if np.isfinite(points[[i, j]]).all():
            draw.line([tuple(points[i]), tuple(points[j])], fill=colour, width=width)


def _to_canvas(points: np.ndarray) -> np.ndarray:
    w, h = SIZE
    scale = BODY_FRACTION * h
    return np.stack([w / 2 + scale * points[:, 0], 0.9 * h + scale * points[:, 1]], axis=1)


def render_ghost(her: Analysis, ref: Analysis, ref_block: dict, out: Path, *,
                 progress: Callable[[int, int | None], None] | None = None) -> Path:
    """Write compare.mp4 (module docstring), one frame per frame of hers.

    Parameters
    ----------
    her, ref : Analysis
    ref_block : dict
        The comparison (results.json's ``reference``: its path and ``mirrored``).
    out : Path
        The .mp4 to write (960 x 540, her frame rate).
    progress : callable(done, total), optional
        Called after each frame drawn.

    Returns
    -------
    Path
        ``out``.
    """
    from PIL import Image, ImageDraw

    from ..io.video_write import H264Writer

    mine, theirs = normalised(steady(her.motion)), normalised(steady(ref.motion))
    if ref_block["mirrored"]:
        theirs = theirs[:, list(MIRROR_PERMUTATION)] * np.array([-1.0, 1.0])
    pair = reference_frames(ref_block, her.motion.times, ref.motion.times)
    face = font(18)
    with H264Writer(out, *SIZE, her.motion.fps) as writer:
        for i, t in enumerate(her.motion.times):
            img = Image.new("RGB", SIZE, MOCAP_BACKGROUND)
            draw = ImageDraw.Draw(img)
            _draw(draw, _to_canvas(theirs[pair[i]]), REFERENCE, width=5)
            _draw(draw, _to_canvas(mine[i]), HER, width=3)
            step = step_at(her.steps, float(t))
            lines = [f"her {t:6.2f} s · reference {ref.motion.times[pair[i]]:6.2f} s",
                     "her: blue · reference: orange" + (" (mirrored)" if
                                                         ref_block["mirrored"] else "")]
            if step is not None:
                lines.append(step_word(step.name))
            panel(img, draw, (12, 12), lines, face, fill=(0, 0, 0), opacity=0.5)
            writer.write(np.asarray(img), float(t - her.motion.times[0]))
            if progress is not None:
                progress(i + 1, her.motion.n_frames)
    return out
