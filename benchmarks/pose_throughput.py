"""Throughput and memory of ``balletmirror analyze`` against the bare MediaPipe loop.

One run measures, on the same machine and the same video:

1. frames/s of the bare loop (PyAV decode in the main thread, ``to_ndarray("rgb24")``,
   ``mediapipe.solutions.pose.Pose(model_complexity=1).process`` per frame, nothing
   else) and of our whole analysis (``analyze`` + ``Run.write`` of the data files: decode, pose,
   cleaning, kinematics, steps, technique, expression, results.json, CSV, npz, TRC),
   alternately, and their ratio (the annotated video and the report are timed by
   ``benchmarks/render_speed.py``);
2. peak memory (the child process's high-water resident set) of the whole analysis on
   a ~1-minute and a ~10-minute input made by looping the clip (packets remuxed with
   shifted timestamps, no re-encoding), and their ratio;
3. peak memory of the ~10-minute input with a soundtrack (the same video packets and
   an MP3 track of music: a chord swelling on each beat and a click, 100 BPM, 44.1
   kHz stereo), against the same video without it (target: within 1.2x and 1 GiB).

Both timings include model start-up (graph construction); module imports are done
once, before any timing, for both.  Speed is measured, never asserted (STYLE.md 10).

Usage::

    .venv/bin/python benchmarks/pose_throughput.py [--video PATH] [--quick] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_VIDEO = REPO.parent / "shared" / "data" / "video" / "ballet_plie.mp4"
TARGET_SPEED = 0.9
TARGET_MEMORY = 1.2
TARGET_MUSIC_MIB = 1024.0

#: Run in a fresh interpreter: analyse one file, print frames, seconds and peak memory.
CHILD_CODE = r"""
import json, resource, sys, time
from pathlib import Path

def peak_mib():
    # VmHWM is this process's own high-water RSS; ru_maxrss would also count the
    # parent's RSS carried across fork/exec.
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 / (1024 if sys.platform == "darwin" else 1)

mode, video, outdir = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
if mode == "ours":
    from balletmirror.run import analyze
    import balletmirror.pose.mediapipe, balletmirror.pose.video
    t0 = time.perf_counter()
    run = analyze(video)
    run.write(outdir, views=False, force=True)
    frames = run.analysis.raw.n_frames
else:
    import av
    from mediapipe.python.solutions import pose as mp_pose
    t0 = time.perf_counter()
    frames = 0
    with mp_pose.Pose(model_complexity=1) as pose, av.open(str(video)) as container:
        for frame in container.decode(video=0):
            pose.process(frame.to_ndarray(format="rgb24"))
            frames += 1
seconds = time.perf_counter() - t0
print(json.dumps({"frames": frames, "seconds": seconds, "peak_mib": peak_mib()}))
"""


# ------------------------------------------------------------------ arguments
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--video", type=Path, default=DEFAULT_VIDEO,
                   help="input clip (default: ../shared/data/video/ballet_plie.mp4)")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 1 repetition, ~10 s and ~30 s looped inputs")
    p.add_argument("--repeats", type=int, default=None,
                   help="alternating repetitions of each (default 3, 1 with --quick)")
    p.add_argument("--memory-only", action="store_true",
                   help="measure the memory figures only (no speed repetitions)")
    p.add_argument("--workdir", type=Path, default=None,
                   help="folder for looped inputs and outputs (kept); default: a "
                        "temporary folder removed at the end")
    p.add_argument("--json", type=Path, default=None, help="also write the figures here")
    return p.parse_args(argv)


def check_video(path: Path) -> Path:
    """The video path, or a one-line error and exit code 2 when it is absent."""
    if not path.is_file():
        print(f"error: {path}: no such video; pass --video PATH", file=sys.stderr)
        sys.exit(2)
    return path.resolve()


# ------------------------------------------------------------------ video facts
def video_facts(path: Path) -> dict:
    """Size, fps, frames (counted by demuxing), duration (s) and codec of a video."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for p in container.demux(stream) if p.size)
        rate = stream.average_rate or stream.guessed_rate
        duration = (float(stream.duration * stream.time_base) if stream.duration
                    else container.duration / 1e6)
        return {"width": stream.codec_context.width, "height": stream.codec_context.height,
                "fps": float(rate) if rate else None, "frames": frames,
                "duration_s": round(duration, 3), "codec": stream.codec_context.name}


