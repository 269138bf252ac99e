"""The one vocabulary of balletmirror: the steps, their families and words, the metrics.

Everything that names a step or a measure reads it here: recognition and the studio
(which names they may give), technique and the manual (which quantities a criterion
may measure), compare (which steps may stand for one another, how a difference is
said), evaluate (the order of its tables, which steps turn), the summary, the report
and the annotated video (the words and colours a dancer sees).  Adding a step means
adding it to :data:`STEPS` (and its recogniser, its studio generator and its manual
criteria); a name that is not here is refused by :class:`balletmirror.core.records.Step`
and by the tests.

Step names are those of DESIGN.md's ``balletmirror.results/1`` schema, in its order.
Units: ``deg`` degrees; ``m`` metres; ``s`` seconds; ``H`` fractions of the standing
body height; ``knee heights`` fractions of the supporting knee's height; ``ratio``
dimensionless; ``turns/s``; an empty string for a category or a flag.
"""

from __future__ import annotations

import dataclasses
from typing import Final


@dataclasses.dataclass(frozen=True)
class StepKind:
    """One step of the vocabulary.

    Attributes
    ----------
    name : str
        The step name of results.json (``plie``).
    family : str
        Steps of one family may be read as one another (an arabesque danced low reads
        as a dégagé): ``gesture`` (one working leg), ``turn``, ``stance`` (both feet),
        ``jump``, ``arms``, ``travel``, ``other``.
    word : str
        How a dancer writes it (``plié``).
    colour : str
        Its colour on the report's timeline (CSS hex).
    """

    name: str
    family: str
    word: str
    colour: str


@dataclasses.dataclass(frozen=True)
class Metric:
    """A measure of a step (in its ``metrics``) or a quantity the manual judges.

    Attributes
    ----------
    name : str
    units : str
        See the module docstring.
    description : str
        How it is measured, in one line (the report shows it beside the value).
    shown : bool
        Listed among a step's measurements in the report (timing marks and
        categories are not).
    words : (noun, more, less) or None
        For a measure compared with a reference: what it is after "your <step>",
        and the words for her value above and below the reference's ("your plié knee
        bend is 13 deg shallower").  None: not compared.
    """

    name: str
    units: str
    description: str
    shown: bool = True
    words: tuple[str, str, str] | None = None


def _steps(*kinds: StepKind) -> dict[str, StepKind]:
    return {k.name: k for k in kinds}


#: The steps, in DESIGN.md's order (tables and listings follow it).
STEPS: Final[dict[str, StepKind]] = _steps(
    StepKind("plie", "stance", "plié", "#5c6bc0"),
    StepKind("releve", "stance", "relevé", "#26a69a"),
    StepKind("tendu", "gesture", "tendu", "#8d6e63"),
    StepKind("degage", "gesture", "dégagé", "#8d6e63"),
    StepKind("rond_de_jambe", "gesture", "rond de jambe", "#8d6e63"),
    StepKind("developpe", "gesture", "développé", "#ab47bc"),
    StepKind("grand_battement", "gesture", "grand battement", "#ab47bc"),
    StepKind("passe", "gesture", "passé", "#42a5f5"),
    StepKind("arabesque", "gesture", "arabesque", "#ab47bc"),
    StepKind("attitude", "gesture", "attitude", "#ab47bc"),
    StepKind("pirouette", "turn", "pirouette", "#ef6c00"),
    StepKind("fouette", "turn", "fouetté", "#d84315"),
    StepKind("jump", "jump", "jump", "#2e7d32"),
    StepKind("balance", "stance", "balance", "#26a69a"),
    StepKind("port_de_bras", "arms", "port de bras", "#78909c"),
    StepKind("travel", "travel", "bourrée", "#6d4c41"),
    StepKind("other", "other", "other", "#9e9e9e"),
)

#: Each family's steps, in the order of :data:`STEPS`.
FAMILIES: Final[dict[str, tuple[str, ...]]] = {
    f: tuple(k.name for k in STEPS.values() if k.family == f)
    for f in dict.fromkeys(k.family for k in STEPS.values())}


def _metrics(*metrics: Metric) -> dict[str, Metric]:
    return {m.name: m for m in metrics}


