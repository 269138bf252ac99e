"""The ``balletmirror`` command line: a thin layer over the library.

Exit codes (DESIGN.md): 0 done; 2 bad input or usage (one line on stderr); 1 internal
error.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.console import Console

from .core.errors import BalletMirrorError, ConfigError, InputError

if TYPE_CHECKING:
    from .run import Progress

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  context_settings={"help_option_names": ["-h", "--help"]},
                  help="balletmirror: the mirror that talks back.")
err = Console(stderr=True)

OutOpt = Annotated[Optional[Path], typer.Option("-o", "--outdir", help="Output folder.")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite earlier outputs there.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]
MapOpt = Annotated[Optional[list[str]], typer.Option(
    "--map", metavar="JOINT=NAME", help="Name a joint of a BVH rig or a C3D marker set "
    "the automatic matching cannot read, e.g. --map left_knee=LowerLeg_L (one --map a "
    "joint).")]
FpsOpt = Annotated[Optional[float], typer.Option(
    "--fps", help="Frame rate of keypoint, CSV or Xsens files that do not say it.")]
UnitsOpt = Annotated[Optional[str], typer.Option(
    "--units", help="Units of motion capture or 3D CSV (m, cm, mm, in; BVH: also auto "
    "or metres per unit).")]
UpOpt = Annotated[Optional[str], typer.Option(
    "--up", help="Up axis of motion capture or 3D CSV (y, z; BVH: also x, -y, -z, -x, "
    "auto).")]
#: the --fps a keypoint file may be given, frames/s (a time-lapse to a high-speed camera)
FPS_LIMITS = (1.0, 1000.0)


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("balletmirror")
        except PackageNotFoundError:  # run from a source tree that is not installed
            number = "unknown (not installed)"
        typer.echo(f"balletmirror {number}")
        raise typer.Exit()


@app.callback()
def _options(version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="Print the version and exit.")] = False) -> None:
    """balletmirror: the mirror that talks back."""


def debugging() -> bool:
    """Whether ``BALLETMIRROR_DEBUG`` asks for tracebacks (``1``, ``yes``, ``true``, ``on``;
    unset, empty, ``0``, ``no``, ``false`` or ``off`` mean no)."""
    value = os.environ.get("BALLETMIRROR_DEBUG", "").strip().lower()
    return value not in ("", "0", "no", "false", "off")


@contextlib.contextmanager
def _bars(console: Console, enabled: bool) -> Iterator[Progress]:
    """Rich progress bars, a line for each task the work reports (``progress(task,
    done, total)``, see :data:`balletmirror.run.Progress`), shown from its first
    report on and gone when the work is done (nothing shows, not even a blank line,
    when no work was reported: bad input fails first)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.progress import Progress as Bars

    bars = Bars(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TimeRemainingColumn(), console=console, disable=not enabled, transient=True)
    lines: dict[str, int] = {}

    def progress(task: str, done: int, total: int | None) -> None:
        if not lines:
            bars.start()
        if task not in lines:
            lines[task] = bars.add_task(task, total=None)
        bars.update(lines[task], completed=done, total=total)

    try:
        yield progress
    finally:
        if lines:
            bars.stop()


def _render_demo(out: Path, console: Console, progress: Progress) -> Path:
    """Film the built-in demo in the synthetic studio into ``out/demo_studio``."""
    from .studio.make import DEMO_CHOREOGRAPHY, StudioSettings, make_performance

    console.print(f"[dim]built-in demo: {DEMO_CHOREOGRAPHY}[/]")
    paths = make_performance(DEMO_CHOREOGRAPHY, out / "demo_studio", settings=StudioSettings(),
                             force=True, progress=lambda done, total: progress(
                                 "render", done, total))
    return paths["video"]