# ------------------------------------------------------------------ looping
def _add_stream_like(output, template):
    """An output stream copying ``template``'s codec parameters (PyAV >= 14 or older)."""
    if hasattr(output, "add_stream_from_template"):
        return output.add_stream_from_template(template)
    return output.add_stream(template=template)


def _clip_span(path: Path) -> int:
    """Length of the clip's video packets, in the stream time base (end of last - first pts)."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        packets = [p for p in container.demux(stream) if p.pts is not None]
        return max(p.pts + (p.duration or 0) for p in packets) - min(p.pts for p in packets)


def loop_clip(src: Path, dst: Path, *, min_seconds: float) -> Path:
    """Write ``src``'s video stream repeated until at least ``min_seconds`` long.

    Packets are remuxed (no re-encoding) with pts/dts shifted by the cumulative clip
    length in the input stream's time base.  Audio is dropped.
    """
    import av

    span = _clip_span(src)
    with av.open(str(src)) as probe:
        time_base = probe.streams.video[0].time_base
    loops = max(1, math.ceil(min_seconds / float(span * time_base)))
    with av.open(str(dst), "w") as output:
        out_stream = None
        for k in range(loops):
            with av.open(str(src)) as container:
                stream = container.streams.video[0]
                out_stream = out_stream or _add_stream_like(output, stream)
                for packet in container.demux(stream):
                    if packet.dts is None:  # the demuxer's final flush packet
                        continue
                    packet.pts += k * span
                    packet.dts += k * span
                    packet.stream = out_stream
                    output.mux(packet)
    return dst


def music_samples(seconds: float, *, sr: int = 44100, bpm: float = 100.0):
    """Stereo float32 music (2, samples): a chord swelling on each beat and a click."""
    import numpy as np

    t = np.arange(int(seconds * sr)) / sr
    phase = np.mod(t, 60.0 / bpm)
    click = 0.4 * np.exp(-phase / 0.02) * np.sin(2 * np.pi * 880 * t)
    chord = 0.15 * (1 + np.cos(2 * np.pi * phase * bpm / 60.0)) * (
        np.sin(2 * np.pi * 220 * t) + np.sin(2 * np.pi * 277.2 * t))
    mono = (click + chord).astype(np.float32)
    return np.stack([mono, mono])


def add_soundtrack(src: Path, dst: Path, *, sr: int = 44100) -> Path:
    """``src``'s video packets remuxed into ``dst`` with an MP3 soundtrack as long as
    the video (:func:`music_samples`, encoded 1152 samples at a time)."""
    import fractions

    import av
    import numpy as np

    music = music_samples(video_facts(src)["duration_s"], sr=sr)
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        video = _add_stream_like(out, inp.streams.video[0])
        audio = out.add_stream("libmp3lame", rate=sr)
        audio.layout = "stereo"
        for packet in inp.demux(inp.streams.video[0]):
            if packet.dts is not None:
                packet.stream = video
                out.mux(packet)
        for k in range(0, music.shape[1], 1152):
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(music[:, k:k + 1152]),
                                               format="fltp", layout="stereo")
            frame.sample_rate, frame.pts = sr, k
            frame.time_base = fractions.Fraction(1, sr)
            for packet in audio.encode(frame):
                out.mux(packet)
        for packet in audio.encode():
            out.mux(packet)
    return dst


def verify_loop(path: Path, *, clip: dict, min_seconds: float) -> dict:
    """Facts of a looped file; raise if its duration is not a whole number of clips."""
    facts = video_facts(path)
    loops = facts["frames"] / clip["frames"]
    expected = round(loops) * clip["duration_s"]
    if loops != round(loops) or abs(facts["duration_s"] - expected) > 0.1 \
            or facts["duration_s"] < min_seconds:
        raise RuntimeError(f"{path}: looped file is {facts['duration_s']} s, "
                           f"{facts['frames']} frames; expected {expected:.3f} s")
    return {**facts, "loops": round(loops)}


# ------------------------------------------------------------------ in-process timing
def warm_imports() -> None:
    """Import every module both contenders use, so neither timing pays for imports."""
    import av  # noqa: F401
    from mediapipe.python.solutions import pose  # noqa: F401

    import balletmirror.pose.mediapipe  # noqa: F401
    import balletmirror.pose.video  # noqa: F401
    import balletmirror.run  # noqa: F401


def time_bare(path: Path) -> tuple[int, float]:
    """Frames and seconds of the bare loop, model construction included."""
    import av
    from mediapipe.python.solutions import pose as mp_pose

    t0 = time.perf_counter()
    frames = 0
    with mp_pose.Pose(model_complexity=1) as pose, av.open(str(path)) as container:
        for frame in container.decode(video=0):
            pose.process(frame.to_ndarray(format="rgb24"))
            frames += 1
    return frames, time.perf_counter() - t0


def time_ours(path: Path, outdir: Path) -> tuple[int, float]:
    """Frames and seconds of ``analyze`` + ``Run.write`` (the data files), end to end."""
    from balletmirror.run import analyze

    outdir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    run = analyze(path)
    run.write(outdir, views=False, force=True)
    return run.analysis.raw.n_frames, time.perf_counter() - t0


def alternate(path: Path, *, repeats: int, workdir: Path) -> dict:
    """Run bare and ours alternately; frames/s of each repetition and the medians."""
    runs: dict[str, list[float]] = {"bare": [], "ours": []}
    frames = {}
    for i in range(repeats):
        frames["bare"], seconds = time_bare(path)
        runs["bare"].append(frames["bare"] / seconds)
        frames["ours"], seconds = time_ours(path, workdir / f"out-{i}")
        runs["ours"].append(frames["ours"] / seconds)
        print(f"  repetition {i + 1}/{repeats}: bare {runs['bare'][-1]:.1f} frames/s, "
              f"ours {runs['ours'][-1]:.1f} frames/s", flush=True)
    bare, ours = statistics.median(runs["bare"]), statistics.median(runs["ours"])
    return {"runs_fps": runs, "frames": frames, "bare_fps": bare, "ours_fps": ours,
            "ratio": ours / bare}


# ------------------------------------------------------------------ subprocess memory
def run_child(mode: str, path: Path, outdir: Path) -> dict:
    """Analyse ``path`` in a fresh interpreter; its frames, seconds, fps and peak MiB."""
    outdir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, "-c", CHILD_CODE, mode, str(path), str(outdir)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{mode} on {path} failed:\n{done.stderr[-2000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return {**figures, "fps": figures["frames"] / figures["seconds"]}


def measure_memory(inputs: dict[str, Path], workdir: Path) -> dict:
    """Peak memory of our analysis on each input (and of the bare loop on the shortest);
    ``long_music`` is the long input with a soundtrack."""
    out = {}
    for label, path in inputs.items():
        print(f"  analysing the {label} input in a fresh process ...", flush=True)
        out[label] = run_child("ours", path, workdir / f"out-{label}")
    short = next(iter(inputs))
    print(f"  bare loop on the {short} input in a fresh process ...", flush=True)
    out["bare_" + short] = run_child("bare", inputs[short], workdir / "out-bare")
    return out


# ------------------------------------------------------------------ report
def machine() -> dict:
    """CPU count, platform and library versions."""
    import av
    import mediapipe

    return {"cpu_count": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version(), "av": av.__version__,
            "mediapipe": mediapipe.__version__}


def speed_lines(s: dict | None) -> list[str]:
    """The speed figures (none with --memory-only)."""
    if s is None:
        return ["speed: not measured (--memory-only)"]
    return [f"speed: median of {len(s['runs_fps']['bare'])} alternating repetitions, "
            "each timed end to end including model start-up (imports excluded)",
            f"bare MediaPipe loop: {s['bare_fps']:.1f} frames/s",
            f"balletmirror analyze: {s['ours_fps']:.1f} frames/s",
            f"ratio: {s['ratio']:.3f} (target >= {TARGET_SPEED})"]


def report_lines(fig: dict) -> list[str]:
    """The final table, one figure a line."""
    v, s, m = fig["video"], fig["speed"], fig["memory"]
    short, long_ = fig["inputs"]["short"], fig["inputs"]["long"]
    ms, ml, mm = m["short"], m["long"], m["long_music"]
    mem_ratio = ml["peak_mib"] / ms["peak_mib"]
    music_ratio = mm["peak_mib"] / ml["peak_mib"]
    return [
        f"machine: {fig['machine']['cpu_count']} CPUs, {fig['machine']['platform']}, "
        f"Python {fig['machine']['python']}, PyAV {fig['machine']['av']}, "
        f"mediapipe {fig['machine']['mediapipe']}",
        f"video: {fig['video_path']} {v['width']}x{v['height']} {v['codec']}, "
        f"{v['fps']:.3f} fps, {v['frames']} frames, {v['duration_s']} s",
        *speed_lines(s),
        f"peak memory {short['label']} ({short['duration_s']} s, {short['frames']} frames): "
        f"{ms['peak_mib']:.1f} MiB at {ms['fps']:.1f} frames/s",
        f"peak memory {long_['label']} ({long_['duration_s']} s, {long_['frames']} frames): "
        f"{ml['peak_mib']:.1f} MiB at {ml['fps']:.1f} frames/s",
        f"ratio: {mem_ratio:.3f} (target <= {TARGET_MEMORY})",
        f"peak memory {long_['label']} with an MP3 soundtrack: {mm['peak_mib']:.1f} MiB at "
        f"{mm['fps']:.1f} frames/s (target <= {TARGET_MUSIC_MIB:.0f} MiB)",
        f"ratio with / without the soundtrack: {music_ratio:.3f} (target <= {TARGET_MEMORY})",
        f"(bare loop peak memory {short['label']}: {m['bare_short']['peak_mib']:.1f} MiB at "
        f"{m['bare_short']['fps']:.1f} frames/s)",
    ]


# ------------------------------------------------------------------ main
def make_inputs(video: Path, clip: dict, workdir: Path, quick: bool) -> dict:
    """The short and long looped inputs, written and verified."""
    plan = {"short": ("10 s", 10.0), "long": ("30 s", 30.0)} if quick else \
        {"short": ("1 min", 60.0), "long": ("10 min", 600.0)}
    inputs = {}
    for key, (label, seconds) in plan.items():
        path = loop_clip(video, workdir / f"loop-{key}.mp4", min_seconds=seconds)
        inputs[key] = {"label": label, "path": str(path),
                       **verify_loop(path, clip=clip, min_seconds=seconds)}
        print(f"  {label} input: {inputs[key]['loops']} loops, {inputs[key]['frames']} "
              f"frames, {inputs[key]['duration_s']} s", flush=True)
    return inputs


def run(args: argparse.Namespace, workdir: Path) -> dict:
    """All measurements; the figures as one dict."""
    video = check_video(args.video)
    repeats = args.repeats or (1 if args.quick else 3)
    clip = video_facts(video)
    print("making looped inputs ...", flush=True)
    inputs = make_inputs(video, clip, workdir, args.quick)
    print("peak memory (fresh processes) ...", flush=True)
    paths = {k: Path(v["path"]) for k, v in inputs.items()}
    paths["long_music"] = add_soundtrack(paths["long"], workdir / "loop-long-music.mp4")
    memory = measure_memory(paths, workdir)
    speed = None
    if not args.memory_only:
        print(f"speed: {repeats} alternating repetitions ...", flush=True)
        warm_imports()
        speed = alternate(video, repeats=repeats, workdir=workdir)
    return {"video_path": str(video), "video": clip, "machine": machine(),
            "inputs": inputs, "speed": speed, "memory": memory,
            "memory_ratio": memory["long"]["peak_mib"] / memory["short"]["peak_mib"]}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table, optionally write JSON."""
    args = parse_args(argv)
    check_video(args.video)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="balletmirror-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        figures = run(args, workdir)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print("\n".join(["", "=== pose throughput ===", *report_lines(figures)]))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
