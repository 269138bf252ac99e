"""annotated.mp4: what is shown when, the drawing, and the video's frames and duration."""

import numpy as np
import pytest

from balletmirror.analysis.pipeline import analyze_motion
from balletmirror.core.camera import camera_preset, project
from balletmirror.core.records import Correction, Step
from balletmirror.render.annotate import (
    annotate_frame,
    corrections_at,
    hud_lines,
    mocap_camera,
    step_at,
    turn_label,
    turns_done,
)
from balletmirror.render.drawing import drawable, font
from balletmirror.studio.procedural import demo_motion
from balletmirror.studio.video import ideal_pose_model

PLIE = Step(name="plie", start_s=1.0, end_s=3.0, metrics={"depth": "demi"}, score=62.0,
            corrections=(Correction(criterion="plie_depth", message="bend deeper", at_s=2.0),))
FOUETTE = Step(name="fouette", start_s=4.0, end_s=8.0, side="right", turns=4.0,
               metrics={"turn_marks_s": [4.5, 5.5, 6.5, 7.5]}, score=90.0)
STEPS = [PLIE, FOUETTE]


def test_step_at_and_hud():
    assert step_at(STEPS, 0.5) is None
    assert step_at(STEPS, 2.0).name == "plie"
    assert hud_lines(STEPS, 2.0) == ["  2.00 s", "plié  score 62"]
    assert hud_lines(STEPS, 5.0)[1:] == ["fouetté (right)  score 90", "turn 2 of 4",
                                         "turns so far: 1"]


def test_turn_counter_follows_the_marks():
    assert [turn_label(FOUETTE, t) for t in (4.1, 4.6, 7.6)] == [
        "turn 1 of 4", "turn 2 of 4", "turn 4 of 4"]
    assert turn_label(PLIE, 2.0) is None
    assert [turns_done(STEPS, t) for t in (3.0, 4.4, 6.0, 7.9, 9.0)] == [0, 0, 2, 4, 4]


def test_corrections_show_around_their_moment():
    assert corrections_at(STEPS, 1.6) == []
    assert corrections_at(STEPS, 1.8) == ["plié: bend deeper"]
    assert corrections_at(STEPS, 4.4) == ["plié: bend deeper"]
    assert corrections_at(STEPS, 4.6) == []


def test_font_draws_ballet_words():
    face = font(20)
    assert drawable("développé", face) in ("développé", "developpe")
    assert "DejaVu" in str(getattr(face, "path", "")), "matplotlib's DejaVu Sans is expected"


def test_annotate_frame_draws_skeleton_panel_and_correction():
    rgb = np.full((360, 640, 3), 128, np.uint8)
    points = np.full((23, 2), np.nan)
    points[11], points[13], points[15] = (300, 150), (300, 220), (300, 300)  # left leg
    conf = np.ones(23)
    out = annotate_frame(rgb, points, conf, ["2.00 s", "plié"], ["plié: bend deeper"],
                         {"left_knee": 120.0})
    assert out.shape == rgb.shape and out.dtype == np.uint8
    assert tuple(out[185, 300]) == (70, 170, 255)  # her left thigh, drawn blue
    assert out[20:40, 20:60].mean() < 100  # the dark panel, top left
    bottom = out[330:350, 20:60].astype(int)
    assert (bottom[..., 0] - bottom[..., 2]).mean() > 10  # the red correction box
    np.testing.assert_array_equal(out[200:260, 500:600], rgb[200:260, 500:600])


def test_mocap_camera_keeps_the_whole_path_in_view():
    m = demo_motion(fps=30.0)
    cam = mocap_camera(m)
    px, depth = project(m.positions, cam)
    seen = np.isfinite(px).all(axis=-1)
    assert seen.mean() > 0.99 and (depth[seen] > 0).all()
    assert px[..., 0][seen].min() > 0 and px[..., 0][seen].max() < cam.width
    assert px[..., 1][seen].min() > 0 and px[..., 1][seen].max() < cam.height


@pytest.mark.slow
def test_mocap_render_has_every_frame(tmp_path):
    import av

    from balletmirror.render.annotate import render_annotated

    m = demo_motion(fps=25.0)
    analysis = analyze_motion(m, source={"path": None, "kind": "npz"})
    out, thumbs = render_annotated(analysis, tmp_path / "a.mp4", video=None,
                                   thumbs_at=(2.0, 10.0))
    with av.open(str(out)) as c:
        frames = sum(1 for _ in c.decode(video=0))
    assert frames == m.n_frames
    assert set(thumbs) == {2.0, 10.0} and all(v[:2] == b"\xff\xd8" for v in thumbs.values())


def test_keypoints_without_video_are_drawn_on_a_canvas(tmp_path):
    import av

    from balletmirror.render.annotate import render_annotated

    keypoints = ideal_pose_model(demo_motion(fps=10.0), camera_preset("front"))
    analysis = analyze_motion(keypoints, source={"path": None, "kind": "keypoints"})
    out, _ = render_annotated(analysis, tmp_path / "k.mp4", video=None)
    with av.open(str(out)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert len(frames) == keypoints.n_frames
    assert frames[0].shape[:2] == (540, 960)  # the camera's picture size
    assert (frames[0] != frames[0][0, -1]).any(axis=2).mean() > 0.002  # a skeleton drawn
