"""The choreography language of the synthetic studio.

A choreography is a list of steps separated by ``;`` (or new lines); ``#`` starts a
comment.  Each step is::

    NAME [WORD ...] [NUMBER] [key=value ...] [xN]

* ``NAME``: a step (``plie``, ``releve``, ``tendu``, ``degage``, ``rond_de_jambe``,
  ``developpe``, ``grand_battement``, ``passe``, ``arabesque``, ``attitude``,
  ``pirouette``, ``fouette``, ``saute``, ``changement``, ``tour``, ``balance``,
  ``port_de_bras``, ``travel``) or a position of the feet (``1st``, ``2nd``, ``4th``,
  ``5th``) which the dancer closes into.  Accents and case are ignored (``plié`` =
  ``plie``).
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
import re
import unicodedata

from ..errors import ConfigError

POSITIONS = {"1st": 1, "2nd": 2, "4th": 4, "5th": 5, "first": 1, "second": 2, "fourth": 4,
             "fifth": 5}

#: step name -> the words it accepts
STEP_WORDS: dict[str, frozenset[str]] = {
    "plie": frozenset({"demi", "grand"}),
    "releve": frozenset(),
    "tendu": frozenset({"front", "side", "back", "left", "right"}),
    "degage": frozenset({"front", "side", "back", "left", "right"}),
    "rond_de_jambe": frozenset({"en_dehors", "en_dedans", "left", "right"}),
    "developpe": frozenset({"front", "side", "back", "left", "right"}),
    "grand_battement": frozenset({"front", "side", "back", "left", "right"}),
    "passe": frozenset({"left", "right"}),
    "arabesque": frozenset({"left", "right"}),
    "attitude": frozenset({"front", "back", "left", "right"}),
    "pirouette": frozenset({"en_dehors", "en_dedans", "left", "right"}),
    "fouette": frozenset({"en_dehors", "en_dedans", "left", "right"}),
    "saute": frozenset({"first", "fifth"}),
    "changement": frozenset(),
    "tour": frozenset({"left", "right"}),
    "balance": frozenset({"left", "right"}),
    "port_de_bras": frozenset({"front", "side", "back"}),
    "travel": frozenset({"front", "side", "back", "left", "right"}),
    "position": frozenset(),
}
ALIASES = {"plie_demi": ("plie", "demi"), "grand_plie": ("plie", "grand"),
           "demi_plie": ("plie", "demi"), "retire": ("passe", None), "saut": ("saute", None),
           "sautes": ("saute", None), "pirouettes": ("pirouette", None),
           "fouettes": ("fouette", None), "bourree": ("travel", None),
           "tour_en_l_air": ("tour", None), "tour_en_lair": ("tour", None),
           "battement_tendu": ("tendu", None), "en_avant": ("front", None),
           "devant": ("front", None), "a_la_seconde": ("side", None),
           "seconde": ("side", None), "derriere": ("back", None)}
FAULTS = frozenset({"knees_in", "bent_supporting_knee", "low_passe", "hip_hiking",
                    "sickled_foot", "late"})
STYLE_WORDS = {"sustained": ("time", "sustained"), "sudden": ("time", "sudden"),
               "light": ("weight", "light"), "strong": ("weight", "strong"),
               "direct": ("space", "direct"), "indirect": ("space", "indirect"),
               "bound": ("flow", "bound"), "free": ("flow", "free"),
               "contracted": ("shape", "contracted"), "expansive": ("shape", "expansive")}
STEP_OPTIONS = frozenset({"counts", "tempo", "depth", "height", "travel", "spot", "fault",
                          "late"})
PHRASE_OPTIONS = frozenset({"bpm", "style", "height"})


@dataclasses.dataclass(frozen=True)
class StepSpec:
    """One step of a choreography, as written (validated, not yet performed).

    Attributes
    ----------
    name : str
        A key of :data:`STEP_WORDS`.
    words : frozenset of str
        Its qualifiers.
    number : float or None
        Its main quantity (turns, degrees, metres or seconds, see the module doc).
    options : dict
        ``key=value`` options, values as written (str).
    faults : tuple of str
        Injected faults.
    style : dict
        The expressive style in force: axis -> quality.
    bpm : float
        Tempo of the counts in force.
    text : str
        The step as written, for messages.
    """

    name: str
    words: frozenset[str] = frozenset()
    number: float | None = None
    options: dict = dataclasses.field(default_factory=dict)
    faults: tuple[str, ...] = ()
    style: dict = dataclasses.field(default_factory=dict)
    bpm: float = 96.0
    text: str = ""

    def side(self, default: str = "right") -> str:
        """The working side named in the step, or ``default``."""
        return "left" if "left" in self.words else "right" if "right" in self.words \
            else default

    def word(self, choices: tuple[str, ...], default: str) -> str:
        """The one of ``choices`` named in the step, or ``default``."""
        return next((w for w in choices if w in self.words), default)

    def option(self, key: str, default: float) -> float:
        """A numeric option, or ``default``; ConfigError if it is not a number."""
        if key not in self.options:
            return default
        try:
            return float(self.options[key])
        except ValueError:
            raise ConfigError(f"step {self.text!r}: expected a number for {key}=, "
                              f"but got {self.options[key]!r}") from None


@dataclasses.dataclass(frozen=True)
class Choreography:
    """A parsed choreography: the steps in order and the dancer's height."""

    steps: tuple[StepSpec, ...]
    height_m: float = 1.65
    text: str = ""


def _normalise(token: str) -> str:
    """Lower case, accents removed, hyphens as underscores: ``Plié`` -> ``plie``."""
    plain = unicodedata.normalize("NFKD", token).encode("ascii", "ignore").decode()
    return plain.lower().replace("-", "_").replace("'", "_")


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
            try:
                state[key] = float(value)
            except ValueError:
                raise ConfigError(f"{text!r}: expected a number for {key}=, but got "
                                  f"{value!r}") from None
            if state[key] <= 0:
                raise ConfigError(f"{text!r}: expected {key} > 0, but got {value}")


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
    if head not in STEP_WORDS:
        raise ConfigError(f"{text!r}: unknown step {head!r}; steps are "
                          f"{', '.join(n for n in STEP_WORDS if n != 'position')}, "
                          "and positions 1st 2nd 4th 5th")
    return head, rest


def _qualifiers(name: str, words: list[str], text: str) -> tuple[frozenset, float | None]:
    allowed = STEP_WORDS[name]
    found, number = set(), None
    for word in words:
        word = ALIASES.get(word, (word, None))[0]
        if re.fullmatch(r"-?\d+(\.\d+)?", word) and number is None:
            number = float(word)
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
    spec = StepSpec(name=name, words=qualifiers, number=number, options=options,
                    faults=faults, style=dict(state["style"]), bpm=state["bpm"], text=text)
    return spec, repeat


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
    if not steps:
        raise ConfigError("the choreography has no steps")
    return Choreography(steps=tuple(steps), height_m=state["height"], text=text)
