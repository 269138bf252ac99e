"""A choreography as written: its steps, validated, before they are danced.

Made by :func:`balletmirror.studio.perform.parse_choreography` and read by the
step generators (:mod:`balletmirror.studio.steps`).
"""

from __future__ import annotations

import dataclasses

from ..core.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class StepSpec:
    """One step of a choreography, as written (validated, not yet performed).

    Attributes
    ----------
    name : str
        A key of :data:`balletmirror.studio.steps.GENERATORS`.
    words : frozenset of str
        Its qualifiers.
    number : float or None
        Its main quantity (turns, degrees, metres or seconds: see the language in
        :mod:`balletmirror.studio.perform`).
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
