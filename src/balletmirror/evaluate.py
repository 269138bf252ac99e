"""Score an analysis (``results.json``) against ground truth (``truth.json``).

The synthetic studio writes ground truth in the same step schema as the analysis
(DESIGN.md), so scoring is a comparison of two step lists:

1. **Matching.** Predicted and true steps of the same NAME are matched one to one by
   temporal intersection-over-union (IoU) of their ``[start_s, end_s]`` intervals,
   optimally (Hungarian algorithm, :func:`scipy.optimize.linear_sum_assignment` on
   ``-IoU``, per step name); a pair counts only when IoU >= ``min_iou``.  This is the
   segmental F1@k of action segmentation (Lea et al., 2017, "Temporal Convolutional
   Networks for Action Segmentation and Detection", CVPR), with an optimal instead
   of a greedy assignment.
2. **Detection.** Precision P = matched / predicted, recall R = matched / true,
   F1 = 2PR / (P + R); overall and per step name.
3. **What was measured on the matched steps.** Side, turn counts and directions (en
   dehors, en dedans), numeric metrics
   (mean absolute error), categorical metrics (accuracy), and faults: whether each
   fault the studio put into a step was named by a correction of the matched step.
4. **Truth labelled by eye** (the real clips, ``../shared/data/real``): a label's
   ``confidence`` ``"low"`` is not scored (it is dropped, and so is every predicted
   step lying mostly on it: neither right nor wrong); a step outside the vocabulary of
   the day is ``other`` with its real name in ``metrics.name``, and that name is the one
   matched.  A *confident wrong* step is a predicted step with a score whose time lies
   mostly on a scored label of another name: what a dancer would be told wrongly, with
   a number (:func:`confident_wrong`).

Everything here is a pure function of dicts except :func:`load_json_document`, and
the report is plain JSON (``json.dumps`` works on it); its tables and summary lines
are drawn by :mod:`balletmirror.render.evaluation`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from scipy.optimize import linear_sum_assignment

from .core.errors import ConfigError, InputError
from .core.records import EVALUATION_SCHEMA, RESULTS_SCHEMA, TRUTH_SCHEMA
from .core.vocabulary import FAULTS, STEPS, in_family

#: A turn count is exact when it is within this many turns of the truth (nearest quarter).
QUARTER_TOLERANCE = 0.125


class Match(NamedTuple):
    """One matched pair: indices into the predicted and true step lists, and their IoU."""

    predicted: int
    true: int
    iou: float


class Matching(NamedTuple):
    """The result of :func:`match_steps` (unpacks as ``pairs, false_positives, misses``).

    Attributes
    ----------
    pairs : list of Match
        Matched pairs, sorted by the true step's start time.
    false_positives : list of int
        Indices of the predicted steps left unmatched, in list order.
    misses : list of int
        Indices of the true steps left unmatched, in list order.
    """

    pairs: list[Match]
    false_positives: list[int]
    misses: list[int]


# --------------------------------------------------------------------------- loading


_JSON_KINDS = {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}


def load_json_document(path: str | Path, expected_schema: str) -> dict:
    """Read a balletmirror JSON document and check its ``schema``.

    Parameters
    ----------
    path : str or Path
        The file (``results.json``, ``truth.json``).
    expected_schema : str
        The exact ``schema`` value it must carry, e.g. ``"balletmirror.truth/1"``.

    Returns
    -------
    dict
        The parsed document.

    Raises
    ------
    InputError
        One line naming the file: it is missing or unreadable, not valid JSON, not a
        JSON object, or has another schema ("Expected schema X, but got Y").
    """
    path = Path(path)
    if not path.is_file():
        what = "is not a file" if path.exists() else "no such file"
        raise InputError(f"{path}: {what}; give the path of a {expected_schema} JSON document")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: invalid JSON ({exc.msg} at line {exc.lineno} column "
                         f"{exc.colno})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read ({exc})") from None
    if not isinstance(doc, dict):
        kind = _JSON_KINDS.get(type(doc), "null")
        raise InputError(f"{path}: Expected schema {expected_schema}, but got a JSON {kind}, "
                         "not an object")
    if doc.get("schema") != expected_schema:
        got = "no schema" if doc.get("schema") is None else repr(doc["schema"])
        raise InputError(f"{path}: Expected schema {expected_schema}, but got {got}")
    return doc


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_step(step: Any, where: str) -> None:
    if not isinstance(step, dict) or not isinstance(step.get("step"), str):
        raise InputError(f"{where}: Expected an object with a string 'step', but got "
                         f"{str(step)[:60]}")
    start, end = step.get("start_s"), step.get("end_s")
    if not (_is_number(start) and _is_number(end)) or end < start:
        raise InputError(f"{where} ({step['step']}): Expected numbers start_s <= end_s, but "
                         f"got start_s={start!r}, end_s={end!r}")


def checked_steps(doc: dict, label: str) -> list[dict]:
    """The ``steps`` list of a results or truth document, validated.

    Parameters
    ----------
    doc : dict
        A ``balletmirror.results/1`` or ``balletmirror.truth/1`` document.
    label : str
        How error messages name the document ("results", "truth").

    Returns
    -------
    list of dict
        The steps, unchanged.

    Raises
    ------
    InputError
        When ``steps`` is not a list or a step lacks a name or a valid time interval
        (seconds, ``start_s <= end_s``).
    """
    steps = doc.get("steps") if isinstance(doc, dict) else None
    if not isinstance(steps, list):
        raise InputError(f"{label}: Expected a 'steps' list, but got {type(steps).__name__}")
    for i, step in enumerate(steps):
        _check_step(step, f"{label} step {i}")
    return steps


# -------------------------------------------------------------------------- matching


def temporal_iou(a: dict, b: dict) -> float:
    """Intersection over union of two steps' time intervals.

    Parameters
    ----------
    a, b : dict
        Steps with ``start_s`` and ``end_s`` (seconds).

    Returns
    -------
    float
        ``|a ∩ b| / |a ∪ b|`` in [0, 1]; 0 when the union has no length.
    """
    inter = max(0.0, min(a["end_s"], b["end_s"]) - max(a["start_s"], b["start_s"]))
    union = (a["end_s"] - a["start_s"]) + (b["end_s"] - b["start_s"]) - inter
    return float(inter / union) if union > 0 else 0.0


def _check_min_iou(min_iou: float) -> None:
    if not (_is_number(min_iou) and 0 < min_iou <= 1):
        raise ConfigError(f"Expected min_iou in (0, 1], but got {min_iou!r}")


def _match_one_name(predicted: Sequence[dict], truth: Sequence[dict], p_idx: list[int],
                    t_idx: list[int], min_iou: float) -> list[Match]:
    """Optimal matching among the steps of one name (indices into the full lists)."""
    if not p_idx or not t_idx:
        return []
    iou = np.array([[temporal_iou(predicted[i], truth[j]) for j in t_idx] for i in p_idx])
    cost = np.where(iou >= min_iou, -iou, 0.0)  # pairs below the threshold weigh nothing
    rows, cols = linear_sum_assignment(cost)
    return [Match(p_idx[r], t_idx[c], float(iou[r, c]))
            for r, c in zip(rows, cols, strict=True) if iou[r, c] >= min_iou]


def _ordered_names(names: Iterable[str]) -> list[str]:
    """Step names in DESIGN.md order, unknown names after them alphabetically."""
    rank = {name: i for i, name in enumerate(STEPS)}
    return sorted(set(names), key=lambda n: (rank.get(n, len(rank)), n))


def match_steps(predicted: Sequence[dict], truth: Sequence[dict], *,
                min_iou: float = 0.3) -> Matching:
    """Match predicted steps to true steps one to one.

    Only steps with the same ``step`` name can match.  Per name, the assignment
    maximises the summed temporal IoU (:func:`scipy.optimize.linear_sum_assignment`
    on ``-IoU``) over the pairs whose IoU reaches ``min_iou``; other pairs never match.

    Parameters
    ----------
    predicted, truth : sequence of dict
        Steps (DESIGN.md step schema; only ``step``, ``start_s``, ``end_s`` are used).
    min_iou : float, default 0.3
        The smallest IoU in (0, 1] that counts as a match.

    Returns
    -------
    Matching
        ``(pairs, false_positives, misses)``: matched index pairs with their IoU, the
        unmatched predicted indices and the unmatched true indices.

    Raises
    ------
    ConfigError
        When ``min_iou`` is not in (0, 1].
    """
    _check_min_iou(min_iou)
    pairs: list[Match] = []
    for name in _ordered_names(s["step"] for s in [*predicted, *truth]):
        p_idx = [i for i, s in enumerate(predicted) if s["step"] == name]
        t_idx = [j for j, s in enumerate(truth) if s["step"] == name]
        pairs += _match_one_name(predicted, truth, p_idx, t_idx, min_iou)
    pairs.sort(key=lambda m: (truth[m.true]["start_s"], m.true))
    used_p, used_t = {m.predicted for m in pairs}, {m.true for m in pairs}
    return Matching(pairs, [i for i in range(len(predicted)) if i not in used_p],
                    [j for j in range(len(truth)) if j not in used_t])


# ------------------------------------------------------------------------- detection


def precision_recall_f1(matched: int, n_predicted: int, n_true: int) -> dict:
    """Precision, recall and F1 of a detection, defined for empty sets too.

    Parameters
    ----------
    matched, n_predicted, n_true : int
        Matched pairs, predicted steps, true steps.

    Returns
    -------
    dict
        ``precision`` = matched / n_predicted (0 when nothing was predicted),
        ``recall`` = matched / n_true (0 when there is no truth),
        ``f1`` = 2PR / (P + R) (0 when P + R = 0), and ``notes``: one sentence for
        each value that was set to 0 because its denominator was 0.
    """
    notes = []
    if n_predicted == 0:
        notes.append("no predicted steps: precision set to 0")
    if n_true == 0:
        notes.append("no true steps: recall set to 0")
    p = matched / n_predicted if n_predicted else 0.0
    r = matched / n_true if n_true else 0.0
    f1 = 2 * p * r / (p + r) if p + r > 0 else 0.0
    return {"precision": p, "recall": r, "f1": f1, "notes": notes}


def _detection(m: Matching, n_predicted: int, n_true: int) -> dict:
    ious = [pair.iou for pair in m.pairs]
    return {"true": n_true, "predicted": n_predicted, "matched": len(m.pairs),
            "missed": len(m.misses), "false_positives": len(m.false_positives),
            **precision_recall_f1(len(m.pairs), n_predicted, n_true),
            "mean_iou": float(np.mean(ious)) if ious else None}


def _per_step(m: Matching, predicted: Sequence[dict], truth: Sequence[dict]) -> dict:
    """Detection scores per step name, in DESIGN.md order."""
    out = {}
    for name in _ordered_names(s["step"] for s in [*predicted, *truth]):
        n_true = sum(s["step"] == name for s in truth)
        n_pred = sum(s["step"] == name for s in predicted)
        matched = sum(truth[pair.true]["step"] == name for pair in m.pairs)
        out[name] = {"support": n_true, "predicted": n_pred, "matched": matched,
                     **precision_recall_f1(matched, n_pred, n_true)}
    return out


def _interval(step: dict) -> dict:
    return {"step": step["step"], "start_s": step["start_s"], "end_s": step["end_s"]}


def _listing(m: Matching, predicted: Sequence[dict], truth: Sequence[dict]) -> dict:
    """The matched pairs, misses and false positives, with indices and times."""
    return {
        "matches": [{"step": truth[p.true]["step"], "true_index": p.true,
                     "predicted_index": p.predicted, "iou": p.iou,
                     "true_start_s": truth[p.true]["start_s"],
                     "true_end_s": truth[p.true]["end_s"],
                     "predicted_start_s": predicted[p.predicted]["start_s"],
                     "predicted_end_s": predicted[p.predicted]["end_s"]} for p in m.pairs],
        "misses": [{"index": j, **_interval(truth[j])} for j in m.misses],
        "false_positives": [{"index": i, **_interval(predicted[i])}
                            for i in m.false_positives],
    }


# ------------------------------------------------------------- side, turns, metrics


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _side(m: Matching, predicted: Sequence[dict], truth: Sequence[dict]) -> dict:
    """Side accuracy over the matched steps whose true side is known."""
    judged = [(predicted[p.predicted].get("side"), truth[p.true]["side"]) for p in m.pairs
              if truth[p.true].get("side") is not None]
    correct = sum(pred == true for pred, true in judged)
    return {"evaluated": len(judged), "correct": correct,
            "accuracy": _ratio(correct, len(judged))}


def is_turning_step(step: dict) -> bool:
    """Whether a true step has a turn count to check.

    Turning steps (pirouettes, fouettés) with a turn count, and any other step (a
    jump en tournant, ...) whose turn count is non-zero.
    """
    turns = step.get("turns")
    return _is_number(turns) and (in_family(step["step"], "turn") or turns != 0)


def _turn_row(j: int, true_step: dict, i: int | None, pred_step: dict | None) -> dict:
    """One turning step: true vs predicted turns (a matched step without a count: 0)."""
    true_turns = abs(float(true_step["turns"]))
    row = {"step": true_step["step"], "true_index": j, "predicted_index": i,
           "start_s": true_step["start_s"], "end_s": true_step["end_s"],
           "true_turns": true_turns, "predicted_turns": None, "error": None, "exact": False,
           "true_direction": (true_step.get("metrics") or {}).get("direction"),
           "predicted_direction": None}
    if pred_step is not None:
        row["predicted_direction"] = (pred_step.get("metrics") or {}).get("direction")
        got = pred_step.get("turns")
        pred_turns = abs(float(got)) if _is_number(got) else 0.0
        error = pred_turns - true_turns
        row.update(predicted_turns=pred_turns, error=error,
                   exact=abs(error) < QUARTER_TOLERANCE)
    return row


def _turns_total(results: dict, truth: dict) -> dict:
    true, pred = (doc.get("turns_total") for doc in (truth, results))
    true, pred = (float(v) if _is_number(v) else None for v in (true, pred))
    both = true is not None and pred is not None
    return {"true": true, "predicted": pred, "error": pred - true if both else None}


def _turns(m: Matching, predicted: Sequence[dict], truth: Sequence[dict], results: dict,
           truth_doc: dict) -> dict:
    """Turn counting on every true turning step; missed ones count as not exact."""
    pred_of = {p.true: p.predicted for p in m.pairs}
    rows = [_turn_row(j, t, pred_of.get(j), predicted[pred_of[j]] if j in pred_of else None)
            for j, t in enumerate(truth) if is_turning_step(t)]
    errors = [abs(r["error"]) for r in rows if r["error"] is not None]
    exact = sum(r["exact"] for r in rows)
    directed = [r for r in rows if r["true_direction"] and r["predicted_index"] is not None]
    right = sum(r["predicted_direction"] == r["true_direction"] for r in directed)
    return {"evaluated": len(rows), "matched": len(errors), "exact": exact,
            "exact_fraction": _ratio(exact, len(rows)),
            "mean_abs_error": float(np.mean(errors)) if errors else None,
            "direction": {"evaluated": len(directed), "correct": right,
                          "accuracy": _ratio(right, len(directed))},
            "steps": rows, "total": _turns_total(results, truth_doc)}


def _compare_metrics(pred: dict, true: dict) -> Iterable[tuple[str, str, Any]]:
    """(kind, key, value) for each metric in both: ("numeric", key, |error|) or
    ("categorical", key, equal)."""
    for key in sorted(set(pred) & set(true)):
        a, b = pred[key], true[key]
        if _is_number(a) and _is_number(b):
            yield "numeric", key, abs(float(a) - float(b))
        elif isinstance(a, (str, bool)) and isinstance(b, (str, bool)):
            yield "categorical", key, a == b


def _metric_rows(values: dict, kind: str) -> list[dict]:
    rows = []
    for (name, key), got in values.items():
        if kind == "numeric":
            rows.append({"step": name, "metric": key, "count": len(got),
                         "mae": float(np.mean(got)), "max_abs_error": float(max(got))})
        else:
            rows.append({"step": name, "metric": key, "count": len(got),
                         "correct": int(sum(got)), "accuracy": sum(got) / len(got)})
    rank = {n: i for i, n in enumerate(_ordered_names(n for n, _ in values))}
    return sorted(rows, key=lambda r: (rank[r["step"]], r["metric"]))


def _metrics(m: Matching, predicted: Sequence[dict], truth: Sequence[dict]) -> dict:
    """Numeric metrics: mean absolute error; categorical ones: accuracy (per step, metric)."""
    found: dict[str, dict[tuple[str, str], list]] = {"numeric": {}, "categorical": {}}
    for p in m.pairs:
        name = truth[p.true]["step"]
        pairs = _compare_metrics(predicted[p.predicted].get("metrics") or {},
                                 truth[p.true].get("metrics") or {})
        for kind, key, value in pairs:
            found[kind].setdefault((name, key), []).append(value)
    return {kind: _metric_rows(values, kind) for kind, values in found.items()}


# ---------------------------------------------------------------------------- faults


def fault_detected(fault: str, criteria: Iterable[str]) -> bool:
    """Whether one of the correction ``criteria`` names ``fault``: the manual's criterion
    the vocabulary's :data:`~balletmirror.core.vocabulary.FAULTS` gives it, or the
    fault's own name."""
    names = {fault, FAULTS.get(fault, fault)}
    return any(c in names for c in criteria)


