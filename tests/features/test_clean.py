"""Cleaning: swap repair, gaps, outliers, filter, uncovered frames."""

import numpy as np
import pytest
from fixtures.poses import project_front

from balletmirror.core.motion import Motion
from balletmirror.core.skeleton import J, group_pairs
from balletmirror.features.clean import (
    CleanSettings,
    butterworth_sos,
    clean_motion,
    fill_gaps,
    lowpass,
    mask_low_confidence,
    reject_outliers,
    repair_swaps,
)
from balletmirror.studio.procedural import demo_motion


def _video_like(points2d: np.ndarray, fps: float = 30.0, conf=None) -> Motion:
    conf = np.ones(points2d.shape[:2]) if conf is None else conf
    return Motion(positions=points2d, confidence=conf, times=np.arange(len(points2d)) / fps,
                  fps=fps, space="image", units="px", provenance={"reader": "video"})


def _swap(points: np.ndarray, frames: slice, group: str) -> np.ndarray:
    out = points.copy()
    for a, b in group_pairs(group):
        out[frames, a], out[frames, b] = points[frames, b], points[frames, a]
    return out


@pytest.fixture(scope="module")
def demo_2d() -> np.ndarray:
    """The demo's pliés and passé seen from the front, 30 fps, pixels."""
    m = demo_motion(fps=30.0)
    return project_front(m.positions)


def test_swap_repair_restores_a_constructed_leg_swap(demo_2d):
    swapped = _swap(demo_2d, slice(300, 340), "legs")  # during the passé: legs far apart
    fixed, report = repair_swaps(_video_like(swapped))
    np.testing.assert_allclose(fixed.positions, demo_2d)
    assert report["swapped_frames"]["legs"] == 40


def test_swap_repair_leaves_correct_labels_alone(demo_2d):
    fixed, report = repair_swaps(_video_like(demo_2d))
    assert report["swapped_frames"] == {"legs": 0, "arms": 0, "face": 0}
    np.testing.assert_allclose(fixed.positions, demo_2d)


def test_swap_repair_on_arms_and_in_clean_motion(demo_2d):
    swapped = _swap(demo_2d, slice(60, 75), "arms")
    clean, report = clean_motion(_video_like(swapped),
                                 settings=CleanSettings(cutoff_hz=None, one_euro=False))
    assert report["swapped_frames"]["arms"] == 15
    np.testing.assert_allclose(clean.positions, demo_2d, atol=1e-9)


def test_mocap_is_not_swap_repaired():
    m = demo_motion()
    _, report = clean_motion(m)
    assert "swapped_frames" not in report


def test_short_gaps_filled_long_gaps_reported(demo_2d):
    p = demo_2d[:200].copy()
    p[50:55, J["left_knee"]] = np.nan  # 5 frames = 0.17 s: filled
    p[100:130] = np.nan  # 1 s with nobody: kept missing
    m = _video_like(p)
    filled, report = fill_gaps(m, max_gap_s=0.3)
    np.testing.assert_allclose(filled.positions[50:55, J["left_knee"]],
                               demo_2d[50:55, J["left_knee"]], atol=3.0)
    assert np.isnan(filled.positions[100:130]).all()
    assert report["filled_points"] == 5
    assert report["gaps_left"] == [{"start_s": pytest.approx(100 / 30), "end_s":
                                    pytest.approx(130 / 30), "frames": 30}]
    assert 0 < filled.confidence[52, J["left_knee"]] < 1


def test_title_card_frames_stay_uncovered(demo_2d):
    p = demo_2d[:150].copy()
    p[:40] = np.nan
    clean, report = clean_motion(_video_like(p))
    assert report["coverage"] == pytest.approx(110 / 150)
    assert report["uncovered"][0]["frames"] == 40
    assert np.isnan(clean.positions[:40]).all()
    assert np.isfinite(clean.positions[40:, J["left_knee"]]).all()


def test_outliers_rejected_and_refilled(demo_2d):
    p = demo_2d[:120].copy()
    p[60, J["right_wrist"]] += [200.0, -150.0]  # one wild detection
    p[61, J["left_ankle"]] += [0.0, 120.0]
    m = _video_like(p)
    out, report = reject_outliers(m, window_s=0.1, k=4.0, floor=0.1)
    assert np.isnan(out.positions[60, J["right_wrist"]]).all()
    assert np.isnan(out.positions[61, J["left_ankle"]]).all()
    assert report["outliers"] == 2
    clean, _ = clean_motion(m, settings=CleanSettings(cutoff_hz=None))
    np.testing.assert_allclose(clean.positions[60, J["right_wrist"]],
                               demo_2d[60, J["right_wrist"]], atol=2.0)


def test_no_outliers_in_a_smooth_fast_movement(demo_2d):
    _, report = reject_outliers(_video_like(demo_2d), window_s=0.1, k=4.0, floor=0.1)
    assert report["outliers"] == 0


def test_low_confidence_masked():
    p = project_front(demo_motion(fps=30.0).positions[:30])
    conf = np.ones(p.shape[:2])
    conf[10, J["nose"]] = 0.1
    out, report = mask_low_confidence(_video_like(p, conf=conf), min_confidence=0.3)
    assert report["masked_points"] == 1
    assert np.isnan(out.positions[10, J["nose"]]).all()


def test_lowpass_removes_jitter_keeps_movement():
    fps = 60.0
    t = np.arange(0, 5, 1 / fps)
    base = demo_motion(fps=fps, noise_m=0.0).positions[: len(t)]
    rng = np.random.default_rng(0)
    noisy = base + rng.normal(0, 0.01, base.shape)
    m = Motion(positions=noisy, confidence=np.ones(base.shape[:2]), times=t, fps=fps)
    out, report = lowpass(m, cutoff_hz=8.0)
    err_before = np.sqrt(np.mean((noisy - base) ** 2))
    err_after = np.sqrt(np.mean((out.positions - base) ** 2))
    # white noise keeps ~ cut-off / Nyquist = 8/30 of its power: RMS x ~0.52
    assert err_after < 0.6 * err_before
    kept, _ = lowpass(m.replace(positions=base), cutoff_hz=8.0)
    assert np.abs(kept.positions - base).max() < 0.002  # the dance itself passes (< 2 mm)
    assert "8.0 Hz" in report["filter"]


def test_butterworth_cutoff_corrected_for_two_passes():
    from scipy import signal

    fps = 100.0
    sos = butterworth_sos(cutoff_hz=8.0, fps=fps)
    w, h = signal.sosfreqz(sos, worN=4096, fs=fps)
    gain_two_passes = np.abs(h) ** 2
    f3db = w[np.argmin(np.abs(gain_two_passes - 1 / np.sqrt(2)))]
    assert f3db == pytest.approx(8.0, abs=0.1)
    assert butterworth_sos(cutoff_hz=8.0, fps=15.0) is None
