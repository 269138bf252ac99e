"""Technique benchmark: injected faults found, clean steps left alone, by view.

Each studio fault (knees falling in, a bent supporting knee, a low retiré, a hitched
hip, a sickled foot) is danced in the steps it belongs to, next to the same steps
danced cleanly, over several seeds.  Every performance is analysed as motion
capture (the true 3D) and through a perfect pose model from the front, the side
and three-quarters (:func:`balletmirror.studio.video.ideal_pose_model`), so the
figures measure the manual and its measures, not the pose model (whose cost is in
benchmarks/accuracy.py).  The script prints, per source:

* fault recall: the share of injected faults whose criterion gave a correction
  (a fault the view or source cannot judge counts as missed: it is reported as not
  assessable, never guessed);
* clean-step corrections: the share of steps danced without a fault that were
  nevertheless given a correction, and by which criterion;
* not assessable: which criteria each view declined, and how often.

    .venv/bin/python benchmarks/technique_accuracy.py            # ~1 min
    .venv/bin/python benchmarks/technique_accuracy.py --seeds 5 --json figures.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

from balletmirror.analysis.pipeline import analyze_motion
from balletmirror.core.camera import camera_preset
from balletmirror.evaluate import evaluate
from balletmirror.studio.perform import perform
from balletmirror.studio.video import ideal_pose_model

PHRASES = [
    "5th; plie demi; plie demi fault=knees_in; plie grand; plie grand fault=knees_in",
    "5th; releve; releve fault=sickled_foot; releve fault=bent_supporting_knee",
    "5th; tendu side right; tendu front left fault=bent_supporting_knee; degage side left",
    "5th; passe right; passe right fault=low_passe; passe left fault=bent_supporting_knee",
    "5th; developpe side right 90; developpe side right 90 fault=hip_hiking; "
    "grand_battement side left 100 fault=hip_hiking; arabesque right 80",
    "5th; saute x2; saute fault=knees_in; changement",
    "5th; pirouette en_dehors right 2; pirouette en_dehors right 2 fault=low_passe",
]
SOURCES = ("3d", "front", "side", "three-quarter")


def run(seeds: int) -> dict:
    """Figures per source (see the module docstring)."""
    out = {}
    for source in SOURCES:
        found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        alarms: Counter = Counter()
        declined: Counter = Counter()
        clean = flagged = 0
        for seed in range(seeds):
            for i, text in enumerate(PHRASES):
                perf = perform(text, fps=30.0, seed=100 * seed + i)
                motion = perf.motion if source == "3d" else ideal_pose_model(
                    perf.motion, camera_preset(source))
                analysis = analyze_motion(motion, source={})
                steps = [s.to_json() for s in analysis.steps]
                faults = evaluate({"steps": steps, "turns_total": 0.0}, perf.truth)["faults"]
                for name, f in faults["by_fault"].items():
                    found[name][0] += f["detected"]
                    found[name][1] += f["count"]
                clean += faults["clean_steps"]
                flagged += faults["false_alarm_steps"]
                alarms.update(faults["false_alarm_criteria"])
                for step in analysis.steps:
                    declined.update(r["criterion"] for r in step.criteria
                                    if not r["assessable"])
        total = [sum(v[i] for v in found.values()) for i in (0, 1)]
        out[source] = {"fault_recall": total[0] / total[1] if total[1] else None,
                       "by_fault": {k: f"{d}/{n}" for k, (d, n) in sorted(found.items())},
                       "clean_steps": clean,
                       "clean_steps_corrected": flagged / clean if clean else None,
                       "false_alarms": dict(alarms.most_common()),
                       "not_assessable": dict(declined.most_common())}
    return out


def print_table(figures: dict) -> None:
    print("=== technique: injected faults and clean steps, studio ground truth ===")
    for source, f in figures.items():
        label = "motion capture" if source == "3d" else f"perfect pose model, {source} view"
        print(f"{label}: faults found {f['fault_recall']:.1%} ({f['by_fault']}); "
              f"clean steps given a correction {f['clean_steps_corrected']:.1%} "
              f"of {f['clean_steps']}" + (f" {f['false_alarms']}" if f["false_alarms"] else ""))
        if f["not_assessable"]:
            print(f"  not assessable here: {f['not_assessable']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=2, help="repeats of every phrase")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args(argv)
    figures = run(args.seeds)
    print_table(figures)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
