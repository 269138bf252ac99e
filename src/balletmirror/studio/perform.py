"""Performing a choreography: the language it is written in, its steps danced by their
generators (:data:`~balletmirror.studio.steps.GENERATORS`) on a
:class:`~balletmirror.studio.pose.Stage`, and the body placed on the floor
(:mod:`.placement`); the truth of every step is measured on the motion that results
(:mod:`.truth`).

The language
------------

A choreography is a list of steps separated by ``;`` (or new lines); ``#`` starts a
comment.  Each step is::

    NAME [WORD ...] [NUMBER] [key=value ...] [xN]

* ``NAME``: a step of :data:`~balletmirror.studio.steps.GENERATORS` (``plie``, ``releve``,
  ``tendu``, ``degage``, ``rond_de_jambe``, ``developpe``, ``grand_battement``,
  ``passe``, ``arabesque``, ``attitude``, ``pirouette``, ``fouette``, ``saute``,
  ``changement``, ``tour``, ``balance``, ``port_de_bras``, ``travel``) or a position
  of the feet (``1st``, ``2nd``, ``4th``, ``5th``) which the dancer closes into.
  Accents and case are ignored (``plié`` = ``plie``).
* ``WORD``: the step's qualifiers: ``demi``/``grand`` (plié depth), ``front``/
  ``side``/``back`` (direction), ``left``/``right`` (the working leg; for turns the
  leg in passé), ``en_dehors``/``en_dedans`` (turn direction), ``first``/``fifth``
  (jump position).
* ``NUMBER``: the step's main quantity: turns for ``pirouette``/``fouette``/``tour``,
  leg height in degrees for ``developpe``/``arabesque``/``attitude``/
  ``grand_battement``, travel distance in metres for ``travel``, seconds for
  ``balance``.
* ``key=value`` options: ``counts=N`` (duration in beats), ``tempo=T`` (turns per
  second for turns), ``depth=deg`` (knee flexion at the bottom of a plié),
  ``height=…`` (passé: ``knee``/``low``/``high``; jump: metres), ``travel=m``
  (drift during a turn), ``spot=no``, ``fault=a,b`` (faults a teacher would correct:
  ``knees_in``, ``bent_supporting_knee``, ``low_passe``, ``hip_hiking``,
  ``sickled_foot``, ``late``), ``late=s`` (how late on the beat, default 0.15 s).
* ``xN``: repeat the step N times.

A step made only of ``key=value`` pairs sets defaults for the steps after it (a
phrase): ``bpm=96`` (tempo of the counts), ``style=sudden+strong`` (expressive
style: ``sustained``/``sudden`` (Laban Time), ``light``/``strong`` (Weight),
``direct``/``indirect`` (Space), ``bound``/``free`` (Flow), ``contracted``/
``expansive``), ``height=1.65`` (the dancer's height in metres, first phrase only).

Example (from the issue)::

    5th; plie demi x2; plie grand; releve; tendu front right; developpe side left 90;
    passe right; pirouette en_dehors right 2; fouette right 16 tempo=1.4;
    arabesque right 80; saute x4
"""

from __future__ import annotations

import dataclasses
import math
import re
import unicodedata

import numpy as np

from ..core.errors import ConfigError
from ..core.motion import Motion
from ..core.vocabulary import FAULTS
from .body import Body
from .placement import render_points
from .pose import Stage
from .spec import Choreography, StepSpec
from .steps import GENERATORS
from .truth import truth_document

POSITIONS = {"1st": 1, "2nd": 2, "4th": 4, "5th": 5, "first": 1, "second": 2, "fourth": 4,
             "fifth": 5}

ALIASES = {"plie_demi": ("plie", "demi"), "grand_plie": ("plie", "grand"),
           "demi_plie": ("plie", "demi"), "retire": ("passe", None), "saut": ("saute", None),
           "sautes": ("saute", None), "pirouettes": ("pirouette", None),
           "fouettes": ("fouette", None), "bourree": ("travel", None),
           "tour_en_l_air": ("tour", None), "tour_en_lair": ("tour", None),
           "battement_tendu": ("tendu", None), "en_avant": ("front", None),
           "devant": ("front", None), "a_la_seconde": ("side", None),
           "seconde": ("side", None), "derriere": ("back", None)}
STYLE_WORDS = {"sustained": ("time", "sustained"), "sudden": ("time", "sudden"),
               "light": ("weight", "light"), "strong": ("weight", "strong"),
               "direct": ("space", "direct"), "indirect": ("space", "indirect"),
               "bound": ("flow", "bound"), "free": ("flow", "free"),
               "contracted": ("shape", "contracted"), "expansive": ("shape", "expansive")}
STEP_OPTIONS = frozenset({"counts", "tempo", "depth", "height", "travel", "spot", "fault",
                          "late"})
