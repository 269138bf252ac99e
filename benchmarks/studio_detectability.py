"""Does the pose model see the studio's mannequin like a real dancer?

Renders 3D motions (the built-in demo at a few seeds, body heights and camera yaw
offsets, and a studio performance when :mod:`balletmirror.studio.perform` offers
``perform``) from the front, side, three-quarter and back presets, with a clean
look and a degraded one (blur and pixel noise), reads every video back through
``balletmirror.io.read_motion`` (MediaPipe Pose) and compares the 2D keypoints
with the projected truth (``project_motion``).

Per view and look it prints:

* **detected**: frames where the person is found (hips and shoulders present);
* **within 5 %** (the headline): frames whose mean error over the 12 limb joints
  (shoulders, elbows, wrists, hips, knees, ankles) is below 5 % of the body height;
  frames without a person count as failures.  Body height in pixels is the
  projected standing height at the dancer's distance, ``f * H / depth(mid_hip)``,
  computed from the truth;
* the same after ``balletmirror.features.clean.clean_motion`` (which masks low-confidence
  joints and repairs left/right swaps): the mean is over the limb joints cleaning
  kept, and the share of limb joints it masked is shown beside it;
* the median error over the limb joints and the worst joint's median, % of height;

then a table of per-joint median errors (% of height) per view, raw and cleaned,
and the rendering speed.  Target from the issue: >= 90 % of frames within 5 % from
the front, side and three-quarter views.  Measured, never asserted (STYLE.md 10).

Usage::

    .venv/bin/python benchmarks/studio_detectability.py [--quick] [--json FILE] [--keep DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from balletmirror.core.camera import PRESET_YAW_DEG, camera_preset  # noqa: E402
from balletmirror.core.motion import Motion  # noqa: E402
from balletmirror.core.skeleton import J  # noqa: E402
from balletmirror.features.clean import clean_motion  # noqa: E402
from balletmirror.io import read_motion  # noqa: E402
from balletmirror.studio.procedural import demo_motion  # noqa: E402
from balletmirror.studio.video import (  # noqa: E402
    project_motion,
    render_frames,
    render_video,
    standing_height_px,
)

VIEWS = ("front", "side", "three-quarter", "back")
LIMB_NAMES = tuple(f"{s}_{n}" for n in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle")
                   for s in ("left", "right"))
LIMBS = [J[n] for n in LIMB_NAMES]
TOLERANCE = 0.05
TARGET = 0.90
LOOKS = {"clean": {}, "blur+noise": {"blur_px": 1.2, "noise_std": 8.0}}
CHOREOGRAPHY = ("5th; plie demi x2; plie grand; releve; tendu front right; "
                "developpe side left 90; passe right; pirouette en_dehors right 2; "
                "arabesque right 80")


@dataclasses.dataclass(frozen=True)
class Case:
    """One motion to render: its name, the Motion, body height (m), camera yaw offset."""

    name: str
    motion: Motion
    height_m: float
    yaw_offset_deg: float


def demo_cases(fps: float, quick: bool) -> list[Case]:
    """The demo at a few seeds, heights and yaw offsets (one in ``quick`` mode)."""
    variants = [(0, 1.65, 0.0), (1, 1.50, 20.0), (2, 1.80, -20.0)]
    cases = []
    for seed, height, yaw in variants[:1] if quick else variants:
        motion = demo_motion(fps=fps, height=height, seed=seed)
        if quick:
            motion = motion.slice(int(9.0 * fps), int(12.5 * fps))  # relevé, passé, turns
        cases.append(Case(f"demo s{seed} H{height:.2f} yaw{yaw:+.0f}", motion, height, yaw))
    return cases


def performance_case(fps: float) -> Case | None:
    """A studio performance, if ``balletmirror.studio.perform.perform`` exists yet."""
    try:
        from balletmirror.studio import perform as module
    except ImportError:
        return None
    perform = getattr(module, "perform", None)
    if not callable(perform):
        return None
    result = perform(CHOREOGRAPHY, fps=fps)
    motion = result if isinstance(result, Motion) else getattr(result, "motion", None)
    if not isinstance(motion, Motion):
        print(f"(skipping the performance: perform() returned {type(result).__name__})")
        return None
    height = float(motion.provenance.get("height_m", 1.65))
    return Case("performance", motion, height, 0.0)


def errors_in_height(motion: Motion, truth: np.ndarray, height_px: np.ndarray) -> np.ndarray:
    """(frames, joints) distance to the truth in body heights (NaN where missing)."""
    return np.linalg.norm(motion.positions - truth, axis=-1) / height_px[:, None]


def within(err: np.ndarray, covered: np.ndarray) -> np.ndarray:
    """(frames,) bool: a person found and the mean limb error (over the limb joints
    present) below the tolerance."""
    limb = err[:, LIMBS]
    present = np.isfinite(limb).any(axis=1)
    mean = np.nanmean(np.where(present[:, None], limb, 0.0), axis=1)
    return covered & present & (mean < TOLERANCE)


def measure(case: Case, view: str, look: str, workdir: Path) -> dict:
    """Render, read back, compare: one row of figures and the per-frame errors."""
    yaw = PRESET_YAW_DEG[view] + case.yaw_offset_deg
    camera = camera_preset(view, yaw_deg=yaw, target_m=(0.0, 0.55 * case.height_m, 0.0))
    video = workdir / f"{case.name.replace(' ', '_')}_{view}_{look}.mp4"
    render_video(case.motion, None, camera, video, height_m=case.height_m, **LOOKS[look])
    raw = read_motion(video)
    clean, _ = clean_motion(raw)
    truth = project_motion(case.motion, camera)
    height_px = standing_height_px(case.motion, camera, height_m=case.height_m)
    n = min(raw.n_frames, len(truth))
    truth, height_px = truth[:n], height_px[:n]
    raw_err = errors_in_height(raw.slice(0, n), truth, height_px)
    clean_err = errors_in_height(clean.slice(0, n), truth, height_px)
    return {"case": case.name, "view": view, "look": look, "frames": n,
            "detected": raw.covered[:n], "within_raw": within(raw_err, raw.covered[:n]),
            "within_clean": within(clean_err, clean.covered[:n] | raw.covered[:n]),
            "raw_err": raw_err, "clean_err": clean_err,
            "masked_clean": ~np.isfinite(clean_err[:, LIMBS]) & raw.covered[:n, None]}


def pooled(rows: list[dict]) -> dict:
    """Figures of several rows with their frames pooled."""
    cat = {k: np.concatenate([r[k] for r in rows]) for k in
           ("detected", "within_raw", "within_clean", "raw_err", "clean_err", "masked_clean")}
    raw_limb = cat["raw_err"][:, LIMBS]
    med_raw = np.nanmedian(raw_limb, axis=0) * 100
    return {"frames": int(len(cat["detected"])),
            "detected": float(cat["detected"].mean()),
            "within_5pct_raw": float(cat["within_raw"].mean()),
            "within_5pct_clean": float(cat["within_clean"].mean()),
            "masked_by_cleaning": float(cat["masked_clean"].mean()),
            "median_limb_error_pct": float(np.nanmedian(raw_limb) * 100),
            "worst_joint": LIMB_NAMES[int(np.nanargmax(med_raw))],
            "worst_joint_median_pct": float(np.nanmax(med_raw)),
            "per_joint_median_pct_raw": by_joint(med_raw),
            "per_joint_median_pct_clean": by_joint(
                np.nanmedian(cat["clean_err"][:, LIMBS], axis=0) * 100)}


def by_joint(values: np.ndarray) -> dict[str, float]:
    """{limb joint name: value rounded to 0.01} for values (12,) in LIMB_NAMES order."""
    return {name: round(float(v), 2) for name, v in zip(LIMB_NAMES, values, strict=True)}


def summary_table(rows: list[dict]) -> tuple[list[str], dict]:
    """Lines of the per-view table and the figures behind them."""
    head = (f"{'view':<14}{'look':<12}{'frames':>7}{'detected':>10}{'within 5%':>11}"
            f"{'cleaned':>9}{'masked':>8}{'median':>8}  worst joint (median)")
    lines, figures = [head, "-" * len(head)], {}
    for view in VIEWS:
        for look in LOOKS:
            sel = [r for r in rows if r["view"] == view and r["look"] == look]
            if not sel:
                continue
            p = pooled(sel)
            figures[f"{view}/{look}"] = p
            lines.append(f"{view:<14}{look:<12}{p['frames']:>7}{p['detected']:>10.1%}"
                         f"{p['within_5pct_raw']:>11.1%}{p['within_5pct_clean']:>9.1%}"
                         f"{p['masked_by_cleaning']:>8.1%}{p['median_limb_error_pct']:>7.1f}%"
                         f"  {p['worst_joint']} ({p['worst_joint_median_pct']:.1f}%)")
    return lines, figures


def joint_table(figures: dict) -> list[str]:
    """Per-joint median error (% of height) per view, raw/cleaned, the clean look."""
    views = [v for v in VIEWS if f"{v}/clean" in figures]
    lines = ["median error per joint, % of body height (raw / cleaned), clean look",
             f"{'joint':<16}" + "".join(f"{v:>16}" for v in views)]
    for name in LIMB_NAMES:
        cells = []
        for v in views:
            f = figures[f"{v}/clean"]
            cells.append(f"{f['per_joint_median_pct_raw'][name]:>9.1f} / "
                         f"{f['per_joint_median_pct_clean'][name]:<4.1f}")
        lines.append(f"{name:<16}" + "".join(f"{c:>16}" for c in cells))
    return lines


def render_speed(case: Case, frames: int = 120) -> float:
    """Frames/s of :func:`render_frames` alone (no encoding), front view."""
    motion = case.motion.slice(0, min(frames, case.motion.n_frames))
    camera = camera_preset("front")
    start = time.perf_counter()
    n = sum(1 for _ in render_frames(motion, camera, height_m=case.height_m))
    return n / (time.perf_counter() - start)


def run(cases: list[Case], looks: list[str], workdir: Path) -> list[dict]:
    rows = []
    for case in cases:
        for view in VIEWS:
            for look in looks:
                start = time.perf_counter()
                rows.append(measure(case, view, look, workdir))
                r = rows[-1]
                print(f"  {case.name:<26}{view:<14}{look:<12} within 5%: "
                      f"{r['within_raw'].mean():6.1%} raw, {r['within_clean'].mean():6.1%} "
                      f"cleaned  ({time.perf_counter() - start:.0f} s)", flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="one demo variant, 3.5 s of it, the clean look only")
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--keep", type=Path, help="keep the rendered videos in this folder")
    args = parser.parse_args(argv)
    cases = demo_cases(args.fps, args.quick)
    extra = None if args.quick else performance_case(args.fps)
    cases += [extra] if extra is not None else []
    looks = ["clean"] if args.quick else list(LOOKS)
    speed = render_speed(cases[0])
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        rows = run(cases, looks, workdir)
        elapsed = time.perf_counter() - start
    lines, figures = summary_table(rows)
    print()
    print("\n".join(lines))
    print()
    print("\n".join(joint_table(figures)))
    print(f"\nrendering: {speed:.0f} frames/s at 960x540 (drawing only, one process); "
          f"whole benchmark {elapsed:.0f} s")
    print(f"target: >= {TARGET:.0%} of frames within {TOLERANCE:.0%} of body height "
          "from front, side and three-quarter")
    if args.json:
        doc = {"benchmark": "studio_detectability", "tolerance": TOLERANCE, "target": TARGET,
               "cases": [c.name for c in cases], "looks": LOOKS, "views": figures,
               "render_fps": speed, "elapsed_s": elapsed, "machine": platform.platform(),
               "python": platform.python_version()}
        args.json.write_text(json.dumps(doc, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
