"""The short terminal summary of an analysis (rich): what she danced, the timeline
with its corrections, technique at a glance, expression, music, the reference."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from rich.console import Console
from rich.table import Table

from ..core.records import Step
from ..core.vocabulary import step_word
from .words import tempo_words, timing_words, turns_words

if TYPE_CHECKING:
    from ..analysis.pipeline import Analysis


def summary_rows(analysis: Analysis, *, reference: dict | None = None) -> list[tuple[str, str]]:
    """(label, text) rows of the summary, plain strings (testable without a terminal).

    Parameters
    ----------
    analysis : Analysis
    reference : dict, optional
        The comparison with a reference (results.json's ``reference`` block).
    """
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
    rows += expression_rows(analysis.expression)
    rows += music_rows(analysis.music)
    rows += reference_rows(reference)
    return rows


def step_rows(steps: list[Step], *, limit: int = 12) -> list[tuple[str, str]]:
    """What she danced: counts, the turns, and the timeline's first ``limit`` steps."""
    if not steps:
        return [("steps", "none recognised")]
    counts: dict[str, int] = {}
    for s in steps:
        counts[s.name] = counts.get(s.name, 0) + 1
    rows = [("danced", ", ".join(step_word(k) + (f" x{n}" if n > 1 else "")
                                 for k, n in counts.items()))]
    turns = sum(s.turns or 0 for s in steps)
    rows.append(("turns", f"{turns:g}" if turns else "none"))
    for s in steps[:limit]:
        side = f" {s.side}" if s.side else ""
        turn = f", {turns_words(s.turns)}" if s.turns else ""
        score = "" if s.score is None else f"  score {s.score:.0f}"
        rows.append((f"  {s.start_s:5.2f}-{s.end_s:5.2f} s",
                     f"{step_word(s.name)}{side}{turn}{score}"))
        for c in s.corrections[:2]:
            rows.append(("", f"    at {c.at_s:.2f} s: {c.message}"))
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
                                                           "see report.html)"))
    return rows


def expression_rows(expression: dict, *, limit: int = 6) -> list[tuple[str, str]]:
    """How her movement reads: the whole performance, then the steps that stand out
    from it (a quality word the whole does not have)."""
    whole = expression.get("whole") if expression else None
    if not whole:
        return []
    smooth = whole["smoothness"]["sparc"]
    rows = [("expression", whole["reading"]),
            ("  shape", f"reach {whole['expansiveness']:.2f} of her height, "
                        f"smoothness (SPARC) {smooth:.1f}" if smooth is not None
             else f"reach {whole['expansiveness']:.2f} of her height")]
    shown = 0
    for phrase in expression["phrases"]:
        if phrase["reading"] != whole["reading"] and shown < limit:
            rows.append((f"  {phrase['start_s']:5.2f} s",
                         f"{step_word(phrase['step'])}: {phrase['reading']}"))
            shown += 1
    return rows


def music_rows(music: dict | None) -> list[tuple[str, str]]:
    """On the music: tempo, how early or late, the score; or why not."""
    if music is None:
        return [("music", "no soundtrack: timing on the music not measured "
                          "(use --music FILE)")]
    if music["tempo_bpm"] is None:
        return [("music", "no beat found in the soundtrack: timing not measured")]
    if music["lag_ms"] is None:
        return [("music", f"{music['tempo_bpm']:.0f} BPM, no movement accent to time")]
    rows = [("music", f"{music['tempo_bpm']:.0f} BPM; {timing_words(music)} (consistency "
                      f"{music['consistency']:.2f}); on the music {music['on_music_score']:.0f}"
                      f"/100 over {music['accents']} accents")]
    late = [p for p in music["per_step"] if p["lag_ms"] is not None and abs(p["lag_ms"]) >= 80]
    for p in late[:3]:
        rows.append((f"  {p['start_s']:5.2f} s", f"{step_word(p['step'])}: "
                     f"{abs(p['lag_ms']):.0f} ms {'late' if p['lag_ms'] > 0 else 'early'}"))
    return rows


def rows_table(rows: list[tuple[str, str]]) -> Table:
    """A borderless two-column table of (label, text) rows, labels in bold."""
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    for label, text in rows:
        table.add_row(label, text)
    return table


def render_summary(console: Console, analysis: Analysis, paths: dict[str, Path], *,
                   reference: dict | None = None) -> None:
    """Print the summary table and where the outputs went."""
    console.print(rows_table(summary_rows(analysis, reference=reference)))
    for name, path in paths.items():
        console.print(f"[dim]{name}:[/] {path}")


def reference_rows(reference: dict | None, *, limit: int = 6) -> list[tuple[str, str]]:
    """Against the reference: side, tempo, similarity, missing steps, the largest
    differences; nothing without a reference."""
    if reference is None:
        return []
    src = reference["source"].get("path") or "the reference"
    side = "danced on the other side (mirrored)" if reference["mirrored"] else "same side"
    pace = tempo_words(reference["tempo_ratio"])
    pace += "" if pace == "the same tempo" else " than the reference"
    sim = reference["similarity"]
    rows = [("reference", f"{src}: {side}; {pace}; similarity "
                          f"{'n/a' if sim is None else f'{sim:.0f}/100'}")]
    for m in reference["missing"]:
        rows.append(("  missing", f"{step_word(m['step'])} (the reference's at "
                                  f"{m['reference_start_s']:.1f} s)"))
    for e in reference["extra"][:3]:
        rows.append(("  extra", f"{step_word(e['step'])} at {e['start_s']:.1f} s"))
    words = sorted((_weight(d), s["her_start_s"], d["message"]) for s in reference["steps"]
                   if s["matched"] for d in s["differences"])[:limit]
    for _, t, message in sorted(words, key=lambda w: w[1]):
        rows.append((f"  {t:5.2f} s", message))
    return rows


def _weight(difference: dict) -> int:
    """Which differences the summary says first: the steps' own measures (leg height,
    turns, side...) before a joint angle in one third of a step, the unreliable last."""
    angle = "phase" in difference
    return int(angle) + 2 * (difference.get("reliable") is False)
