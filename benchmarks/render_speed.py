"""Speed of the views (annotated.mp4 + report.html) against a bare transcode.

One run, on the same machine and the same video, alternately:

1. the bare transcode: PyAV decodes every frame of the video and re-encodes it with
   the same H.264 settings (``H264Writer``: libx264 veryfast, crf 20, yuv420p, the
   sound as AAC), drawing nothing: what any annotated video costs at least;
2. ours: ``Run.write_views`` on an analysis of that video (decode, draw the skeleton, the
   step, the turn count, the angles and the corrections on every frame, encode, the
   thumbnails, then the report with its plots).

The analysis itself (pose model included) is done once beforehand and not timed here
(``benchmarks/pose_throughput.py`` times it).  Prints frames/s of both, the ratio, and
the report's size.  Speed is measured, never asserted.

Usage::

    .venv/bin/python benchmarks/render_speed.py [--video PATH] [--repeats N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_VIDEO = REPO.parent / "shared" / "data" / "video" / "ballet_plie.mp4"


def bare_transcode(video: Path, out: Path) -> tuple[int, float]:
    """Frames and seconds of decode -> encode with the same writer, nothing drawn."""
    from balletmirror.io.audio import read_audio
    from balletmirror.io.video import iter_frames, probe_video
    from balletmirror.io.video_write import H264Writer

    t0 = time.perf_counter()
    info, sound = probe_video(video), read_audio(video)
    n = 0
    with H264Writer(out, info.width, info.height, info.fps,
                    audio=None if sound is None else sound[0],
                    sr=22050 if sound is None else sound[1]) as writer:
        for t, rgb in iter_frames(video):
            writer.write(rgb, t)
            n += 1
    return n, time.perf_counter() - t0


def ours(run, outdir: Path) -> tuple[int, float]:
    """Frames and seconds of ``Run.write_views`` (annotated.mp4 + report.html)."""
    outdir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    run.write_views(outdir)
    return run.analysis.raw.n_frames, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--video", type=Path, default=DEFAULT_VIDEO)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    if not args.video.exists():
        print(f"error: {args.video} not found (pass --video)", file=sys.stderr)
        return 2
    from balletmirror.run import analyze

    run = analyze(args.video)
    rates: dict[str, list[float]] = {"bare": [], "ours": []}
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.repeats):
            n, s = bare_transcode(args.video, Path(tmp) / f"bare{k}.mp4")
            rates["bare"].append(n / s)
            n, s = ours(run, Path(tmp) / f"ours{k}")
            rates["ours"].append(n / s)
            print(f"  run {k + 1}: bare {rates['bare'][-1]:.1f} frames/s, "
                  f"ours {rates['ours'][-1]:.1f} frames/s", flush=True)
        size = (Path(tmp) / "ours0" / "report.html").stat().st_size
    bare, mine = statistics.median(rates["bare"]), statistics.median(rates["ours"])
    print(f"video: {args.video.name}, {run.analysis.raw.n_frames} frames")
    print(f"bare transcode (decode + H.264 encode): {bare:.1f} frames/s (median of "
          f"{args.repeats})")
    print(f"annotated.mp4 + report.html:          {mine:.1f} frames/s")
    print(f"ratio ours / bare: {mine / bare:.3f}")
    print(f"report.html: {size / 1e6:.2f} MB (plotly.js inlined)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