PHRASE_OPTIONS = frozenset({"bpm", "style", "height"})
#: Numeric step options -> (lowest, highest, unit); ``height=`` is numeric for jumps.
OPTION_LIMITS: dict[str, tuple[float, float, str]] = {
    "counts": (0.25, 64.0, "counts"), "tempo": (0.2, 5.0, "turns/s"),
    "depth": (0.0, 180.0, "degrees"), "travel": (-10.0, 10.0, "m"),
    "late": (-2.0, 2.0, "s"), "height": (0.02, 1.2, "m of jump"),
}
PHRASE_LIMITS: dict[str, tuple[float, float, str]] = {
    "bpm": (20.0, 300.0, "beats/min"), "height": (1.2, 2.2, "m (the dancer's height)"),
}
MAX_REPEAT = 64
MAX_STEPS = 400


def _normalise(token: str) -> str:
    """Lower case, accents removed, hyphens and apostrophes between letters as
    underscores: ``Plié`` -> ``plie``, ``en-dehors`` -> ``en_dehors``; a number keeps
    its signs (``-1``, ``1e-9``)."""
    plain = unicodedata.normalize("NFKD", token).encode("ascii", "ignore").decode().lower()
    return re.sub(r"(?<=[a-z])[-'](?=[a-z])", "_", plain)


def _number(word: str) -> float | None:
    """The finite number ``word`` spells, else None."""
    try:
        value = float(word)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def check_limit(written: str, limits: tuple[float, float, str], text: str, *,
                key: str = "") -> float:
    """The number ``written`` (``key=`` its option), ConfigError unless it lies within
    ``limits`` (lowest, highest, unit): the message quotes it as written and the limit."""
    low, high, unit = limits
    value = _number(written)
    if value is None:
        raise ConfigError(f"{text!r}: expected a number for {key}=, but got {written!r}")
    if not low <= value <= high:
        raise ConfigError(f"{text!r}: {key + '=' if key else ''}{written} is beyond what "
                          f"a dancer can do; expected {low:g} to {high:g} {unit}")
    return value


def _split_steps(text: str) -> list[str]:
    lines = [line.split("#", 1)[0] for line in text.splitlines()]
    return [part.strip() for part in ";".join(lines).split(";") if part.strip()]


def _apply_phrase(options: dict, state: dict, text: str) -> None:
    """Update the phrase ``state`` (bpm, style, height) from ``key=value`` options."""
    for key, value in options.items():
        if key not in PHRASE_OPTIONS:
            raise ConfigError(f"{text!r}: unknown setting {key!r}; settings are "
                              f"{', '.join(sorted(PHRASE_OPTIONS))}")
        if key == "style":
            state["style"] = _parse_style(value, text)
        else:
            state[key] = check_limit(value, PHRASE_LIMITS[key], text, key=key)


def _parse_style(value: str, text: str) -> dict:
    style = {}
    for word in filter(None, re.split(r"[+,/]", _normalise(value))):
        if word not in STYLE_WORDS:
            raise ConfigError(f"{text!r}: unknown style {word!r}; styles are "
                              f"{', '.join(STYLE_WORDS)}")
        axis, quality = STYLE_WORDS[word]
        style[axis] = quality
    return style


def _tokens(text: str) -> tuple[list[str], dict, int]:
    """Words, ``key=value`` options and the repeat count of one step's text."""
    words, options, repeat = [], {}, 1
    for raw in text.split():
        token = _normalise(raw)
        if "=" in token:
            key, _, value = token.partition("=")
            options[key] = value
        elif re.fullmatch(r"x\d+", token):
            repeat = int(token[1:])
            if not 1 <= repeat <= MAX_REPEAT:
                raise ConfigError(f"{text!r}: x{repeat}: a step repeats 1 to {MAX_REPEAT} "
                                  "times")
        else:
            words.append(token)
    return words, options, repeat


def _resolve_name(words: list[str], text: str) -> tuple[str, list[str]]:
    head, rest = words[0], words[1:]
    if head in POSITIONS:
        return "position", [str(POSITIONS[head])] + rest
    if head in ALIASES:
        name, extra = ALIASES[head]
        return name, ([extra] if extra else []) + rest
    if head not in GENERATORS:
        raise ConfigError(f"{text!r}: unknown step {head!r}; steps are "
                          f"{', '.join(n for n in GENERATORS if n != 'position')}, "
                          "and positions 1st 2nd 4th 5th")
    return head, rest


def _qualifiers(name: str, words: list[str], text: str) -> tuple[frozenset, float | None]:
    allowed = GENERATORS[name].words
    found, number = set(), None
    for word in words:
        word = ALIASES.get(word, (word, None))[0]
        if _number(word) is not None and number is None:
            limits = GENERATORS[name].number
            if limits is None:
                takers = [n for n, g in GENERATORS.items() if g.number]
                raise ConfigError(f"{text!r}: {name} takes no number (numbers are for "
                                  f"{', '.join(takers)}); got {word}")
            number = check_limit(word, limits, text)
        elif word in allowed:
            found.add(word)
        else:
            raise ConfigError(f"{text!r}: {name} does not take {word!r}; it takes "
                              f"{', '.join(sorted(allowed)) or 'no words'} and one number")
    return frozenset(found), number


