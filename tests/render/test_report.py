"""report.html: self-contained, every section present, the comparison shown."""

import re

import pytest

from balletmirror.analysis.compare import compare
from balletmirror.analysis.pipeline import analyze_motion, results_document
from balletmirror.render.report import (
    differences_html,
    fmt,
    lanes,
    report_html,
    sureness,
    thumb_time,
)
from balletmirror.studio.procedural import demo_motion


@pytest.fixture(scope="module")
def analysis():
    return analyze_motion(demo_motion(fps=25.0), source={"path": None, "kind": "npz",
                                                          "fps": 25.0, "frames": 325,
                                                          "duration_s": 13.0})


def test_report_is_self_contained_with_every_section(analysis):
    doc = results_document(analysis)
    page = report_html(doc, analysis.kinematics.times, analysis.kinematics.series,
                       thumbs={0: b"\xff\xd8jpeg"}, video="annotated.mp4")
    from plotly.offline import get_plotlyjs

    bundle = get_plotlyjs()
    assert bundle in page  # plotly.js is inlined, not fetched from a CDN
    ours = page.replace(bundle, "")
    assert "<script src=" not in ours and not re.search(r"(src|href)=\"https?:", ours)
    assert page.count('class="block"') == len(doc["steps"]) > 0
    assert page.count('class="card step"') == len(doc["steps"])
    for div in ("plot-knees", "plot-turns", "plot-efforts"):
        assert f'id="{div}"' in page
    assert "plot-music" not in page  # no soundtrack: no music plot
    assert "no soundtrack" in page
    assert 'src="annotated.mp4"' in page and "data:image/jpeg;base64," in page
    assert "What this view could not judge" in page and "How each number was measured" in page
    assert "@media print" in page
    pirouette = next(k for k, s in enumerate(doc["steps"]) if s["step"] == "pirouette")
    start = doc["steps"][pirouette]["start_s"]
    assert f'id="block-{pirouette}" data-seek="{start:.3f}"' in page


def test_sureness_quotes_the_benchmark():
    figures = sureness()
    for source in ("video", "mocap"):
        assert 0 < figures[source]["f1"] <= 1 and figures[source]["metric_mae"]
    assert figures["music"]["lag_cases"] > 0


def test_timeline_lanes_and_helpers():
    steps = [{"start_s": 0, "end_s": 2}, {"start_s": 1, "end_s": 3}, {"start_s": 2, "end_s": 4},
             {"start_s": 2.5, "end_s": 5}]
    assert lanes(steps) == [0, 1, 0, 2]
    assert fmt(0.123456) == "0.123" and fmt(123.4, "deg") == "123 deg" and fmt(None) == "n/a"
    step = {"start_s": 1.0, "end_s": 3.0, "corrections": [], "criteria": [{"at_s": 2.5}]}
    assert thumb_time(step) == 2.5
    assert thumb_time({**step, "criteria": []}) == 2.0


def test_report_shows_the_comparison(analysis):
    doc = results_document(analysis, reference=compare(analysis, analysis))
    page = report_html(doc, analysis.kinematics.times, analysis.kinematics.series,
                       video="annotated.mp4", compare_video="compare.mp4")
    assert "Against the reference" in page and 'id="plot-reference"' in page
    assert 'src="compare.mp4"' in page and "similarity 100/100" in page
    assert "no notable difference" in page
    assert "Expression" in page and "quantity of motion" in page


def test_compared_step_lists_measures_then_folded_angles_and_greys_the_unreliable():
    step = {"differences": [
        {"what": "leg_height", "message": "your arabesque leg is 43 deg lower",
         "reliable": False, "caveat": "her right leg was hidden"},
        {"what": "turns", "message": "you turned 2 where the reference turned 3"},
        {"what": "left_knee_angle", "phase": "end", "message": "at the end ... knee"}],
        "efforts": {"her": {"weight": 0.5}, "reference": {"weight": -0.5}}}
    html = differences_html(step)
    assert html.index("you turned 2") < html.index("<details>") < html.index("at the end")
    assert 'class="muted" title="her right leg was hidden"' in html
    assert "joint angles (1)" in html and "weight +0.5/-0.5" in html
    assert "no notable difference" in differences_html({"differences": []})
