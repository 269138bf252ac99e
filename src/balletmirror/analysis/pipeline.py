"""The analysis of one performance as named stages: clean -> kinematics -> signals ->
steps -> technique -> expression -> music, and the results document they make.

Every stage is a pure function of its inputs: nothing here reads or writes a file
(:mod:`balletmirror.run` does, around :func:`analyze_motion`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from ..core.errors import InputError
from ..core.motion import Motion
from ..core.records import RESULTS_SCHEMA, Step, json_safe
from ..features.clean import CleanSettings, clean_motion
from ..features.kinematics import Kinematics, compute_kinematics, rotation_segments
from ..features.signals import Signals, compute_signals
from .expression import assess_expression
from .music import Audio, assess_music
from .steps import StepRules, detect_steps
from .technique import assess_performance


@dataclasses.dataclass(frozen=True)
class Settings:
    """Every knob of an analysis, with defaults; never mutated (use ``dataclasses.replace``).

    Attributes
    ----------
    clean : CleanSettings
        Cleaning parameters.
    steps : StepRules
        The recogniser's thresholds.
    max_side : int
        Longest side of the frames fed to the pose model, pixels.
    sex : {"female", "male"}
        Which de Leva segment table the centre of mass uses.
    """

    clean: CleanSettings = dataclasses.field(default_factory=CleanSettings)
    steps: StepRules = dataclasses.field(default_factory=StepRules)
    max_side: int = 1280
    sex: str = "female"


#: The shortest motion worth analysing: the quickest step (a tendu, a sauté) lasts
#: about half a second.
MIN_DURATION_S = 0.5
MIN_FRAMES = 5


@dataclasses.dataclass(frozen=True)
class Soundtrack:
    """Mono audio whose sample 0 is the Motion's time 0, and where it came from
    (``"video"`` or a file path).

    ``audio`` is the samples, or a function returning an iterable of blocks of them
    (:func:`balletmirror.io.audio.audio_blocks`): a long class's music is read block by
    block, twice, and never held whole (:mod:`balletmirror.analysis.music`)."""

    audio: Audio
    rate: int
    source: str


@dataclasses.dataclass(frozen=True)
class Analysis:
    """Everything the analysis of one performance found.

    Attributes
    ----------
    source : dict
        results.json's ``source`` block (:func:`source_info`).
    raw, motion : Motion
        The Motion as read, and cleaned.
    cleaning : dict
        What cleaning did (coverage, gaps filled, swaps repaired...).
    kinematics : Kinematics
    rotations : list of dict
        Whole-body rotations of the facing (``start_s``, ``end_s``, signed ``turns``).
    signals : Signals
    steps : tuple of Step
        The timeline, judged.
    technique, expression : dict
        results.json's blocks.
    music : dict or None
        None without a soundtrack.
    """

    source: dict
    raw: Motion
    motion: Motion
    cleaning: dict
    kinematics: Kinematics
    rotations: list[dict]
    signals: Signals
    steps: tuple[Step, ...]
    technique: dict
    expression: dict
    music: dict | None


#: The analysis stages in order, as :func:`analyze_motion` reports them.
STAGES = ("cleaning", "kinematics", "steps", "technique", "expression", "music")


def check_long_enough(raw: Motion, source: dict) -> None:
    """InputError when ``raw`` is too short to analyse (see :func:`analyze_motion`)."""
    span = float(raw.times[-1] - raw.times[0]) if raw.n_frames else 0.0
    if raw.n_frames < MIN_FRAMES or span < MIN_DURATION_S:
        raise InputError(f"{source.get('path') or 'the motion'}: only {raw.n_frames} "
                         f"frame{'s' if raw.n_frames != 1 else ''} ({span:.2f} s); balletmirror "
                         f"needs at least {MIN_DURATION_S:g} s and {MIN_FRAMES} frames of "
                         "dancing")


def analyze_motion(raw: Motion, *, source: dict, settings: Settings | None = None,
                   soundtrack: Soundtrack | None = None,
                   on_stage: Callable[[str], None] | None = None) -> Analysis:
    """Clean a raw Motion, compute its kinematics, find its steps, judge them, read
    their expression and, with a soundtrack, their timing on the music.

    Parameters
    ----------
    raw : Motion
        As a reader returned it (frames, 23, 2 or 3; NaN where unseen).
    source : dict
        results.json's ``source`` block (:func:`source_info`).
    settings : Settings, optional
    soundtrack : Soundtrack, optional
        The music to time her against.
    on_stage : callable(name), optional
        Called as each of :data:`STAGES` begins.

    Returns
    -------
    Analysis

    Raises
    ------
    InputError
        Under :data:`MIN_DURATION_S` or :data:`MIN_FRAMES` of motion: too little to say
        anything about (a step lasts longer).
    """
    check_long_enough(raw, source)
    s = settings or Settings()
    stage = on_stage or (lambda name: None)
    stage("cleaning")
    motion, cleaning = clean_motion(raw, settings=s.clean)
    stage("kinematics")
    kin = compute_kinematics(motion, sex=s.sex)
    rotations = rotation_segments(kin.times, kin["yaw"])
    sig = compute_signals(motion, kin, raw=raw)
    stage("steps")
    found = detect_steps(sig, rotations=rotations, rules=s.steps)
    stage("technique")
    steps, technique = assess_performance(
        found, sig, camera_aligned=motion.space == "image" and motion.world is not None)
    stage("expression")
    expression = assess_expression(motion, sig, steps, sex=s.sex)
    stage("music")
    music = None if soundtrack is None else assess_music(
        motion, steps, audio=soundtrack.audio, sr=soundtrack.rate, source=soundtrack.source)
    return Analysis(source=source, raw=raw, motion=motion, cleaning=cleaning,
                    kinematics=kin, rotations=rotations, signals=sig, steps=tuple(steps),
                    technique=technique, expression=expression, music=music)


def source_info(path, kind: str, motion: Motion) -> dict:
    """results.json's ``source`` block: the input's path (None for a Motion made in
    memory), its reader's ``kind``, frames per second, frames and seconds, and for a
    truncated or damaged video ``incomplete`` (``readable_until_s``, ``declared_s``,
    ``reason``: only the readable part was analysed)."""
    block = {"path": str(path) if path else None, "kind": kind, "fps": round(motion.fps, 6),
             "frames": motion.n_frames, "duration_s": round(motion.duration_s, 6)}
    if motion.provenance.get("incomplete"):
        block["incomplete"] = motion.provenance["incomplete"]
    return block


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None or value != value else round(float(value), digits)


def results_document(analysis: Analysis, *, reference: dict | None = None) -> dict:
    """The results.json document (schema ``balletmirror.results/1``, see DESIGN.md).

    Parameters
    ----------
    analysis : Analysis
    reference : dict, optional
        The comparison with a reference (:func:`balletmirror.analysis.compare.compare`).

    Returns
    -------
    dict
        Strict JSON (NaN as null).  ``turns_total`` is the sum of the turns of the
        recognised steps (pirouettes, fouettés, turning jumps); the whole-body
        rotations found in the facing yaw are listed under ``pose.rotations``.
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
        "steps": [s.to_json() for s in analysis.steps],
        "turns_total": float(sum(s.turns or 0.0 for s in analysis.steps)),
        "technique": analysis.technique,
        "expression": analysis.expression,
        "music": analysis.music,
        "reference": reference,
    })
