"""Cleaning a raw Motion: confidence masking, left/right swap repair, outlier
rejection, gap filling and a zero-phase low-pass filter.

The order matters and is fixed in :func:`clean_motion`:

1. **mask** joints whose confidence is below ``min_confidence`` (they become NaN);
2. **repair swaps**: pose models trained mostly on people facing the camera give the
   legs (and arms) each other's labels when the dancer shows her back during turns.
   The labelling of each limb group that makes its joints' paths smoothest (least
   summed second difference, which tells a swap of labels from a real crossing of
   two limbs) is found by dynamic programming (Viterbi over the states of two
   consecutive frames: as labelled, or swapped), with a small per-frame cost on
   "swapped" so that the labels are trusted where the motion cannot tell;
3. **reject outliers** with a Hampel filter (Pearson 2002): a sample further than
   ``k`` scaled MADs from the running median is dropped; the MAD has a floor
   proportional to the trunk length so that stillness does not make every tremor
   an outlier;
4. **fill gaps** no longer than ``max_gap_s`` with shape-preserving cubic (PCHIP)
   interpolation between the known samples on either side; longer gaps stay NaN and
   are reported (frames with no person, e.g. title cards, are never invented);
5. **low-pass**: 4th-order Butterworth run forwards and backwards (zero phase), on
   each run of known samples.  Running an order-N filter over the data n times lowers
   its -3 dB point to ``fc * C`` with ``C = (2**(1/n) - 1)**(1/(2N))``, so the design
   cut-off is ``fc / C`` (Winter 2009, *Biomechanics and Motor Control of Human
   Movement*, 4th ed., sec. 3.4.4.3, who gives C for N = 2; N = 4, n = 2: C = 0.896).
   The default 8 Hz keeps the fastest ballet content (fouetté whips at 2-3 Hz and
   their harmonics, batterie up to ~5 Hz) while removing pose-model jitter.

Every stage is a pure function ``Motion -> (Motion, report)``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy import interpolate, ndimage, signal

from ..core.motion import Motion
from ..core.series import unseen_as_nan
from ..core.skeleton import SWAP_GROUPS, J, group_pairs


@dataclasses.dataclass(frozen=True)
class CleanSettings:
    """Parameters of :func:`clean_motion` (defaults documented in the module docstring).

    Attributes
    ----------
    min_confidence : float
        Joints below this confidence are masked (MediaPipe visibility).
    repair_swaps : bool or None
        Repair left/right label swaps; None = only for pose-model (video) input.
    swap_prior : float
        Per-frame cost of the "swapped" state, in trunk lengths per joint of the group
        (legs 10 joints, arms 6, face 4): the motion evidence against a swap grows with
        the number of joints, so the prior does too.
    outlier_window_s : float
        Half-width of the Hampel window, seconds.
    outlier_k : float
        Threshold in scaled MADs.
    outlier_floor : float
        MAD floor as a fraction of the trunk length.
    max_gap_s : float
        Longest gap filled, seconds.
    cutoff_hz : float or None
        Low-pass cut-off (None: no filter).  Skipped when above 0.9 x Nyquist.
    one_euro : bool or None
        Apply the zero-phase One-Euro filter (stillness smoothing); None = only for
        pose-model (video) input.
    one_euro_min_cutoff_hz, one_euro_beta, one_euro_d_cutoff_hz : float
        Its parameters (MediaPipe Pose's own landmark filter's), on positions in
        body sizes.
    """

    min_confidence: float = 0.3
    repair_swaps: bool | None = None
    swap_prior: float = 0.008
    outlier_window_s: float = 0.1
    outlier_k: float = 4.0
    outlier_floor: float = 0.1
    max_gap_s: float = 0.3
    cutoff_hz: float | None = 8.0
    one_euro: bool | None = None
    one_euro_min_cutoff_hz: float = 0.05
    one_euro_beta: float = 80.0
    one_euro_d_cutoff_hz: float = 1.0


# ----------------------------------------------------------------- helpers
def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) index pairs of the runs of True in a 1-D bool array."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def trunk_length(positions: np.ndarray) -> float:
    """Median distance mid-hip to neck over the frames where both are known (units of input)."""
    d = np.linalg.norm(positions[:, J["neck"]] - positions[:, J["mid_hip"]], axis=-1)
    d = d[np.isfinite(d)]
    return float(np.median(d)) if d.size else 1.0


def uncovered_segments(motion: Motion) -> list[dict]:
    """Time ranges (seconds) where no person was found, e.g. title cards."""
    return [{"start_s": float(motion.times[a]), "end_s": float(motion.times[b - 1])
             + 1.0 / motion.fps, "frames": b - a} for a, b in _runs(~motion.covered)]


def _with_world(motion: Motion, world: np.ndarray | None, **changes) -> Motion:
    return motion.replace(world=world, **changes) if motion.world is not None else \
        motion.replace(**changes)


def _drop_points(motion: Motion, mask: np.ndarray) -> Motion:
    """The Motion with the (frames, joints) points in ``mask`` set missing (and in its
    3D companion too)."""
    pos = motion.positions.copy()
    pos[mask] = np.nan
    world = None
    if motion.world is not None:
        world = motion.world.copy()
        world[mask] = np.nan
    return _with_world(motion, world, positions=pos)


# ------------------------------------------------------------------ stages
def mask_low_confidence(motion: Motion, *, min_confidence: float) -> tuple[Motion, dict]:
    """NaN out joints whose confidence is below ``min_confidence``."""
    low = (motion.confidence < min_confidence) & motion.present
    return _drop_points(motion, low), {"masked_points": int(low.sum())}


def _group_states(points: np.ndarray, pairs: list[tuple[int, int]]):
    """The group's joints as labelled and swapped, on the frames where all are seen.

    Returns (states (K, 2, n, dims), frame indices (K,)).
    """
    left = np.array([a for a, _ in pairs])
    right = np.array([b for _, b in pairs])
    as_is = points[:, np.concatenate([left, right])]
    swapped = points[:, np.concatenate([right, left])]
    states = np.stack([as_is, swapped], axis=1)
    seen = np.flatnonzero(np.isfinite(as_is).all(axis=(-1, -2)))
    return states[seen], seen


def _acceleration_costs(states: np.ndarray, scale: float, *,
                        block: int = 2048) -> np.ndarray:
    """costs[k, a, b, c]: summed |second difference| at seen frame k+1 when frames
    k, k+1, k+2 are in states a, b, c, in trunk lengths.

    A second difference, unlike a displacement, tells a real crossing of two limbs
    (smooth) from a swap of their labels (a jump) and from a "bounce".  Computed in
    blocks of frames so that memory does not grow with the video's length.
    """
    costs = np.empty((len(states) - 2, 2, 2, 2))
    for s in range(0, len(costs), block):
        e = min(s + block, len(costs))
        p0 = states[s:e][:, :, None, None]
        p1 = states[s + 1:e + 1][:, None, :, None]
        p2 = states[s + 2:e + 2][:, None, None, :]
        costs[s:e] = np.linalg.norm(p0 - 2 * p1 + p2, axis=-1).sum(axis=-1) / scale
    return costs


def _viterbi_swaps(costs: np.ndarray, prior: float) -> np.ndarray:
    """Most likely swapped-state sequence (K,) bool over pair states (s_k, s_k+1)."""
    k_total = costs.shape[0] + 2
    swap_cost = np.array([0.0, prior])
    total = swap_cost[:, None] + swap_cost[None, :]  # (s0, s1)
    back = np.zeros((costs.shape[0], 2, 2), dtype=np.int8)
    for k in range(costs.shape[0]):
        cand = total[:, :, None] + costs[k]  # (a, b, c)
        back[k] = np.argmin(cand, axis=0)
        total = np.min(cand, axis=0) + swap_cost[None, :]
    b, c = np.unravel_index(int(np.argmin(total)), total.shape)
    state = np.zeros(k_total, dtype=bool)
    state[-2:] = (bool(b), bool(c))
    for k in range(costs.shape[0] - 1, -1, -1):
        a = back[k, b, c]
        state[k] = bool(a)
        b, c = a, b
    return state


def _partial_swaps(points: np.ndarray, swapped: np.ndarray, seen: np.ndarray,
                   pairs: list[tuple[int, int]]) -> np.ndarray:
    """Swapped state of the frames where only part of the group is seen.

    Frames are followed in order, remembering the last known (repaired) position of
    each joint of the group; a partly seen frame takes the labelling whose known
    joints lie nearer those, so a visible limb keeps its label while its twin is
    hidden (and a swap that began on fully seen frames is undone on the partial
    ones).  With nothing to compare, the labels are kept.
    """
    idx = np.array([a for a, _ in pairs] + [b for _, b in pairs])
    mirror = np.array([b for _, b in pairs] + [a for a, _ in pairs])
    out = swapped.copy()
    is_seen = np.zeros(len(points), dtype=bool)
    is_seen[seen] = True
    last = np.full((len(idx), points.shape[-1]), np.nan)
    for t in np.flatnonzero(np.isfinite(points[:, idx]).all(axis=-1).any(axis=-1)):
        if not is_seen[t]:
            as_is = np.linalg.norm(points[t, idx] - last, axis=-1)
            crossed = np.linalg.norm(points[t, mirror] - last, axis=-1)
            both = np.isfinite(as_is) & np.isfinite(crossed)
            out[t] = bool(both.any()) and crossed[both].sum() < as_is[both].sum()
        current = points[t, mirror] if out[t] else points[t, idx]
        known = np.isfinite(current).all(axis=-1)
        last[known] = current[known]
    return out


def _apply_swap(arr: np.ndarray, frames: np.ndarray, pairs: list[tuple[int, int]]) -> None:
    for a, b in pairs:
        tmp = arr[frames, a].copy()
        arr[frames, a] = arr[frames, b]
        arr[frames, b] = tmp


def repair_swaps(motion: Motion, *, prior: float = 0.008) -> tuple[Motion, dict]:
    """Undo left/right label swaps of each limb group (see module docstring).

    Returns the repaired Motion and ``{"swapped_frames": {group: n}, ...}``.
    """
    pos, conf = motion.positions.copy(), motion.confidence.copy()
    world = None if motion.world is None else motion.world.copy()
    scale = trunk_length(motion.positions)
    report = {}
    for group in SWAP_GROUPS:
        pairs = group_pairs(group)
        states, seen = _group_states(pos, pairs)
        frames = np.zeros(len(pos), dtype=bool)
        if len(seen) >= 3:
            costs = _acceleration_costs(states, scale)
            frames[seen] = _viterbi_swaps(costs, prior * 2 * len(pairs))
            frames = _partial_swaps(pos, frames, seen, pairs)
        for arr in (pos, conf, world):
            if arr is not None:
                _apply_swap(arr, frames, pairs)
        report[group] = int(frames.sum())
    out = _with_world(motion, world, positions=pos, confidence=conf)
    return out, {"swapped_frames": report}


def _running_nanmedian(x: np.ndarray, half: int, *, block: int = 2048) -> np.ndarray:
    """Median of ``x[t-half : t+half+1]`` ignoring NaN, along axis 0 (edges repeated).

    Computed ``block`` frames at a time so that the windows copied by ``nanmedian``
    take constant memory, whatever the video's length.
    """
    padded = np.pad(x, [(half, half)] + [(0, 0)] * (x.ndim - 1), mode="edge")
    out = np.empty(x.shape, dtype=np.float64)
    for s in range(0, len(x), block):
        e = min(s + block, len(x))
        windows = np.lib.stride_tricks.sliding_window_view(padded[s:e + 2 * half],
                                                           2 * half + 1, axis=0)
        out[s:e] = unseen_as_nan(np.nanmedian, windows, axis=-1)  # all-NaN windows stay NaN
    return out


def _hampel(x: np.ndarray, half: int, k: float, floor: float) -> np.ndarray:
    """Bool mask of outliers along axis 0 of an array with NaNs (Hampel identifier).

    A sample is an outlier when ``|x - median| > k * max(1.4826 * MAD, floor)`` over a
    window of ``2 * half + 1`` samples (Pearson 2002, "Outliers in process modeling
    and identification", IEEE Trans. Control Syst. Technol. 10(1)).
    """
    med = _running_nanmedian(x, half)
    mad = _running_nanmedian(np.abs(x - med), half)
    sigma = np.maximum(1.4826 * mad, floor)
    with np.errstate(invalid="ignore"):
        return np.abs(x - med) > k * sigma


def reject_outliers(motion: Motion, *, window_s: float, k: float,
                    floor: float) -> tuple[Motion, dict]:
    """Drop samples that jump away from their neighbours (Hampel filter per coordinate).

    ``floor`` is the MAD floor as a fraction of the trunk length.
    """
    half = max(1, int(round(window_s * motion.fps)))
    abs_floor = floor * trunk_length(motion.positions)
    bad = _hampel(motion.positions, half, k, abs_floor).any(axis=-1)
    return _drop_points(motion, bad), {"outliers": int(bad.sum())}


def _fill_series(t: np.ndarray, x: np.ndarray, max_gap_s: float) -> tuple[np.ndarray, int]:
    """PCHIP-fill interior NaN runs of ``x`` shorter than ``max_gap_s``; return (x, filled)."""
    known = np.isfinite(x)
    if known.sum() < 2:
        return x, 0
    out = x.copy()
    filled = 0
    spline = None
    for a, b in _runs(~known):
        if a == 0 or b == len(x) or t[b] - t[a - 1] > max_gap_s + 1e-9:
            continue
        if spline is None:
            spline = interpolate.PchipInterpolator(t[known], x[known])
        out[a:b] = spline(t[a:b])
        filled += b - a
    return out, filled


def fill_gaps(motion: Motion, *, max_gap_s: float) -> tuple[Motion, dict]:
    """Interpolate short gaps (see module docstring); filled points get confidence 0.5 x their
    neighbours' lowest, and the long gaps left are reported."""
    pos = motion.positions.copy()
    conf = motion.confidence.copy()
    world = None if motion.world is None else motion.world.copy()
    filled_points = 0
    for j in range(pos.shape[1]):
        was_missing = ~np.isfinite(pos[:, j]).all(axis=-1)
        for d in range(pos.shape[2]):
            pos[:, j, d], n = _fill_series(motion.times, pos[:, j, d], max_gap_s)
        if world is not None:
            for d in range(3):
                world[:, j, d], _ = _fill_series(motion.times, world[:, j, d], max_gap_s)
        now = was_missing & np.isfinite(pos[:, j]).all(axis=-1)
        filled_points += int(now.sum())
        known_conf = np.where(was_missing, np.nan, conf[:, j])
        neighbour = ndimage.minimum_filter1d(np.nan_to_num(known_conf, nan=1.0), 3)
        conf[now, j] = 0.5 * neighbour[now]
    out = _with_world(motion, world, positions=pos, confidence=np.clip(conf, 0, 1))
    return out, {"filled_points": filled_points, "gaps_left": uncovered_segments(out)}


def _filtfilt_runs(x: np.ndarray, sos: np.ndarray) -> np.ndarray:
    """Zero-phase filter each run of finite samples of a 1-D series."""
    out = x.copy()
    for a, b in _runs(np.isfinite(x)):
        if b - a > 15:
            out[a:b] = signal.sosfiltfilt(sos, x[a:b], padlen=min(3 * 9, b - a - 1))
    return out


def butterworth_sos(*, cutoff_hz: float, fps: float, order: int = 4,
                    passes: int = 2) -> np.ndarray | None:
    """Second-order sections of a low-pass Butterworth corrected for ``passes`` passes.

    Returns None when the corrected cut-off is not below 0.9 x Nyquist (no filtering).
    """
    correction = (2 ** (1 / passes) - 1) ** (1 / (2 * order))
    design = cutoff_hz / correction
    if design >= 0.9 * fps / 2:
        return None
    return signal.butter(order, design, btype="low", fs=fps, output="sos")


def lowpass(motion: Motion, *, cutoff_hz: float) -> tuple[Motion, dict]:
    """Zero-phase Butterworth low-pass of every coordinate (see module docstring)."""
    sos = butterworth_sos(cutoff_hz=cutoff_hz, fps=motion.fps)
    if sos is None:
        return motion, {"filter": f"none (cut-off {cutoff_hz} Hz is near Nyquist)"}
    arrays = [motion.positions] + ([motion.world] if motion.world is not None else [])
    out = []
    for arr in arrays:
        flat = arr.reshape(arr.shape[0], -1).copy()
        for c in range(flat.shape[1]):
            flat[:, c] = _filtfilt_runs(flat[:, c], sos)
        out.append(flat.reshape(arr.shape))
    world = out[1] if len(out) > 1 else None
    report = {"filter": f"Butterworth order 4, zero-phase, cut-off {cutoff_hz} Hz"}
    return _with_world(motion, world, positions=out[0]), report


# ----------------------------------------------------------------- One-Euro filter
def _one_euro_alpha(cutoff_hz: np.ndarray | float, dt: float) -> np.ndarray | float:
    """Smoothing factor of a first-order low-pass at ``cutoff_hz`` sampled every
    ``dt`` seconds: ``1 / (1 + tau / dt)``, ``tau = 1 / (2 pi fc)``."""
    return 1.0 / (1.0 + 1.0 / (2.0 * np.pi * cutoff_hz * dt))


def one_euro_pass(x: np.ndarray, times: np.ndarray, *, min_cutoff_hz: float, beta: float,
                  d_cutoff_hz: float) -> np.ndarray:
    """One causal pass of the One-Euro filter over the rows of ``x`` (frames, n).

    Casiez, Roussel & Vogel (2012), "1 Euro filter: a simple speed-based low-pass
    filter for noisy input in interactive systems", CHI '12: an exponential smoother
    whose cut-off grows with the signal's speed, ``fc = min_cutoff + beta * |dx/dt|``
    (the speed itself low-passed at ``d_cutoff``), so that a still joint is held
    still and a moving one follows with little lag.  Units of ``x`` per second set
    the meaning of ``beta``.
    """
    out = np.empty_like(x)
    out[0] = x[0]
    speed = np.zeros(x.shape[1])
    for i in range(1, len(x)):
        dt = max(float(times[i] - times[i - 1]), 1e-6)
        dx = (x[i] - out[i - 1]) / dt
        speed += _one_euro_alpha(d_cutoff_hz, dt) * (dx - speed)
        a = _one_euro_alpha(min_cutoff_hz + beta * np.abs(speed), dt)
        out[i] = out[i - 1] + a * (x[i] - out[i - 1])
    return out


def _body_size(arr: np.ndarray) -> float:
    """The median over frames of the mean of the body's bounding-box sides."""
    seen = np.isfinite(arr).any(axis=2).any(axis=1)
    if not seen.any():
        return 1.0
    span = unseen_as_nan(np.nanmax, arr[seen], axis=1) - unseen_as_nan(np.nanmin, arr[seen],
                                                                        axis=1)
    size = float(unseen_as_nan(np.nanmedian, span[:, :2].mean(axis=1)))
    return size if size > 0 else 1.0


def _one_euro_array(arr: np.ndarray, times: np.ndarray, params: dict) -> np.ndarray:
    """Forward-backward One-Euro of one (frames, joints, dims) array, run by run of
    frames where every joint is known (others are left as they are)."""
    size = _body_size(arr)
    flat = arr.reshape(arr.shape[0], -1) / size
    out = flat.copy()
    for a, b in _runs(np.isfinite(flat).all(axis=1)):
        if b - a < 3:
            continue
        x, t = flat[a:b], times[a:b]
        forward = one_euro_pass(x, t, **params)
        out[a:b] = one_euro_pass(forward[::-1], -t[::-1], **params)[::-1]
    return (out * size).reshape(arr.shape)


def one_euro(motion: Motion, *, min_cutoff_hz: float, beta: float,
             d_cutoff_hz: float) -> tuple[Motion, dict]:
    """Zero-phase One-Euro filter of a pose model's keypoints (2D and 3D).

    MediaPipe Pose smooths its landmarks with a causal One-Euro filter (its graph's
    ``LandmarksSmoothingCalculator``: min cut-off 0.05 Hz, beta 80, derivative cut-off
    1 Hz, on coordinates divided by the body's size).  Causal, it delays every
    movement, most where a joint slows into a turning point: 15-35 ms measured on the
    studio, enough to put a dancer a beat's accent late.  Offline the whole recording
    is known, so the filter is run forwards, then over its output backwards in time
    (as ``filtfilt`` does with a linear filter): the backward pass's delay undoes the
    forward pass's, and stillness is held still as before.
    Coordinates are divided by the body's size (the median of the mean of its
    bounding box's sides) so that ``beta`` means what it means in MediaPipe.
    """
    params = {"min_cutoff_hz": min_cutoff_hz, "beta": beta, "d_cutoff_hz": d_cutoff_hz}
    positions = _one_euro_array(motion.positions, motion.times, params)
    world = (_one_euro_array(motion.world, motion.times, params)
             if motion.world is not None else None)
    report = {"one_euro": f"zero-phase One-Euro (min cut-off {min_cutoff_hz} Hz, "
                          f"beta {beta}, derivative cut-off {d_cutoff_hz} Hz)"}
    return _with_world(motion, world, positions=positions), report


def is_pose_model_input(motion: Motion) -> bool:
    """True for motion estimated by a pose model from video (labels may swap)."""
    return motion.provenance.get("reader") in ("video", "keypoints")


def clean_motion(motion: Motion, *, settings: CleanSettings | None = None
                 ) -> tuple[Motion, dict]:
    """Run the cleaning stages in order: confidence masking, left/right swap repair (for
    a pose model's keypoints), outlier rejection, gap filling, the One-Euro filter run
    both ways (a pose model's keypoints), the low-pass filter.

    Parameters
    ----------
    motion : Motion
        As read (frames, 23, 2 or 3; NaN where unseen, confidence 0-1).
    settings : CleanSettings, optional

    Returns
    -------
    motion : Motion
        The clean Motion, same frames and units; what stays unseen stays NaN.
    report : dict
        ``coverage`` (fraction of frames with a person), the ``uncovered`` time ranges
        (seconds), and each stage's counts (points filled, outliers, swapped frames...).
    """
    s = settings or CleanSettings()
    report: dict = {"coverage": float(motion.covered.mean()),
                    "uncovered": uncovered_segments(motion)}
    m, r = mask_low_confidence(motion, min_confidence=s.min_confidence)
    report.update(r)
    swaps = is_pose_model_input(motion) if s.repair_swaps is None else s.repair_swaps
    if swaps:
        m, r = repair_swaps(m, prior=s.swap_prior)
        report.update(r)
    m, r = reject_outliers(m, window_s=s.outlier_window_s, k=s.outlier_k, floor=s.outlier_floor)
    report.update(r)
    m, r = fill_gaps(m, max_gap_s=s.max_gap_s)
    report.update(r)
    if is_pose_model_input(motion) if s.one_euro is None else s.one_euro:
        m, r = one_euro(m, min_cutoff_hz=s.one_euro_min_cutoff_hz, beta=s.one_euro_beta,
                        d_cutoff_hz=s.one_euro_d_cutoff_hz)
        report.update(r)
    if s.cutoff_hz:
        m, r = lowpass(m, cutoff_hz=s.cutoff_hz)
        report.update(r)
    m = m.with_provenance(cleaning={k: v for k, v in report.items() if k != "uncovered"},
                          clean_settings=dataclasses.asdict(s))
    return m, report
