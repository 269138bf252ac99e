"""The accuracy suite: seeded studio performances, analysed and scored against truth.

A fixed list of performances (``suite()``: >= 50 cases) covers every step of
DESIGN.md's list, turn counts from 1 to 32 (pirouettes, tours en l'air, fouettés at
several tempos), three camera views (front, side, three-quarter) and two image
qualities (clean; blurred with sensor noise).  Each is filmed in the synthetic studio,
run through ``balletmirror analyze`` (the library call, as the CLI does) and scored
with ``balletmirror evaluate``; the script prints the table the next issues must
raise: step detection F1 overall and per step, turn counts exact to the quarter
turn, the whole-body turn total, metric errors, by view and by image quality.

    .venv/bin/python benchmarks/accuracy.py              # the whole suite (~10-15 min)
    .venv/bin/python benchmarks/accuracy.py --quick      # 1 case in 5, a smoke run
    .venv/bin/python benchmarks/accuracy.py --json figures.json --keep DIR
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from figures import merge_sureness

from balletmirror.analysis.pipeline import analyze_motion, results_document
from balletmirror.core.motion import load_motion
from balletmirror.evaluate import evaluate
from balletmirror.run import analyze
from balletmirror.studio.make import StudioSettings, make_camera, make_performance
from balletmirror.studio.phrases import PHRASES, TURNING
from balletmirror.studio.video import ideal_pose_model

VIEWS = ("front", "side", "three-quarter")
QUALITIES = {"clean": (0.0, 0.0), "noisy": (1.5, 8.0)}  # (blur px, noise std)

def suite() -> list[dict]:
    """The fixed, seeded list of cases: every phrase and turning sequence from each of
    the three views, alternating clean and noisy images (54 cases)."""
    cases = []
    for i, text in enumerate(PHRASES + TURNING):
        for j, view in enumerate(VIEWS):
            quality = ("clean", "noisy")[(i + j) % 2]
            cases.append({"id": f"{i:02d}-{view}-{quality}", "choreography": text,
                          "camera": view, "quality": quality, "seed": 100 * i + j})
    return cases


def run_case(case: dict, workdir: Path) -> dict:
    """Film, analyse and score one case; returns its evaluation and timings."""
    blur, noise = QUALITIES[case["quality"]]
    settings = StudioSettings(camera=case["camera"], seed=case["seed"], blur_px=blur,
                              noise_std=noise)
    out = workdir / case["id"]
    t0 = time.perf_counter()
    paths = make_performance(case["choreography"], out / "studio", settings=settings,
                             force=True)
    t1 = time.perf_counter()
    run = analyze(paths["video"])
    run.write(out / "analysis", views=False, force=True)
    analysis = run.analysis
    t2 = time.perf_counter()
    truth = json.loads(paths["truth"].read_text())
    report = evaluate(run.results, truth)
    # the same performance as motion capture (the true 3D) and through a perfect pose
    # model (the true keypoints from this camera): what the pose model's errors cost
    true_motion = load_motion(paths["motion"])
    oracles = {}
    for name, motion in (("mocap", true_motion),
                         ("ideal", ideal_pose_model(true_motion, make_camera(settings)))):
        a = analyze_motion(motion, source=analysis.source)
        oracles[name] = evaluate(results_document(a), truth)
    return {**case, "report": report, "oracles": oracles, "render_s": t1 - t0,
            "analyze_s": t2 - t1, "frames": analysis.motion.n_frames,
            "coverage": analysis.cleaning["coverage"]}


def _mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return float(np.mean(values)) if values else None


def _fmt(value, pattern: str = "{:.2f}") -> str:
    return "n/a" if value is None else pattern.format(value)


def _group_rows(rows: list[dict], key: str) -> dict[str, list[dict]]:
    groups = defaultdict(list)
    for row in rows:
        groups[row[key]].append(row)
    return groups


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def oracle_rows(rows: list[dict], name: str) -> list[dict]:
    """The rows with the ``name`` oracle's report in place of the pose model's."""
    return [{**r, "report": r["oracles"][name]} for r in rows]


def summarise(rows: list[dict]) -> dict:
    """Aggregate figures over cases: detection, turns, metrics, by view and quality."""
    det = [r["report"]["detection"] for r in rows]
    tp = sum(d["matched"] for d in det)
    n_true = sum(d["true"] for d in det)
    n_pred = sum(d["predicted"] for d in det)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_true if n_true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    turn_steps = [s for r in rows for s in r["report"]["turns"]["steps"]]
    totals = [r["report"]["turns"]["total"] for r in rows]
    per_step = defaultdict(lambda: [0, 0, 0])  # matched, true, predicted
    for r in rows:
        for name, figures in r["report"]["per_step"].items():
            per_step[name][0] += figures["matched"]
            per_step[name][1] += figures["support"]
            per_step[name][2] += figures["predicted"]
    metrics = defaultdict(list)
    for r in rows:
        for m in r["report"]["metrics"]["numeric"]:
            metrics[f"{m['step']}.{m['metric']}"].append(m["mae"])
    faults = [r["report"]["faults"] for r in rows]
    return {
        "fault_recall": _ratio(sum(f["detected"] for f in faults),
                               sum(f["true_faults"] for f in faults)),
        "clean_steps_corrected": _ratio(sum(f["false_alarm_steps"] for f in faults),
                                        sum(f["clean_steps"] for f in faults)),
        "cases": len(rows), "true_steps": n_true, "predicted_steps": n_pred,
        "precision": precision, "recall": recall, "f1": f1,
        "per_step_f1": {name: (2 * m / (t + p) if t + p else 0.0)
                        for name, (m, t, p) in sorted(per_step.items()) if t},
        "turn_sequences": len(turn_steps),
        "turns_exact_fraction": _mean([1.0 if s["exact"] else 0.0 for s in turn_steps]),
        "turns_total_abs_error": _mean([abs(t["predicted"] - t["true"]) for t in totals]),
        "turns_total_exact_fraction": _mean([1.0 if abs(t["predicted"] - t["true"]) < 0.125
                                             else 0.0 for t in totals]),
        "metric_mae": {k: _mean(v) for k, v in sorted(metrics.items())},
        "coverage": _mean([r["coverage"] for r in rows]),
    }


def print_table(rows: list[dict], summary: dict) -> None:
    print(f"=== accuracy suite: {summary['cases']} studio performances ===")
    print(f"person found on {summary['coverage']:.1%} of frames (mean)")
    print(f"steps: {summary['true_steps']} true, {summary['predicted_steps']} predicted; "
          f"precision {summary['precision']:.3f}, recall {summary['recall']:.3f}, "
          f"F1 {summary['f1']:.3f} (target >= 0.90)")
    for name, f1 in summary["per_step_f1"].items():
        print(f"  {name:>16}: F1 {f1:.3f}")
    print(f"turning steps: {summary['turn_sequences']}, counted exactly: "
          f"{_fmt(summary['turns_exact_fraction'], '{:.1%}')} (target >= 95%)")
    print(f"whole-body turn total per performance: mean abs error "
          f"{_fmt(summary['turns_total_abs_error'])} turns, exact in "
          f"{_fmt(summary['turns_total_exact_fraction'], '{:.1%}')} of performances")
    for name, mae in summary["metric_mae"].items():
        print(f"  metric {name}: mean abs error {_fmt(mae)}")
    for key in ("camera", "quality"):
        for value, group in sorted(_group_rows(rows, key).items()):
            s = summarise(group)
            print(f"{key} {value:>13}: F1 {s['f1']:.3f}, turn totals exact "
                  f"{_fmt(s['turns_total_exact_fraction'], '{:.1%}')}, mean abs error "
                  f"{_fmt(s['turns_total_abs_error'])} turns ({len(group)} cases)")
    print(f"technique: faults found {_fmt(summary['fault_recall'], '{:.1%}')}, clean steps "
          f"given a correction {_fmt(summary['clean_steps_corrected'], '{:.1%}')}")
    for name, label in (("mocap", "as motion capture (true 3D)"),
                        ("ideal", "through a perfect pose model")):
        o = summarise(oracle_rows(rows, name))
        print(f"same performances {label}: step F1 {o['f1']:.3f}, turns exact "
              f"{_fmt(o['turns_exact_fraction'], '{:.1%}')}, faults found "
              f"{_fmt(o['fault_recall'], '{:.1%}')}, clean steps corrected "
              f"{_fmt(o['clean_steps_corrected'], '{:.1%}')}")
        low = {k: v for k, v in o["per_step_f1"].items() if v < 0.8}
        if low:
            print("  below 0.8: " + ", ".join(f"{k} {v:.2f}" for k, v in low.items()))
    frames = sum(r["frames"] for r in rows)
    print(f"time: render {sum(r['render_s'] for r in rows):.0f} s, analyse "
          f"{sum(r['analyze_s'] for r in rows):.0f} s for {frames} frames")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="every 5th case only")
    parser.add_argument("--json", help="write the figures and per-case reports here")
    parser.add_argument("--keep", help="keep the videos and analyses in this folder")
    parser.add_argument("--sureness", help="write the per-source figures the report quotes "
                        "(src/balletmirror/render/sureness.json) here")
    parser.add_argument("--from-json", help="re-use a --json file of an earlier run instead "
                        "of running the suite (with --sureness)")
    args = parser.parse_args(argv)
    if args.from_json:
        saved = json.loads(Path(args.from_json).read_text())
        write_sureness(Path(args.sureness), saved["summary"], saved["oracles"])
        return 0
    cases = suite()[::5] if args.quick else suite()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(args.keep) if args.keep else Path(tmp)
        rows = []
        for i, case in enumerate(cases, 1):
            row = run_case(case, workdir)
            total = row["report"]["turns"]["total"]
            print(f"[{i}/{len(cases)}] {case['id']}: F1 {row['report']['detection']['f1']:.2f}"
                  f", turns {total['predicted']:g}/{total['true']:g}", flush=True)
            rows.append(row)
    summary = summarise(rows)
    print_table(rows, summary)
    oracle = {name: summarise(oracle_rows(rows, name)) for name in ("mocap", "ideal")}
    if args.json:
        Path(args.json).write_text(json.dumps({"summary": summary, "oracles": oracle,
                                               "cases": rows}, indent=1))
    if args.sureness:
        write_sureness(Path(args.sureness), summary, oracle)
    return 0


def write_sureness(path: Path, video: dict, oracles: dict) -> None:
    """The figures the report quotes for "how sure is this number": per source (the
    pose model on video, motion capture), step F1 per step, the mean absolute error
    of each step metric, and the share of turn sequences counted exactly (added to
    ``path``, keeping what else it holds)."""
    def part(s: dict) -> dict:
        return {"f1": round(s["f1"], 3),
                "step_f1": {k: round(v, 3) for k, v in s["per_step_f1"].items()},
                "metric_mae": {k: round(v, 3) for k, v in s["metric_mae"].items()},
                "turns_exact": round(s["turns_exact_fraction"], 3),
                "cases": s["cases"]}
    merge_sureness(path, measured_by="benchmarks/accuracy.py on the synthetic studio",
                   date=time.strftime("%Y-%m-%d"), video=part(video),
                   mocap=part(oracles["mocap"]))


if __name__ == "__main__":
    sys.exit(main())