def reading_options(mapping: Optional[list[str]], fps: Optional[float],
                    units: Optional[str], up: Optional[str]) -> dict:
    """The reading options of ``--map``, ``--fps``, ``--units`` and ``--up`` (those
    given), checked: ``JOINT=NAME`` pairs, a frame rate a camera can have."""
    options: dict = {}
    if mapping:
        pairs = {}
        for item in mapping:
            joint, sep, name = item.partition("=")
            if not sep or not joint.strip() or not name.strip():
                raise ConfigError(f"--map {item}: expected JOINT=NAME, e.g. --map "
                                  "left_knee=LowerLeg_L")
            pairs[joint.strip()] = name.strip()
        options["mapping"] = pairs
    if fps is not None:
        if not FPS_LIMITS[0] <= fps <= FPS_LIMITS[1]:
            raise ConfigError(f"--fps {fps:g}: expected {FPS_LIMITS[0]:g} to "
                              f"{FPS_LIMITS[1]:g} frames per second")
        options["fps"] = fps
    if units is not None:
        options["units"] = units  # as written: each reader reads its own (BVH: a number too)
    if up is not None:
        options["up"] = up
    return options


def _default_outdir(input_path: Optional[Path]) -> Path:
    stem = input_path.stem if input_path else "demo"
    return Path("balletmirror-out") / stem


@app.command()
def analyze(
    input_path: Annotated[Optional[Path], typer.Argument(
        metavar="[INPUT]", help="Video, BVH, C3D, COCO/OpenPose JSON, CSV or .npz Motion; "
        "none: the built-in demo.")] = None,
    outdir: OutOpt = None,
    force: ForceOpt = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print results.json to stdout.")] = False,
    quiet: QuietOpt = False,
    music: Annotated[Optional[Path], typer.Option(
        "--music", help="Audio (or video) file of the music she danced to; default: the "
        "video's own soundtrack.")] = None,
    no_report: Annotated[bool, typer.Option(
        "--no-report", help="Skip annotated.mp4 and report.html (data files only).")] = False,
    reference: Annotated[Optional[Path], typer.Option(
        "--reference", help="A reference performance of the same enchaînement (video, "
        "mocap or a saved Motion) to compare her with.")] = None,
    mapping: MapOpt = None, fps: FpsOpt = None, units: UnitsOpt = None, up: UpOpt = None,
) -> None:
    """Analyse a performance: pose, cleaning, steps, technique, expression, music ->
    OUTDIR/results.json, report.html, annotated.mp4, kinematics.csv, motion.npz/.trc."""
    _run(input_path, reference, outdir=outdir, force=force, as_json=as_json, quiet=quiet,
         music=music, no_report=no_report, read=reading_options(mapping, fps, units, up))


@app.command("compare")
def compare_command(
    her: Annotated[Path, typer.Argument(metavar="A", help="Her performance.")],
    ref: Annotated[Path, typer.Argument(metavar="B", help="The reference performance.")],
    outdir: OutOpt = None,
    force: ForceOpt = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print results.json to stdout.")] = False,
    quiet: QuietOpt = False,
    no_report: Annotated[bool, typer.Option(
        "--no-report", help="Skip annotated.mp4 and report.html (data files only).")] = False,
    mapping: MapOpt = None, fps: FpsOpt = None, units: UnitsOpt = None, up: UpOpt = None,
) -> None:
    """Compare performance A with the reference B: aligned in time, mirrored sides
    handled -> OUTDIR/results.json (its `reference` block) and the report.  --map,
    --fps, --units and --up are for A."""
    _run(her, ref, outdir=outdir, force=force, as_json=as_json, quiet=quiet, music=None,
         no_report=no_report, read=reading_options(mapping, fps, units, up))


