"""The whole run as one library call: analysed once, compared, written, refusing to
overwrite; the README's "From Python" runs as written."""

import json
import re
import shutil
from pathlib import Path

import pytest
from fixtures.media import write_click_track

import balletmirror.run as run_module
from balletmirror import analyze
from balletmirror.core.errors import InputError
from balletmirror.run import Run, check_outdir
from balletmirror.studio.make import make_performance
from balletmirror.studio.procedural import demo_motion

REPO = Path(__file__).resolve().parents[1]
BASE = "5th; tendu front right; pirouette en_dehors right 2; passe right; plie demi"


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> Path:
    return demo_motion(fps=25.0).save(tmp_path_factory.mktemp("in") / "demo.npz")


def test_a_run_builds_its_results_once_and_writes_them(tmp_path, demo_file):
    run = analyze(demo_file)
    assert isinstance(run, Run) and run.reference is None and run.comparison is None
    assert run.results is run.results  # built once
    assert run.results["source"]["kind"] == "motion" and run.results["turns_total"] == 2.0
    paths = run.write(tmp_path / "o", views=False)
    assert set(paths) == {"results", "kinematics", "motion", "trc"}
    assert json.loads(paths["results"].read_text()) == run.results
    with pytest.raises(InputError, match="--force"):
        run.write(tmp_path / "o", views=False)
    assert run.write(tmp_path / "o", views=False, force=True)["results"] == paths["results"]


def test_outputs_of_mocap_input(tmp_path, demo_file):
    out = tmp_path / "o"
    paths = analyze(demo_file).write(out)
    assert {p.name for p in out.iterdir()} == {"results.json", "kinematics.csv", "motion.npz",
                                               "motion.trc", "annotated.mp4", "report.html"}
    assert set(paths) >= {"results", "report", "annotated", "trc"}
    assert json.loads((out / "results.json").read_text())["schema"] == "balletmirror.results/1"
    with pytest.raises(InputError, match="--force"):
        check_outdir(out, force=False)
    assert check_outdir(out, force=True) == out


def test_a_missing_reference_fails_before_her_analysis(tmp_path, demo_file, monkeypatch):
    analysed = []
    monkeypatch.setattr(run_module, "analyze_file", lambda *a, **k: analysed.append(a))
    with pytest.raises(InputError, match="nope.bvh: no such file"):
        analyze(demo_file, reference=tmp_path / "nope.bvh")
    assert analysed == []


def test_a_run_with_a_reference_compares_them(demo_file):
    run = analyze(demo_file, reference=demo_file)
    assert run.comparison["similarity"] == 100.0
    assert run.results["reference"] == run.comparison
    assert run.reference.source == run.analysis.source


def test_progress_tells_each_task(demo_file):
    told = []
    analyze(demo_file, reference=demo_file, progress=lambda *a: told.append(a))
    assert ("read", 0, None) not in told
    tasks = list(dict.fromkeys(task for task, _, _ in told))
    assert tasks == ["analysis", "reference analysis"]
    assert told[-1] == ("reference analysis", 6, 6)


def _python_blocks() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("From Python"):]
    section = section[:section.index("\n## ")]
    return re.findall(r"```python\n(.*?)```", section, re.S)


@pytest.mark.slow
def test_the_readme_from_python_runs_as_written(tmp_path, monkeypatch):
    """Her enchaînement and a reference danced on the other side, as motion capture,
    with the music they danced to: the README's lines, run as they are written."""
    her = make_performance(BASE, tmp_path / "her", video=False)["bvh"]
    star = make_performance(BASE.replace("right", "left"), tmp_path / "star", video=False)
    shutil.copy(her, tmp_path / "practice.bvh")
    shutil.copy(star["bvh"], tmp_path / "star.bvh")
    write_click_track(tmp_path / "class.wav")
    monkeypatch.chdir(tmp_path)
    blocks = _python_blocks()
    assert blocks and any("analyze(" in b and "reference=" in b for b in blocks)
    scope: dict = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), scope)  # noqa: S102
    out = tmp_path / "out"
    assert {"results.json", "report.html", "annotated.mp4", "compare.mp4"} <= {
        p.name for p in out.iterdir()}
    doc = json.loads((out / "results.json").read_text())
    assert doc["reference"]["mirrored"] is True and doc["music"]["tempo_bpm"]
