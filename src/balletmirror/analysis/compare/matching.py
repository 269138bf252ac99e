"""Matching the reference's steps with hers along the alignment's path.

Each reference step is carried into her time along the path and matched with her
step of the same name (sides mirrored) that overlaps it most, else one of its family
(:func:`balletmirror.core.vocabulary.family_of`: an arabesque danced low is read as a
dégagé); a turn or a jump with no step of hers of its family where the path puts it
was not danced (:func:`skipped`), and a gesture a gap swallowed gets back her
unmatched step of its family between the matched neighbours (:func:`rescue`).
"""

from __future__ import annotations

import numpy as np

from ...core.records import Step
from ...core.skeleton import OTHER
from ...core.vocabulary import family_of, in_family
from .alignment import to_her_time

RESCUE_S = 2.0  # s: how far from a gap a step of hers may be to be the one it swallowed


def overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    """Seconds the spans ``[a0, a1]`` and ``[b0, b1]`` share."""
    return max(0.0, min(a1, b1) - max(a0, b0))


def distinct(step: Step) -> bool:
    """A turn or a jump: a step that cannot pass unseen (with no step of hers of its
    kind where the path puts it, it was not danced, gap or not: the path may lay a
    pirouette over her passé, the same retiré without the turn)."""
    return in_family(step.name, "turn") or in_family(step.name, "jump")


def _candidates(hers: list[Step], s: Step, span: tuple[float, float], used: set[int],
                side: str | None) -> list[tuple[bool, bool, float, int]]:
    """(same side, same name, overlap, index) of her unused steps of the reference
    step's family that overlap its span carried into her time.  A step on the other
    leg still matches (she may have danced it on the wrong leg, or the pose model
    swapped her legs' labels); the difference is then said."""
    out = []
    for i, h in enumerate(hers):
        if i in used or h.name not in family_of(s.name):
            continue
        o = overlap(*span, h.start_s, h.end_s)
        if o > 0:
            out.append((not side or h.side in (side, None), h.name == s.name, o, i))
    return out


def match_steps(hers: list[Step], ref: list[Step], ta: np.ndarray, tb: np.ndarray, *,
                mirror: bool) -> list[tuple[int | None, int]]:
    """(her step index or None, reference step index) for every reference step: her
    step of the same name overlapping it most (on the same leg first), else one of
    its family (an arabesque danced low may be read as a dégagé) overlapping half of
    it."""
    used: set[int] = set()
    out = []
    for j, s in enumerate(ref):
        span = (to_her_time(s.start_s, ta, tb), to_her_time(s.end_s, ta, tb))
        side = s.side
        if mirror and side:
            side = OTHER[side]
        found = _candidates(hers, s, span, used, side)
        same = [c for c in found if c[1]]
        close = [c for c in found if c[2] >= 0.5 * (span[1] - span[0])]
        best = max(same or close, default=None)
        if best is not None:
            used.add(best[3])
        out.append((None if best is None else best[3], j))
    return out


def skipped(s: Step, gap_list: list[dict], her_steps: list[Step] | None = None,
            span: tuple[float, float] | None = None) -> bool:
    """Whether a reference step was not danced: at least half of it inside a stretch
    she did not dance, or, for a turn or a jump, no step of hers of its family over
    the stretch the path aligns with it."""
    inside = sum(overlap(s.start_s, s.end_s, *g["reference_s"]) for g in gap_list
                 if g["kind"] == "missing")
    if inside >= 0.5 * (s.end_s - s.start_s):
        return True
    if not distinct(s) or her_steps is None or span is None:
        return False
    return not any(h.name in family_of(s.name) and overlap(*span, h.start_s, h.end_s) > 0
                   for h in her_steps)


def rescue(pairs: list[tuple[int | None, int]], hers: list[Step], ref: list[Step],
           gap_list: list[dict], ta: np.ndarray, tb: np.ndarray
           ) -> list[tuple[int | None, int]]:
    """Give a reference step that a gap swallowed (not a turn or a jump: those go by
    :func:`skipped`'s own rule) her unmatched step of its family that lies, in the
    order of the steps, between the neighbours matched before and after it and within
    ``RESCUE_S`` of where the path puts it: the path laid a neighbouring step over hers
    (a passé over a pirouette's retiré) and left hers aside, she did not skip it."""
    out = list(pairs)
    used = {i for i, _ in pairs if i is not None}
    for k, (i, j) in enumerate(pairs):
        s = ref[j]
        if i is not None or distinct(s) or not skipped(s, gap_list):
            continue
        before = max((a for a, _ in out[:k] if a is not None), default=-1)
        after = min((a for a, _ in out[k + 1:] if a is not None), default=len(hers))
        at = to_her_time(s.start_s, ta, tb)
        near = [(abs(hers[c].start_s - at), c) for c in range(before + 1, after)
                if c not in used and hers[c].name in family_of(s.name)
                and overlap(at - RESCUE_S, at + RESCUE_S, hers[c].start_s,
                            hers[c].end_s) > 0]
        if near:
            c = min(near)[1]
            out[k] = (c, j)
            used.add(c)
    return out
