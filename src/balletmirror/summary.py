"""The short terminal summary of an analysis (rich)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from .pipeline import Analysis


def _minimum(kin, name: str) -> tuple[float, float] | None:
    """(value, time_s) of the smallest finite value of a series, or None."""
    values = kin.series.get(name)
    if values is None or not np.isfinite(values).any():
        return None
    i = int(np.nanargmin(values))
    return float(values[i]), float(kin.times[i])


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
    for side in ("left", "right"):
        low = _minimum(kin, f"{side}_knee_angle")
        if low:
            rows.append((f"{side} knee", f"deepest bend {low[0]:.0f}° at {low[1]:.2f} s"))
    rotations = analysis.rotations
    turns = sum(abs(r["turns"]) for r in rotations)
    rows.append(("rotation", f"{turns:g} turns in {len(rotations)} rotation(s)" if rotations
                 else "no whole-body turn"))
    for r in rotations[:5]:
        way = "to her left" if r["turns"] > 0 else "to her right"
        rows.append(("  turn", f"{abs(r['turns']):g} {way}, {r['start_s']:.2f}-"
                               f"{r['end_s']:.2f} s"))
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