def _criteria(step: dict | None) -> list[str]:
    if step is None:
        return []
    return [c.get("criterion") for c in step.get("corrections") or [] if isinstance(c, dict)]


def _fault_rows(m: Matching, predicted: Sequence[dict], truth: Sequence[dict]) -> list[dict]:
    """One row per (true step, fault): was it named by the matched step's corrections?"""
    pred_of = {p.true: p.predicted for p in m.pairs}
    rows = []
    for j, t in enumerate(truth):
        i = pred_of.get(j)
        criteria = _criteria(predicted[i] if i is not None else None)
        rows += [{"fault": f, "step": t["step"], "true_index": j, "predicted_index": i,
                  "start_s": t["start_s"], "detected": fault_detected(f, criteria)}
                 for f in t.get("faults") or []]
    return rows


def _false_alarms(m: Matching, predicted: Sequence[dict], truth: Sequence[dict]) -> dict:
    """Corrections given on matched steps that the studio danced without a fault."""
    clean = [p for p in m.pairs if not truth[p.true].get("faults")]
    criteria = [_criteria(predicted[p.predicted]) for p in clean]
    by_criterion: dict[str, int] = {}
    for c in (c for cs in criteria for c in cs):
        by_criterion[str(c)] = by_criterion.get(str(c), 0) + 1
    flagged = sum(bool(cs) for cs in criteria)
    return {"clean_steps": len(clean), "false_alarms": sum(by_criterion.values()),
            "false_alarm_steps": flagged, "false_alarm_rate": _ratio(flagged, len(clean)),
            "false_alarm_criteria": dict(sorted(by_criterion.items()))}


