"""A joint the camera never saw (a leg hidden the whole clip, no face, no arms): the
analysis, the comparison and the views say nothing of it and warn nothing (pytest turns
any RuntimeWarning into an error: see pyproject.toml)."""

from __future__ import annotations

import numpy as np
import pytest
from fixtures.studio import studio_analysis

from balletmirror.analysis.compare import compare
from balletmirror.analysis.pipeline import analyze_motion, source_info
from balletmirror.core.motion import Motion
from balletmirror.core.skeleton import JOINTS, J
from balletmirror.run import Run

HIDDEN = {"left leg": [j for j in JOINTS if j.startswith("left_") and any(
              k in j for k in ("hip", "knee", "ankle", "heel", "toe"))],
          "both legs": [j for j in JOINTS if any(k in j for k in ("knee", "ankle", "heel",
                                                                  "toe"))],
          "the face": ["nose", "left_eye", "right_eye", "left_ear", "right_ear"]}


def hide(motion: Motion, joints: list[str]) -> Motion:
    positions, confidence = motion.positions.copy(), motion.confidence.copy()
    idx = [J[j] for j in joints]
    positions[:, idx], confidence[:, idx] = np.nan, 0.0
    return Motion(positions=positions, confidence=confidence, times=motion.times,
                  fps=motion.fps, space=motion.space, units=motion.units,
                  image_size=motion.image_size, provenance=motion.provenance)


@pytest.mark.parametrize("what", list(HIDDEN))
def test_a_joint_never_seen_is_analysed_compared_and_drawn_quietly(what, tmp_path):
    reference = studio_analysis("5th; plie demi; tendu front right; releve")
    raw = hide(reference.raw, HIDDEN[what])
    her = analyze_motion(raw, source=source_info("hidden", "motion", raw))
    run = Run(analysis=her, reference=reference,
              comparison=compare(her, reference, reference_source=reference.source))
    paths = run.write(tmp_path, views=True)
    assert paths["report"].exists() and run.results["steps"] is not None
