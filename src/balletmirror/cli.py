"""The ``balletmirror`` command line: a thin layer over the library.

Exit codes (DESIGN.md): 0 done; 2 bad input or usage (one line on stderr); 1 internal
error.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from .errors import BalletMirrorError, InputError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="balletmirror: the mirror that talks back.")
err = Console(stderr=True)

OutOpt = Annotated[Optional[Path], typer.Option("-o", "--outdir", help="Output folder.")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite earlier outputs there.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]


def _progress_bar(console: Console, enabled: bool):
    """A rich progress bar and a ``progress(done, total)`` callback feeding it."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    bar = Progress(TextColumn("pose"), BarColumn(), MofNCompleteColumn(),
                   TimeRemainingColumn(), console=console, disable=not enabled,
                   transient=True)
    task = bar.add_task("pose", total=None)

    def progress(done: int, total: int | None) -> None:
        bar.update(task, completed=done, total=total)

    return bar, progress


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
) -> None:
    """Analyse a performance: pose, cleaning, kinematics -> OUTDIR/results.json."""
    from .output import check_outdir, write_outputs
    from .pipeline import analyze_file, analyze_motion, results_document, source_info
    from .summary import render_summary

    out = check_outdir(outdir or _default_outdir(input_path), force=force)
    console = Console(stderr=as_json, quiet=quiet)
    if input_path is None:
        from .demo import demo_motion

        raw = demo_motion()
        analysis = analyze_motion(raw, source=source_info(None, "demo", raw))
    else:
        bar, progress = _progress_bar(console, not quiet)
        with bar:
            analysis = analyze_file(input_path, progress=progress)
    paths = write_outputs(analysis, out)
    if as_json:
        sys.stdout.write(json.dumps(results_document(analysis), indent=2) + "\n")
    render_summary(console, analysis, paths)


@app.command()
def pose(
    input_path: Annotated[Path, typer.Argument(metavar="INPUT", help="Video or any input.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Motion file to write "
                                         "(.npz, or .csv for joint positions).")],
    clean: Annotated[bool, typer.Option("--clean", help="Also clean it (gaps, swaps, "
                                        "filter).")] = False,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Run the pose stage alone: INPUT -> a Motion file."""
    from .clean import clean_motion
    from .io import detect_kind, read_motion

    if output.exists() and not force:
        raise InputError(f"{output}: already exists; choose another -o or pass --force")
    if output.suffix.lower() not in (".npz", ".csv"):
        raise InputError(f"{output}: expected a .npz or .csv output file")
    console = Console(stderr=True, quiet=quiet)
    bar, progress = _progress_bar(console, not quiet)
    kind = detect_kind(input_path)
    with bar:
        motion = read_motion(input_path, kind=kind,
                             **({"progress": progress} if kind == "video" else {}))
    if clean:
        motion, _ = clean_motion(motion)
    if output.suffix.lower() == ".csv":
        from .io.keypoints import write_csv

        write_csv(motion, output)
    else:
        motion.save(output)
    console.print(f"{motion.n_frames} frames, {motion.covered.mean():.0%} with a person "
                  f"-> {output}")


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
    from .evaluate import evaluate_files, format_table

    report = evaluate_files(results, truth, min_iou=min_iou)
    if as_json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        Console().print(format_table(report))


def main() -> None:
    """Console-script entry point: errors become one line and an exit code."""
    try:
        app()  # usage errors: click prints them and exits with 2
    except BalletMirrorError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # a bug: one line, the traceback on request
        if os.environ.get("BALLETMIRROR_DEBUG"):
            raise
        err.print(f"[bold red]internal error:[/] {type(exc).__name__}: {exc} "
                  "(set BALLETMIRROR_DEBUG=1 for the traceback)", highlight=False,
                  soft_wrap=True)
        sys.exit(1)
