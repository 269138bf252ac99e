"""Helpers on time series (arrays whose first axis is frames) that every stage shares.

Missing samples are NaN and stay missing unless a function says how it fills them:
:func:`fill_nan` interpolates between known samples but leaves a column that was never
known NaN, and each caller decides what an unseen series means for it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.signal import savgol_filter

#: Seconds a derivative's Savitzky-Golay filter spans (:func:`derivative`).
DERIVATIVE_WINDOW_S = 0.25


def fill_nan(x: np.ndarray) -> np.ndarray:
    """Linear interpolation over NaN frames, column by column.

    Parameters
    ----------
    x : array (frames, ...)

    Returns
    -------
    array, same shape
        Each column's NaN samples interpolated from its known neighbours, the edges
        held at the first and last known value; a column with one known sample holds
        it throughout; a column never known stays NaN.
    """
    flat = x.reshape(len(x), -1).copy()
    idx = np.arange(len(x))
    for c in range(flat.shape[1]):
        known = np.isfinite(flat[:, c])
        if known.sum() >= 2:
            flat[:, c] = np.interp(idx, idx[known], flat[known, c])
        elif known.any():
            flat[:, c] = flat[known, c][0]
    return flat.reshape(x.shape)


def derivative(x: np.ndarray, fps: float, order: int, *,
               window_s: float = DERIVATIVE_WINDOW_S) -> np.ndarray:
    """The ``order``-th time derivative of ``x`` along its first axis.

    Parameters
    ----------
    x : array (frames, ...)
        Samples without NaN (see :func:`fill_nan`).
    fps : float
        Frames per second.
    order : int
        0 smooths, 1 is the velocity, 2 the acceleration, 3 the jerk.
    window_s : float
        Seconds the cubic Savitzky-Golay filter spans (at least 5 samples): the same
        span of time whatever the frame rate.

    Returns
    -------
    array, same shape
        In ``x``'s units per second to the ``order``; zeros when there are fewer than
        5 samples.
    """
    n = len(x)
    window = max(5, int(round(window_s * fps)) | 1)
    if n < window:
        window = n if n % 2 else n - 1
    if window < 5:
        return np.zeros_like(x)
    return savgol_filter(x, window, 3, deriv=order, delta=1.0 / fps, axis=0)


def zigzag_pivots(y: np.ndarray, tolerance: float) -> list[int]:
    """Indices where ``y`` turns back by more than ``tolerance`` (a zig-zag filter).

    Parameters
    ----------
    y : array (n,)
        Known samples (no NaN).
    tolerance : float
        In ``y``'s units.

    Returns
    -------
    list of int
        The first index, each pivot, and the last extreme: between two consecutive
        pivots ``y`` moves one way, never retreating more than ``tolerance`` from its
        running extreme.
    """
    pivots, trend, ext = [0], 0, 0
    for t in range(1, len(y)):
        rise = y[t] - y[ext if trend else pivots[-1]]
        if trend == 0 and abs(rise) > tolerance:
            trend, ext = int(np.sign(rise)), t
        elif trend and rise * trend >= 0:
            ext = t
        elif trend and -rise * trend > tolerance:
            pivots.append(ext)
            trend, ext = -trend, t
    pivots.append(ext if trend else len(y) - 1)
    return pivots


def unseen_as_nan(reduce: Callable[..., Any], x: np.ndarray, *args: Any, **kwargs: Any) -> Any:
    """``reduce(x, ...)`` (``np.nanmax``, ``np.nanquantile``...) where a slice with no
    finite value (a joint never seen, a frame with nobody) gives NaN by design: NumPy
    says so with a RuntimeWarning, which is not the user's business.  Other warnings
    pass through."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
        warnings.filterwarnings("ignore", "Mean of empty slice", RuntimeWarning)
        warnings.filterwarnings("ignore", "Degrees of freedom", RuntimeWarning)
        return reduce(x, *args, **kwargs)
