"""Musicality: beats of a click track, timing statistics, the whole pipeline's lag."""

import json
import subprocess
import sys

import numpy as np
import pytest

from balletmirror.analysis.music import beat_grid, offsets, timing
from balletmirror.analysis.pipeline import Soundtrack, analyze_motion
from balletmirror.core.errors import InputError
from balletmirror.studio.perform import perform
from balletmirror.studio.video import click_track

librosa = pytest.importorskip("librosa")
BEAT = 0.625  # 96 BPM


def test_beats_of_a_click_track_sit_on_the_clicks():
    y = click_track(10.0, bpm=96.0, offset_s=0.1)
    grid = beat_grid(y, 22050)
    assert grid["tempo_bpm"] == pytest.approx(96.0, rel=0.02)
    true = 0.1 + BEAT * np.arange(16)
    for b in grid["beats_s"]:
        assert np.min(np.abs(true - b)) < 0.01
    assert len(grid["beats_s"]) >= 12
    assert beat_grid(np.zeros(22050 * 3, np.float32), 22050)["beats_s"] == []


def test_timing_statistics_by_hand():
    beats = list(BEAT * np.arange(20))
    late = [b + 0.15 for b in beats[2:18]]
    t = timing(late, beats)
    assert t["lag_ms"] == pytest.approx(150.0, abs=0.5)
    assert t["consistency"] == pytest.approx(1.0)
    assert t["on_music_score"] == 0.0 and t["accents"] == 16
    # a third of the accents on the "and": the lag stays with the counts
    mixed = late + [b + 0.15 + BEAT / 2 for b in beats[2:10]]
    assert timing(mixed, beats)["lag_ms"] == pytest.approx(150.0, abs=0.5)
    on = timing([b + 0.02 for b in beats[2:18]], beats)
    assert on["on_music_score"] == 100.0 and on["lag_ms"] == pytest.approx(20.0, abs=0.5)
    # offsets wrap into half a beat either side; accents far outside the grid are dropped
    assert offsets([BEAT * 3 - 0.1], beats)[0] == pytest.approx(-0.1)
    assert offsets([100.0], beats).size == 0
    assert timing([], beats)["lag_ms"] is None


@pytest.mark.parametrize("late", [0.15, 0.0, -0.1])
def test_lag_from_motion_capture_and_a_click_track(late):
    perf = perform("5th; plie demi x2; tendu front right; port_de_bras front; releve; "
                   "passe right", fps=25.0, seed=1)
    y = click_track(perf.motion.duration_s, bpm=96.0, offset_s=-late)
    music = analyze_motion(perf.motion, source={},
                           soundtrack=Soundtrack(y, 22050, "test")).music
    assert music["lag_ms"] == pytest.approx(1000 * late, abs=40.0)
    assert music["tempo_bpm"] == pytest.approx(96.0, rel=0.02)
    assert music["per_step"] and all(-312.5 <= p["lag_ms"] <= 312.5
                                     for p in music["per_step"] if p["lag_ms"] is not None)


def test_no_soundtrack_no_music():
    analysis = analyze_motion(perform("5th; plie demi", fps=25.0, seed=0).motion, source={})
    assert analysis.music is None
    from balletmirror.render.summary import music_rows

    assert "no soundtrack" in music_rows(None)[0][1]
    block = {"tempo_bpm": 96.0, "lag_ms": 150.0, "consistency": 0.6, "on_music_score": 10.0,
             "accents": 20, "per_step": [{"step": "plie", "start_s": 1.0, "lag_ms": 160.0}]}
    rows = music_rows(block)
    assert "150 ms late" in rows[0][1] and "plié: 160 ms late" in rows[1][1]
    assert "no steady timing" in music_rows(dict(block, consistency=0.05))[0][1]
    silent = analyze_motion(perform("5th; plie demi", fps=25.0, seed=0).motion, source={},
                            soundtrack=Soundtrack(np.zeros(22050 * 4, np.float32), 22050,
                                                  "test")).music
    assert silent["tempo_bpm"] is None and silent["lag_ms"] is None
    assert "no beat" in music_rows(silent)[0][1]


def test_read_audio_refuses_what_it_cannot_read(tmp_path):
    from balletmirror.io.audio import read_audio

    with pytest.raises(InputError):
        read_audio(tmp_path / "missing.wav")
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"not audio at all")
    with pytest.raises(InputError):
        read_audio(junk)


@pytest.mark.slow
def test_whole_pipeline_measures_a_dancer_150_ms_late(tmp_path):
    """Filmed 150 ms behind its click track, through MediaPipe and the video's own
    soundtrack (benchmarks/expression_accuracy.py runs more seeds and views)."""
    pytest.importorskip("mediapipe")
    from balletmirror.run import analyze_file
    from balletmirror.studio.make import StudioSettings, make_performance
    from balletmirror.studio.phrases import MUSICAL

    paths = make_performance(MUSICAL, tmp_path / "p",
                             settings=StudioSettings(seed=0, music_offset_s=0.15))
    music = analyze_file(paths["video"]).music
    assert music["source"] == "video"
    assert music["lag_ms"] == pytest.approx(150.0, abs=40.0)


@pytest.mark.slow
def test_cli_music_option(tmp_path):
    """--music with a file that has no sound: one line, exit 2; with a click track the
    summary reports the timing and results.json the music block."""
    import av

    from balletmirror.studio.make import StudioSettings, make_performance

    silent = make_performance("5th; plie demi", tmp_path / "silent",
                              settings=StudioSettings(music="none"), video=True)
    motion = make_performance("5th; plie demi x2; releve", tmp_path / "m",
                              settings=StudioSettings(music="none"), video=False)["motion"]
    run = [sys.executable, "-m", "balletmirror", "analyze", str(motion), "-o"]
    bad = subprocess.run(run + [str(tmp_path / "o1"), "--music", str(silent["video"])],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "no audio stream" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    clicks = tmp_path / "clicks.wav"
    y = click_track(6.0, bpm=96.0)
    with av.open(str(clicks), "w") as out:
        stream = out.add_stream("pcm_s16le", rate=22050)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray((y * 32767).astype(np.int16)[None, :],
                                           format="s16", layout="mono")
        frame.sample_rate = 22050
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    good = subprocess.run(run + [str(tmp_path / "o2"), "--music", str(clicks)],
                          capture_output=True, text=True)
    assert good.returncode == 0, good.stderr
    assert "BPM" in good.stdout
    doc = json.loads((tmp_path / "o2" / "results.json").read_text())
    assert doc["music"]["tempo_bpm"] == pytest.approx(96.0, rel=0.02)
    assert doc["expression"]["whole"]["reading"]
