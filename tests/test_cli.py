"""The command line: outputs, the demo, and one-line errors with exit code 2."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from media import write_png, write_wav

from balletmirror.demo import demo_motion


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "balletmirror", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=600)


def assert_one_line_error(proc: subprocess.CompletedProcess, message: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert message in lines[0]


def test_demo_end_to_end(tmp_path):
    proc = run("analyze", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "balletmirror-out" / "demo"
    doc = json.loads((out / "results.json").read_text())
    assert doc["schema"] == "balletmirror.results/1"
    assert set(doc) >= {"source", "pose", "steps", "turns_total", "technique", "expression",
                        "music", "reference"}
    assert doc["source"]["kind"] == "demo" and doc["source"]["frames"] == 780
    assert doc["pose"]["coverage"] == 1.0
    assert doc["turns_total"] == 2.0  # the demo's two pirouettes
    rows = (out / "kinematics.csv").read_text().splitlines()
    assert len(rows) == 781 and rows[0].startswith("time_s,left_knee_angle_deg")
    assert "deepest bend" in proc.stdout and "2 turns" in proc.stdout
    again = run("analyze", cwd=tmp_path)
    assert_one_line_error(again, "--force")
    assert run("analyze", "--force", "--quiet", cwd=tmp_path).returncode == 0


def test_json_to_stdout(tmp_path):
    proc = run("analyze", "-o", str(tmp_path / "o"), "--json")
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
    from balletmirror.motion import load_motion

    m = load_motion(out)
    assert m.space == "image" and m.n_frames == 174 and m.world is not None
    assert "77% with a person" in proc.stderr