def _faults(m: Matching, predicted: Sequence[dict], truth: Sequence[dict]) -> dict:
    """Fault recall (missed steps' faults count as undetected) and clean-step false alarms."""
    rows = _fault_rows(m, predicted, truth)
    by_fault: dict[str, dict] = {}
    for row in rows:
        entry = by_fault.setdefault(row["fault"], {"count": 0, "detected": 0})
        entry["count"] += 1
        entry["detected"] += row["detected"]
    for entry in by_fault.values():
        entry["recall"] = entry["detected"] / entry["count"]
    detected = sum(r["detected"] for r in rows)
    return {"true_faults": len(rows), "detected": detected,
            "recall": _ratio(detected, len(rows)), "by_fault": dict(sorted(by_fault.items())),
            "items": rows, **_false_alarms(m, predicted, truth)}


# -------------------------------------------------------------------------- evaluate


def true_name(step: dict) -> str:
    """The name a true step is matched by: ``metrics.name`` of an ``other`` label (a step
    outside the vocabulary of the day), else its ``step``."""
    name = (step.get("metrics") or {}).get("name") if step["step"] == "other" else None
    return name if isinstance(name, str) and name else step["step"]


def _share_on(step: dict, span: dict) -> float:
    """The share of ``step``'s time that lies on ``span`` (0-1; 1 for an instant on it)."""
    overlap = min(step["end_s"], span["end_s"]) - max(step["start_s"], span["start_s"])
    length = step["end_s"] - step["start_s"]
    if length <= 0:
        return float(span["start_s"] <= step["start_s"] <= span["end_s"])
    return max(0.0, overlap) / length


