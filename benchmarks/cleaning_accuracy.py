"""Accuracy of the cleaning and kinematics stages against known ground truth.

The truth is the built-in demo performance (``balletmirror.studio.procedural``: two demi-pliés, a
grand plié, relevé passé and two pirouettes) without noise.  For each seed it is
corrupted the way a pose model corrupts a video: seen from the front (orthographic,
300 px per metre) at 30 frames/s, with Gaussian jitter, left/right leg and arm label
swaps over whole stretches of frames, dropped points (short gaps) and wild outliers.
The corrupted Motion goes through :func:`balletmirror.features.clean.clean_motion` and
:func:`balletmirror.features.kinematics.compute_kinematics`, and the script prints, raw vs
clean: joint position error, knee-angle error, and how many swapped frames were
found.  The 3D part does the same with mocap-like noise and checks the turn count
and the height estimate.

    .venv/bin/python benchmarks/cleaning_accuracy.py [--seeds 20] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from balletmirror.core.motion import Motion
from balletmirror.core.skeleton import group_pairs
from balletmirror.features.clean import clean_motion
from balletmirror.features.kinematics import compute_kinematics, joint_angle, rotation_segments
from balletmirror.studio.procedural import demo_motion

FPS = 30.0
PX_PER_M = 300.0
N_FRAMES = 390  # the demo's 13 s at 30 frames/s


def project_front(points: np.ndarray) -> np.ndarray:
    """Orthographic front view: x right, y down, pixels."""
    return np.stack([480 + PX_PER_M * points[..., 0], 520 - PX_PER_M * points[..., 1]], -1)


def _swap_stretches(rng, n_frames: int, count: int) -> list[tuple[int, int]]:
    starts = rng.choice(np.arange(10, n_frames - 90), size=count, replace=False)
    return [(int(s), int(s + rng.integers(5, 90))) for s in np.sort(starts)]


def corrupt(truth: np.ndarray, rng: np.random.Generator, *, jitter_px: float):
    """Pose-model-like corruption of (frames, joints, 2) truth.

    Returns (positions, confidence, swapped: {group: (frames,) bool}).
    """
    pos = truth + rng.normal(0.0, jitter_px, truth.shape)
    conf = np.full(truth.shape[:2], 0.9)
    swapped = {g: np.zeros(len(truth), dtype=bool) for g in ("legs", "arms", "face")}
    for group, count in (("legs", 4), ("arms", 2), ("face", 1)):
        for a, b in _swap_stretches(rng, len(truth), count):
            for i, k in group_pairs(group):
                pos[a:b, [i, k]] = pos[a:b, [k, i]]
            swapped[group][a:b] ^= True
    for _ in range(40):  # dropped points: gaps of 1-8 frames
        j, s = rng.integers(0, 21), rng.integers(0, len(truth) - 8)
        pos[s:s + rng.integers(1, 9), j] = np.nan
    wild = rng.random(truth.shape[:2]) < 0.005
    pos[wild] += rng.choice([-1, 1], size=(wild.sum(), 2)) * rng.uniform(40, 150, (wild.sum(), 2))
    conf[np.isnan(pos).any(axis=-1)] = 0.0
    return pos, conf, swapped


def _rms(a: np.ndarray, b: np.ndarray) -> float:
    d = np.linalg.norm(a - b, axis=-1)
    return float(np.sqrt(np.nanmean(d**2)))


def _knee_rms(points: np.ndarray, truth: np.ndarray) -> float:
    errs = []
    for s in ("left", "right"):
        ang = joint_angle(points, f"{s}_hip", f"{s}_knee", f"{s}_ankle")
        ref = joint_angle(truth, f"{s}_hip", f"{s}_knee", f"{s}_ankle")
        errs.append(ang - ref)
    return float(np.sqrt(np.nanmean(np.square(errs))))


def run_2d(seed: int, jitter_px: float) -> dict:
    """One seeded 2D case: raw and cleaned errors against the truth."""
    rng = np.random.default_rng(seed)
    truth = project_front(demo_motion(fps=FPS, noise_m=0.0).positions)
    pos, conf, swapped = corrupt(truth, rng, jitter_px=jitter_px)
    raw = Motion(positions=pos, confidence=conf, times=np.arange(len(pos)) / FPS, fps=FPS,
                 space="image", units="px", provenance={"reader": "video"})
    clean, report = clean_motion(raw)
    height_px = 1.65 * PX_PER_M
    labels = {}
    for g in swapped:
        labels[f"{g}_swapped_frames"] = int(swapped[g].sum())
        labels[f"{g}_wrong_after_clean"] = int(_mislabelled(clean.positions, truth, g).sum())
    return labels | {
        "raw_rms_px": _rms(raw.positions, truth), "clean_rms_px": _rms(clean.positions, truth),
        "clean_rms_pct_height": 100 * _rms(clean.positions, truth) / height_px,
        "raw_knee_rms_deg": _knee_rms(raw.positions, truth),
        "clean_knee_rms_deg": _knee_rms(clean.positions, truth),
        "missing_after_clean": int(np.isnan(clean.positions).any(axis=-1).sum()),
        "outliers_rejected": report["outliers"],
    }


def _mislabelled(points: np.ndarray, truth: np.ndarray, group: str) -> np.ndarray:
    """Frames whose ``group`` labels are nearer the truth's mirror than the truth."""
    pairs = group_pairs(group)
    idx = [i for i, _ in pairs] + [k for _, k in pairs]
    mirror = [k for _, k in pairs] + [i for i, _ in pairs]
    same = np.linalg.norm(points[:, idx] - truth[:, idx], axis=-1).sum(axis=1)
    other = np.linalg.norm(points[:, idx] - truth[:, mirror], axis=-1).sum(axis=1)
    return other + 1e-9 < same


