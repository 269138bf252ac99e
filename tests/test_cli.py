"""The command line: outputs, the demo, and one-line errors with exit code 2."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from fixtures.media import write_png, write_wav
from fixtures.studio import ENCHAINEMENT

from balletmirror.studio.make import make_performance
from balletmirror.studio.procedural import demo_motion


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "balletmirror", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=600)


def assert_one_line_error(proc: subprocess.CompletedProcess, message: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert message in lines[0]


@pytest.mark.slow
def test_demo_end_to_end(tmp_path):
    proc = run("analyze", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "balletmirror-out" / "demo"
    doc = json.loads((out / "results.json").read_text())
    assert doc["schema"] == "balletmirror.results/1"
    assert set(doc) >= {"source", "pose", "steps", "turns_total", "technique", "expression",
                        "music", "reference"}
    assert doc["source"]["kind"] == "video" and doc["source"]["frames"] == 559
    assert doc["pose"]["coverage"] == 1.0  # the studio's mannequin is found in every frame
    truth = json.loads((out / "demo_studio" / "truth.json").read_text())
    assert truth["turns_total"] == 10.0
    rows = (out / "kinematics.csv").read_text().splitlines()
    assert len(rows) == 560 and rows[0].startswith("time_s,left_knee_angle_deg")
    assert "danced" in proc.stdout and "against the studio's ground truth" in proc.stdout
    assert (out / "report.html").stat().st_size > 3_000_000  # plotly.js inlined
    assert (out / "annotated.mp4").exists() and (out / "motion.trc").exists()


def test_outputs_are_not_overwritten_without_force(tmp_path):
    src = str(demo_motion().save(tmp_path / "demo.npz"))
    assert run("analyze", src, "--quiet", "--no-report", cwd=tmp_path).returncode == 0
    out = tmp_path / "balletmirror-out" / "demo"
    assert not (out / "report.html").exists() and (out / "motion.trc").exists()
    before = (out / "results.json").stat().st_mtime_ns
    again = run("analyze", src, cwd=tmp_path)
    assert_one_line_error(again, "--force")
    assert (out / "results.json").stat().st_mtime_ns == before
    proc = run("analyze", src, "--force", "--quiet", "--no-report", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == ""


def test_json_to_stdout(tmp_path):
    src = str(demo_motion().save(tmp_path / "demo.npz"))
    proc = run("analyze", src, "-o", str(tmp_path / "o"), "--json", "--no-report")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["turns_total"] == 2.0


def test_analyze_a_saved_motion_and_pose_to_csv(tmp_path):
    src = demo_motion().save(tmp_path / "demo.npz")
    proc = run("analyze", str(src), "-o", str(tmp_path / "o"), "--quiet")
    assert proc.returncode == 0 and proc.stdout == ""
    doc = json.loads((tmp_path / "o" / "results.json").read_text())
    assert doc["source"]["kind"] == "motion" and doc["turns_total"] == 2.0
    csv_out = tmp_path / "demo.csv"
    proc = run("pose", str(src), "-o", str(csv_out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    from balletmirror.io import read_motion

    back = read_motion(csv_out)
    np.testing.assert_allclose(back.positions, demo_motion().positions, atol=1e-5)
    assert_one_line_error(run("pose", str(src), "-o", str(csv_out)), "already exists")


BROKEN_BVH = """HIERARCHY
ROOT Hips
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
  JOINT Spine
  {
    OFFSET 0 10 0
    CHANNELS 3 Zrotation Xrotation Yrotation
    End Site
    {
      OFFSET 0 10 0
    }
  }
}
MOTION
Frames: 2
Frame Time: 0.0333333
0 90 0 0 0 0 0 0 0
0 90 0 0 0 0 0 0
"""


@pytest.mark.parametrize("name, content, message", [
    ("missing.mp4", None, "no such file"),
    ("empty.mp4", b"", "empty"),
    ("photo.png", "png", "still image"),
    ("song.wav", "wav", "audio file"),
    ("notes.xyz", b"hello", "unsupported format"),
    ("cut.bvh", BROKEN_BVH, "cut.bvh"),
    ("nobrace.bvh", BROKEN_BVH.replace("  }\n}\n", "  }\n"), "nobrace.bvh"),
    ("bad.csv", b"hip_x,hip_y\n1,2\n", "bad.csv"),
])
def test_bad_input_one_line_exit_2(tmp_path, name, content, message):
    path = tmp_path / name
    if content == "png":
        write_png(path)
    elif content == "wav":
        write_wav(path)
    elif isinstance(content, str):
        path.write_text(content)
    elif content is not None:
        path.write_bytes(content)
    assert_one_line_error(run("analyze", str(path), "-o", str(tmp_path / "out")), message)
    assert not (tmp_path / "out").exists()


def test_usage_error_exit_2():
    proc = run("analyze", "--no-such-option")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
@pytest.mark.realdata
def test_pose_command_on_real_video(tmp_path, plie_video):
    out = tmp_path / "plie.npz"
    proc = run("pose", str(plie_video), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    from balletmirror.core.motion import load_motion

    m = load_motion(out)
    assert m.space == "image" and m.n_frames == 174 and m.world is not None
    assert "77% with a person" in proc.stderr


def test_studio_and_evaluate_commands(tmp_path):
    out = tmp_path / "studio"
    proc = run("studio", "5th; plie demi; pirouette en_dehors right 2", "-o", str(out),
               "--no-video", "--camera", "three-quarter", "--seed", "4")
    assert proc.returncode == 0, proc.stderr
    truth = json.loads((out / "truth.json").read_text())
    assert truth["turns_total"] == 2.0 and truth["camera"]["preset"] == "three-quarter"
    assert {p.name for p in out.iterdir()} == {"truth.json", "motion.npz",
                                               "performance.bvh", "keypoints.npz"}
    analysis = tmp_path / "analysis"
    assert run("analyze", str(out / "motion.npz"), "-o", str(analysis), "-q").returncode == 0
    proc = run("evaluate", str(analysis / "results.json"), str(out / "truth.json"), "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["turns"]["total"]["true"] == 2.0
    assert report["detection"]["true"] == 2  # plié and pirouette (steps: next issue)
    assert_one_line_error(run("evaluate", str(out / "truth.json"),
                              str(analysis / "results.json")), "Expected schema")
    assert_one_line_error(run("studio", "5th; pirouete", "-o", str(tmp_path / "x")),
                          "unknown step 'pirouete'")
    assert_one_line_error(run("studio", "5th; plie", "-o", str(out)), "--force")


@pytest.mark.slow
def test_studio_video_is_analysed(tmp_path):
    out = tmp_path / "studio"
    proc = run("studio", "5th; plie demi; releve", "-o", str(out), "--camera", "side",
               "--quiet")
    assert proc.returncode == 0, proc.stderr
    import av

    with av.open(str(out / "performance.mp4")) as container:
        assert container.streams.audio  # the click track
        assert container.streams.video[0].codec_context.name == "h264"
    proc = run("analyze", str(out / "performance.mp4"), "-o", str(tmp_path / "a"), "-q")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "a" / "results.json").read_text())
    assert doc["pose"]["coverage"] > 0.95


def test_compare_command(tmp_path):
    a = make_performance(ENCHAINEMENT.replace("right", "left"), tmp_path / "a",
                         video=False)["motion"]
    b = make_performance(ENCHAINEMENT, tmp_path / "b", video=False)["motion"]
    proc = subprocess.run([sys.executable, "-m", "balletmirror", "compare", str(a), str(b),
                           "-o", str(tmp_path / "o"), "--no-report"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "o" / "results.json").read_text())
    assert doc["reference"]["mirrored"] is True and doc["reference"]["similarity"] > 50
    assert "reference" in proc.stdout and "mirrored" in proc.stdout


def test_a_missing_reference_fails_before_the_analysis(tmp_path):
    a = make_performance(ENCHAINEMENT, tmp_path / "a", video=False)["motion"]
    proc = subprocess.run([sys.executable, "-m", "balletmirror", "compare", str(a),
                           str(tmp_path / "nope.bvh"), "-o", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "nope.bvh" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "o").exists()
