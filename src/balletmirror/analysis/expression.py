"""Expressive qualities of the movement: how it reads, not whether it is correct.

Each descriptor is a published formula computed on the body's segments (de Leva's
centres of mass and mass shares, :func:`balletmirror.features.kinematics.segment_centres`),
with positions in body heights ``H`` (so a tall and a small dancer compare) and
derivatives taken against the clock (Savitzky-Golay over a quarter of a second,
so 25 and 50 frames/s compare).  In a picture the keypoints are first
depth-corrected (:func:`balletmirror.features.signals.depth_corrected`).

Laban effort factors (Larboulette & Gibet 2015, "A review of computable expressive
descriptors of human motion", MOCO'15, section 4.1, after Hachimura et al. 2005 and
Samadani et al. 2013), over a phrase ``T`` with segment mass shares ``a_k``:

* Weight (light -> strong): ``max_t sum_k a_k |v_k(t)|^2`` (kinetic energy per unit
  mass, H^2/s^2); the ``WEIGHT_QUANTILE`` (90th percentile) stands in for the
  maximum: a pose model's jitter fills the top few percent of frames (from video the
  95th percentile ordered the studio's strong and light styles in 4 of 6 pairs, the
  90th in 6 of 6; motion capture is ordered either way).
* Time (sustained -> sudden): ``sum_k a_k mean_t |acc_k(t)|`` (H/s^2).
* Space (direct -> indirect): the path travelled over the net displacement
  (1 = straight), averaged over ``SPACE_WINDOW_S`` windows, of the parts that
  carry the attention, the head (nose), the hands and the feet, equally weighted
  (the mass-weighted centres would be the trunk's, which a wandering focus hardly
  moves).
* Flow (bound -> free): ``sum_k a_k mean_t |jerk_k(t)|`` (H/s^3): a free movement
  overshoots and settles, a bound one arrives under control.

Other descriptors:

* quantity of motion (the kinematic form of Camurri, Lagerlof & Volpe 2003): the
  mass-weighted mean speed, H/s;
* expansiveness: the mean distance of head, hands and feet from the pelvis, H (her
  kinesphere); contraction index (Camurri et al. 2003): the area of the keypoints'
  convex hull over that of their bounding box in the picture plane (low = limbs
  spread out from a compact body, high = gathered in);
* smoothness of the whole-body speed: SPARC, the spectral arc length
  (Balasubramanian et al. 2015, J NeuroEng Rehabil 12:112; fc 10 Hz, threshold
  0.05), and LDLJ, the log dimensionless jerk (Hogan & Sternad 2009, J Mot Behav 41:
  ``-ln((t2 - t1)^3 / v_peak^2 * integral |d^2 v/dt^2|^2 dt)``); both closer to 0 =
  smoother;
* symmetry: Robinson et al.'s (1987) symmetry index ``|L - R| / (0.5 (L + R))`` on
  the path travelled by each arm and each leg, percent (0 = symmetric);
* balance: the centre of mass over her base of support (the feet on the floor):
  the share of supported frames with the centre of mass's ground projection over
  it, and its median distance outside, H;
* carriage of the head: the head's tilt from the trunk's axis, degrees, and whether
  the chin is lifted (nose above the ears), H.

Plain-words readings compare each effort with ``REFERENCE``, the values of the
studio's neutral dancer seen the same way (motion capture, or MediaPipe video whose
jitter adds Time and Flow; measured by ``benchmarks/expression_accuracy.py``), on a
log2 scale: one doubling is the full quality, within ``MARGIN`` it is neither.  The
reference depends on what is danced (a grand battement has more Weight than a
plié): a reading says how this performance compares with a neutral class.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.spatial import ConvexHull, QhullError

from ..core.geometry import body_height
from ..core.motion import Motion
from ..core.records import Step
from ..core.series import derivative, fill_nan, unseen_as_nan
from ..core.skeleton import SIDES, J
from ..features.kinematics import segment_centres
from ..features.signals import Signals, depth_corrected, vertical

WEIGHT_QUANTILE = 0.9
SPACE_WINDOW_S = 1.0
SPACE_MIN_PATH = 0.05  # H: a window where the body hardly moves has no direction
EXTREMITIES = ("nose", "left_wrist", "right_wrist", "left_ankle", "right_ankle")
EFFORTS = ("weight", "time", "space", "flow")
#: (low word, high word) of each effort axis
POLES = {"weight": ("light", "strong"), "time": ("sustained", "sudden"),
         "space": ("direct", "indirect"), "flow": ("bound", "free")}
#: The neutral studio dancer's efforts (medians printed by
#: benchmarks/expression_accuracy.py), by the space of the Motion, "world" (motion
#: capture) or "image" (MediaPipe video, whose jitter raises Time and Flow), over a
#: whole performance and over one step (a step leaves out the preparations and
#: closings between steps, where much of the quick motion is).
REFERENCE = {"world": {"whole": {"weight": 0.043, "time": 0.31, "space": 1.36, "flow": 4.4},
                       "step": {"weight": 0.062, "time": 0.24, "space": 1.16, "flow": 2.7}},
             "image": {"whole": {"weight": 0.032, "time": 0.39, "space": 2.09, "flow": 10.7},
                       "step": {"weight": 0.038, "time": 0.38, "space": 2.0, "flow": 9.1}}}
MARGIN = 0.35  # log2 units: within 27% of the reference an effort is called neither
#: Laban's eight basic effort actions: (weight, time, space) -> name.
ACTIONS = {("light", "sustained", "indirect"): "float", ("light", "sustained", "direct"): "glide",
           ("strong", "sudden", "direct"): "punch", ("strong", "sudden", "indirect"): "slash",
           ("light", "sudden", "direct"): "dab", ("light", "sudden", "indirect"): "flick",
           ("strong", "sustained", "direct"): "press",
           ("strong", "sustained", "indirect"): "wring"}


@dataclasses.dataclass(frozen=True)
class Body:
    """The segments' trajectories an expressive analysis reads.

    Attributes
    ----------
    times : array (frames,)
    centres : array (frames, segments, d)
        Segment centres of mass, body heights, NaN gaps filled by interpolation.
    masses : array (segments,)
        Mass shares, summing to 1.
    names : list[str]
    points : array (frames, joints, d)
        All keypoints in body heights (gaps filled).
    """

    times: np.ndarray
    centres: np.ndarray
    masses: np.ndarray
    names: list[str]
    points: np.ndarray

    @property
    def fps(self) -> float:
        return float((len(self.times) - 1) / max(self.times[-1] - self.times[0], 1e-9))

    def derivative(self, order: int) -> np.ndarray:
        """d^order centres / dt^order, H/s^order (Savitzky-Golay, cubic), computed
        once per order."""
        cache = self.__dict__.setdefault("_derivatives", {})
        if order not in cache:
            cache[order] = derivative(self.centres, self.fps, order)
        return cache[order]


def _filled(x: np.ndarray) -> np.ndarray:
    """``x`` with its gaps interpolated (:func:`~balletmirror.core.series.fill_nan`) and a
    point never seen held at 0: it adds no motion (its derivatives are 0) and no
    hull, where NaN would make every descriptor of the body NaN."""
    return np.nan_to_num(fill_nan(x), nan=0.0)


def body_of(motion: Motion, *, sex: str = "female") -> Body:
    """The :class:`Body` of a Motion: depth-corrected in a picture, in body heights."""
    points = depth_corrected(motion)
    height = body_height(points)
    if not np.isfinite(height) or height <= 0:
        height = 1.0
    points = _filled(points / height)
    names, centres, masses = segment_centres(points, sex=sex)
    return Body(times=motion.times, centres=_filled(centres), masses=masses / masses.sum(),
                names=names, points=points)


# ------------------------------------------------------------------ Laban efforts
def weighted_norm(x: np.ndarray, masses: np.ndarray, power: float = 1.0) -> np.ndarray:
    """``sum_k a_k |x_k|^power`` per frame for (frames, segments, d) ``x``."""
    return np.einsum("fs,s->f", np.linalg.norm(x, axis=-1) ** power, masses)


def weight_effort(velocity: np.ndarray, masses: np.ndarray) -> float:
    """Laban Weight: peak mass-weighted kinetic energy per unit mass, H^2/s^2."""
    energy = weighted_norm(velocity, masses, 2.0)
    return float(np.quantile(energy, WEIGHT_QUANTILE)) if energy.size else float("nan")


def time_effort(acceleration: np.ndarray, masses: np.ndarray) -> float:
    """Laban Time: mass-weighted mean acceleration magnitude, H/s^2."""
    return float(np.mean(weighted_norm(acceleration, masses))) if len(acceleration) else \
        float("nan")


def flow_effort(jerk: np.ndarray, masses: np.ndarray) -> float:
    """Laban Flow: mass-weighted mean jerk magnitude, H/s^3."""
    return float(np.mean(weighted_norm(jerk, masses))) if len(jerk) else float("nan")


def space_effort(centres: np.ndarray, masses: np.ndarray, fps: float, *,
                 window_s: float = SPACE_WINDOW_S, min_path: float = SPACE_MIN_PATH
                 ) -> float:
    """Laban Space: path over net displacement of each segment (1 = straight),
    mass-weighted, averaged over the ``window_s`` windows (half-overlapping) where
    the segment travels at least ``min_path``; NaN when nothing moves."""
    n = max(2, int(round(window_s * fps)) + 1)  # samples spanning window_s seconds
    step = max(1, n // 2)
    ratios, weights = [], []
    for a in range(0, max(1, len(centres) - n + 1), step):
        seg = centres[a:a + n]
        path = np.sum(np.linalg.norm(np.diff(seg, axis=0), axis=-1), axis=0)
        net = np.linalg.norm(seg[-1] - seg[0], axis=-1)
        moving = path >= min_path
        ratios.append(np.divide(path, np.maximum(net, 0.25 * path), where=moving,
                                out=np.zeros_like(path)))
        weights.append(np.where(moving, masses, 0.0))
    total = np.sum(weights)
    return float(np.sum(np.multiply(ratios, weights)) / total) if total > 0 else float("nan")


def efforts(body: Body, a: int = 0, b: int | None = None) -> dict[str, float]:
    """The four Laban effort values over frames ``[a, b)`` (units in the module
    docstring)."""
    b = len(body.times) if b is None else b
    v, acc, jerk = (body.derivative(k)[a:b] for k in (1, 2, 3))
    return {"weight": weight_effort(v, body.masses), "time": time_effort(acc, body.masses),
            "space": space_effort(body.points[a:b][:, [J[j] for j in EXTREMITIES]],
                                  np.full(len(EXTREMITIES), 1.0 / len(EXTREMITIES)), body.fps),
            "flow": flow_effort(jerk, body.masses)}


# ------------------------------------------------------------------ shape and motion
def quantity_of_motion(velocity: np.ndarray, masses: np.ndarray) -> float:
    """Mass-weighted mean speed, H/s."""
    return float(np.mean(weighted_norm(velocity, masses))) if len(velocity) else float("nan")


def expansiveness(points: np.ndarray) -> float:
    """Mean distance of head, hands and feet from the pelvis, H."""
    ends = points[:, [J[name] for name in EXTREMITIES]]
    return float(np.mean(np.linalg.norm(ends - points[:, [J["mid_hip"]]], axis=-1)))


def contraction_index(points: np.ndarray) -> float:
    """Mean over frames of the keypoints' convex hull area over their bounding box's,
    in the picture plane (first two coordinates; for 3D, x and the vertical y)."""
    values = []
    for frame in points[:, :, :2]:
        frame = frame[np.all(np.isfinite(frame), axis=1)]
        box = np.prod(np.ptp(frame, axis=0)) if len(frame) >= 3 else 0.0
        if box <= 0:
            continue
        try:
            values.append(ConvexHull(frame).volume / box)  # a 2D hull's volume is its area
        except QhullError:
            continue
    return float(np.mean(values)) if values else float("nan")


# ------------------------------------------------------------------ smoothness
def sparc(speed: np.ndarray, fps: float, *, cutoff_hz: float = 10.0,
          threshold: float = 0.05, padlevel: int = 4) -> float:
    """Spectral arc length of a speed profile (Balasubramanian et al. 2015).

    The magnitude spectrum (zero-padded to ``2^(ceil(log2 n) + padlevel)``),
    normalised by its value at 0 Hz, is cut at the last frequency below
    ``cutoff_hz`` where it still exceeds ``threshold``; SPARC is minus the arc
    length of that curve with frequency normalised by the cut: dimensionless, <= 0,
    closer to 0 = smoother, independent of the amplitude and the duration.
    """
    speed = np.asarray(speed, dtype=float)
    if speed.size < 4 or not np.any(speed > 0):
        return float("nan")
    nfft = int(2 ** (np.ceil(np.log2(speed.size)) + padlevel))
    freq = np.arange(nfft) * fps / nfft
    mag = np.abs(np.fft.fft(speed, nfft))
    mag = mag / mag[0]
    keep = freq <= cutoff_hz
    freq, mag = freq[keep], mag[keep]
    above = np.flatnonzero(mag >= threshold)
    end = above[-1] + 1 if above.size else 2
    freq, mag = freq[:end], mag[:end]
    if freq.size < 2:
        return 0.0
    dfreq = np.diff(freq) / (freq[-1] - freq[0])
    return float(-np.sum(np.sqrt(dfreq**2 + np.diff(mag) ** 2)))


def ldlj(speed: np.ndarray, fps: float) -> float:
    """Log dimensionless jerk of a speed profile (Hogan & Sternad 2009):
    ``-ln((t2 - t1)^3 / v_peak^2 * integral (d^2 v / dt^2)^2 dt)``; a
    minimum-jerk reach scores ``-ln(720 / 1.875^2) = -5.32``, lower = less smooth."""
    speed = np.asarray(speed, dtype=float)
    peak = float(np.max(speed)) if speed.size else 0.0
    if speed.size < 5 or peak <= 0:
        return float("nan")
    duration = (speed.size - 1) / fps
    dd = np.gradient(np.gradient(speed, 1.0 / fps), 1.0 / fps)
    integral = float(np.trapz(dd**2, dx=1.0 / fps))
    if integral <= 0:
        return float("nan")
    return float(-np.log(duration**3 / peak**2 * integral))


# ------------------------------------------------------------------ symmetry, balance, head
def symmetry_index(left: float, right: float) -> float:
    """Robinson et al. (1987): ``|L - R| / (0.5 (L + R))``, percent (0 symmetric)."""
    total = left + right
    return float(100.0 * abs(left - right) / (0.5 * total)) if total > 0 else float("nan")


def _path(points: np.ndarray, joint: str) -> float:
    return float(np.sum(np.linalg.norm(np.diff(points[:, J[joint]], axis=0), axis=-1)))


def symmetry(points: np.ndarray) -> dict[str, float]:
    """Symmetry index of the arms' (wrists') and legs' (ankles') paths, percent."""
    return {limb: round(symmetry_index(_path(points, f"left_{joint}"),
                                       _path(points, f"right_{joint}")), 2)
            for limb, joint in (("arms", "wrist"), ("legs", "ankle"))}


def _ground(points: np.ndarray, space: str) -> np.ndarray:
    """Horizontal coordinates: x (and z in world space)."""
    return points[..., [0, 2]] if space == "world" and points.shape[-1] == 3 else points[..., :1]


def _outside(point: np.ndarray, base: np.ndarray) -> float:
    """Distance of ``point`` outside the hull of ``base`` points (0 inside), in 1D as
    the gap to an interval, in 2D to the bounding box of the feet (a foot's outline
    is nearly a box)."""
    lo, hi = base.min(axis=0), base.max(axis=0)
    gap = np.maximum(lo - point, 0.0) + np.maximum(point - hi, 0.0)
    return float(np.linalg.norm(gap))


def balance(body: Body, sig: Signals, *, planted_lift: float = 0.03) -> dict:
    """The centre of mass over her base of support (module docstring)."""
    com = np.einsum("fsd,s->fd", body.centres, body.masses)
    com_g = _ground(com, sig.space)
    feet = {s: _ground(body.points[:, [J[f"{s}_heel"], J[f"{s}_toe"], J[f"{s}_ankle"]]],
                       sig.space) for s in SIDES}
    gaps = []
    for i in range(len(com_g)):
        down = [feet[s][i] for s in SIDES
                if np.isfinite(sig.lift[s][i]) and sig.lift[s][i] < planted_lift]
        if down:
            gaps.append(_outside(com_g[i], np.concatenate(down)))
    if not gaps:
        return {"over_base_share": None, "median_outside_h": None, "frames": 0}
    gaps = np.array(gaps)
    return {"over_base_share": round(float(np.mean(gaps <= 0.01)), 4),
            "median_outside_h": round(float(np.median(gaps[gaps > 0.01])), 4)
            if np.any(gaps > 0.01) else 0.0, "frames": int(gaps.size)}


def head_carriage(points: np.ndarray, space: str) -> dict:
    """The head's tilt from the trunk's axis (mid-hip -> neck against neck -> mid-ears),
    degrees, and the nose's height over the ears (chin lifted when positive), H."""
    up = vertical(points, space)
    ears = 0.5 * (points[:, J["left_ear"]] + points[:, J["right_ear"]])
    trunk = points[:, J["neck"]] - points[:, J["mid_hip"]]
    head = ears - points[:, J["neck"]]
    cos = np.sum(trunk * head, axis=-1) / (np.linalg.norm(trunk, axis=-1)
                                           * np.linalg.norm(head, axis=-1) + 1e-12)
    tilt = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
    chin = up[:, J["nose"]] - 0.5 * (up[:, J["left_ear"]] + up[:, J["right_ear"]])
    return {"tilt_deg": round(float(unseen_as_nan(np.nanmedian, tilt)), 2),
            "chin_h": round(float(unseen_as_nan(np.nanmedian, chin)), 4)}


