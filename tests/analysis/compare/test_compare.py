"""The comparison with a reference: itself, a joint lost on one side, the studio's known
changes found."""

import dataclasses

import numpy as np
import pytest
from fixtures.studio import ENCHAINEMENT, studio_analysis

from balletmirror.analysis.compare import compare


def test_self_comparison_is_identical(reference):
    result = compare(reference, reference)
    assert result["similarity"] == 100.0 and result["tempo_ratio"] == pytest.approx(1.0)
    assert not result["mirrored"] and result["missing"] == [] and result["extra"] == []
    assert all(s["matched"] and s["differences"] == [] and s["timing_ms"] == 0
               for s in result["steps"])


def test_a_joint_seen_on_one_side_only_is_left_out(reference):
    # a pose model may lose one arm for most of a clip: its twin goes too, so that
    # mirroring and the side-blind features still find each feature's pair
    kin = reference.kinematics
    series = {**kin.series, "left_shoulder_elevation": np.full(len(kin.times), np.nan)}
    one_armed = dataclasses.replace(reference, kinematics=dataclasses.replace(kin, series=series))
    result = compare(one_armed, reference)
    names = result["alignment"]["features"]
    assert "left_shoulder_elevation" not in names and "right_shoulder_elevation" not in names
    assert result["missing"] == [] and result["tempo_ratio"] == pytest.approx(1.0, abs=0.02)


def _hers(text: str, seed: int):
    """Her version of the enchaînement: a taller dancer, another seed."""
    return studio_analysis("height=1.72; " + text, seed)


@pytest.mark.parametrize("seed", [0, 1])
def test_studio_known_changes_are_found(reference, seed):
    lower = compare(_hers(ENCHAINEMENT.replace("right 90", "right 70"), seed), reference)
    leg = [d for s in lower["steps"] if s["reference_step"] == "arabesque"
           for d in s["differences"] if d["what"] == "leg_height"]
    assert leg and leg[0]["difference"] == pytest.approx(-20.0, abs=5.0)
    assert "lower" in leg[0]["message"] and lower["missing"] == []

    skipped = compare(_hers(ENCHAINEMENT.replace("pirouette en_dehors right 2; ", ""), seed),
                      reference)
    assert [m["step"] for m in skipped["missing"]] == ["pirouette"]

    slower = compare(studio_analysis(f"bpm={96 / 1.1:.2f}; height=1.72; " + ENCHAINEMENT, seed),
                     reference)
    assert slower["tempo_ratio"] == pytest.approx(1.1, rel=0.05) and slower["missing"] == []

    other = compare(_hers(ENCHAINEMENT.replace("right", "left"), seed), reference)
    assert other["mirrored"] and other["missing"] == []
    same = compare(_hers(ENCHAINEMENT, seed), reference)
    assert not same["mirrored"] and same["similarity"] > 90
