"""What differs between her step and the reference's: the similarity, the other leg, a
leg the camera did not see."""

import dataclasses

import numpy as np
from fixtures.studio import ENCHAINEMENT, studio_analysis

from balletmirror.analysis.compare import compare
from balletmirror.analysis.compare.differences import similarity, with_hidden_leg_caveat
from balletmirror.features.signals import raised_leg


def test_similarity_definition():
    assert similarity(0.0) == 100.0 and similarity(22.5) == 50.0 and similarity(90.0) == 0.0


def test_a_step_on_the_other_leg_is_compared_working_leg_to_working_leg(reference):
    text = ENCHAINEMENT.replace("arabesque right", "arabesque left")
    other = compare(studio_analysis("height=1.62; " + text, 100), reference)
    row = next(s for s in other["steps"] if s["reference_step"] == "arabesque")
    assert not other["mirrored"] and row["her_side"] == "left"
    assert [d["what"] for d in row["differences"]] == ["side"]
    assert "working leg to working leg" in row["differences"][0]["message"]
    assert row["similarity"] > 80


def test_a_leg_hidden_from_the_camera_makes_its_height_unreliable(reference):
    ara = next(s for s in reference.steps if s.name == "arabesque")
    assert raised_leg(reference.signals, ara.start_s, ara.end_s) == ("right", 1.0)
    diff = [{"what": "leg_height", "difference": -41.0, "message": "your arabesque leg is 41 "
             "deg lower than the reference's"}, {"what": "turns", "message": "x"}]
    assert with_hidden_leg_caveat(diff, reference, reference, ara, ara) == diff  # motion capture
    # the pose model unsure of her right ankle (behind her body, from the front)
    seen = {**reference.signals.ankle_seen, "right": np.full(reference.motion.n_frames, 0.5)}
    hidden = dataclasses.replace(reference, signals=dataclasses.replace(reference.signals,
                                                                        ankle_seen=seen))
    marked = with_hidden_leg_caveat(diff, reference, hidden, ara,
                                    dataclasses.replace(ara, view="front"))
    assert marked[0]["reliable"] is False and "hidden" in marked[0]["caveat"]
    assert "right leg" in marked[0]["caveat"] and "front" in marked[0]["caveat"]
    assert marked[0]["message"].endswith("(unreliable: the leg was hidden from the camera)")
    assert marked[1] == diff[1]
