"""The 2D turn counter on the studio's true keypoints (known answers)."""

import numpy as np
import pytest

from balletmirror.features.turns import apparent_width, count_turns_2d, profile_passages
from balletmirror.studio.make import StudioSettings, make_camera
from balletmirror.studio.perform import perform
from balletmirror.studio.video import project_motion

CASES = [("5th; pirouette en_dehors right 1", 1.0), ("5th; pirouette en_dehors right 2", 2.0),
         ("5th; pirouette en_dedans left 3 tempo=2.5", 3.0),
         ("5th; fouette right 8 tempo=1.5", 8.0), ("5th; fouette left 16 tempo=1.4", 16.0),
         ("5th; fouette right 32 tempo=1.5", 32.0)]


@pytest.mark.parametrize("text, turns", CASES)
@pytest.mark.parametrize("view", ["front", "three-quarter", "side", "back"])
def test_counts_turns_from_one_view(text, turns, view):
    perf = perform(text, fps=25.0, seed=2)
    step = next(s for s in perf.truth["steps"] if s["turns"])
    t = perf.motion.times
    inside = (t >= step["start_s"]) & (t <= step["end_s"])
    points = project_motion(perf.motion.positions, make_camera(StudioSettings(camera=view)))
    count = count_turns_2d(t[inside], points[inside])
    assert count.turns == turns
    assert len(count.passages_s) in (2 * turns, 2 * turns - 1, 2 * turns + 1)


def test_width_is_label_swap_proof_and_passages_need_a_return():
    perf = perform("5th; pirouette right 2", fps=25.0, seed=0)
    points = project_motion(perf.motion.positions, make_camera(StudioSettings()))
    swapped = points.copy()
    from balletmirror.core.skeleton import group_pairs

    for a, b in group_pairs("arms") + group_pairs("legs"):
        swapped[:, [a, b]] = points[:, [b, a]]
    np.testing.assert_allclose(apparent_width(swapped), apparent_width(points))
    wobble = np.array([1.0, 0.4, 0.6, 0.4, 0.6, 1.0, 0.3, 0.9])
    assert profile_passages(wobble, low=0.45, high=0.7) == [1, 6]


def test_passages_through_profile_settle_a_turn_seen_at_an_angle():
    from balletmirror.features.turns import angle_passages, count_turns, width_legs

    # one turn seen from 45 degrees: rest 1, squares up (1.3), profile (0.2), ...
    # and a wobble (0.7) at the start that is no profile
    one = np.array([1.0, 0.7, 1.25, 0.2, 1.3, 0.1, 1.0])
    assert angle_passages(one, list(range(len(one)))) == 2
    assert count_turns(one, np.zeros(len(one)), kind="pirouette").turns == 1.0
    # facing the lens (never wider than at rest) or in profile at rest: not at an angle
    front = np.array([1.0, 0.2, 0.8, 0.2, 1.0])
    side = np.array([0.05, 1.2, 0.3, 1.1, 0.05])
    assert angle_passages(front, width_legs(front)) is None
    assert angle_passages(side, width_legs(side)) is None
