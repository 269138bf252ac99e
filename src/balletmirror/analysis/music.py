"""Musicality: the music's beats, her movement's accents, and how they meet.

* Beats (:mod:`balletmirror.analysis.beats`, librosa's algorithms in NumPy, chunk by
  chunk): Ellis's beat tracker on an onset envelope with a fine hop (``beats.HOP`` samples,
  2.9 ms at 22.05 kHz), steered by the clip's global tempo, each beat then moved to the
  nearest backtracked onset within ``SNAP_S`` (the beat tracker's grid sits a frame or
  two after the sound's attack; the attack is what a dancer hears).  The tempo
  reported is the global tempo that steered the tracker.  The audio is read
  block by block (twice), so memory stays flat however long the class.
* Accents of the movement: where her joints turn back, the extremes of the knee,
  hip, elbow and shoulder angles and of the spread of her knees and feet
  (:data:`ACCENT_ANGLES`) swinging at least ``ACCENT_DEG`` (the bottom of a plié,
  the top of a développé, the arms arriving in fifth), located between frames by a
  parabola through the smoothed angle.  From video they are read in the picture:
  MediaPipe's 3D joint angles waver too much to time them (measured on the studio:
  their offsets from the beat spread uniformly).  Not used, measured worse: the
  body's speed minima or peak decelerations (where a movement fades into a held
  pose its end is smeared over the easing, 50-130 ms early), and landings from the
  flight detector (30-100 ms late from the side and three-quarters).  Inside
  turning steps the picture's angles swing with the turn: no accents are read there.
* Timing: each accent's offset from its nearest beat, wrapped into half a beat
  period either side; the lag is their circular mean (positive: late, after the
  beat) around the densest offset (accents on the "and" would pull it half a beat
  away), the consistency their resultant length (0-1) (the circular statistics of
  sensorimotor synchronisation, Repp 2005, Psychon Bull Rev 12:969).
  Per step on the timeline the same from its own accents.
* On the music: the share of accents within ``ON_BEAT_S`` of a beat, 0-100 (at 25
  frames/s a frame is 40 ms; 80 ms is two frames).
"""

from __future__ import annotations

import numpy as np
from scipy.signal import find_peaks

from ..core.geometry import joint_angle
from ..core.motion import Motion
from ..core.records import Step
from ..core.series import derivative, fill_nan
from .beats import Audio, beats_of

SNAP_S = 0.07
ACCENT_DEG = 20.0  # degrees: how far a joint must swing to make an accent
ACCENT_SMOOTH_S = 0.35  # s: the angles' smoothing before their extremes are timed
MODE_WIDTH_S = 0.06  # s: the kernel that finds the densest offset
#: (end, vertex, end) of the angles whose turning points are accents: knees, elbows,
#: shoulders (arm against trunk), hips (thigh against trunk), and the spread of the
#: knees and of the feet about the pelvis
ACCENT_ANGLES = tuple((f"{s}_{a}", f"{s}_{b}", f"{s}_{c}") for s in ("left", "right")
                      for a, b, c in (("hip", "knee", "ankle"), ("shoulder", "elbow", "wrist"),
                                      ("hip", "shoulder", "elbow"),
                                      ("shoulder", "hip", "knee"))) + (
    ("left_knee", "mid_hip", "right_knee"), ("left_ankle", "mid_hip", "right_ankle"))
ON_BEAT_S = 0.08


def beat_grid(audio: Audio, sr: int) -> dict:
    """Tempo (BPM) and beat times (s) of mono audio (module docstring).

    Parameters
    ----------
    audio : array (samples,) or callable
        Mono samples, or a function returning an iterable of blocks of them (read
        twice).
    sr : int
        Sample rate, Hz.
    """
    found = beats_of(audio, sr)
    beats = snap(found["beats"], found["onsets"])
    return {"tempo_bpm": found["tempo_bpm"], "beats_s": [round(float(b), 4) for b in beats]}


def snap(beats: np.ndarray, onsets: np.ndarray, *, within: float = SNAP_S) -> np.ndarray:
    """Each beat moved to the nearest onset within ``within`` seconds, if any."""
    if not onsets.size:
        return beats
    out = beats.copy()
    for i, b in enumerate(beats):
        j = int(np.argmin(np.abs(onsets - b)))
        if abs(onsets[j] - b) <= within:
            out[i] = onsets[j]
    return out


def _vertex(y: np.ndarray, i: int) -> float:
    """Sub-sample position of the extremum at ``i`` (parabola through 3 samples)."""
    if i <= 0 or i >= len(y) - 1:
        return float(i)
    a, b, c = y[i - 1], y[i], y[i + 1]
    den = a - 2 * b + c
    return float(i) if den == 0 else float(i + 0.5 * (a - c) / den)


