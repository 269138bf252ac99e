"""Expression and musicality benchmark: do the efforts order contrasting styles, and
is her timing on the music measured right?

1. Style ordering.  The studio dances the same phrase in two contrasting styles on
   each Laban axis (sudden / sustained, strong / light, indirect / direct, free /
   bound), over seeds and two phrases; a pair is ordered when the whole
   performance's effort value is higher for the first style.  Sources: motion
   capture (the true 3D), a perfect pose model from three views, and with
   ``--video N`` the first N pairs filmed and run through MediaPipe.
2. Lag.  A performance filmed ``--lags`` seconds behind its click track (the
   studio's clicks come that much earlier) is run through the whole pipeline
   (video -> MediaPipe -> the video's own soundtrack -> beats -> accents), and the
   measured lag is compared with the truth (target: within 40 ms).
3. The neutral dancer's efforts over whole performances, as motion capture (the
   style phrases) and through MediaPipe (the lag videos), the values
   :data:`balletmirror.analysis.expression.REFERENCE` should hold.

    .venv/bin/python benchmarks/expression_accuracy.py                 # ~1 min
    .venv/bin/python benchmarks/expression_accuracy.py --seeds 10 --video 10 --lag-seeds 4
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
from figures import merge_sureness

from balletmirror.analysis.expression import EFFORTS, REFERENCE, assess_expression
from balletmirror.analysis.pipeline import analyze_motion
from balletmirror.core.camera import camera_preset
from balletmirror.run import analyze_file
from balletmirror.studio.make import StudioSettings, make_performance
from balletmirror.studio.perform import perform
from balletmirror.studio.phrases import MUSICAL
from balletmirror.studio.video import ideal_pose_model

PHRASES = ["plie demi; tendu front right; port_de_bras front; releve; "
           "developpe side left 90; passe right",
           "plie grand; degage side right; arabesque right 80; balance 2; port_de_bras back"]
#: axis -> (the style that should score higher, the one that should score lower)
PAIRS = {"time": ("sudden", "sustained"), "weight": ("strong", "light"),
         "space": ("indirect", "direct"), "flow": ("free", "bound")}
VIEWS = ("front", "side", "three-quarter")
LAG_PHRASE = MUSICAL


def _text(style: str, phrase: str) -> str:
    return f"5th; style={style}; {phrase}"


def _effort(motion, axis: str) -> float:
    a = analyze_motion(motion, source={})
    return assess_expression(a.motion, a.signals, a.steps)["whole"]["efforts"][axis]


def ordering(seeds: int) -> dict:
    """Share of ordered pairs per axis and source (mocap, perfect pose model views)."""
    out: dict = {}
    for axis, (high, low) in PAIRS.items():
        wins: dict[str, list[bool]] = {"3d": [], **{v: [] for v in VIEWS}}
        for seed in range(seeds):
            for i, phrase in enumerate(PHRASES):
                perf = {s: perform(_text(s, phrase), fps=25.0, seed=10 * seed + i)
                        for s in (high, low)}
                wins["3d"].append(_effort(perf[high].motion, axis)
                                  > _effort(perf[low].motion, axis))
                for view in VIEWS:
                    cam = camera_preset(view)
                    wins[view].append(_effort(ideal_pose_model(perf[high].motion, cam), axis)
                                      > _effort(ideal_pose_model(perf[low].motion, cam), axis))
        out[axis] = {k: float(np.mean(v)) for k, v in wins.items()} | {"pairs": seeds * 2}
    return out


def ordering_video(pairs: int, work: Path) -> dict:
    """The same through MediaPipe on rendered videos (front view, the first ``pairs``
    pairs of each axis)."""
    out = {}
    for axis, (high, low) in PAIRS.items():
        wins = []
        for k in range(pairs):
            seed, i = divmod(k, len(PHRASES))
            value = {}
            for style in (high, low):
                folder = work / f"{axis}-{k}-{style}"
                paths = make_performance(_text(style, PHRASES[i]), folder,
                                         settings=StudioSettings(seed=10 * seed + i,
                                                                 music="none"),
                                         force=True)
                a = analyze_file(paths["video"])
                value[style] = a.expression["whole"]["efforts"][axis]
            wins.append(value[high] > value[low])
            print(f"  video {axis} pair {k}: {high} {value[high]:.4g} vs {low} "
                  f"{value[low]:.4g}", file=sys.stderr)
        out[axis] = {"video": float(np.mean(wins)), "pairs": pairs}
    return out


def lags(offsets: list[float], seeds: int, work: Path) -> list[dict]:
    """Measured against true lag, through the whole pipeline from the video."""
    rows = []
    for offset in offsets:
        for seed in range(seeds):
            folder = work / f"lag-{offset}-{seed}"
            paths = make_performance(LAG_PHRASE, folder, settings=StudioSettings(
                seed=seed, music_offset_s=offset, camera=VIEWS[seed % len(VIEWS)]),
                force=True)
            analysis = analyze_file(paths["video"])
            music = analysis.music or {}
            measured = music.get("lag_ms")
            rows.append({"true_ms": offset * 1000.0, "measured_ms": measured,
                         "view": VIEWS[seed % len(VIEWS)], "seed": seed,
                         "tempo_bpm": music.get("tempo_bpm"),
                         "error_ms": None if measured is None else measured - offset * 1000.0,
                         **_spans(analysis.expression)})
            print(f"  lag {offset * 1000:.0f} ms seed {seed}: measured {measured}",
                  file=sys.stderr)
    return rows


def _spans(expression: dict) -> dict:
    """Effort values of the whole performance and of every step, by effort."""
    steps = expression["phrases"]
    return {"whole": {k: [expression["whole"]["efforts"][k]] for k in EFFORTS},
            "step": {k: [p["efforts"][k] for p in steps if p["efforts"][k] is not None]
                     for k in EFFORTS}}


def neutral_reference(seeds: int) -> dict:
    """Median efforts of the neutral dancer (motion capture) over whole performances
    and over steps: the style phrases and the lag phrase."""
    values: dict = {"whole": {k: [] for k in EFFORTS}, "step": {k: [] for k in EFFORTS}}
    for seed in range(seeds):
        for i, phrase in enumerate([*PHRASES, MUSICAL[len("5th; "):]]):
            perf = perform(f"5th; {phrase}", fps=25.0, seed=10 * seed + i)
            a = analyze_motion(perf.motion, source={})
            for span, rows in _spans(assess_expression(a.motion, a.signals, a.steps)).items():
                for k in EFFORTS:
                    values[span][k] += rows[k]
    return {span: {k: float(np.median(v)) for k, v in rows.items()}
            for span, rows in values.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds per phrase and axis")
    parser.add_argument("--video", type=int, default=0, help="pairs per axis through video")
    parser.add_argument("--lags", type=float, nargs="*", default=[0.15, 0.0],
                        help="true lags to film, seconds")
    parser.add_argument("--lag-seeds", type=int, default=3, help="seeds per lag (the views "
                        "take turns: front, side, three-quarter)")
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--sureness", help="add the figures the report quotes to this "
                        "file (src/balletmirror/render/sureness.json)")
    parser.add_argument("--from-json", help="re-use a --json file of an earlier run instead "
                        "of running (with --sureness)")
    args = parser.parse_args(argv)
    if args.from_json:
        write_sureness(Path(args.sureness), json.loads(Path(args.from_json).read_text()))
        return 0
    figures: dict = {"ordering": ordering(args.seeds) if args.seeds else {}}
    with tempfile.TemporaryDirectory() as tmp:
        if args.video:
            for axis, row in ordering_video(args.video, Path(tmp)).items():
                figures["ordering"][axis].update(video=row["video"], video_pairs=row["pairs"])
        figures["lags"] = lags(args.lags, args.lag_seeds, Path(tmp))
    figures["neutral"] = neutral_reference(max(args.seeds, 1))
    print("=== style ordering: share of seeded pairs ordered (target >= 95%) ===")
    for axis, row in figures["ordering"].items():
        high, low = PAIRS[axis]
        cells = ", ".join(f"{k} {v:.0%}" for k, v in row.items() if k not in ("pairs",
                                                                              "video_pairs"))
        print(f"  {axis:>6} ({high} > {low}, {row['pairs']} pairs): {cells}")
    print("=== lag on the music, from the video through the whole pipeline (target +-40 ms) ===")
    errors = [r["error_ms"] for r in figures["lags"] if r["error_ms"] is not None]
    for r in figures["lags"]:
        print(f"  true {r['true_ms']:5.0f} ms  {r['view']:>13}  measured {r['measured_ms']} ms"
              f"  (tempo {r['tempo_bpm']})")
    within = np.mean([abs(e) <= 40.0 for e in errors]) if errors else float("nan")
    print(f"  within 40 ms: {within:.0%} of {len(figures['lags'])}; mean abs error "
          f"{np.mean(np.abs(errors)) if errors else float('nan'):.1f} ms")
    video = {span: {k: float(np.median([x for r in figures["lags"] for x in r[span][k]]))
                    for k in EFFORTS} for span in ("whole", "step")}
    figures["neutral_video"] = video
    print("=== the neutral dancer's efforts (medians; REFERENCE in expression.py) ===")
    for span in ("whole", "step"):
        for k in EFFORTS:
            print(f"  {span:>5} {k:>6}: motion capture {figures['neutral'][span][k]:.4g} "
                  f"(REFERENCE {REFERENCE['world'][span][k]}), MediaPipe video "
                  f"{video[span][k]:.4g} (REFERENCE {REFERENCE['image'][span][k]})")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    if args.sureness:
        write_sureness(Path(args.sureness), figures)
    return 0


def write_sureness(path: Path, figures: dict) -> None:
    """Add ``expression`` (the lowest style-ordering share over axes and sources) and
    ``music`` (the lag from video: cases within 40 ms, mean absolute and signed error)
    to the report's figures file, keeping what else it holds."""
    shares = [v for row in figures["ordering"].values() for k, v in row.items()
              if k not in ("pairs", "video_pairs")]
    errors = np.array([r["error_ms"] for r in figures["lags"] if r["error_ms"] is not None])
    merge_sureness(
        path,
        expression={"ordering_min": round(float(min(shares)), 3) if shares else None,
                    "measured_by": "benchmarks/expression_accuracy.py"},
        music={"lag_cases": len(figures["lags"]),
               "lag_within_40ms": int(np.sum(np.abs(errors) <= 40.0)),
               "lag_mae_ms": round(float(np.mean(np.abs(errors))), 1),
               "lag_bias_ms": round(float(np.mean(errors)), 1),
               "measured_by": "benchmarks/expression_accuracy.py"})


if __name__ == "__main__":
    sys.exit(main())
