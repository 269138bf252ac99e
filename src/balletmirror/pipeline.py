"""The analysis pipeline as named stages: read -> clean -> kinematics -> results.

Each stage is a pure function of its inputs; only :func:`analyze_file` touches the
file system (through the readers).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .clean import CleanSettings, clean_motion
from .errors import InputError
from .expression import assess_expression
from .io import detect_kind, read_motion
from .jsonable import json_safe
from .kinematics import Kinematics, compute_kinematics, rotation_segments
from .motion import Motion
from .music import assess_music
from .signals import Signals, compute_signals
from .steps import StepRules, detect_steps
from .technique import assess_performance

RESULTS_SCHEMA = "balletmirror.results/1"


@dataclasses.dataclass(frozen=True)
class Settings:
    """Every knob of an analysis, with defaults; never mutated (use ``dataclasses.replace``).

    Attributes
    ----------
    clean : CleanSettings
        Cleaning parameters.
    max_side : int
        Longest side of the frames fed to the pose model, pixels.
    sex : {"female", "male"}
        Which de Leva segment table the centre of mass uses.
    """

    clean: CleanSettings = dataclasses.field(default_factory=CleanSettings)
    steps: StepRules = dataclasses.field(default_factory=StepRules)
    max_side: int = 1280
    sex: str = "female"


@dataclasses.dataclass(frozen=True)
class Analysis:
    """Everything one analysis produced."""

    source: dict
    raw: Motion
    motion: Motion
    cleaning: dict
    kinematics: Kinematics
    rotations: list[dict]
    signals: Signals
    steps: list[dict]
    technique: dict
    expression: dict
    music: dict | None
    reference: dict | None = None  # the comparison with a reference (balletmirror.compare)


@dataclasses.dataclass(frozen=True)
class Soundtrack:
    """Mono audio samples whose sample 0 is the Motion's time 0, and where they came
    from (``"video"`` or a file path)."""

    samples: np.ndarray
    rate: int
    source: str


#: The analysis stages in order, as :func:`analyze_motion` reports them.
STAGES = ("cleaning", "kinematics", "steps", "technique", "expression", "music")


def analyze_motion(raw: Motion, *, source: dict, settings: Settings | None = None,
                   soundtrack: Soundtrack | None = None,
                   on_stage: Callable[[str], None] | None = None) -> Analysis:
    """Clean a raw Motion, compute its kinematics, find its steps, judge them, read
    their expression and, with a soundtrack, their timing on the music (pure: no
    file access).  ``on_stage(name)`` is called as each of :data:`STAGES` begins."""
    s = settings or Settings()
    stage = on_stage or (lambda name: None)
    stage("cleaning")
    motion, cleaning = clean_motion(raw, s.clean)
    stage("kinematics")
    kin = compute_kinematics(motion, sex=s.sex)
    rotations = rotation_segments(kin.times, kin["yaw"])
    sig = compute_signals(motion, kin, raw=raw)
    stage("steps")
    found = detect_steps(sig, rotations, s.steps)
    stage("technique")
    steps, technique = assess_performance(
        found, sig, camera_aligned=motion.space == "image" and motion.world is not None)
    stage("expression")
    expression = assess_expression(motion, sig, steps, sex=s.sex)
    stage("music")
    music = assess_music(soundtrack.samples, soundtrack.rate, motion, steps,
                         source=soundtrack.source) if soundtrack is not None else None
    return Analysis(source=source, raw=raw, motion=motion, cleaning=cleaning,
                    kinematics=kin, rotations=rotations, signals=sig, steps=steps,
                    technique=technique, expression=expression, music=music)


def source_info(path: Path | None, kind: str, motion: Motion) -> dict:
    """The ``source`` block of results.json."""
    return {"path": str(path) if path else None, "kind": kind, "fps": round(motion.fps, 6),
            "frames": motion.n_frames, "duration_s": round(motion.duration_s, 6)}


def read_soundtrack(path: Path, kind: str, music: Path | None) -> Soundtrack | None:
    """The music to time her against: ``music`` when given (an audio or video file),
    else a video's own audio track, else None."""
    from .io.audio import read_audio

    if music is not None:
        audio = read_audio(music)
        if audio is None:
            raise InputError(f"{music}: has no audio stream for --music")
        return Soundtrack(audio[0], audio[1], str(music))
    if kind != "video":
        return None
    audio = read_audio(path)
    return Soundtrack(audio[0], audio[1], "video") if audio is not None else None


def analyze_file(path: Path, *, settings: Settings | None = None, progress=None,
                 music: Path | None = None,
                 on_stage: Callable[[str], None] | None = None) -> Analysis:
    """Read any supported input (and its soundtrack, or ``music``) and analyse it."""
    s = settings or Settings()
    kind = detect_kind(path)
    soundtrack = read_soundtrack(path, kind, music)
    options = {"progress": progress, "max_side": s.max_side} if kind == "video" else {}
    raw = read_motion(path, kind=kind, **options)
    return analyze_motion(raw, source=source_info(path, kind, raw), settings=s,
                          soundtrack=soundtrack, on_stage=on_stage)


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None or value != value else round(float(value), digits)


def results_document(analysis: Analysis) -> dict:
    """The results.json document (schema ``balletmirror.results/1``, see DESIGN.md).

    ``turns_total`` is the sum of the turns of the recognised steps (pirouettes,
    fouettés, turning jumps); the whole-body rotations found in the facing yaw are
    listed under ``pose.rotations``.
    """
    kin, clean = analysis.kinematics, analysis.cleaning
    pose = {
        "backend": analysis.raw.provenance.get("backend", analysis.source["kind"]),
        "coverage": _round(clean["coverage"]),
        "space": analysis.motion.space,
        "basis": kin.basis,
        "height": _round(kin.height),
        "height_units": kin.height_units,
        "uncovered": clean["uncovered"],
        "cleaning": {k: v for k, v in clean.items() if k not in ("coverage", "uncovered")},
        "rotations": analysis.rotations,
    }
    return json_safe({
        "schema": RESULTS_SCHEMA,
        "source": analysis.source,
        "pose": pose,
        "steps": analysis.steps,
        "turns_total": float(sum(s["turns"] or 0.0 for s in analysis.steps)),
        "technique": analysis.technique,
        "expression": analysis.expression,
        "music": analysis.music,
        "reference": analysis.reference,
    })
