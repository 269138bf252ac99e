"""Technique: the ballet manual's criteria measured on each recognised step.

The manual is data (``manual.toml`` beside this module, loaded by
:func:`load_manual`): for each criterion, the quantity measured, its ideal range
and tolerance, the correction a teacher says, and the camera views that can judge
it.  This module only measures the quantities (:data:`MEASURES`) and applies the
manual.

Score of one criterion (0-100), from the distance ``d`` of the measured value
outside the ideal range ``[low, high]``::

    score = 100 * max(0, 1 - d / (2 * tolerance))

so 100 inside the range, 50 at one tolerance outside, 0 at two.  A correction is
given when the score is below :data:`CORRECTION_BELOW`; an injury-risk flag when a
criterion marked ``injury`` scores below 50.  A step's score is the mean of its
assessable criteria; the performance's, the mean of its steps' scores.

Views: a video's view of each step is read from where the dancer faces relative
to the camera (the pose model's 3D points are camera-aligned: facing yaw 0 is
facing the lens); motion capture is ``3d`` and sees everything.  A criterion whose
``views`` do not include the step's view is reported as not assessable, with the
reason, and never scored.

Baselines: straightness, trunk lean, pelvis tilt and the foot's turn-in are measured
against the dancer's own standing posture in the same recording (the median over the
frames where she stands still on flat feet), which removes the pose model's constant
biases (a knee it always sees a few degrees bent, a camera that is not level).
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from collections.abc import Callable
from functools import cache
from importlib import resources

import numpy as np

from ..core.errors import ConfigError
from ..core.records import Correction, Step, json_safe
from ..core.skeleton import OTHER, SIDES
from ..core.vocabulary import STEPS, in_family
from ..features.signals import Signals
from ..features.signals import hidden_leg as hidden_leg_of
from .fatigue import fatigue

CORRECTION_BELOW = 75.0
VIEWS = ("front", "three-quarter", "side", "back", "3d")


@dataclasses.dataclass(frozen=True)
class Criterion:
    """One criterion of the manual (see manual.toml's header)."""

    name: str
    steps: tuple[str, ...]
    quantity: str
    units: str
    ideal: tuple[float, float]
    tolerance: float
    views: tuple[str, ...]
    correction: dict[str, str]
    source: str
    basis: str
    when: str | None = None
    injury: bool = False
    sources: tuple[str, ...] = ("mocap", "video")
    video_reason: str | None = None


def _criterion(raw: dict, i: int) -> Criterion:
    where = f"manual criterion #{i + 1} ({raw.get('name', '?')})"
    try:
        c = Criterion(name=raw["name"], steps=tuple(raw["steps"]), quantity=raw["quantity"],
                      units=raw["units"], ideal=(float(raw["ideal"][0]), float(raw["ideal"][1])),
                      tolerance=float(raw["tolerance"]), views=tuple(raw["views"]),
                      correction=dict(raw["correction"]), source=raw["source"],
                      basis=raw["basis"], when=raw.get("when"), injury=bool(raw.get("injury")),
                      sources=tuple(raw.get("sources", ("mocap", "video"))),
                      video_reason=raw.get("video_reason"))
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ConfigError(f"{where}: expected every field of the manual's header, "
                          f"but got a problem with {exc}") from None
    if c.quantity not in MEASURES:
        raise ConfigError(f"{where}: expected a quantity in {sorted(MEASURES)}, "
                          f"but got {c.quantity!r}")
    if unknown := set(c.steps) - set(STEPS):
        raise ConfigError(f"{where}: expected steps of the vocabulary, but got "
                          f"{sorted(unknown)}")
    if not (c.ideal[0] <= c.ideal[1] and c.tolerance > 0):
        raise ConfigError(f"{where}: expected ideal low <= high and tolerance > 0, "
                          f"but got {c.ideal} and {c.tolerance}")
    if unknown := set(c.views) - set(VIEWS):
        raise ConfigError(f"{where}: expected views among {VIEWS}, but got {sorted(unknown)}")
    if not c.sources or set(c.sources) - {"mocap", "video"}:
        raise ConfigError(f"{where}: expected sources among ['mocap', 'video'], "
                          f"but got {list(c.sources)}")
    return c


@cache
def load_manual(text: str | None = None) -> tuple[dict, tuple[Criterion, ...]]:
    """The manual's header (title, version) and its criteria, validated: every field of
    the header, a quantity :data:`MEASURES` can measure, the steps of the vocabulary
    (a criterion for a step the recogniser cannot name would never be judged).

    ``text`` replaces the packaged manual.toml (tests, a school's own manual).
    """
    if text is None:
        text = resources.files(__package__).joinpath("manual.toml").read_text("utf-8")
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"manual: expected TOML, but got {exc}") from None
    criteria = tuple(_criterion(raw, i) for i, raw in enumerate(doc.get("criterion", [])))
    return {"title": doc.get("title"), "version": doc.get("version")}, criteria


