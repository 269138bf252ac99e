"""Expressive descriptors: hand-computed cases, invariances, the studio's styles."""

import dataclasses

import numpy as np
import pytest

from balletmirror.analysis.expression import (
    body_of,
    contraction_index,
    effort_scale,
    efforts,
    flow_effort,
    ldlj,
    reading,
    space_effort,
    sparc,
    symmetry_index,
    time_effort,
    weight_effort,
)
from balletmirror.analysis.pipeline import analyze_motion
from balletmirror.studio.perform import perform

ONE = np.array([1.0])


def test_weight_time_flow_by_hand():
    # one segment (all the mass) at 2 H/s: kinetic energy per unit mass v^2 = 4
    v = np.tile([[[2.0, 0.0, 0.0]]], (50, 1, 1))
    assert weight_effort(v, ONE) == pytest.approx(4.0)
    # accelerating at 3 H/s^2, jerk 5 H/s^3 throughout
    assert time_effort(np.tile([[[0.0, 3.0, 0.0]]], (50, 1, 1)), ONE) == pytest.approx(3.0)
    assert flow_effort(np.tile([[[0.0, 0.0, 5.0]]], (50, 1, 1)), ONE) == pytest.approx(5.0)
    # two segments of mass 0.25 and 0.75 at 2 and 0 H/s
    two = np.tile([[[2.0, 0, 0], [0, 0, 0]]], (10, 1, 1))
    assert weight_effort(two, np.array([0.25, 0.75])) == pytest.approx(1.0)


def test_space_straight_is_one_and_a_half_circle_is_pi_over_two():
    t = np.linspace(0.0, 1.0, 101)
    straight = np.stack([t, 0 * t, 0 * t], axis=-1)[:, None, :]
    assert space_effort(straight, ONE, fps=100.0) == pytest.approx(1.0)
    arc = np.stack([np.cos(np.pi * t), np.sin(np.pi * t), 0 * t], axis=-1)[:, None, :] * 0.5
    assert space_effort(arc, ONE, fps=100.0, window_s=1.0) == pytest.approx(np.pi / 2, rel=1e-3)
    still = np.zeros((101, 1, 3))
    assert np.isnan(space_effort(still, ONE, fps=100.0))


def test_dimensionless_jerk_of_a_minimum_jerk_reach():
    """Hogan & Sternad (2009): a minimum-jerk profile has DLJ 720 / 1.875^2."""
    fps = 1000.0
    u = np.linspace(0.0, 1.0, 1001)
    speed = 30 * u**2 * (1 - u) ** 2  # d/du of 10u^3 - 15u^4 + 6u^5, duration 1 s
    assert ldlj(speed, fps) == pytest.approx(-np.log(720 / 1.875**2), abs=0.05)
    assert ldlj(3.0 * speed, fps) == pytest.approx(ldlj(speed, fps))  # amplitude-free


def test_sparc_is_amplitude_free_and_prefers_one_movement_to_two():
    fps = 100.0
    u = np.linspace(0.0, 1.0, 101)
    one = 30 * u**2 * (1 - u) ** 2
    assert sparc(2.5 * one, fps) == pytest.approx(sparc(one, fps))
    two = np.concatenate([one, one])  # stop and go
    assert sparc(two, fps) < sparc(one, fps) < 0


def test_symmetry_and_contraction_by_hand():
    assert symmetry_index(1.0, 1.0) == 0.0
    assert symmetry_index(1.0, 3.0) == pytest.approx(100.0)
    square = np.array([[[0, 0], [1, 0], [1, 1], [0, 1], [0.5, 0.5]]], dtype=float)
    diamond = np.array([[[0.5, 0], [1, 0.5], [0.5, 1], [0, 0.5]]], dtype=float)
    assert contraction_index(square) == pytest.approx(1.0)
    assert contraction_index(diamond) == pytest.approx(0.5)


def _whole(motion) -> dict:
    analysis = analyze_motion(motion, source={})
    return analysis.expression["whole"]


PHRASE = "plie demi; tendu front right; port_de_bras front; releve; passe right"


def test_efforts_do_not_depend_on_body_size_place_or_frame_rate():
    perf = perform(f"5th; {PHRASE}", fps=25.0, seed=4)
    m = perf.motion
    base = efforts(body_of(m))
    bigger = dataclasses.replace(m, positions=m.positions * 1.2)
    moved = dataclasses.replace(m, positions=m.positions + np.array([2.0, 0.0, -1.5]))
    for other in (efforts(body_of(bigger)), efforts(body_of(moved))):
        for name, value in base.items():
            assert other[name] == pytest.approx(value, rel=1e-6)
    faster = efforts(body_of(perform(f"5th; {PHRASE}", fps=50.0, seed=4).motion))
    for name in ("weight", "time", "space"):
        assert faster[name] == pytest.approx(base[name], rel=0.1)
    assert faster["flow"] == pytest.approx(base["flow"], rel=0.2)


@pytest.mark.parametrize("axis, high, low", [("time", "sudden", "sustained"),
                                             ("weight", "strong", "light"),
                                             ("space", "indirect", "direct"),
                                             ("flow", "free", "bound")])
@pytest.mark.parametrize("seed", [1, 2])
def test_contrasting_styles_order_on_their_axis(axis, high, low, seed):
    value = {style: _whole(perform(f"5th; style={style}; {PHRASE}", fps=25.0,
                                   seed=seed).motion)["efforts"][axis]
             for style in (high, low)}
    assert value[high] > value[low]


def test_readings_in_plain_words():
    assert reading({"time": -1.0, "weight": -1.0, "space": 0.0, "flow": 0.0}).startswith(
        "sustained and light: Odette's quality")
    assert "Odile" in reading({"time": 1.0, "weight": 1.0, "space": 0.0, "flow": 0.0})
    assert "Laban's float" in reading({"time": -1.0, "weight": -1.0, "space": 1.0,
                                       "flow": None})
    assert reading({k: 0.0 for k in ("time", "weight", "space", "flow")}).startswith("even")
    assert effort_scale("time", 0.0) is None
    sudden = _whole(perform(f"5th; style=sudden; {PHRASE}", fps=25.0, seed=1).motion)
    assert sudden["scales"]["time"] > 0.35 and "sudden" in sudden["reading"]


def test_whole_block_has_every_descriptor():
    whole = _whole(perform(f"5th; {PHRASE}", fps=25.0, seed=1).motion)
    assert set(whole) >= {"efforts", "scales", "reading", "quantity_of_motion",
                          "expansiveness", "contraction_index", "smoothness",
                          "symmetry_index", "balance", "head"}
    assert whole["balance"]["over_base_share"] > 0.8  # she stands over her feet
    assert 0.2 < whole["expansiveness"] < 0.6
    expansive = _whole(perform(f"5th; style=expansive; {PHRASE}", fps=25.0, seed=1).motion)
    contracted = _whole(perform(f"5th; style=contracted; {PHRASE}", fps=25.0, seed=1).motion)
    assert expansive["expansiveness"] > contracted["expansiveness"]