# ------------------------------------------------------------------ readings
def effort_scale(name: str, value: float, space: str = "world", span: str = "whole"
                 ) -> float | None:
    """An effort on -1..1 against the neutral dancer seen the same way over the same
    ``span`` ("whole" or "step"): ``log2(value / REFERENCE[space][span][name])``,
    clipped (-1: fully the low pole, e.g. sustained; +1: the high one)."""
    if value is None or not np.isfinite(value) or value <= 0:
        return None
    ref = REFERENCE[space][span][name]
    if name == "space":  # a ratio that starts at 1: compare the excess over straight
        value, ref = max(value - 1.0, 1e-6), ref - 1.0
    return float(np.clip(np.log2(value / ref), -1.0, 1.0))


def pole(name: str, scale: float | None, *, margin: float = MARGIN) -> str | None:
    """The quality word of an effort scale (None when near neutral or unknown)."""
    if scale is None or abs(scale) < margin:
        return None
    return POLES[name][1] if scale > 0 else POLES[name][0]


def reading(scales: dict[str, float | None]) -> str:
    """Plain words for a set of effort scales."""
    words = {name: pole(name, scales.get(name)) for name in EFFORTS}
    if words["time"] == "sustained" and words["weight"] == "light":
        head = "sustained and light: Odette's quality"
    elif words["time"] == "sudden" and words["weight"] == "strong":
        head = "sudden and strong: Odile's attack"
    else:
        named = [w for w in (words["time"], words["weight"]) if w]
        head = " and ".join(named) if named else "even, neither sudden nor sustained"
    action = ACTIONS.get((words["weight"], words["time"], words["space"]))
    parts = [head]
    if action:
        parts.append(f"Laban's {action}")
    if words["space"] and not action:
        parts.append(words["space"])
    if words["flow"]:
        parts.append(f"{words['flow']} flow")
    return "; ".join(parts)


