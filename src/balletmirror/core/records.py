"""The records that pass between the stages, and what makes them fit for JSON.

A :class:`Step` is one step on a timeline, built by one constructor whether the
analysis recognised it or the studio danced it (its ground truth), and written by one
:meth:`Step.to_json` in DESIGN.md's step schema.  The documents' schema names live
here too, so that a reader of the documents (evaluate) needs nothing above the core.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from .skeleton import SIDES
from .vocabulary import check_metric, check_step

RESULTS_SCHEMA = "balletmirror.results/1"
TRUTH_SCHEMA = "balletmirror.truth/1"
EVALUATION_SCHEMA = "balletmirror.evaluation/1"

#: Step times are kept to this many decimals of a second (0.1 ms).
TIME_DIGITS = 4


def json_safe(value: Any, digits: int | None = None) -> Any:
    """A copy fit for strict JSON: NaN and infinities become None, numpy scalars and
    arrays plain Python, floats rounded to ``digits`` when given."""
    if isinstance(value, dict):
        return {k: json_safe(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v, digits) for v in value]
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist(), digits)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            return None
        return float(value) if digits is None else round(float(value), digits)
    if isinstance(value, np.integer):
        return int(value)
    return value


@dataclasses.dataclass(frozen=True)
class Correction:
    """What a teacher says about one criterion of a step, and when (seconds)."""

    criterion: str
    message: str
    at_s: float

    def to_json(self) -> dict:
        return {"criterion": self.criterion, "message": self.message, "at_s": self.at_s}


@dataclasses.dataclass(frozen=True)
class Step:
    """One step on the timeline (DESIGN.md's step schema).

    Attributes
    ----------
    name : str
        A step of :data:`balletmirror.core.vocabulary.STEPS` (``"step"`` in JSON).
    start_s, end_s : float
        Seconds from the start of the recording, kept to 0.1 ms; ``start_s <= end_s``.
    side : {"left", "right"} or None
        The working leg (for a turn, the leg in retiré).
    turns : float or None
        Turns danced (pirouettes, fouettés, turning jumps), unsigned.
    metrics : dict
        Measures of the step, named in :data:`balletmirror.core.vocabulary.METRICS`.
    score : float or None
        0-100 from the manual's criteria (technique); None when not judged.
    corrections : tuple of Correction
    criteria : tuple of dict or None
        Every criterion of the manual for this step, judged or why not (the
        analysis's technique stage); None before it.
    view : str or None
        Where the camera saw it from (``front``, ``three-quarter``, ``side``,
        ``back``, ``3d``); None before the technique stage.
    faults, style : or None
        The studio's ground truth only: the faults it danced and its expressive style.

    Raises
    ------
    ValueError
        A name or metric the vocabulary does not hold, an unknown side, or times out
        of order: the code that built the step is wrong.
    """

    name: str
    start_s: float
    end_s: float
    side: str | None = None
    turns: float | None = None
    metrics: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    score: float | None = None
    corrections: tuple[Correction, ...] = ()
    criteria: tuple[dict, ...] | None = None
    view: str | None = None
    faults: tuple[str, ...] | None = None
    style: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        check_step(self.name)
        for key in self.metrics:
            check_metric(key)
        if self.side not in (None, *SIDES):
            raise ValueError(f"Expected side left, right or None, but got {self.side!r}")
        start, end = round(float(self.start_s), TIME_DIGITS), round(float(self.end_s),
                                                                    TIME_DIGITS)
        if not start <= end:
            raise ValueError(f"Expected start_s <= end_s, but got {start} > {end}")
        object.__setattr__(self, "start_s", start)
        object.__setattr__(self, "end_s", end)
        object.__setattr__(self, "metrics", dict(self.metrics))

    def to_json(self) -> dict:
        """The step as results.json and truth.json write it (``criteria`` and ``view``
        when judged, ``faults`` and ``style`` for the studio's truth)."""
        out: dict[str, Any] = {"step": self.name, "start_s": self.start_s,
                               "end_s": self.end_s, "side": self.side, "turns": self.turns,
                               "metrics": dict(self.metrics)}
        if self.faults is not None:
            out["faults"] = list(self.faults)
        if self.style is not None:
            out["style"] = dict(self.style)
        out["score"] = self.score
        out["corrections"] = [c.to_json() for c in self.corrections]
        if self.criteria is not None:
            out["criteria"] = [dict(c) for c in self.criteria]
        if self.view is not None:
            out["view"] = self.view
        return out