def criterion_score(value: float, ideal: tuple[float, float], tolerance: float) -> float:
    """The module docstring's score mapping."""
    d = max(ideal[0] - value, value - ideal[1], 0.0)
    return round(100.0 * max(0.0, 1.0 - d / (2.0 * tolerance)), 1)


# ------------------------------------------------------------------ baselines
@dataclasses.dataclass(frozen=True)
class Baseline:
    """Her standing posture in this recording (medians over still, flat frames)."""

    knee: dict[str, float]
    trunk: float
    obliquity: float
    point: dict[str, float]


def _median(x: np.ndarray, mask: np.ndarray, q: float = 0.5) -> float:
    """The ``q`` quantile of ``x`` over ``mask`` (over all known frames if none)."""
    values = x[mask & np.isfinite(x)]
    if not values.size:
        values = x[np.isfinite(x)]
    return float(np.quantile(values, q)) if values.size else math.nan


def standing_baseline(sig: Signals, steps: list[Step] | None = None) -> Baseline:
    """Frames where both feet are flat on the floor, outside
    every step when there are at least half a second of those (a fault held through
    a step must not become her standing posture)."""
    flat = np.ones(len(sig.times), dtype=bool)
    for s in SIDES:
        flat &= np.nan_to_num(sig.lift[s], nan=1.0) < 0.02
    flat &= np.nan_to_num(sig.drop, nan=-1.0) > -0.02  # not up on relevé
    between = flat.copy()
    for step in steps or []:
        between[sig.window(step.start_s, step.end_s)] = False
    if between.sum() >= 0.5 * sig.fps:
        flat = between
    # her straight knee: the 80th percentile, as a bent knee can stand flat too
    return Baseline(knee={s: _median(sig.knee[s], flat, 0.8) for s in SIDES},
                    trunk=_median(sig.trunk, flat), obliquity=_median(sig.obliquity, flat),
                    point={s: _median(sig.point[s], flat) for s in SIDES})


# ------------------------------------------------------------------ measures
@dataclasses.dataclass(frozen=True)
class Context:
    """What a measure reads: the signals, one step and its frames, the baseline."""

    sig: Signals
    step: Step
    frames: slice
    base: Baseline

    def series(self, x: np.ndarray) -> np.ndarray:
        return x[self.frames]

    def at(self, i: int) -> float:
        """Seconds at index ``i`` of the step's frames."""
        return float(self.sig.times[self.frames.start + i])

    @property
    def support(self) -> tuple[str, ...]:
        side = self.step.side
        return (OTHER[side],) if side in OTHER else SIDES


#: (value, at_s); None when the joints it needs were not seen; a string says why else
Measured = tuple[float, float] | str | None


def _extreme(ctx: Context, x: np.ndarray, *, largest: bool) -> Measured:
    x = ctx.series(x)
    if not np.isfinite(x).any():
        return None
    i = int(np.nanargmax(x) if largest else np.nanargmin(x))
    return float(x[i]), ctx.at(i)


def _held(ctx: Context) -> np.ndarray:
    """The central 80% of the step (the transitions in and out left aside); in a turn,
    the frames up on relevé (the preparation and the landing's pliés left aside)."""
    n = ctx.frames.stop - ctx.frames.start
    if in_family(ctx.step.name, "turn"):
        rise = -np.nan_to_num(ctx.series(ctx.sig.drop), nan=-1.0)
        if rise.max() > 0:
            return rise >= 0.5 * rise.max()
    mask = np.zeros(n, dtype=bool)
    mask[int(0.1 * n):max(int(0.9 * n), int(0.1 * n) + 1)] = True
    return mask


