"""An evaluation report in words and tables."""

import io

from fixtures.documents import TRUE_STEPS, mixed_prediction, results, truth
from rich.console import Console

from balletmirror.evaluate import evaluate
from balletmirror.render.evaluation import format_table, summary_lines


def _render(report) -> str:
    console = Console(file=io.StringIO(), width=120, color_system=None)
    console.print(format_table(report))
    return console.file.getvalue()


def test_report_renders():
    report = evaluate(*mixed_prediction())
    text = _render(report)
    for expected in ("P 0.67", "R 0.40", "pirouette", "passe_height", "knees_in", "missed",
                     "Steps", "Turns", "Metrics", "Faults"):
        assert expected in text, expected
    labels = [label for label, _ in summary_lines(report)]
    assert labels == ["steps", "side", "turns", "faults", "confident wrong"]


def test_empty_reports_render():
    empty_predictions = evaluate(results(), truth(*TRUE_STEPS))
    assert "no predicted steps" in _render(empty_predictions)
    assert "no true steps" in _render(evaluate(results(), truth()))
