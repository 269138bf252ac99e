"""compare.mp4: her skeleton with the reference's ghost, each at her usual size."""

import dataclasses

import numpy as np
import pytest
from fixtures.studio import ENCHAINEMENT, studio_analysis

from balletmirror.analysis.compare import compare
from balletmirror.core.skeleton import J
from balletmirror.render.annotate import first_forward, picture_of
from balletmirror.render.ghost import normalised, render_ghost, steady


def test_the_ghost_keeps_a_dancer_who_walks_to_the_camera_at_her_size(reference):
    m = reference.motion
    forward = first_forward(m) / np.linalg.norm(first_forward(m))
    walk = np.linspace(0.0, 3.0, m.n_frames)[:, None, None] * forward  # 3 m to the lens
    walking = dataclasses.replace(m, positions=m.positions + walk)

    def nose(px):
        return -normalised(px)[:, J["nose"], 1]

    def growth(h):  # her height at the end against the start
        return h[-1] / h[0]

    # through a camera she grows as she comes; the ghost's picture keeps her size
    assert growth(nose(picture_of(walking))) > 1.2 * growth(nose(picture_of(m)))
    np.testing.assert_allclose(nose(steady(walking)), nose(steady(m)), atol=1e-9)


def test_ghost_video_has_her_frames(tmp_path, reference):
    av = pytest.importorskip("av")
    her = studio_analysis("height=1.72; " + ENCHAINEMENT.replace("right", "left"), 3)
    result = compare(her, reference)
    out = render_ghost(her, reference, result, tmp_path / "compare.mp4")
    with av.open(str(out)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert len(frames) == her.motion.n_frames
    blue = (frames[10][..., 2] > 200) & (frames[10][..., 0] < 120)
    orange = (frames[10][..., 0] > 200) & (frames[10][..., 2] < 120)
    assert blue.sum() > 200 and orange.sum() > 200  # both skeletons drawn
    n = normalised(picture_of(her.motion))
    assert np.nanmedian(n[:, 0, 1]) == pytest.approx(-0.95, abs=0.1)  # nose near height 1
