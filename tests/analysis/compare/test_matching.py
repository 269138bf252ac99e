"""Matching the reference's steps with hers: a step the path swallowed is given back."""

import numpy as np

from balletmirror.analysis.compare.matching import rescue
from balletmirror.core.records import Step


def test_a_step_the_path_swallowed_is_given_back():
    def step(name, a, b):
        return Step(name=name, start_s=a, end_s=b, side="right")

    hers = [step("tendu", 0, 2), step("passe", 3, 5), step("jump", 6, 7)]
    ref = [step("tendu", 0, 2), step("degage", 3, 5), step("jump", 6, 7)]
    # the path stands still at her 5.5 s while the reference dances 3-5 s: a gap
    tb = np.arange(0.0, 7.01, 0.1)
    ta = np.where(tb < 3.0, tb, np.where(tb <= 5.0, 5.5, tb))
    gap = [{"kind": "missing", "her_s": [5.5, 5.5], "reference_s": [3.0, 5.0]}]
    assert rescue([(0, 0), (None, 1), (2, 2)], hers, ref, gap, ta, tb) == \
        [(0, 0), (1, 1), (2, 2)]
    # a turn is not given back so: it is missing when no turn of hers lies there
    ref[1] = step("pirouette", 3, 5)
    assert rescue([(0, 0), (None, 1), (2, 2)], hers, ref, gap, ta, tb)[1] == (None, 1)
