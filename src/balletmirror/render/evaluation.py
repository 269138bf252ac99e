"""An evaluation report (:func:`balletmirror.evaluate.evaluate`) in words and tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.console import Group
from rich.table import Table

from ..core.vocabulary import FAULTS
from .summary import rows_table


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _num(value: float | None, fmt: str = ".2f") -> str:
    return "–" if value is None else format(value, fmt)


def _turn_line(turns: dict) -> str:
    if not turns["evaluated"]:
        return "no turning steps in the truth"
    direction = turns.get("direction") or {"evaluated": 0}
    way = (f"; direction {direction['correct']}/{direction['evaluated']} right"
           if direction["evaluated"] else "")
    return (f"{turns['exact']}/{turns['evaluated']} counts exact to the quarter turn "
            f"({_pct(turns['exact_fraction'])}), mean abs error "
            f"{_num(turns['mean_abs_error'], '.3g')} turns; total "
            f"{_num(turns['total']['true'], 'g')} true vs "
            f"{_num(turns['total']['predicted'], 'g')} counted{way}")


def _fault_line(faults: dict) -> str:
    found = (f"{faults['detected']}/{faults['true_faults']} faults corrected "
             f"({_pct(faults['recall'])})" if faults["true_faults"] else "no faults in the truth")
    return (f"{found}; {faults['false_alarms']} correction(s) on "
            f"{faults['false_alarm_steps']}/{faults['clean_steps']} clean steps")


def summary_lines(report: dict) -> list[tuple[str, str]]:
    """(label, text) rows of the evaluation summary, plain strings.

    Parameters
    ----------
    report : dict
        The output of :func:`balletmirror.evaluate.evaluate`.

    Returns
    -------
    list of (str, str)
        Steps (P/R/F1), side, turns, faults, confident wrong steps (a scored step on a
        label of another name), and any notes.
    """
    d, side = report["detection"], report["side"]
    rows = [("steps", f"P {d['precision']:.2f}  R {d['recall']:.2f}  F1 {d['f1']:.2f}  "
                      f"({d['matched']} of {d['true']} true steps found, {d['predicted']} "
                      f"predicted, IoU ≥ {report['min_iou']:g})"),
            ("side", f"{side['correct']}/{side['evaluated']} correct ({_pct(side['accuracy'])})"
             if side["evaluated"] else "no sided steps matched"),
            ("turns", _turn_line(report["turns"])),
            ("faults", _fault_line(report["faults"]))]
    wrong = report.get("confident_wrong")
    if wrong is not None:
        rows.append(("confident wrong", f"{wrong['count']} scored step(s) on a label of "
                     f"another name, {wrong['under_50']} of them scored under 50"))
    return rows + [("note", note) for note in d["notes"]]


def _table(title: str, columns: Sequence[str], rows: Iterable[Sequence[str]], *,
           text_columns: int = 1) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold")
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i < text_columns else "right")
    for row in rows:
        table.add_row(*row)
    return table


def _step_table(report: dict) -> Table:
    return _table("Steps", ("step", "support", "predicted", "P", "R", "F1"),
                  ((name, str(s["support"]), str(s["predicted"]), f"{s['precision']:.2f}",
                    f"{s['recall']:.2f}", f"{s['f1']:.2f}")
                   for name, s in report["per_step"].items()))


def _turns_table(report: dict) -> Table:
    return _table("Turns", ("step", "at", "true", "counted", "error", "exact"),
                  ((r["step"], f"{r['start_s']:.2f} s", f"{r['true_turns']:g}",
                    _num(r["predicted_turns"], "g") if r["predicted_index"] is not None
                    else "missed", _num(r["error"], "+.2f"), "✓" if r["exact"] else "✗")
                   for r in report["turns"]["steps"]))


def _metrics_table(report: dict) -> Table:
    rank = {name: i for i, name in enumerate(report["per_step"])}
    numeric = [(r["step"], r["metric"], str(r["count"]), f"MAE {r['mae']:.3g}")
               for r in report["metrics"]["numeric"]]
    categorical = [(r["step"], r["metric"], str(r["count"]), f"{r['accuracy']:.0%} correct")
                   for r in report["metrics"]["categorical"]]
    rows = sorted(numeric + categorical, key=lambda row: (rank.get(row[0], len(rank)), row[1]))
    return _table("Metrics (matched steps)", ("step", "metric", "n", "error"), rows,
                  text_columns=2)


def _faults_table(report: dict) -> Table:
    return _table("Faults", ("fault", "criterion", "in truth", "corrected", "recall"),
                  ((f, FAULTS.get(f, f), str(e["count"]), str(e["detected"]),
                    _pct(e["recall"])) for f, e in report["faults"]["by_fault"].items()),
                  text_columns=2)


def format_table(report: dict) -> Group:
    """The evaluation as rich tables, for ``console.print``.

    Parameters
    ----------
    report : dict
        The output of :func:`balletmirror.evaluate.evaluate`.

    Returns
    -------
    rich.console.Group
        The summary rows, then the per-step table, and the turns, metrics and faults
        tables when they have rows.
    """
    parts = [rows_table(summary_lines(report))]
    tables = [(report["per_step"], _step_table), (report["turns"]["steps"], _turns_table),
              (report["metrics"]["numeric"] + report["metrics"]["categorical"],
               _metrics_table), (report["faults"]["by_fault"], _faults_table)]
    parts += [make(report) for rows, make in tables if rows]
    return Group(*parts)
