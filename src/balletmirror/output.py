"""Writing an analysis to an output folder, never overwriting what the user had.

The folder gets ``results.json`` (DESIGN.md's contract), ``report.html`` (offline, with
the annotated video beside it), ``annotated.mp4``, the per-frame kinematics as CSV, the
clean Motion (``motion.npz``) and, where there are 3D joints, ``motion.trc`` (OpenSim).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from .errors import InputError
from .pipeline import Analysis, results_document

OUTPUT_FILES = ("results.json", "report.html", "annotated.mp4", "compare.mp4",
                "kinematics.csv", "motion.npz", "motion.trc")


def check_outdir(outdir: Path, *, force: bool) -> Path:
    """Refuse (InputError) an ``outdir`` that already holds our outputs, unless ``force``.

    Called before the analysis, so that a long run never ends in a refusal; the folder
    itself is created only when there is something to write in it.
    """
    if outdir.exists() and not outdir.is_dir():
        raise InputError(f"{outdir}: exists and is not a folder; choose another -o")
    existing = [name for name in OUTPUT_FILES if (outdir / name).exists()]
    if existing and not force:
        raise InputError(f"{outdir}: already holds {', '.join(existing)}; "
                         "choose another -o or pass --force to overwrite")
    return outdir


def write_data(analysis: Analysis, outdir: Path) -> dict[str, Path]:
    """Write results.json, kinematics.csv, the clean Motion and (3D only) its TRC."""
    from .io.trc import trc_points, write_trc

    doc = results_document(analysis)
    outdir.mkdir(parents=True, exist_ok=True)
    paths = {"results": outdir / "results.json", "kinematics": outdir / "kinematics.csv",
             "motion": outdir / "motion.npz"}
    text = json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False)
    paths["results"].write_text(text + "\n")
    analysis.kinematics.write_csv(paths["kinematics"])
    analysis.motion.save(paths["motion"])
    try:
        trc_points(analysis.motion)
    except InputError:
        return paths  # 2D keypoints only: no TRC
    paths["trc"] = write_trc(analysis.motion, outdir / "motion.trc")
    return paths


def write_views(analysis: Analysis, outdir: Path, *, video: Path | None,
                progress: Callable[[int, int | None], None] | None = None,
                reference: Analysis | None = None) -> dict[str, Path]:
    """Render annotated.mp4 (her video drawn on; for motion capture her skeleton filmed),
    with a reference compare.mp4 (her skeleton and the reference's ghost, aligned), and
    report.html with a thumbnail of every step."""
    from .annotate import render_annotated
    from .report import report_html, thumb_time

    doc = results_document(analysis)
    moments = [thumb_time(s) for s in doc["steps"]]
    annotated, frames = render_annotated(analysis, outdir / "annotated.mp4", video=video,
                                         thumbs_at=tuple(moments), progress=progress)
    thumbs = {k: frames[t] for k, t in enumerate(moments) if t in frames}
    paths = {"annotated": annotated}
    if reference is not None and analysis.reference is not None:
        from .ghost import render_ghost

        paths["compare"] = render_ghost(analysis, reference, analysis.reference,
                                        outdir / "compare.mp4", progress=progress)
    page = report_html(doc, analysis.kinematics.times, analysis.kinematics.series,
                       thumbs=thumbs, video=annotated.name,
                       compare_video="compare.mp4" if "compare" in paths else None)
    paths["report"] = outdir / "report.html"
    paths["report"].write_text(page, encoding="utf-8")
    return paths


def write_outputs(analysis: Analysis, outdir: Path, *, video: Path | None = None,
                  views: bool = True,
                  progress: Callable[[int, int | None], None] | None = None
                  ) -> dict[str, Path]:
    """Everything of an analysis into ``outdir``: the data, then (``views``) the
    annotated video and the report."""
    paths = write_data(analysis, outdir)
    if views:
        paths.update(write_views(analysis, outdir, video=video, progress=progress))
    return paths