def _top(ctx: Context) -> np.ndarray:
    """The frames where the working foot is highest or furthest out (80%)."""
    side = ctx.step.side
    if side not in OTHER:
        return _held(ctx)
    x = np.nan_to_num(ctx.series(ctx.sig.lift[side]) + ctx.series(ctx.sig.reach[side]))
    return x >= 0.8 * x.max() if x.max() > 0 else _held(ctx)


def _deep(ctx: Context) -> np.ndarray:
    drop = np.nan_to_num(ctx.series(ctx.sig.drop))
    return drop >= 0.7 * drop.max() if drop.max() > 0 else _held(ctx)


def _masked(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return np.where(mask, x, np.nan)


def m_min_knee_angle(ctx: Context) -> Measured:
    return _extreme(ctx, np.fmin(ctx.sig.knee["left"], ctx.sig.knee["right"]), largest=False)


def m_heel_rise(ctx: Context) -> Measured:
    rise = [ctx.sig.point[s] - ctx.base.point[s] for s in SIDES]
    return _extreme(ctx, np.fmax(*rise), largest=True)


def m_knee_inside_toes(ctx: Context) -> Measured:
    deep = _deep(ctx)
    inward = [_masked(ctx.series(ctx.sig.foot_turnout[s] - ctx.sig.knee_turnout[s]), deep)
              for s in SIDES]
    worst = np.fmax(*inward)
    if not np.isfinite(worst).any():
        return None
    value = float(np.nanmedian(worst))
    return value, ctx.at(int(np.nanargmax(worst)))


def m_trunk_lean(ctx: Context) -> Measured:
    return _extreme(ctx, ctx.sig.trunk - ctx.base.trunk, largest=True)


def m_releve_rise(ctx: Context) -> Measured:
    x = _masked(ctx.series(-ctx.sig.drop), _held(ctx))
    if not np.isfinite(x).any():
        return None
    return float(np.nanquantile(x, 0.75)), ctx.at(int(np.nanargmax(x)))


def m_landing_sink(ctx: Context) -> Measured:
    landing = ctx.step.metrics.get("landing_s")
    if landing is None:
        return None
    w = ctx.sig.window(landing, landing + 0.3)
    drop = ctx.sig.drop[w]
    if not np.isfinite(drop).any() or not np.isfinite(drop[0]):
        return None
    return float(np.nanmax(drop) - drop[0]), float(landing)


def _bend(ctx: Context, sides: tuple[str, ...], mask: np.ndarray) -> Measured:
    bends = [_masked(ctx.series(ctx.base.knee[s] - ctx.sig.knee[s]), mask) for s in sides]
    worst = np.fmax(*bends) if len(bends) == 2 else bends[0]
    if not np.isfinite(worst).any():
        return None
    return float(np.nanquantile(worst, 0.75)), ctx.at(int(np.nanargmax(worst)))


def m_supporting_knee_bend(ctx: Context) -> Measured:
    return _bend(ctx, ctx.support, _held(ctx))


def hidden_leg(ctx: Context) -> str | None:
    """Why the raised leg (the step's working leg when it has a side) cannot be judged:
    the pose model's confidence in its ankle under
    :data:`~balletmirror.features.signals.HIDDEN_CONFIDENCE` near its height
    (the leg was hidden and its keypoints are a guess), else None.  Every criterion read
    on that leg abstains alike."""
    seen = hidden_leg_of(ctx.sig, ctx.step.start_s, ctx.step.end_s, ctx.step.side)
    if seen is None:
        return None
    return (f"not assessable: her {seen[0]} leg was hidden from the camera near its "
            f"height (the pose model's confidence in its ankle: {seen[1]:.2f}), so its "
            f"position is a guess; film from her {seen[0]} side or three-quarter")


def m_working_knee_bend(ctx: Context) -> Measured:
    side = ctx.step.side
    if side not in OTHER:
        return None
    return hidden_leg(ctx) or _bend(ctx, (side,), _top(ctx))


def m_foot_turn_in(ctx: Context) -> Measured:
    side = ctx.step.side
    working = ctx.step.name in ("tendu", "degage") and side in OTHER
    reason = hidden_leg(ctx) if working else None
    if reason:
        return reason
    feet = (side,) if working else ctx.support
    mask = _top(ctx) if working else _held(ctx)
    turn_in = [_masked(ctx.series(ctx.sig.sickle[s]), mask) for s in feet]
    worst = np.fmax(*turn_in) if len(turn_in) == 2 else turn_in[0]
    if not np.isfinite(worst).any():
        return None
    return float(np.nanquantile(worst, 0.8)), ctx.at(int(np.nanargmax(worst)))


def m_pelvis_tilt(ctx: Context) -> Measured:
    x = _masked(np.abs(ctx.series(ctx.sig.obliquity) - ctx.base.obliquity), _top(ctx))
    if not np.isfinite(x).any():
        return None
    return float(np.nanmedian(x)), ctx.at(int(np.nanargmax(x)))


def _metric(ctx: Context, key: str) -> Measured:
    value = ctx.step.metrics.get(key)
    if value is None or not np.isfinite(value):
        return None
    return float(value), float(ctx.step.start_s + ctx.step.end_s) / 2.0


def m_leg_height(ctx: Context) -> Measured:
    return hidden_leg(ctx) or _metric(ctx, "leg_height")


def m_passe_height(ctx: Context) -> Measured:
    return _metric(ctx, "passe_height")


def m_turn_travel(ctx: Context) -> Measured:
    xy = ctx.series(ctx.sig.pelvis_xy)
    known = np.all(np.isfinite(xy), axis=1)
    if known.sum() < 2:
        return None
    d = np.linalg.norm(xy[known] - xy[known][0], axis=1)
    return float(d.max()), ctx.at(int(np.flatnonzero(known)[int(np.argmax(d))]))


def m_turn_duration_cv(ctx: Context) -> Measured:
    durations = ctx.step.metrics.get("turn_durations_s") or []
    if len(durations) < 2:
        return "not measurable: it needs three turns or more"
    d = np.asarray(durations)
    # robust coefficient of variation: 1.4826 MAD / median (one missed beat of the pose
    # model does not make an even sequence look uneven)
    mad = 1.4826 * np.median(np.abs(d - np.median(d)))
    return float(mad / np.median(d)), float(ctx.step.end_s)


def m_head_lead(ctx: Context) -> Measured:
    lead = ctx.series(ctx.sig.head_yaw - ctx.sig.yaw)
    lead = np.abs((lead + 180.0) % 360.0 - 180.0)
    if not np.isfinite(lead).any():
        return None
    i = int(np.nanargmax(lead))
    return float(np.nanquantile(lead, 0.95)), ctx.at(i)


MEASURES: dict[str, Callable[[Context], Measured]] = {
    "min_knee_angle": m_min_knee_angle, "heel_rise": m_heel_rise,
    "knee_inside_toes": m_knee_inside_toes, "trunk_lean": m_trunk_lean,
    "supporting_knee_bend": m_supporting_knee_bend,
    "working_knee_bend": m_working_knee_bend, "foot_turn_in": m_foot_turn_in,
    "pelvis_tilt": m_pelvis_tilt, "leg_height": m_leg_height, "passe_height": m_passe_height,
    "turn_travel": m_turn_travel, "turn_duration_cv": m_turn_duration_cv,
    "head_lead": m_head_lead, "releve_rise": m_releve_rise,
    "landing_sink": m_landing_sink,
}


# ------------------------------------------------------------------ views
def view_of_yaw(yaw_deg: float) -> str:
    """The camera view of a dancer whose facing is ``yaw_deg`` from the lens."""
    a = abs((yaw_deg + 180.0) % 360.0 - 180.0)
    if a < 22.5:
        return "front"
    if a < 67.5 or 112.5 <= a < 157.5:
        return "three-quarter"
    return "side" if a < 112.5 else "back"


def step_view(sig: Signals, step: Step, camera_aligned: bool) -> str:
    """``3d`` for motion capture, else the view of the step's median facing."""
    if not camera_aligned:
        return "3d"
    yaw = sig.yaw[sig.window(step.start_s, step.end_s)]
    yaw = yaw[np.isfinite(yaw)]
    if not yaw.size:
        return "front"
    mean = math.degrees(math.atan2(np.mean(np.sin(np.radians(yaw))),
                                   np.mean(np.cos(np.radians(yaw)))))
    return view_of_yaw(mean)


# ------------------------------------------------------------------ applying the manual
def applies(c: Criterion, step: Step) -> bool:
    if step.name not in c.steps:
        return False
    return c.when is None or step.metrics.get("depth") == c.when


def judge(c: Criterion, ctx: Context, view: str) -> dict:
    """One criterion on one step: its value, score, and the correction if any."""
    row = {"criterion": c.name, "quantity": c.quantity, "units": c.units,
           "ideal": list(c.ideal), "view": view}
    if view != "3d" and "video" not in c.sources:
        return {**row, "assessable": False,
                "reason": f"not assessable from video: {c.video_reason or 'mocap only'}"}
    if view not in c.views:
        return {**row, "assessable": False,
                "reason": f"not assessable from the {view} view: the manual judges "
                          f"{c.name.replace('_', ' ')} from {', '.join(c.views)}"}
    measured = MEASURES[c.quantity](ctx)
    if isinstance(measured, str):
        return {**row, "assessable": False, "reason": measured}
    if measured is None:
        return {**row, "assessable": False,
                "reason": "not measurable here: the joints it needs were not seen"
                          + ("" if ctx.sig.basis == "3d" else " (it needs 3D points)")}
    value, at_s = measured
    score = criterion_score(value, c.ideal, c.tolerance)
    row.update(assessable=True, value=round(value, 4), score=score, at_s=round(at_s, 3))
    if score < CORRECTION_BELOW:
        message = c.correction.get("low" if value < c.ideal[0] else "high")
        if message:  # a deviation the manual has no word for is not a fault
            row["correction"] = message
    row["injury_risk"] = bool(c.injury and score < 50.0)
    return row


def assess_step(step: Step, sig: Signals, base: Baseline, view: str,
                criteria: tuple[Criterion, ...]) -> Step:
    """The step judged: its ``score``, ``corrections``, ``criteria`` rows and ``view``."""
    ctx = Context(sig=sig, step=step, frames=sig.window(step.start_s, step.end_s), base=base)
    rows = [judge(c, ctx, view) for c in criteria if applies(c, step)]
    scores = [r["score"] for r in rows if r.get("assessable")]
    corrections = tuple(Correction(criterion=r["criterion"], message=r["correction"],
                                   at_s=r["at_s"]) for r in rows if "correction" in r)
    return dataclasses.replace(step, score=round(float(np.mean(scores)), 1) if scores else None,
                               corrections=corrections, criteria=tuple(rows), view=view)


def assess_performance(steps: list[Step], sig: Signals, *, camera_aligned: bool,
                       manual: str | None = None) -> tuple[list[Step], dict]:
    """Every step judged by the manual, and the ``technique`` block of results.json.

    Parameters
    ----------
    steps : list of Step
        The timeline (:func:`balletmirror.analysis.steps.detect_steps`).
    sig : Signals
        The body signals the steps were found in.
    camera_aligned : bool
        True for video (the 3D points are camera-aligned, so views can be told).
    manual : str, optional
        Another manual's TOML text instead of the packaged one.

    Returns
    -------
    steps : list of Step
        The same steps with their score (0-100), corrections, criteria and view.
    technique : dict
        The overall and per-step scores, the score mapping, injury-risk flags, fatigue,
        what was not assessable and why, and the standing baseline.
    """
    header, criteria = load_manual(manual)
    base = standing_baseline(sig, steps)
    judged = [assess_step(s, sig, base, step_view(sig, s, camera_aligned), criteria)
              for s in steps]
    scored = [s.score for s in judged if s.score is not None]
    by_name: dict[str, list[float]] = {}
    for s in judged:
        if s.score is not None:
            by_name.setdefault(s.name, []).append(s.score)
    flags = [{"step": s.name, "start_s": s.start_s, "criterion": r["criterion"],
              "value": r["value"], "units": r["units"], "at_s": r["at_s"],
              "message": r.get("correction")}
             for s in judged for r in s.criteria if r.get("injury_risk")]
    unjudged = [{"step": s.name, "start_s": s.start_s, "criterion": r["criterion"],
                 "reason": r["reason"]}
                for s in judged for r in s.criteria if not r["assessable"]]
    block = {"manual": header, "score": round(float(np.mean(scored)), 1) if scored else None,
             "score_mapping": "criterion: 100 inside the ideal range, 50 at one tolerance "
                              "outside, 0 at two; step: mean of its criteria; overall: "
                              "mean of the steps",
             "per_step": {k: round(float(np.mean(v)), 1) for k, v in sorted(by_name.items())},
             "corrections": sum(len(s.corrections) for s in judged),
             "injury_flags": flags, "not_assessable": unjudged, "fatigue": fatigue(judged),
             "baseline": json_safe(dataclasses.asdict(base), digits=3)}
    return judged, block