# ------------------------------------------------------------------ the block
def _phrase_values(body: Body, a: int, b: int, space: str, span: str) -> dict:
    v = body.derivative(1)[a:b]
    values = efforts(body, a, b)
    scales = {name: effort_scale(name, values[name], space, span) for name in EFFORTS}
    speed = weighted_norm(v, body.masses)
    return {"efforts": {k: _r(x) for k, x in values.items()},
            "scales": {k: _r(x, 3) for k, x in scales.items()},
            "reading": reading(scales),
            "quantity_of_motion": _r(quantity_of_motion(v, body.masses)),
            "expansiveness": _r(expansiveness(body.points[a:b])),
            "contraction_index": _r(contraction_index(body.points[a:b])),
            "smoothness": {"sparc": _r(sparc(speed, body.fps), 3),
                           "ldlj": _r(ldlj(speed, body.fps), 3)}}


def _r(x: float | None, digits: int = 4) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), digits)


def phrases_of(steps: list[Step], times: np.ndarray, *, min_s: float = 0.4
               ) -> list[tuple[int, int, Step]]:
    """(first frame, end frame, step) of each step on the timeline lasting ``min_s``."""
    out = []
    for step in steps:
        a = int(np.searchsorted(times, step.start_s))
        b = int(np.searchsorted(times, step.end_s, side="right"))
        if b - a >= 2 and times[b - 1] - times[a] >= min_s:
            out.append((a, b, step))
    return out


