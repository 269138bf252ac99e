"""The one vocabulary: every step and metric name the code uses is in it, and no other
module spells the list of steps out again."""

import ast
from pathlib import Path

import pytest

from balletmirror.analysis.fatigue import MEASURES as FATIGUE_MEASURES
from balletmirror.analysis.technique import MEASURES, load_manual
from balletmirror.core.vocabulary import (
    FAMILIES,
    FAULTS,
    METRICS,
    STEPS,
    check_metric,
    check_step,
    family_of,
    in_family,
    step_word,
)
from balletmirror.studio.perform import perform
from balletmirror.studio.steps import GENERATORS

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "balletmirror"
#: calls whose first argument or ``name=`` / ``step=`` keyword names a step
STEP_CALLS = {"_step": 0, "Step": None, "Danced": None, "_record": None}


def _name(node: ast.AST) -> str:
    """The last name of a call's function or of an attribute (``a.b.metrics`` -> metrics)."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _strings(node: ast.AST) -> list[str]:
    """The string constants of a constant, or of a tuple, list or set of them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [s for e in node.elts for s in _strings(e)]
    return []


def _keys(node: ast.AST) -> list[str]:
    """The string keys of a dict literal."""
    return [s for k in node.keys if k for s in _strings(k)] if isinstance(node, ast.Dict) \
        else []


def _from_call(node: ast.Call, steps: set, metrics: set, families: set) -> None:
    fn = _name(node)
    if fn in STEP_CALLS:
        if STEP_CALLS[fn] is not None and node.args:
            steps.update(_strings(node.args[STEP_CALLS[fn]]))
        steps.update(s for kw in node.keywords if kw.arg in ("name", "step")
                     for s in _strings(kw.value))
    metrics.update(s for kw in node.keywords if kw.arg == "metrics" for s in _keys(kw.value))
    if fn == "get" and _name(node.func.value) == "metrics" and node.args:
        metrics.update(_strings(node.args[0]))
    if fn == "in_family" and len(node.args) == 2:
        families.update(_strings(node.args[1]))


def _names_used(tree: ast.AST) -> tuple[set[str], set[str], set[str]]:
    """(step names, metric names, family names) the code spells as literals: the step
    of ``_step``/``Step``/``Danced``/``_record``, a step's name compared with
    (``s.name == "plie"``), the keys given as ``metrics=`` or written to / read from a
    ``metrics`` mapping, and the families asked of ``in_family``."""
    steps, metrics, families = set(), set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            _from_call(node, steps, metrics, families)
        elif isinstance(node, ast.Subscript) and _name(node.value) == "metrics":
            metrics.update(_strings(node.slice))
        elif isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute) \
                and node.left.attr == "name" and _name(node.left.value) in ("s", "step", "h"):
            steps.update(s for c in node.comparators for s in _strings(c))
        elif isinstance(node, ast.Assign) and any(_name(t) == "metrics" for t in node.targets):
            metrics.update(_keys(node.value))
    return steps, metrics, families


def _sources():
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_step_and_metric_the_code_names_is_in_the_vocabulary(path):
    steps, metrics, families = _names_used(ast.parse(path.read_text(encoding="utf-8")))
    assert steps <= set(STEPS), steps - set(STEPS)
    assert metrics <= set(METRICS), metrics - set(METRICS)
    assert families <= set(FAMILIES), families - set(FAMILIES)


def test_the_scan_sees_what_it_looks_for():
    code = ('_step("plie", sig, 0, 1, metrics={"depth": "demi"})\n'
            'Step(name="jumpp", start_s=0, end_s=1)\n'
            'm = s.metrics.get("leg_heigth")\nmetrics["whip"] = 1\n'
            'if s.name in ("tendu", "tendoo"): pass\nin_family(x, "turns")\n')
    steps, metrics, families = _names_used(ast.parse(code))
    assert steps == {"plie", "jumpp", "tendu", "tendoo"}
    assert metrics == {"depth", "leg_heigth", "whip"} and families == {"turns"}


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_spells_the_steps_out_again(path):
    """A collection of three or more step names outside the vocabulary would be a
    second list to keep in step with it (the studio's generators are keyed by the
    choreography's own names, which include its positions and jump kinds)."""
    if path.name == "vocabulary.py" or path.relative_to(PACKAGE) == Path("studio/steps.py"):
        return
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        found = []
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            found = [s for s in _strings(node) if s in STEPS]
        elif isinstance(node, ast.Dict):
            found = [s for s in _keys(node) if s in STEPS]
        assert len(set(found)) < 3, (path, found)


def test_the_vocabulary_is_whole():
    assert list(STEPS)[:3] == ["plie", "releve", "tendu"] and "other" in STEPS
    assert {n for members in FAMILIES.values() for n in members} == set(STEPS)
    assert FAMILIES["turn"] == ("pirouette", "fouette")
    assert family_of("arabesque") == FAMILIES["gesture"] and family_of("xyz") == ("xyz",)
    assert in_family("jump", "jump") and not in_family("xyz", "jump")
    assert step_word("plie") == "plié" and step_word("sous_sus") == "sous sus"
    assert all(m.description for m in METRICS.values())
    assert all(k.colour.startswith("#") and k.word for k in STEPS.values())
    assert check_step("plie") == "plie" and check_metric("hold_s") == "hold_s"
    with pytest.raises(ValueError, match="step name of the vocabulary"):
        check_step("pirouete")
    with pytest.raises(ValueError, match="metric name"):
        check_metric("leg_heigth")


def test_the_manual_fatigue_and_faults_speak_the_vocabulary():
    _, criteria = load_manual()
    for c in criteria:
        assert set(c.steps) <= set(STEPS) and c.quantity in METRICS
    assert set(MEASURES) <= set(METRICS)
    assert set(FATIGUE_MEASURES) <= set(METRICS)
    assert set(FAULTS.values()) - {c.name for c in criteria} == {"on_the_beat"}


def test_every_studio_generator_dances_steps_of_the_vocabulary():
    """Each generator of the choreography language records its truth as steps of the
    vocabulary (Step refuses any other name)."""
    text = "; ".join(n if n != "position" else "5th" for n in GENERATORS)
    names = {s["step"] for s in perform(text, fps=25.0).truth["steps"]}
    assert names <= set(STEPS) and {"jump", "plie", "travel"} <= names