#: Every measure a step may carry or the manual may judge.  The compared ones come
#: first, in the order a comparison lists them.
METRICS: Final[dict[str, Metric]] = _metrics(
    Metric("leg_height", "deg", "the working leg's elevation: thigh-to-ankle line against "
           "the vertical, degrees (90 = à la hauteur)", words=("leg", "higher", "lower")),
    Metric("whip_height", "deg", "the fouetté leg's highest elevation, degrees",
           words=("whipping leg", "higher", "lower")),
    Metric("min_knee_angle", "deg", "the smallest angle at the knee (hip-knee-ankle) "
           "during the step", words=("knee bend", "shallower", "deeper")),
    Metric("passe_height", "knee heights", "the working toe's height as a fraction of the "
           "supporting knee's (1 = at the knee)", words=("retiré foot", "higher", "lower")),
    Metric("releve_height_m", "m", "the heel's rise on relevé, metres",
           words=("relevé", "higher", "lower")),
    Metric("height", "m", "jump height from the airtime, g T^2 / 8 (ballistic flight), "
           "metres", words=("height", "higher", "lower")),
    Metric("airtime_s", "s", "seconds off the floor, from take-off to landing",
           words=("time in the air", "longer", "shorter")),
    Metric("hold_s", "s", "how long the balance is held up on relevé, seconds",
           words=("balance", "longer", "shorter")),
    Metric("extension_m", "m", "how far the working toe reaches from the supporting foot, "
           "metres", words=("foot", "further out", "nearer in")),
    # measures of the steps
    Metric("depth", "", "demi or grand, from the smallest knee angle", shown=False),
    Metric("direction", "", "which way: en dehors or en dedans (turns, ronds de jambe); "
           "front, side or back (a bourrée)", shown=False),
    Metric("kind", "", "the kind of jump: sauté, changement, tour en l'air", shown=False),
    Metric("min_supporting_knee_angle", "deg", "the smallest angle of the supporting knee"),
    Metric("turn_durations_s", "s", "seconds between successive turn marks, one a turn"),
    Metric("turn_marks_s", "s", "the moment of each turn (its half-turn mark), seconds",
           shown=False),
    Metric("counted_from", "", "the cue the turns were counted from", shown=False),
    Metric("takeoff_s", "s", "when the feet leave the floor, seconds", shown=False),
    Metric("landing_s", "s", "when the feet touch the floor again, seconds", shown=False),
    Metric("distance_m", "m", "distance travelled, metres"),
    # what the studio records of how it danced a step (its truth)
    Metric("tempo", "turns/s", "the turns' speed the studio danced, turns per second"),
    Metric("travel_m", "m", "how far the supporting foot drifted during the turn, metres"),
    Metric("spotting", "", "whether the head spotted the turn"),
    Metric("cambre", "", "the cambré of a port de bras: front, back or side"),
    # a measure of repetitions (fatigue)
    Metric("turn_duration_s", "s", "the mean seconds per turn of a turning step"),
    # the quantities the manual judges (technique)
    Metric("heel_rise", "H", "the heel's height over the toe, in body heights"),
    Metric("knee_inside_toes", "deg", "how far the knee falls inside the line of the toes, "
           "degrees"),
    Metric("trunk_lean", "deg", "the trunk's lean from her own standing posture, degrees"),
    Metric("supporting_knee_bend", "deg", "how far the supporting knee bends from her "
           "standing knee"),
    Metric("working_knee_bend", "deg", "how far the working knee bends from straight while "
           "the leg is out"),
    Metric("foot_turn_in", "deg", "the working foot's turn-in (sickling) from her standing "
           "foot"),
    Metric("pelvis_tilt", "deg", "the pelvis's tilt from level while the leg is raised"),
    Metric("turn_travel", "H", "how far the supporting foot travels during the turn, body "
           "heights"),
    Metric("turn_duration_cv", "ratio", "the spread of the turns' durations (coefficient "
           "of variation)"),
    Metric("head_lead", "deg", "how far the head leads the shoulders through each turn "
           "(spotting)"),
    Metric("releve_rise", "H", "the heel's rise over standing, body heights"),
    Metric("landing_sink", "H", "how deep the knees bend after landing (a soft landing)"),
)

#: The faults the studio can dance (``fault=``) -> the manual's criterion whose
#: correction names it.
FAULTS: Final[dict[str, str]] = {
    "knees_in": "knees_over_toes",
    "bent_supporting_knee": "supporting_leg_straight",
    "low_passe": "passe_height",
    "hip_hiking": "pelvis_level",
    "sickled_foot": "sickling",
    "late": "on_the_beat",
}


def step_word(name: str) -> str:
    """A step name as the dancer writes it (``plie`` -> ``plié``); a name from another
    version of the vocabulary with its underscores as spaces."""
    kind = STEPS.get(name)
    return kind.word if kind else name.replace("_", " ")


def family_of(name: str) -> tuple[str, ...]:
    """The steps of ``name``'s family (the name alone when it is not in the vocabulary)."""
    kind = STEPS.get(name)
    return FAMILIES[kind.family] if kind else (name,)


def in_family(name: str, family: str) -> bool:
    """Whether step ``name`` belongs to ``family`` (``turn``, ``jump``, ``gesture``...)."""
    kind = STEPS.get(name)
    return kind is not None and kind.family == family


def check_step(name: str) -> str:
    """``name`` when the vocabulary holds it; ValueError otherwise (a bug in the code
    that named it, not the user's input)."""
    if name not in STEPS:
        raise ValueError(f"Expected a step name of the vocabulary ({', '.join(STEPS)}), "
                         f"but got {name!r}")
    return name


def check_metric(name: str) -> str:
    """``name`` when the vocabulary holds it as a metric; ValueError otherwise."""
    if name not in METRICS:
        raise ValueError(f"Expected a metric name of the vocabulary, but got {name!r}")
    return name