def scored_parts(predicted: Sequence[dict], truth: Sequence[dict]) -> tuple[list, list]:
    """The predicted steps and the true steps that are scored (section 4 of the module
    docstring): low-confidence labels left out with the predictions lying mostly on
    them; the true steps renamed by :func:`true_name`."""
    low = [t for t in truth if t.get("confidence") == "low"]
    kept_true = [{**t, "step": true_name(t)} for t in truth if t.get("confidence") != "low"]
    kept_pred = [p for p in predicted if not any(_share_on(p, t) > 0.5 for t in low)]
    return kept_pred, kept_true


def confident_wrong(predicted: Sequence[dict], truth: Sequence[dict]) -> dict:
    """Predicted steps with a score whose time lies mostly (over half) on a scored label
    of another name (the truth as :func:`scored_parts` leaves it).

    Returns
    -------
    dict
        ``count``, ``under_50`` (of them scored under 50) and ``steps``
        (``{"step", "start_s", "end_s", "score", "label"}`` each).
    """
    wrong = []
    for p in predicted:
        if p.get("score") is None:
            continue
        on = [t for t in truth if _share_on(p, t) > 0.5]
        if on and all(t["step"] != p["step"] for t in on):
            wrong.append({"step": p["step"], "start_s": p["start_s"], "end_s": p["end_s"],
                          "score": p["score"], "label": on[0]["step"]})
    return {"count": len(wrong), "under_50": sum(w["score"] < 50 for w in wrong),
            "steps": wrong}


