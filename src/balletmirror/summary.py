"""The short terminal summary of an analysis (rich)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from .pipeline import Analysis


def summary_rows(analysis: Analysis) -> list[tuple[str, str]]:
    """(label, text) rows of the summary, plain strings (testable without a terminal)."""
    src, clean, kin = analysis.source, analysis.cleaning, analysis.kinematics
    rows = [("input", f"{src['path'] or 'built-in demo'} ({src['kind']})"),
            ("length", f"{src['duration_s']:.1f} s, {src['frames']} frames at "
                       f"{src['fps']:.3g} fps"),
            ("person found", f"{clean['coverage']:.0%} of frames")]
    for gap in clean["uncovered"][:3]:
        rows.append(("  nobody", f"{gap['start_s']:.2f}-{gap['end_s']:.2f} s"))
    swaps = sum(clean.get("swapped_frames", {}).values())
    rows.append(("cleaning", f"{clean['filled_points']} points filled, {clean['outliers']} "
                             f"outliers, {swaps} left/right swaps repaired"))
    height = "n/a" if np.isnan(kin.height) else f"{kin.height:.3g} {kin.height_units}"
    rows.append(("body height", f"{height} (angles measured in {kin.basis.upper()})"))
    rows += step_rows(analysis.steps)
    rows += technique_rows(analysis.technique)
    return rows


STEP_WORDS = {"plie": "plié", "releve": "relevé", "tendu": "tendu", "degage": "dégagé",
              "rond_de_jambe": "rond de jambe", "developpe": "développé",
              "grand_battement": "grand battement", "passe": "passé",
              "arabesque": "arabesque", "attitude": "attitude", "pirouette": "pirouette",
              "fouette": "fouetté", "jump": "jump", "balance": "balance",
              "port_de_bras": "port de bras", "travel": "bourrée", "other": "other"}


def step_word(name: str) -> str:
    """A step name of DESIGN.md as the dancer writes it (plie -> plié)."""
    return STEP_WORDS.get(name, name.replace("_", " "))


def step_rows(steps: list[dict], *, limit: int = 12) -> list[tuple[str, str]]:
    """What she danced: counts, the turns, and the timeline's first ``limit`` steps."""
    if not steps:
        return [("steps", "none recognised")]
    counts: dict[str, int] = {}
    for s in steps:
        counts[s["step"]] = counts.get(s["step"], 0) + 1
    rows = [("danced", ", ".join(step_word(k) + (f" x{n}" if n > 1 else "")
                                 for k, n in counts.items()))]
    turns = sum(s["turns"] or 0 for s in steps)
    rows.append(("turns", f"{turns:g}" if turns else "none"))
    for s in steps[:limit]:
        side = f" {s['side']}" if s["side"] else ""
        turn = f", {s['turns']:g} turns" if s["turns"] else ""
        score = "" if s["score"] is None else f"  score {s['score']:.0f}"
        rows.append((f"  {s['start_s']:5.2f}-{s['end_s']:5.2f} s",
                     f"{step_word(s['step'])}{side}{turn}{score}"))
        for c in s["corrections"][:2]:
            rows.append(("", f"    at {c['at_s']:.2f} s: {c['message']}"))
    if len(steps) > limit:
        rows.append(("", f"... and {len(steps) - limit} more steps (results.json)"))
    return rows


def technique_rows(technique: dict) -> list[tuple[str, str]]:
    """The technique at a glance: score, injury risks, fatigue, what was not judged."""
    if not technique or technique.get("score") is None:
        return [("technique", "no step to judge")]
    rows = [("technique", f"{technique['score']:.0f}/100 over the judged steps, "
                          f"{technique['corrections']} correction(s)")]
    for flag in technique["injury_flags"][:3]:
        rows.append(("  injury risk", f"{step_word(flag['step'])} at {flag['at_s']:.2f} s: "
                                      f"{flag['criterion'].replace('_', ' ')}"))
    for row in technique["fatigue"]:
        if row["tiring"]:
            rows.append(("  fatigue", f"{step_word(row['step'])} {row['measure']} "
                                      f"{row['change_pct']:+.0f}% over {row['repeats']}"))
    unjudged = sorted({r["criterion"].replace("_", " ") for r in technique["not_assessable"]})
    if unjudged:
        rows.append(("  not judged", ", ".join(unjudged) + " (this view or source cannot; "
                                                           "see results.json)"))
    return rows


def rows_table(rows: list[tuple[str, str]]) -> Table:
    """A borderless two-column table of (label, text) rows, labels in bold."""
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    for label, text in rows:
        table.add_row(label, text)
    return table


def render_summary(console: Console, analysis: Analysis, paths: dict[str, Path]) -> None:
    """Print the summary table and where the outputs went."""
    console.print(rows_table(summary_rows(analysis)))
    for name, path in paths.items():
        console.print(f"[dim]{name}:[/] {path}")