def assess_expression(motion: Motion, sig: Signals, steps: list[Step], *,
                      sex: str = "female") -> dict:
    """results.json's ``expression`` block: the whole performance and each step.

    Parameters
    ----------
    motion : Motion
        The clean Motion (frames, 23, 2 or 3).
    sig : Signals
        Its body signals (which feet are on the floor, for the balance).
    steps : list of Step
        The timeline: each step of at least 0.4 s is read as a phrase.
    sex : {"female", "male"}
        De Leva's segment table.

    Returns
    -------
    dict
        ``method``; ``reference`` (the neutral dancer's efforts it is read against);
        ``whole``: the four Laban ``efforts`` (Weight H^2/s^2, Time H/s^2, Space ratio,
        Flow H/s^3), their ``scales`` (-1..1), the ``reading`` in words,
        ``quantity_of_motion`` (H/s), ``expansiveness`` (H), ``contraction_index``
        (0-1), ``smoothness`` (SPARC, LDLJ), ``symmetry_index`` (percent),
        ``balance`` and ``head``; ``phrases``: the same for each step (but symmetry,
        balance and head).
    """
    body = body_of(motion, sex=sex)
    space = motion.space
    whole = _phrase_values(body, 0, len(body.times), space, "whole")
    whole.update({"symmetry_index": symmetry(body.points),
                  "balance": balance(body, sig),
                  "head": head_carriage(body.points, motion.space)})
    phrases = [{"step": step.name, "side": step.side, "start_s": step.start_s,
                "end_s": step.end_s, **_phrase_values(body, a, b, space, "step")}
               for a, b, step in phrases_of(steps, body.times)]
    return {"method": "Laban efforts after Larboulette & Gibet (2015) on de Leva segments; "
                      "positions in body heights, derivatives per second",
            "reference": REFERENCE[space], "whole": whole, "phrases": phrases}