def turning_points(motion: Motion, *, prominence: float = ACCENT_DEG) -> list[float]:
    """Times where a joint turns back: the extremes of the :data:`ACCENT_ANGLES`
    (measured in the picture for video, in 3D for motion capture) swinging at least
    ``prominence`` degrees, located between frames by a parabola through the
    smoothed angle (Savitzky-Golay over ``ACCENT_SMOOTH_S``)."""
    points = motion.positions[..., :2] if motion.space == "image" else motion.positions
    frames = np.arange(motion.n_frames)
    out: list[float] = []
    for a, b, c in ACCENT_ANGLES:
        x = joint_angle(points, a, b, c)
        if np.isfinite(x).sum() < 10:
            continue
        x = derivative(fill_nan(x), motion.fps, 0, window_s=ACCENT_SMOOTH_S)
        for sign in (1.0, -1.0):
            peaks, _ = find_peaks(sign * x, prominence=prominence)
            out += [float(np.interp(_vertex(sign * x, int(p)), frames, motion.times))
                    for p in peaks]
    return sorted(out)


def _turning(t: float, steps: list[Step]) -> bool:
    """Whether ``t`` falls in a step that turns (a turning body swings every angle
    the picture shows: those turning points are the camera's, not the dance's)."""
    return any(s.turns and s.start_s <= t <= s.end_s for s in steps)


def offsets(times: list[float], beats: list[float]) -> np.ndarray:
    """Each time's offset from its nearest beat (s), for the times inside the beat
    grid (no more than one local period outside it)."""
    beats = np.asarray(beats, dtype=float)
    if beats.size < 2:
        return np.array([])
    out = []
    for t in times:
        j = int(np.argmin(np.abs(beats - t)))
        period = float(np.diff(beats)[min(j, beats.size - 2)])
        if beats[0] - period <= t <= beats[-1] + period:
            out.append((t - beats[j] + 0.5 * period) % period - 0.5 * period)
    return np.array(out)


def _mode(d: np.ndarray, period: float, *, width: float = MODE_WIDTH_S) -> float:
    """The densest offset on the circle of one beat period (wrapped Gaussian kernel
    of ``width`` seconds, 2 ms grid)."""
    grid = np.arange(-0.5 * period, 0.5 * period, 0.002)
    gap = (grid[:, None] - d[None, :] + 0.5 * period) % period - 0.5 * period
    return float(grid[np.argmax(np.exp(-0.5 * (gap / width) ** 2).sum(axis=1))])


def timing(times: list[float], beats: list[float]) -> dict:
    """Lag (ms; positive = late), consistency (0-1), on-the-music score (share within
    ``ON_BEAT_S`` of a beat, 0-100) and count of accents.

    The lag is the circular mean of the offsets within a quarter period of their
    densest value (accents on the half beat, the "and", would otherwise pull it
    half a beat away); the consistency is the resultant length of all of them."""
    d = offsets(times, beats)
    if d.size == 0:
        return {"lag_ms": None, "consistency": None, "on_music_score": None, "accents": 0}
    period = float(np.median(np.diff(beats)))
    mode = _mode(d, period)
    near = d[np.abs((d - mode + 0.5 * period) % period - 0.5 * period) <= 0.25 * period]
    lag = np.angle(np.exp(2j * np.pi * near / period).mean()) * period / (2 * np.pi)
    return {"lag_ms": round(float(lag) * 1000.0, 1),
            "consistency": round(float(abs(np.exp(2j * np.pi * d / period).mean())), 3),
            "on_music_score": round(float(100.0 * np.mean(np.abs(d) <= ON_BEAT_S)), 1),
            "accents": int(d.size)}


def assess_music(motion: Motion, steps: list[Step], *, audio: Audio | None, sr: int,
                 source: str) -> dict | None:
    """results.json's ``music`` block: her movement's accents timed on the music's beats.

    Parameters
    ----------
    motion : Motion
        The clean Motion; time 0 is sample 0 of ``audio``.
    steps : list of Step
        The timeline (accents inside turning steps are left out; each step is timed).
    audio : array (samples,), callable or None
        Mono audio, or a function returning an iterable of blocks of it (read twice);
        None: no soundtrack.
    sr : int
        Its sample rate, Hz.
    source : str
        Where the music came from (``"video"`` or a file path).

    Returns
    -------
    dict or None
        None without a soundtrack; else ``source``, ``tempo_bpm``, ``beats_s``,
        ``accents_s``, ``lag_ms`` (positive = late), ``consistency`` (0-1),
        ``on_music_score`` (0-100), ``accents``, ``per_step`` and ``method``; without a
        beat in the soundtrack the tempo and timings are None.
    """
    if audio is None:
        return None
    grid = beat_grid(audio, sr)
    found = [t for t in turning_points(motion) if not _turning(t, steps)]
    if len(grid["beats_s"]) < 2:
        return {"source": source, "tempo_bpm": None, "beats_s": [],
                "accents_s": [round(t, 4) for t in found], **timing([], []),
                "per_step": [], "method": "no beat found in the soundtrack"}
    per_step = []
    for step in steps:
        inside = [t for t in found if step.start_s <= t <= step.end_s]
        if inside:
            per_step.append({"step": step.name, "start_s": step.start_s,
                             "end_s": step.end_s, **timing(inside, grid["beats_s"])})
    return {"source": source, "tempo_bpm": round(grid["tempo_bpm"], 2),
            "beats_s": grid["beats_s"], "accents_s": [round(t, 4) for t in found],
            **timing(found, grid["beats_s"]), "per_step": per_step,
            "method": "Ellis beat tracking (librosa's algorithms) snapped to onsets; "
                      "accents = the joints' turning points; lag = circular mean around "
                      "the densest offset"}
