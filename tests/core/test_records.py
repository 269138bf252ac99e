"""The step record: one constructor for the analysis and the studio's truth, one JSON."""

import dataclasses

import pytest

from balletmirror.core.records import Correction, Step, json_safe


def test_a_step_writes_the_step_schema_in_order():
    step = Step(name="pirouette", start_s=1.23456789, end_s=2.5, side="right", turns=2.0,
                metrics={"direction": "en_dehors"})
    assert (step.start_s, step.end_s) == (1.2346, 2.5)  # kept to 0.1 ms
    assert list(step.to_json()) == ["step", "start_s", "end_s", "side", "turns", "metrics",
                                    "score", "corrections"]
    judged = dataclasses.replace(step, score=80.0, view="front", criteria=({"criterion": "x"},),
                                 corrections=(Correction("travel", "stay on the spot", 1.5),))
    doc = judged.to_json()
    assert list(doc)[-2:] == ["criteria", "view"] and doc["score"] == 80.0
    assert doc["corrections"] == [{"criterion": "travel", "message": "stay on the spot",
                                   "at_s": 1.5}]
    truth = Step(name="plie", start_s=0, end_s=1, faults=("knees_in",), style={"time": "sudden"})
    assert list(truth.to_json()) == ["step", "start_s", "end_s", "side", "turns", "metrics",
                                     "faults", "style", "score", "corrections"]
    assert truth.to_json()["faults"] == ["knees_in"]


@pytest.mark.parametrize("fields, message", [
    ({"name": "pirouete"}, "step name of the vocabulary"),
    ({"metrics": {"leg_heigth": 90.0}}, "metric name"),
    ({"side": "up"}, "side left, right or None"),
    ({"start_s": 2.0, "end_s": 1.0}, "start_s <= end_s"),
])
def test_a_step_the_vocabulary_does_not_hold_is_refused(fields, message):
    with pytest.raises(ValueError, match=message):
        Step(**{"name": "arabesque", "start_s": 0.0, "end_s": 1.0, **fields})


def test_json_safe():
    import numpy as np

    assert json_safe({"a": np.float64(0.123456), "b": [np.nan, np.int64(3)],
                      "c": np.array([1.0, np.inf]), "d": np.bool_(True)}, digits=2) == \
        {"a": 0.12, "b": [None, 3], "c": [1.0, None], "d": True}
