"""Aligning two performances: DTW by hand, gaps, the tempo line, mirrored and side-blind
features."""

import numpy as np
import pytest

from balletmirror.analysis.compare.alignment import align, gaps, mirrored, symmetric, tempo_line


def test_dtw_textbook_path():
    # y holds x's second sample twice: the path waits one step on it, then runs diagonal
    x = np.array([0.0, 1.0, 2.0, 3.0, 4.0])[:, None]
    y = np.array([0.0, 1.0, 1.0, 2.0, 3.0, 4.0])[:, None]
    path, cost = align(x, y)
    assert path.tolist() == [[0, 0], [1, 1], [1, 2], [2, 3], [3, 4], [4, 5]]
    assert cost == 0.0
    # y holds still for 4 samples where x does not: x waits on its sample 1 meanwhile
    y2 = np.array([0.0, 1.0, 1.0, 1.0, 1.0, 2.0, 3.0])[:, None]
    x2 = np.array([0.0, 1.0, 2.0, 3.0])[:, None]
    p2, _ = align(x2, y2)
    assert p2[0].tolist() == [0, 0] and p2[-1].tolist() == [3, 6]
    assert [j for i, j in p2 if i == 1] == [1, 2, 3, 4]


def test_gaps_on_a_path():
    tb = np.arange(0.0, 6.0, 0.1)
    ta = np.where(tb < 2.0, tb, np.where(tb < 3.5, 2.0, tb - 1.5))  # she skips 2-3.5 s
    found = gaps(ta, tb)
    assert [g["kind"] for g in found] == ["missing"]
    assert found[0]["reference_s"][0] == pytest.approx(2.0, abs=0.11)
    assert found[0]["reference_s"][1] == pytest.approx(3.5, abs=0.11)


def test_tempo_line_ignores_a_gap():
    tb = np.arange(0.0, 20.0, 0.1)
    ta = np.where(tb < 8, 1.1 * tb, 1.1 * tb - 3.0)  # 10% slower, 3 s left out at 8 s
    gap = [{"kind": "missing", "her_s": [8.8, 8.8], "reference_s": [8.0, 8.0]}]
    t0, r = tempo_line(ta, tb, gap)
    assert r == pytest.approx(1.1, abs=1e-6) and t0 == pytest.approx(0.0, abs=1e-6)


def test_mirrored_swaps_sides_and_reverses_turns():
    names = ["left_knee_angle", "right_knee_angle", "trunk_inclination", "turn_rate"]
    F = np.array([[1.0, 2.0, 3.0, 0.5]])
    assert mirrored(F, names).tolist() == [[2.0, 1.0, 3.0, -0.5]]


def test_symmetric_features_are_blind_to_sides():
    names = ["left_knee_angle", "right_knee_angle", "trunk_inclination", "turn_rate"]
    F = np.array([[1.0, 2.0, 3.0, -0.5], [4.0, 3.0, 3.0, 0.5]])
    out = symmetric(F, names)
    assert out.tolist() == [[2.0, 1.0, 3.0, 0.5], [4.0, 3.0, 3.0, 0.5]]
    np.testing.assert_array_equal(symmetric(mirrored(F, names), names), out)