def _step(text: str, state: dict) -> tuple[StepSpec, int]:
    words, options, repeat = _tokens(text)
    name, rest = _resolve_name(words, text)
    qualifiers, number = _qualifiers(name, rest, text)
    unknown = set(options) - STEP_OPTIONS
    if unknown:
        raise ConfigError(f"{text!r}: unknown option {sorted(unknown)[0]!r}; options are "
                          f"{', '.join(sorted(STEP_OPTIONS))}")
    faults = tuple(filter(None, options.pop("fault", "").split(",")))
    bad = [f for f in faults if f not in FAULTS]
    if bad:
        raise ConfigError(f"{text!r}: unknown fault {bad[0]!r}; faults are "
                          f"{', '.join(sorted(FAULTS))}")
    _check_options(name, options, text)
    spec = StepSpec(name=name, words=qualifiers, number=number, options=options,
                    faults=faults, style=dict(state["style"]), bpm=state["bpm"], text=text)
    return spec, repeat


def _check_options(name: str, options: dict, text: str) -> None:
    """The step's numeric options within :data:`OPTION_LIMITS` (a passé's ``height=`` is
    a word: its generator checks it)."""
    for key, value in options.items():
        if key in OPTION_LIMITS and not (key == "height" and name == "passe"):
            check_limit(value, OPTION_LIMITS[key], text, key=key)


def parse_choreography(text: str) -> Choreography:
    """Parse choreography text (see the module docstring) into validated steps.

    Raises
    ------
    ConfigError
        An unknown step, word, option, fault or style, or a malformed value; the
        message quotes the step.
    """
    state = {"bpm": 96.0, "style": {}, "height": 1.65}
    steps: list[StepSpec] = []
    for part in _split_steps(text):
        words, options, _ = _tokens(part)
        if not words:
            _apply_phrase(options, state, part)
            continue
        spec, repeat = _step(part, state)
        steps.extend([spec] * repeat)
        if len(steps) > MAX_STEPS:
            raise ConfigError(f"the choreography has more than {MAX_STEPS} steps; the studio "
                              "performs at most that many")
    if not steps:
        raise ConfigError("the choreography has no steps")
    return Choreography(steps=tuple(steps), height_m=state["height"], text=text)


# ------------------------------------------------------------------ perform
@dataclasses.dataclass(frozen=True)
class Performance:
    """A performed choreography: the true 3D motion, its truth document and the tracks."""

    motion: Motion
    truth: dict
    tracks: dict
    support: tuple  # (t0, t1, mode) spans: left, right, both (feet planted) or air


def perform(choreography, *, fps: float = 50.0, seed: int = 0,
            height_m: float | None = None) -> Performance:
    """Perform a choreography (text or a parsed :class:`~.spec.Choreography`).

    Parameters
    ----------
    choreography : str or Choreography
        In the language of the module docstring.
    fps : float
        Frames per second of the motion.
    seed : int
        Natural variation: the same seed gives the same motion.  It sways the trunk
        and head by a degree or two (a living dancer is never perfectly still).
    height_m : float, optional
        The dancer's height (default: the choreography's ``height=``, or 1.65 m).

    Returns
    -------
    Performance
        ``motion`` (world space, metres, Y up, 23 canonical joints) and ``truth``.
    """
    chor = choreography if isinstance(choreography, Choreography) else \
        parse_choreography(choreography)
    body = Body(height_m or chor.height_m)
    stage = Stage(body=body)
    for spec in chor.steps:
        GENERATORS[spec.name].perform(stage, spec)
    stage.t += 0.5  # a breath of stillness at the end
    times, points, tracks = _with_sway(stage, fps, seed)
    motion = Motion(positions=points, confidence=np.ones(points.shape[:2]), times=times,
                    fps=fps, space="world", units="m",
                    provenance={"reader": "studio", "choreography": chor.text, "seed": seed,
                                "height_m": body.height})
    bpm = chor.steps[0].bpm if chor.steps else None
    truth = truth_document(stage.danced, motion, choreography=chor.text, seed=seed, bpm=bpm)
    return Performance(motion=motion, truth=truth, tracks=tracks,
                       support=tuple(stage.support))


def _with_sway(stage: Stage, fps: float, seed: int):
    """Render the stage with a seeded, slow sway of trunk and head (about 1 degree)."""
    rng = np.random.default_rng(seed)
    knots = np.linspace(0.0, stage.t, int(stage.t * 2) + 2)
    sway = {name: (knots, rng.normal(0.0, amp, len(knots)))
            for name, amp in (("trunk_side", 1.0), ("trunk_lean", 0.8), ("head_tilt", 1.5))}
    return render_points(stage, fps, sway=sway)