def run_3d(seed: int) -> dict:
    """One seeded 3D (mocap-like) case: 5 mm noise and gaps; turns, knee angle, height."""
    truth = demo_motion(noise_m=0.0)
    noisy = demo_motion(noise_m=0.005, seed=seed)
    pos = noisy.positions.copy()
    rng = np.random.default_rng(seed)
    for _ in range(20):
        j, s = rng.integers(0, 21), rng.integers(0, len(pos) - 10)
        pos[s:s + rng.integers(1, 11), j] = np.nan
    clean, _ = clean_motion(noisy.replace(positions=pos))
    kin = compute_kinematics(clean)
    turns = sum(abs(r["turns"]) for r in rotation_segments(kin.times, kin["yaw"]))
    return {"raw_knee_rms_deg": _knee_rms(pos, truth.positions),
            "clean_knee_rms_deg": _knee_rms(clean.positions, truth.positions),
            "turns_error": turns - 2.0, "height_error_m": kin.height - 1.65}


def _summary(rows: list[dict]) -> dict:
    return {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)
    out = {}
    for jitter in (2.0, 5.0):
        rows = [run_2d(seed, jitter) for seed in range(args.seeds)]
        name = f"2d_jitter_{jitter:g}px"
        out[name] = _summary(rows)
        for g in ("legs", "arms", "face"):
            out[name][f"{g}_labels_right_pct"] = 100 * (1 - sum(
                r[f"{g}_wrong_after_clean"] for r in rows) / (len(rows) * N_FRAMES))
    rows3 = [run_3d(seed) for seed in range(args.seeds)]
    out["3d_noise_5mm"] = _summary(rows3)
    out["3d_noise_5mm"]["exact_turn_count_pct"] = 100 * np.mean(
        [r["turns_error"] == 0 for r in rows3])
    print(f"=== cleaning accuracy: demo performance, {args.seeds} seeds per row (means) ===")
    for name, figures in out.items():
        print(name)
        for k, v in figures.items():
            print(f"  {k:>24}: {v:8.3f}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