def _run(input_path: Optional[Path], reference: Optional[Path], *, outdir: Optional[Path],
         force: bool, as_json: bool, quiet: bool, music: Optional[Path],
         no_report: bool, read: dict) -> None:
    """analyze / compare: the whole run (:func:`balletmirror.run.analyze`), written and
    summarised; the demo is filmed first and scored against its truth after."""
    from .io import USER_OPTIONS, detect_kind
    from .render.summary import render_summary
    from .run import analyze, check_outdir, views_missing

    out = check_outdir(outdir or _default_outdir(input_path), force=force,
                       inputs=(input_path, reference, music))
    console = Console(stderr=as_json, quiet=quiet)
    missing = None if no_report else views_missing()
    demo = input_path is None
    if demo and read:
        raise ConfigError(f"{', '.join(USER_OPTIONS[k] for k in read)}: for an input file; "
                          "the built-in demo needs none")
    if demo and reference is not None:
        detect_kind(reference)  # a missing reference fails now, not after the demo's film
    with _bars(console, not quiet) as progress:
        if demo:
            input_path = _render_demo(out, console, progress)
        run = analyze(input_path, reference=reference, music=music, progress=progress,
                      read=read)
        for source in (run.analysis.source, run.reference and run.reference.source):
            _warn_incomplete(Console(stderr=True, quiet=quiet), source)
        if missing:
            console.print(f"[yellow]note:[/] no report.html or annotated.mp4: {missing} is "
                          "missing (pip install 'balletmirror[report]')")
        paths = run.write(out, views=not (no_report or missing), force=force,
                          progress=progress)
    if as_json:
        sys.stdout.write(json.dumps(run.results, indent=2) + "\n")
    render_summary(console, run.analysis, paths, reference=run.comparison)
    if demo:
        _print_demo_evaluation(console, paths["results"], input_path.parent / "truth.json")


def _warn_incomplete(console: Console, source: dict | None) -> None:
    """One warning line when only the readable part of a damaged video was analysed."""
    gap = (source or {}).get("incomplete")
    if gap:
        console.print(f"[yellow]warning:[/] {source['path']}: only its first "
                      f"{gap['readable_until_s']:.2f} s could be read and analysed "
                      f"({gap['reason']})", highlight=False, soft_wrap=True)


def _print_demo_evaluation(console: Console, results: Path, truth: Path) -> None:
    """How the analysis of the demo compares with the studio's ground truth."""
    from .evaluate import evaluate_files
    from .render.evaluation import summary_lines

    console.print("[bold]against the studio's ground truth[/]")
    for label, text in summary_lines(evaluate_files(results, truth)):
        console.print(f"  {label}: {text}")


@app.command()
def pose(
    input_path: Annotated[Path, typer.Argument(metavar="INPUT", help="Video or any input.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Motion file to write "
                                         "(.npz, or .csv for joint positions).")],
    clean: Annotated[bool, typer.Option("--clean", help="Also clean it (gaps, swaps, "
                                        "filter).")] = False,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
    mapping: MapOpt = None, fps: FpsOpt = None, units: UnitsOpt = None, up: UpOpt = None,
) -> None:
    """Run the pose stage alone: INPUT -> a Motion file."""
    from .core.files import check_output_dir, refuse_overwriting_inputs, written_whole
    from .features.clean import clean_motion
    from .io import check_user_options, detect_kind, read_motion

    if output.suffix.lower() not in (".npz", ".csv"):
        raise InputError(f"{output}: expected a .npz or .csv output file")
    check_output_dir(output.parent, flag="-o's folder")
    if output.is_dir():
        raise InputError(f"{output}: is a folder; give -o the file to write")
    refuse_overwriting_inputs([output], [input_path])
    if output.exists() and not force:
        raise InputError(f"{output}: already exists; choose another -o or pass --force")
    read = reading_options(mapping, fps, units, up)
    console = Console(stderr=True, quiet=quiet)
    kind = detect_kind(input_path)
    check_user_options(kind, read)
    with _bars(console, not quiet) as progress:
        options = {"progress": lambda done, total: progress("pose", done, total)} \
            if kind == "video" else {}
        motion = read_motion(input_path, kind=kind, **options, **read)
    _warn_incomplete(console, {"path": str(input_path), **motion.provenance})
    if clean:
        motion, _ = clean_motion(motion)
    output.parent.mkdir(parents=True, exist_ok=True)
    with written_whole(output) as tmp:
        if output.suffix.lower() == ".csv":
            from .io.keypoints import write_csv

            write_csv(motion, tmp)
        else:
            motion.save(tmp)
    console.print(f"{motion.n_frames} frames, {motion.covered.mean():.0%} with a person "
                  f"-> {output}")