def evaluate(results: dict, truth: dict, *, min_iou: float = 0.3) -> dict:
    """Score an analysis against ground truth.

    Parameters
    ----------
    results : dict
        A ``balletmirror.results/1`` document (its ``steps`` and ``turns_total``).
    truth : dict
        A ``balletmirror.truth/1`` document (same step schema, plus ``faults``).
    min_iou : float, default 0.3
        Temporal IoU a predicted step needs with a true step of the same name to match.

    Returns
    -------
    dict
        A JSON-serialisable report (schema ``balletmirror.evaluation/1``) with
        ``detection`` (overall P/R/F1), ``per_step``, ``matches``, ``misses``,
        ``false_positives``, ``side``, ``turns``, ``metrics``, ``faults`` and
        ``confident_wrong`` (over the scored steps: module docstring, section 4); ratios
        whose denominator is 0 are ``None`` (precision/recall: 0 with a note).

    Raises
    ------
    InputError
        When either document's steps are malformed.
    ConfigError
        When ``min_iou`` is not in (0, 1].
    """
    predicted, true_steps = scored_parts(checked_steps(results, "results"),
                                         checked_steps(truth, "truth"))
    m = match_steps(predicted, true_steps, min_iou=min_iou)
    return {
        "schema": EVALUATION_SCHEMA,
        "min_iou": float(min_iou),
        "detection": _detection(m, len(predicted), len(true_steps)),
        "per_step": _per_step(m, predicted, true_steps),
        **_listing(m, predicted, true_steps),
        "side": _side(m, predicted, true_steps),
        "turns": _turns(m, predicted, true_steps, results, truth),
        "metrics": _metrics(m, predicted, true_steps),
        "faults": _faults(m, predicted, true_steps),
        "confident_wrong": confident_wrong(predicted, true_steps),
    }


def evaluate_files(results_path: str | Path, truth_path: str | Path, *,
                   min_iou: float = 0.3) -> dict:
    """Load ``results.json`` and ``truth.json`` (schemas checked) and :func:`evaluate` them."""
    return evaluate(load_json_document(results_path, RESULTS_SCHEMA),
                    load_json_document(truth_path, TRUTH_SCHEMA), min_iou=min_iou)
