"""Her timing and her tempo in a dancer's words (the summary and the report say the same).

Step names in words are the vocabulary's (:func:`balletmirror.core.vocabulary.step_word`).
"""

from __future__ import annotations

STEADY = 0.15  # consistency under which the accents keep no steady relation to the beat


def timing_words(music: dict) -> str:
    """Her timing in words: "on the beat" (within 40 ms), "N ms late" or "early", or
    "no steady timing to the beat" when the consistency is under :data:`STEADY`.

    Parameters
    ----------
    music : dict
        results.json's ``music`` block with a ``lag_ms`` (ms, positive = late) and
        its ``consistency`` (0-1).
    """
    lag = music["lag_ms"]
    if music["consistency"] < STEADY:
        return "no steady timing to the beat"
    if abs(lag) < 40:
        return "on the beat"
    return f"{lag:.0f} ms late" if lag > 0 else f"{-lag:.0f} ms early"


def tempo_words(ratio: float) -> str:
    """Her tempo against the reference's from the ratio of their durations (above 1 she
    is slower): "the same tempo" within 3%, else "12% slower" or "5% faster"."""
    if abs(ratio - 1) < 0.03:
        return "the same tempo"
    return f"{abs(ratio - 1):.0%} {'slower' if ratio > 1 else 'faster'}"


def turns_words(turns: float) -> str:
    """``"1 turn"``, ``"2 turns"``, ``"1.5 turns"``: a count of turns in words."""
    return f"{turns:g} turn{'' if turns == 1 else 's'}"