@app.command()
def studio(
    choreography: Annotated[str, typer.Argument(metavar="CHOREOGRAPHY", help="Steps separated "
                                                "by ';', e.g. \"5th; plie demi x2; pirouette "
                                                "en_dehors right 2\" (see README).")],
    outdir: Annotated[Path, typer.Option("-o", "--outdir", help="Output folder.")],
    seed: Annotated[int, typer.Option("--seed", help="Natural variation of the dancer.")] = 0,
    camera: Annotated[str, typer.Option("--camera", help="front, side, side-left, "
                                        "three-quarter, three-quarter-left, back, or an "
                                        "azimuth in degrees.")] = "front",
    fps: Annotated[float, typer.Option("--fps", help="Frames per second.")] = 25.0,
    music: Annotated[str, typer.Option("--music", help="click, none, or an audio file.")
                     ] = "click",
    music_offset: Annotated[float, typer.Option("--music-offset", help="Seconds the clicks "
                                                "come early (the dancer is late).")] = 0.0,
    blur: Annotated[float, typer.Option("--blur", help="Gaussian blur, pixels.")] = 0.0,
    noise: Annotated[float, typer.Option("--noise", help="Pixel noise (0-255).")] = 0.0,
    no_video: Annotated[bool, typer.Option("--no-video", help="Skip the video.")] = False,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Synthetic studio: perform a choreography, film it, write the ground truth."""
    from .studio.make import StudioSettings, make_performance

    settings = StudioSettings(camera=camera, fps=fps, seed=seed, music=music,
                              music_offset_s=music_offset, blur_px=blur, noise_std=noise)
    console = Console(stderr=True, quiet=quiet)
    with _bars(console, not quiet and not no_video) as progress:
        paths = make_performance(choreography, outdir, settings=settings, video=not no_video,
                                 force=force, progress=lambda done, total: progress(
                                     "render", done, total))
    truth = json.loads(paths["truth"].read_text())
    console.print(f"{len(truth['steps'])} steps, {truth['turns_total']:g} turns, "
                  f"{truth['duration_s']:.1f} s, camera {camera}")
    for name, path in paths.items():
        console.print(f"[dim]{name}:[/] {path}")


@app.command("evaluate")
def evaluate_command(
    results: Annotated[Path, typer.Argument(metavar="RESULTS", help="results.json of an "
                                            "analysis.")],
    truth: Annotated[Path, typer.Argument(metavar="TRUTH", help="truth.json from the "
                                          "synthetic studio.")],
    min_iou: Annotated[float, typer.Option("--min-iou", help="Temporal IoU a predicted step "
                                           "needs with a true step of the same name.")] = 0.3,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Score an analysis (results.json) against ground truth (truth.json)."""
    from .evaluate import evaluate_files
    from .render.evaluation import format_table

    report = evaluate_files(results, truth, min_iou=min_iou)
    if as_json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        Console().print(format_table(report))


def _usage_message(exc: BaseException) -> str | None:
    """The one line of a command-line usage error (click's, as typer raises it: a bad
    option value, an unknown option or command, a missing argument), else None."""
    if not any(c.__name__ == "ClickException" for c in type(exc).__mro__):
        return None
    ctx = getattr(exc, "ctx", None)
    where = f"{ctx.command_path} -h" if ctx is not None else "balletmirror -h"
    return f"{exc.format_message()} (see {where})"


def _terminate(signum, frame) -> None:
    """SIGTERM (a plain ``kill``): unwind like Ctrl-C, so that half-written outputs are
    removed (:func:`balletmirror.core.files.written_whole`)."""
    raise KeyboardInterrupt


def main() -> None:
    """Console-script entry point: errors become one line and an exit code."""
    import signal

    signal.signal(signal.SIGTERM, _terminate)
    try:
        code = app(standalone_mode=False)  # usage errors come back as exceptions
    except BalletMirrorError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # a usage error, else a bug: one line, the traceback on request
        if type(exc).__name__ == "NoArgsIsHelpError":  # no arguments: the help was shown
            sys.exit(0)
        usage = _usage_message(exc)
        if usage is not None:
            err.print(f"[bold red]error:[/] {usage}", highlight=False, soft_wrap=True)
            sys.exit(2)
        if debugging():
            raise
        err.print(f"[bold red]internal error:[/] {type(exc).__name__}: {exc} "
                  "(set BALLETMIRROR_DEBUG=1 for the traceback)", highlight=False,
                  soft_wrap=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
