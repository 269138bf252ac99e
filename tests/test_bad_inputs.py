"""A generated corpus of bad and unusual inputs, each run through the command line:
every user mistake ends with exit code 2 and one line on stderr saying what is wrong,
never a traceback or an "internal error", and nothing the user had is changed.

The corpus is written once per module into a temporary folder (readers of every kind,
``compare``, ``pose``, ``studio``, the output paths and the options); each case is
``(id, argv, expected fragment of the message)`` and runs in-process through
:func:`balletmirror.cli.main`.
"""

from __future__ import annotations

import json
import os
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from fixtures.media import blank_frames, write_audio_only_mp4, write_png, write_video, write_wav
from fixtures.poses import motion_of, standing_points

from balletmirror import cli
from balletmirror.core.motion import Motion
from balletmirror.io.bvh_write import write_bvh
from balletmirror.io.keypoints import write_csv


# ------------------------------------------------------------------ the corpus
def _standing(frames: int, fps: float = 30.0) -> Motion:
    """She stands still for ``frames`` frames (3D, metres)."""
    return motion_of(np.repeat(standing_points()[None], frames, axis=0), fps=fps)


def _npz(path: Path, **arrays) -> Path:
    np.savez(path, **arrays)
    return path


def _readers(d: Path) -> None:
    """Bad files of every reader."""
    (d / "empty.mp4").write_bytes(b"")
    (d / "folder").mkdir()
    write_png(d / "photo.png")
    write_png(d / "photo_named.mp4")
    big = write_png(d / "big_photo.mp4")  # over 512 bytes: once taken for a C3D
    big.write_bytes(big.read_bytes() + np.random.default_rng(2).bytes(2000))
    (d / "photo.heic").write_bytes(b"\x00\x00\x00\x18ftypheic" + bytes(600))
    write_wav(d / "song.wav")
    write_audio_only_mp4(d / "song.mp4")
    (d / "notes.xyz").write_text("hello\n")
    (d / "text.mp4").write_text("this is not a video\n" * 20)
    (d / "random.mp4").write_bytes(np.random.default_rng(0).bytes(5000))
    video = write_video(d / "blank.mp4", blank_frames(30))
    data = video.read_bytes()
    (d / "cut.mp4").write_bytes(data[:len(data) // 20])
    (d / "bad.json").write_text("{not json")
    (d / "number.json").write_text("42")
    (d / "coco_null.json").write_text(json.dumps({
        "images": [{"id": 1, "width": 640, "height": 480}],
        "annotations": [{"image_id": 1, "keypoints": None}]}))
    (d / "coco_short.json").write_text(json.dumps([{"image_id": 1, "keypoints": [1, 2, 3]}]))
    (d / "openpose_people.json").write_text(json.dumps({"people": "nobody"}))
    (d / "header.csv").write_text("time_s,left_knee_x,left_knee_y\n")
    (d / "words.csv").write_text("time_s,left_knee_x,left_knee_y\n0,a,b\n0.1,c,d\n")
    write_csv(_standing(60), d / "full.csv")
    lines = (d / "full.csv").read_text().splitlines()
    (d / "two_rows.csv").write_text("\n".join(lines[:3]) + "\n")
    write_bvh(_standing(60), d / "valid.bvh")
    text = (d / "valid.bvh").read_text()
    head, motion = text.split("MOTION")
    rows = motion.strip().splitlines()
    (d / "one_frame.bvh").write_text(f"{head}MOTION\nFrames: 1\n{rows[1]}\n{rows[2]}\n")
    (d / "no_motion.bvh").write_text(head)
    (d / "zero_time.bvh").write_text(
        f"{head}MOTION\nFrames: 2\nFrame Time: 0\n{rows[2]}\n{rows[3]}\n")
    (d / "cut.bvh").write_text(text[:len(head) // 2])
    (d / "snake.bvh").write_text(SNAKE)
    (d / "random.c3d").write_bytes(b"\x02\x50" + np.random.default_rng(1).bytes(2000))
    _npz(d / "meta_text.npz", meta=np.array("not json"), positions=np.zeros((3, 23, 3)))
    _npz(d / "meta_list.npz", meta=np.array("[1, 2]"))
    _npz(d / "no_positions.npz", meta=np.array(json.dumps({"schema": "x"})))
    _npz(d / "pickle.npz", meta=np.array([{"evil": 1}], dtype=object))
    with zipfile.ZipFile(d / "plain.zip.npz", "w") as z:
        z.writestr("readme.txt", "not numpy")
    (d / "bad.mvnx").write_text('<?xml version="1.0"?><mvnx><subject><segments>')
    (d / "entity.mvnx").write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
                                   "<mvnx>&a;</mvnx>")
    (d / "xsens.csv").write_text("Frame,ms,Pelvis x,Pelvis y,Pelvis z,RightUpperLeg x,"
                                 "RightUpperLeg y,RightUpperLeg z,RightLowerLeg x,"
                                 "RightLowerLeg y,RightLowerLeg z,RightFoot x,RightFoot y,"
                                 "RightFoot z,LeftUpperLeg x,LeftUpperLeg y,LeftUpperLeg z,"
                                 "LeftLowerLeg x,LeftLowerLeg y,LeftLowerLeg z,LeftFoot x,"
                                 "LeftFoot y,LeftFoot z\n0,0" + ",0" * 21 + "\n")


#: A two-bone snake: no legs to find by name or by the tree's structure.
SNAKE = ("HIERARCHY\nROOT a\n{\n  OFFSET 0 0 0\n  CHANNELS 6 Xposition Yposition Zposition "
         "Zrotation Xrotation Yrotation\n  JOINT b\n  {\n    OFFSET 0 10 0\n    CHANNELS 3 "
         "Zrotation Xrotation Yrotation\n    End Site\n    {\n      OFFSET 0 10 0\n    }\n  }"
         "\n}\nMOTION\nFrames: 30\nFrame Time: 0.0333333\n" + "0 0 0 0 0 0 0 0 0\n" * 30)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("corpus")
    _readers(d)
    (d / "afile").write_text("a file, not a folder\n")
    (d / "folder.npz").mkdir()
    out = d / "out"
    out.mkdir()
    write_bvh(_standing(60), out / "annotated.mp4.bvh")
    (out / "results.json").write_text("{}\n")
    return d


READERS = [
    ("missing", ["analyze", "{d}/missing.mp4"], "no such file"),
    ("empty", ["analyze", "{d}/empty.mp4"], "empty"),
    ("folder", ["analyze", "{d}/folder"], "is a folder"),
    ("png", ["analyze", "{d}/photo.png"], "still image"),
    ("png named mp4", ["analyze", "{d}/photo_named.mp4"], "still image"),
    ("large png named mp4", ["analyze", "{d}/big_photo.mp4"], "still image"),
    ("heic photo", ["analyze", "{d}/photo.heic"], "still image"),
    ("wav", ["analyze", "{d}/song.wav"], "audio file"),
    ("audio named mp4", ["analyze", "{d}/song.mp4"], "audio file"),
    ("unknown suffix", ["analyze", "{d}/notes.xyz"], "unsupported format"),
    ("text named mp4", ["analyze", "{d}/text.mp4"], "video"),
    ("random bytes mp4", ["analyze", "{d}/random.mp4"], "video"),
    ("cut video", ["analyze", "{d}/cut.mp4"], "cut.mp4"),
    ("blank video", ["analyze", "{d}/blank.mp4"], "no person"),
    ("broken json", ["analyze", "{d}/bad.json"], "bad.json"),
    ("json number", ["analyze", "{d}/number.json"], "number.json"),
    ("coco null keypoints", ["analyze", "{d}/coco_null.json"], "keypoints"),
    ("coco short keypoints", ["analyze", "{d}/coco_short.json"], "keypoints"),
    ("openpose people", ["analyze", "{d}/openpose_people.json"], "openpose_people.json"),
    ("csv header only", ["analyze", "{d}/header.csv"], "header.csv"),
    ("csv words", ["analyze", "{d}/words.csv"], "words.csv"),
    ("csv two rows", ["analyze", "{d}/two_rows.csv"], "needs at least 0.5 s"),
    ("bvh one frame", ["analyze", "{d}/one_frame.bvh"], "needs at least 0.5 s"),
    ("bvh no motion", ["analyze", "{d}/no_motion.bvh"], "MOTION"),
    ("bvh frame time 0", ["analyze", "{d}/zero_time.bvh"], "Frame Time"),
    ("bvh cut", ["analyze", "{d}/cut.bvh"], "cut.bvh"),
    ("bvh unmappable", ["analyze", "{d}/snake.bvh"], "--map"),
    ("c3d random", ["analyze", "{d}/random.c3d"], "random.c3d"),
    ("npz meta text", ["analyze", "{d}/meta_text.npz"], "meta_text.npz"),
    ("npz meta list", ["analyze", "{d}/meta_list.npz"], "meta_list.npz"),
    ("npz no positions", ["analyze", "{d}/no_positions.npz"], "no_positions.npz"),
    ("npz pickle", ["analyze", "{d}/pickle.npz"], "pickle.npz"),
    ("npz plain zip", ["analyze", "{d}/plain.zip.npz"], "plain.zip.npz"),
    ("mvnx broken", ["analyze", "{d}/bad.mvnx"], "bad.mvnx"),
    ("mvnx entity", ["analyze", "{d}/entity.mvnx"], "entity.mvnx"),
    ("xsens csv no arms", ["analyze", "{d}/xsens.csv"], "xsens.csv"),
]
OPTIONS = [
    ("fps 0", ["analyze", "{d}/full.csv", "--fps", "0"], "--fps 0"),
    ("fps not a number", ["analyze", "{d}/full.csv", "--fps", "abc"], "--fps"),
    ("unknown option", ["analyze", "{d}/full.csv", "--bogus"], "--bogus"),
    ("unknown command", ["analyse", "{d}/full.csv"], "analyse"),
    ("studio without its choreography", ["studio"], "CHOREOGRAPHY"),
    ("units 0 on csv", ["analyze", "{d}/full.csv", "--units", "0"], "units"),
    ("fps huge", ["analyze", "{d}/full.csv", "--fps", "100000"], "--fps 100000"),
    ("fps on bvh", ["analyze", "{d}/valid.bvh", "--fps", "30"], "--fps does not apply"),
    ("units on npz", ["analyze", "{d}/meta_text.npz", "--units", "cm"],
     "--units does not apply"),
    ("map without =", ["analyze", "{d}/valid.bvh", "--map", "left_knee"], "JOINT=NAME"),
    ("map unknown joint", ["analyze", "{d}/valid.bvh", "--map", "elbow_3=LeftLeg"],
     "elbow_3"),
    ("map missing name", ["analyze", "{d}/valid.bvh", "--map", "left_knee=Nope"], "Nope"),
    ("map on the demo", ["analyze", "--map", "left_knee=X"], "built-in demo"),
    ("music missing", ["analyze", "{d}/valid.bvh", "--music", "{d}/none.wav"], "none.wav"),
    ("music text", ["analyze", "{d}/valid.bvh", "--music", "{d}/notes.xyz"], "notes.xyz"),
    ("music silent video", ["analyze", "{d}/valid.bvh", "--music", "{d}/blank.mp4"],
     "no audio stream"),
    ("reference missing", ["analyze", "{d}/valid.bvh", "--reference", "{d}/nope.bvh"],
     "nope.bvh"),
]
COMPARE = [
    ("compare A missing", ["compare", "{d}/nope.bvh", "{d}/valid.bvh"], "nope.bvh"),
    ("compare B missing", ["compare", "{d}/valid.bvh", "{d}/nope.bvh"], "nope.bvh"),
    ("compare B one frame", ["compare", "{d}/valid.bvh", "{d}/one_frame.bvh"],
     "needs at least 0.5 s"),
    ("compare A two rows", ["compare", "{d}/two_rows.csv", "{d}/valid.bvh"],
     "needs at least 0.5 s"),
    ("compare B image", ["compare", "{d}/valid.bvh", "{d}/photo.png"], "still image"),
]
POSE = [
    ("pose wrong suffix", ["pose", "{d}/valid.bvh", "-o", "{d}/x.txt"], ".npz or .csv"),
    ("pose output exists", ["pose", "{d}/valid.bvh", "-o", "{d}/full.csv"],
     "already exists"),
    ("pose over its input", ["pose", "{d}/full.csv", "-o", "{d}/full.csv", "--force"],
     "is an input"),
    ("pose under a file", ["pose", "{d}/valid.bvh", "-o", "{d}/afile/x.npz"], "afile"),
    ("pose into /proc", ["pose", "{d}/valid.bvh", "-o", "/proc/x.npz"], "system folder"),
    ("pose -o a folder", ["pose", "{d}/valid.bvh", "-o", "{d}/folder.npz"], "folder.npz"),
]
STUDIO = [
    ("studio tempo 0", ["studio", "5th; pirouette right 2 tempo=0", "-o", "{d}/s1"],
     "tempo=0"),
    ("studio a million fouettes", ["studio", "fouette right 1000000", "-o", "{d}/s2"],
     "1000000"),
    ("studio developpe 1000", ["studio", "developpe side left 1000", "-o", "{d}/s3"],
     "expected 10 to 180"),
    ("studio giant", ["studio", "height=100; 5th; plie demi", "-o", "{d}/s4"], "height=100"),
    ("studio fps", ["studio", "5th", "--fps", "100000", "-o", "{d}/s5"], "--fps 100000"),
    ("studio camera", ["studio", "5th", "--camera", "1e9", "-o", "{d}/s6"], "--camera 1e9"),
    ("studio camera name", ["studio", "5th", "--camera", "ceiling", "-o", "{d}/s6"],
     "ceiling"),
    ("studio -o a file", ["studio", "5th; plie demi", "-o", "{d}/afile"], "not a folder"),
    ("studio unknown step", ["studio", "5th; pirouete", "-o", "{d}/s7"], "pirouete"),
    ("studio repeats", ["studio", "tendu x1000", "-o", "{d}/s8"], "x1000"),
    ("studio minus one as written", ["studio", "plie demi -1", "-o", "{d}/s9"], "-1"),
    ("studio 1e-9 as written", ["studio", "pirouette right 1e-9", "-o", "{d}/s9"], "1e-9"),
    ("studio negative bpm", ["studio", "bpm=-1; 5th", "-o", "{d}/s9"], "bpm=-1"),
    ("studio music missing", ["studio", "5th", "--music", "{d}/nope.wav", "-o", "{d}/s9"],
     "nope.wav"),
]
OUTPUTS = [
    ("-o a file", ["analyze", "{d}/valid.bvh", "-o", "{d}/afile"], "not a folder"),
    ("-o under a file", ["analyze", "{d}/valid.bvh", "-o", "{d}/afile/out"], "afile"),
    ("-o in /proc", ["analyze", "{d}/valid.bvh", "-o", "/proc/balletmirror"],
     "system folder"),
    ("-o in /sys", ["analyze", "{d}/valid.bvh", "-o", "/sys/balletmirror"], "system folder"),
    ("-o holds results", ["analyze", "{d}/valid.bvh", "-o", "{d}/out"], "--force"),
    ("input inside -o", ["analyze", "{d}/out/results.json", "-o", "{d}/out", "--force"],
     "is an input"),
    ("evaluate missing", ["evaluate", "{d}/nope.json", "{d}/number.json"], "nope.json"),
    ("evaluate not json", ["evaluate", "{d}/bad.json", "{d}/bad.json"], "bad.json"),
]
CASES = READERS + OPTIONS + COMPARE + POSE + STUDIO + OUTPUTS


def run_cli(argv: list[str], capsys) -> tuple[int, str]:
    """Exit code and stderr of ``balletmirror argv`` run in this process."""
    old = sys.argv
    sys.argv = ["balletmirror", *argv]
    try:
        with pytest.raises(SystemExit) as stop:
            cli.main()
    finally:
        sys.argv = old
    code = stop.value.code
    return (0 if code is None else code), capsys.readouterr().err


def test_the_corpus_is_large_and_spans_every_front_door():
    assert len(CASES) >= 60
    assert {argv[0] for _, argv, _ in CASES} >= {"analyze", "compare", "pose", "studio",
                                                 "evaluate"}


@pytest.mark.parametrize("argv,fragment", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_user_mistake_is_one_line_and_exit_2(corpus, capsys, monkeypatch, argv, fragment):
    monkeypatch.chdir(corpus)
    monkeypatch.delenv("BALLETMIRROR_DEBUG", raising=False)
    before = {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()}
    code, err = run_cli([a.format(d=corpus) for a in argv], capsys)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, err
    assert len(lines) == 1 and "Traceback" not in err and "internal error" not in err, err
    assert fragment in lines[0], lines[0]
    after = {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()}
    assert after == before  # nothing the user had changed, nothing half-written left


def test_an_input_inside_the_output_folder_is_never_overwritten(tmp_path, capsys):
    """``analyze out/annotated.mp4 -o out --force`` once overwrote her video."""
    out = tmp_path / "out"
    out.mkdir()
    mocap = write_bvh(_standing(60), out / "annotated.mp4")  # a BVH, by content
    kept = mocap.read_bytes()
    code, err = run_cli(["analyze", str(mocap), "-o", str(out), "--force", "--no-report"],
                        capsys)
    assert code == 2 and "is an input" in err
    assert mocap.read_bytes() == kept


def test_debug_zero_means_off(corpus, capsys, monkeypatch):
    monkeypatch.setenv("BALLETMIRROR_DEBUG", "0")
    assert cli.debugging() is False
    monkeypatch.setenv("BALLETMIRROR_DEBUG", "1")
    assert cli.debugging() is True
    monkeypatch.setenv("BALLETMIRROR_DEBUG", "off")
    assert cli.debugging() is False


def test_version_and_short_help(capsys):
    code, _ = run_cli(["--version"], capsys)
    assert code == 0
    old = sys.argv
    sys.argv = ["balletmirror", "-h"]
    try:
        with pytest.raises(SystemExit) as stop:
            cli.main()
    finally:
        sys.argv = old
    assert stop.value.code in (0, None)
    assert "analyze" in capsys.readouterr().out


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True,
                    reason="root may write anywhere")
def test_an_unwritable_folder_is_refused_before_any_work(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        code, err = run_cli(["analyze", "-o", str(locked / "out")], capsys)
    finally:
        locked.chmod(0o700)
    assert code == 2 and "permission denied" in err
