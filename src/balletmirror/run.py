"""The whole run: one library call from a recording to everything balletmirror says
about it, and the outputs it writes.

::

    from balletmirror import analyze

    run = analyze("practice.mp4", reference="star.bvh", music="class.wav")
    run.results                 # results.json's document (built once)
    run.write("out/")           # results.json, kinematics.csv, motion.npz, motion.trc,
                                # then annotated.mp4, compare.mp4 and report.html

The command line calls :func:`analyze` and :meth:`Run.write`, and so are the journal,
the studio app and batch runs to (DESIGN.md's front ends): nothing else reads the
inputs or writes the outputs.  An output folder that already holds results is never
overwritten without ``force``.

The outputs: ``results.json`` (DESIGN.md's contract), ``report.html`` (offline, with the
annotated video beside it), ``annotated.mp4``, with a reference ``compare.mp4``, the
per-frame kinematics as CSV, the clean Motion (``motion.npz``) and, where there are 3D
joints, ``motion.trc`` (OpenSim).
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from .analysis.compare import compare
from .analysis.pipeline import (
    STAGES,
    Analysis,
    Settings,
    Soundtrack,
    analyze_motion,
    results_document,
    source_info,
)
from .core.errors import InputError
from .core.files import check_output_dir, refuse_overwriting_inputs, written_whole
from .io import check_user_options, detect_kind, read_motion

#: ``progress(task, done, total)``: ``task`` names the work under way ("decode + pose",
#: "analysis", "reference analysis", "render"...), ``total`` may be None (unknown).
Progress = Callable[[str, int, int | None], None]

OUTPUT_FILES = ("results.json", "report.html", "annotated.mp4", "compare.mp4",
                "kinematics.csv", "motion.npz", "motion.trc")
#: the packages the views (annotated.mp4, report.html) need: the ``report`` extra
VIEW_PACKAGES = ("av", "PIL", "plotly")


def check_outdir(outdir: Path, *, force: bool, inputs: Iterable[Path | None] = ()) -> Path:
    """Refuse (InputError) an ``outdir`` that cannot hold outputs
    (:func:`~balletmirror.core.files.check_output_dir`), that already holds our outputs
    (unless ``force``), or whose outputs would be written over one of the ``inputs``
    (whatever ``force`` says).

    Call it before the analysis, so that a long run never ends in a refusal; the folder
    itself is created only when there is something to write in it.
    """
    outdir = check_output_dir(outdir)
    refuse_overwriting_inputs([outdir / name for name in OUTPUT_FILES], inputs)
    existing = [name for name in OUTPUT_FILES if (outdir / name).exists()]
    if existing and not force:
        raise InputError(f"{outdir}: already holds {', '.join(existing)}; "
                         "choose another -o or pass --force to overwrite")
    return outdir


def views_missing() -> str | None:
    """The package the views need that is not installed (see :data:`VIEW_PACKAGES`), or
    None when annotated.mp4 and report.html can be drawn."""
    return next((name for name in VIEW_PACKAGES if importlib.util.find_spec(name) is None),
                None)


def read_soundtrack(path: Path, kind: str, music: Path | None) -> Soundtrack | None:
    """The music to time her against: ``music`` when given (an audio or video file;
    its first second decoded now, so that a bad file is refused before any work), else
    a video's own audio track (read as far as it is readable), else None; read block
    by block when used."""
    import functools

    from .io.audio import RATE, audio_blocks, has_audio

    if music is not None:
        if not has_audio(music):
            raise InputError(f"{music}: has no audio stream for --music")
        for _ in audio_blocks(music, max_s=1.0):
            pass
        return Soundtrack(functools.partial(audio_blocks, music), RATE, str(music))
    if kind != "video" or not has_audio(path):
        return None
    return Soundtrack(functools.partial(audio_blocks, path, tolerant=True), RATE, "video")


def _silent(task: str, done: int, total: int | None) -> None:
    return None


def analyze_file(path: Path, *, kind: str | None = None, settings: Settings | None = None,
                 music: Path | None = None, progress: Progress | None = None,
                 task: str = "", read: Mapping[str, Any] | None = None) -> Analysis:
    """Read one recording (and its soundtrack, or ``music``) and analyse it.

    Parameters
    ----------
    path : Path
        Video, BVH, C3D, COCO/OpenPose JSON, CSV or a saved Motion (``.npz``).
    kind : str, optional
        Its reader (:data:`balletmirror.io.READERS`), when already detected.
    settings : Settings, optional
    music : Path, optional
        An audio (or video) file to time her against instead of the video's own sound.
    progress : Progress, optional
        Told of the reading (``"decode + pose"`` for a video, else ``"read"``) and of
        the :data:`~balletmirror.analysis.pipeline.STAGES` (``"analysis"``), each
        name after ``task``.
    task : str
        What the progress calls this recording ("" for hers, "reference ").
    read : mapping, optional
        The user's reading options (``fps``, ``units``, ``up``, ``mapping``: see
        :func:`balletmirror.io.read_motion`; one that does not apply to this kind of
        file is an InputError).
    """
    s = settings or Settings()
    kind = kind or detect_kind(path)
    tell = progress or _silent
    soundtrack = read_soundtrack(path, kind, music)
    reading = f"{task}{'decode + pose' if kind == 'video' else 'read'}"
    options = {"progress": lambda done, total: tell(reading, done, total),
               "max_side": s.max_side} if kind == "video" else {}
    raw = read_motion(path, kind=kind, **options, **(read or {}))
    stage = {name: k + 1 for k, name in enumerate(STAGES)}
    return analyze_motion(raw, source=source_info(path, kind, raw), settings=s,
                          soundtrack=soundtrack,
                          on_stage=lambda name: tell(f"{task}analysis", stage[name],
                                                     len(STAGES)))


@dataclasses.dataclass(frozen=True)
class Run:
    """One whole run: her analysis, with a reference its analysis and the comparison.

    Attributes
    ----------
    analysis : Analysis
        Hers.
    reference : Analysis or None
        The reference performance's, when one was given.
    comparison : dict or None
        results.json's ``reference`` block
        (:func:`balletmirror.analysis.compare.compare`).
    video : Path or None
        Her video, whose frames the annotated video is drawn on (None for motion
        capture or keypoints).
    inputs : tuple of Path
        Every file the run read (hers, the reference, the music): :meth:`write` never
        writes over one of them.
    """

    analysis: Analysis
    reference: Analysis | None = None
    comparison: dict | None = None
    video: Path | None = None
    inputs: tuple[Path, ...] = ()

    @functools.cached_property
    def results(self) -> dict:
        """results.json's document (schema ``balletmirror.results/1``), built once and
        shared by :meth:`write` and every reader: read it, do not change it."""
        return results_document(self.analysis, reference=self.comparison)

    def write(self, outdir: str | Path, *, views: bool = True, force: bool = False,
              progress: Progress | None = None) -> dict[str, Path]:
        """Write the outputs into ``outdir``: the data files first, then (``views``)
        the annotated video, the ghost video against the reference and the report.

        Parameters
        ----------
        outdir : path
            Created if need be.
        views : bool
            Also annotated.mp4, compare.mp4 (with a reference) and report.html (they
            need the ``report`` extra: :func:`views_missing`).
        force : bool
            Overwrite the outputs of an earlier run there (without it, a folder that
            holds them is refused: :func:`check_outdir`, which a caller runs before
            the analysis too, so as not to analyse for nothing).
        progress : Progress, optional
            Told of each frame drawn (``"render"``, ``"ghost"``).

        Returns
        -------
        dict of name -> Path
            ``results``, ``kinematics``, ``motion``, ``trc`` (3D only), and with the
            views ``annotated``, ``compare`` (with a reference), ``report``.
        """
        outdir = check_outdir(Path(outdir), force=force, inputs=self.inputs)
        paths = self.write_data(outdir)
        if views:
            paths.update(self.write_views(outdir, progress=progress))
        return paths

    def write_data(self, outdir: Path) -> dict[str, Path]:
        """results.json, kinematics.csv, the clean Motion and (3D only) its TRC into
        ``outdir`` (:meth:`write` checks the folder first)."""
        from .io.trc import trc_points, write_trc

        outdir.mkdir(parents=True, exist_ok=True)
        paths = {"results": outdir / "results.json", "kinematics": outdir / "kinematics.csv",
                 "motion": outdir / "motion.npz"}
        text = json.dumps(self.results, indent=2, ensure_ascii=False, allow_nan=False)
        with written_whole(paths["results"]) as tmp:
            tmp.write_text(text + "\n")
        with written_whole(paths["kinematics"]) as tmp:
            self.analysis.kinematics.write_csv(tmp)
        with written_whole(paths["motion"]) as tmp:
            self.analysis.motion.save(tmp)
        try:
            trc_points(self.analysis.motion)
        except InputError:
            return paths  # 2D keypoints only: no TRC
        paths["trc"] = outdir / "motion.trc"
        with written_whole(paths["trc"]) as tmp:
            write_trc(self.analysis.motion, tmp, name=paths["trc"].name)
        return paths

    def write_views(self, outdir: Path, *, progress: Progress | None = None
                    ) -> dict[str, Path]:
        """annotated.mp4 (her video drawn on; for motion capture her skeleton filmed),
        with a reference compare.mp4 (her skeleton and the reference's ghost,
        aligned), and report.html with a thumbnail of every step, into ``outdir``."""
        from .render.annotate import render_annotated
        from .render.ghost import render_ghost
        from .render.report import report_html, thumb_time

        progress = progress or _silent
        doc = self.results
        moments = [thumb_time(s) for s in doc["steps"]]
        paths = {"annotated": outdir / "annotated.mp4"}
        with written_whole(paths["annotated"]) as tmp:
            _, frames = render_annotated(
                self.analysis, tmp, video=self.video, thumbs_at=tuple(moments),
                progress=lambda done, total: progress("render", done, total))
        thumbs = {k: frames[t] for k, t in enumerate(moments) if t in frames}
        if self.reference is not None and self.comparison is not None:
            paths["compare"] = outdir / "compare.mp4"
            with written_whole(paths["compare"]) as tmp:
                render_ghost(self.analysis, self.reference, self.comparison, tmp,
                             progress=lambda done, total: progress("ghost", done, total))
        page = report_html(doc, self.analysis.kinematics.times,
                           self.analysis.kinematics.series, thumbs=thumbs,
                           video=paths["annotated"].name,
                           compare_video="compare.mp4" if "compare" in paths else None)
        paths["report"] = outdir / "report.html"
        with written_whole(paths["report"]) as tmp:
            tmp.write_text(page, encoding="utf-8")
        return paths


def analyze(path: str | Path, *, reference: str | Path | None = None,
            music: str | Path | None = None, settings: Settings | None = None,
            progress: Progress | None = None, read: Mapping[str, Any] | None = None) -> Run:
    """Analyse a recording, and compare it with a reference performance when one is given.

    Parameters
    ----------
    path : path
        Her recording: video, BVH, C3D, COCO/OpenPose JSON (or a folder of OpenPose
        files), CSV, or a saved Motion (``.npz``).
    reference : path, optional
        A performance of the same enchaînement to compare her with (any input kind).
    music : path, optional
        The music she danced to (an audio or video file); default: her video's own
        soundtrack.
    settings : Settings, optional
        The analysis's knobs (the reference is analysed with the same).
    progress : Progress, optional
        ``progress(task, done, total)`` as the work goes on (see :data:`Progress`).
    read : mapping, optional
        Reading options for her recording (``fps``, ``units``, ``up``, ``mapping``:
        :func:`balletmirror.io.read_motion`), checked before any work.

    Returns
    -------
    Run
        Her :class:`~balletmirror.analysis.pipeline.Analysis`, the reference's and the
        comparison; :attr:`Run.results` and :meth:`Run.write` from there.

    Raises
    ------
    InputError
        A missing, empty or unsupported input (the reference or hers, found before any
        work), an unreadable file, nobody in the video, a music file without sound.
    """
    ref_path = None if reference is None else Path(reference)
    ref_kind = None if ref_path is None else detect_kind(ref_path)
    path = Path(path)
    kind = detect_kind(path)
    check_user_options(kind, dict(read or {}))
    video = path if kind == "video" else None
    her = analyze_file(path, kind=kind, settings=settings,
                       music=None if music is None else Path(music), progress=progress,
                       read=read)
    inputs = tuple(p for p in (path, ref_path, None if music is None else Path(music)) if p)
    if ref_path is None:
        return Run(analysis=her, video=video, inputs=inputs)
    ref = analyze_file(ref_path, kind=ref_kind, settings=settings, progress=progress,
                       task="reference ")
    return Run(analysis=her, reference=ref,
               comparison=compare(her, ref, reference_source=ref.source), video=video,
               inputs=inputs)
