"""Scoring an analysis against ground truth: hand-made documents with known answers."""

import json

import pytest
from fixtures.documents import TRUE_STEPS, mixed_prediction, results, step, truth

from balletmirror.core.errors import ConfigError, InputError
from balletmirror.core.vocabulary import FAULTS
from balletmirror.evaluate import (
    evaluate,
    evaluate_files,
    is_turning_step,
    load_json_document,
    match_steps,
    temporal_iou,
)


def test_perfect_prediction_scores_one():
    pred = [dict(s, corrections=[{"criterion": "knees_over_toes", "message": "", "at_s": 1.5}]
                 if s["faults"] else []) for s in TRUE_STEPS]
    report = evaluate(results(*pred), truth(*TRUE_STEPS))
    d = report["detection"]
    assert (d["precision"], d["recall"], d["f1"], d["mean_iou"]) == (1.0, 1.0, 1.0, 1.0)
    assert d["notes"] == [] and report["misses"] == [] and report["false_positives"] == []
    assert report["side"] == {"evaluated": 3, "correct": 3, "accuracy": 1.0}
    turns = report["turns"]
    assert [r["error"] for r in turns["steps"]] == [0.0, 0.0]
    assert turns["exact_fraction"] == 1.0 and turns["mean_abs_error"] == 0.0
    assert turns["total"] == {"true": 18.0, "predicted": 18.0, "error": 0.0}
    assert all(row["mae"] == 0.0 for row in report["metrics"]["numeric"])
    assert all(row["accuracy"] == 1.0 for row in report["metrics"]["categorical"])
    assert report["faults"]["recall"] == 1.0 and report["faults"]["false_alarms"] == 0
    assert all(s["f1"] == 1.0 for s in report["per_step"].values())
    assert list(report["per_step"]) == ["plie", "tendu", "pirouette", "fouette"]


def test_a_miss_and_a_false_positive():
    # 3 true, 3 predicted, 2 matched: P = R = F1 = 2/3.
    true = [step("plie", 0, 2), step("tendu", 3, 5), step("jump", 6, 7)]
    pred = [step("plie", 0.1, 2.1), step("tendu", 3, 5), step("arabesque", 8, 9)]
    report = evaluate(results(*pred), truth(*true))
    d = report["detection"]
    assert d["matched"] == 2 and d["missed"] == 1 and d["false_positives"] == 1
    assert d["precision"] == pytest.approx(2 / 3)
    assert d["recall"] == pytest.approx(2 / 3)
    assert d["f1"] == pytest.approx(2 / 3)
    assert [(m["step"], m["true_index"], m["predicted_index"]) for m in report["matches"]] == [
        ("plie", 0, 0), ("tendu", 1, 1)]
    assert report["misses"] == [{"index": 2, "step": "jump", "start_s": 6, "end_s": 7}]
    assert report["false_positives"] == [{"index": 2, "step": "arabesque", "start_s": 8,
                                          "end_s": 9}]
    assert report["per_step"]["jump"]["recall"] == 0.0
    assert report["per_step"]["arabesque"]["support"] == 0
    assert report["per_step"]["arabesque"]["precision"] == 0.0


def test_uneven_counts_give_the_textbook_f1():
    # 4 true, 2 predicted, both right: P = 1, R = 1/2, F1 = 2/3.
    true = [step("tendu", t, t + 1) for t in (0, 2, 4, 6)]
    report = evaluate(results(*true[:2]), truth(*true))
    d = report["detection"]
    assert (d["precision"], d["recall"]) == (1.0, 0.5)
    assert d["f1"] == pytest.approx(2 / 3)


def test_a_wrong_name_at_the_right_time_is_a_miss_and_a_false_positive():
    report = evaluate(results(step("degage", 1, 3)), truth(step("tendu", 1, 3)))
    d = report["detection"]
    assert (d["matched"], d["missed"], d["false_positives"]) == (0, 1, 1)
    assert d["f1"] == 0.0
    assert report["per_step"]["tendu"]["recall"] == 0.0
    assert report["per_step"]["degage"]["precision"] == 0.0


def test_temporal_iou():
    assert temporal_iou(step("plie", 0, 10), step("plie", 0, 10)) == 1.0
    assert temporal_iou(step("plie", 0, 10), step("plie", 5, 15)) == pytest.approx(5 / 15)
    assert temporal_iou(step("plie", 0, 1), step("plie", 2, 3)) == 0.0
    assert temporal_iou(step("plie", 1, 1), step("plie", 1, 1)) == 0.0  # no length


def test_iou_below_the_threshold_is_not_a_match():
    pred, true = [step("plie", 8, 12)], [step("plie", 0, 10)]  # IoU = 2/12
    pairs, false_positives, misses = match_steps(pred, true)
    assert pairs == [] and false_positives == [0] and misses == [0]
    pairs, _, _ = match_steps(pred, true, min_iou=0.15)
    assert len(pairs) == 1 and pairs[0].iou == pytest.approx(2 / 12)


def _greedy(pred, true, min_iou):
    """True steps in start order each take the best remaining prediction (the baseline)."""
    taken, pairs = set(), []
    for j in sorted(range(len(true)), key=lambda j: true[j]["start_s"]):
        best = max((i for i in range(len(pred)) if i not in taken),
                   key=lambda i: temporal_iou(pred[i], true[j]), default=None)
        if best is not None and temporal_iou(pred[best], true[j]) >= min_iou:
            taken.add(best)
            pairs.append((best, j))
    return pairs


def test_optimal_matching_beats_greedy():
    # The first true plié overlaps the long prediction P0 best (IoU 6/14 = 0.43) but
    # also the short P1 well enough (0.4); the second plié overlaps only P0 (9/11).
    # Greedy gives P0 to the first plié and leaves the second unmatched.
    true = [step("plie", 0, 10), step("plie", 5, 15)]
    pred = [step("plie", 4, 14), step("plie", 0, 4)]
    assert _greedy(pred, true, 0.3) == [(0, 0)]
    pairs, false_positives, misses = match_steps(pred, true)
    assert {(m.predicted, m.true) for m in pairs} == {(1, 0), (0, 1)}
    assert false_positives == [] and misses == []
    assert [m.iou for m in pairs] == pytest.approx([0.4, 9 / 11])


def test_matching_is_one_to_one():
    pred = [step("tendu", 0, 2), step("tendu", 0, 2), step("tendu", 0.1, 2)]
    pairs, false_positives, misses = match_steps(pred, [step("tendu", 0, 2)])
    assert [(m.predicted, m.true) for m in pairs] == [(0, 0)]
    assert false_positives == [1, 2] and misses == []


def test_turn_errors():
    true = [step("pirouette", 1, 2, turns=2.0), step("fouette", 3, 19, turns=16.0)]
    pred = [step("pirouette", 1, 2, turns=1.75), step("fouette", 3, 19, turns=16.0)]
    turns = evaluate(results(*pred), truth(*true))["turns"]
    pirouette, fouette = turns["steps"]
    assert pirouette["error"] == -0.25 and pirouette["exact"] is False
    assert (fouette["true_turns"], fouette["predicted_turns"]) == (16.0, 16.0)
    assert fouette["error"] == 0.0 and fouette["exact"] is True
    assert turns["exact"] == 1 and turns["exact_fraction"] == 0.5
    assert turns["mean_abs_error"] == pytest.approx(0.125)
    assert turns["total"] == {"true": 18.0, "predicted": 17.75, "error": -0.25}


def test_missed_turning_steps_count_as_not_exact():
    true = [step("pirouette", 1, 2, turns=2.0), step("jump", 3, 4, turns=1.0),
            step("jump", 5, 6, turns=0.0), step("jump", 7, 8)]
    pred = [step("pirouette", 1, 2, turns=2.0)]
    turns = evaluate(results(*pred), truth(*true))["turns"]
    assert turns["evaluated"] == 2 and turns["matched"] == 1  # jumps without a turn: no
    missed = turns["steps"][1]
    assert missed["step"] == "jump" and missed["predicted_index"] is None
    assert missed["exact"] is False and missed["error"] is None
    assert turns["exact_fraction"] == 0.5 and turns["mean_abs_error"] == 0.0


def test_a_matched_step_without_a_count_counted_no_turns():
    turns = evaluate(results(step("pirouette", 1, 2)),
                     truth(step("pirouette", 1, 2, turns=1.0)))["turns"]
    assert turns["steps"][0]["predicted_turns"] == 0.0 and turns["steps"][0]["error"] == -1.0


def test_which_steps_are_turning_steps():
    assert is_turning_step(step("pirouette", 0, 1, turns=0.0))
    assert is_turning_step(step("jump", 0, 1, turns=1.0))
    assert is_turning_step(step("other", 0, 1, turns=0.5))
    assert not is_turning_step(step("jump", 0, 1, turns=0.0))
    assert not is_turning_step(step("pirouette", 0, 1))


def test_empty_predictions():
    report = evaluate(results(), truth(*TRUE_STEPS))
    d = report["detection"]
    assert (d["precision"], d["recall"], d["f1"]) == (0.0, 0.0, 0.0)
    assert d["notes"] == ["no predicted steps: precision set to 0"]
    assert d["mean_iou"] is None and len(report["misses"]) == 4
    assert report["side"]["accuracy"] is None
    assert report["turns"]["exact_fraction"] == 0.0 and report["turns"]["mean_abs_error"] is None
    assert report["faults"]["recall"] == 0.0 and report["faults"]["clean_steps"] == 0
    assert report["faults"]["false_alarm_rate"] is None
    json.dumps(report, allow_nan=False)


def test_empty_truth_and_empty_both():
    report = evaluate(results(*TRUE_STEPS), truth())
    assert report["detection"]["notes"] == ["no true steps: recall set to 0"]
    assert report["detection"]["f1"] == 0.0 and report["turns"]["exact_fraction"] is None
    report = evaluate(results(), truth())
    assert report["detection"]["f1"] == 0.0 and len(report["detection"]["notes"]) == 2
    assert report["per_step"] == {}


def test_side_accuracy():
    true = [step("tendu", 0, 1, side="left"), step("tendu", 2, 3, side="right"),
            step("tendu", 4, 5, side="left"), step("plie", 6, 7)]
    pred = [step("tendu", 0, 1, side="left"), step("tendu", 2, 3, side="left"),
            step("tendu", 4, 5), step("plie", 6, 7, side="left")]
    side = evaluate(results(*pred), truth(*true))["side"]
    assert side["evaluated"] == 3 and side["correct"] == 1  # the plié has no true side
    assert side["accuracy"] == pytest.approx(1 / 3)


def test_metric_mean_absolute_error():
    true = [step("plie", 0, 2, metrics={"min_knee_angle": 118.0}),
            step("plie", 3, 5, metrics={"min_knee_angle": 100.0, "only_in_truth": 1.0}),
            step("developpe", 6, 8, metrics={"leg_height": 90.0})]
    pred = [step("plie", 0, 2, metrics={"min_knee_angle": 120.0}),
            step("plie", 3, 5, metrics={"min_knee_angle": 95.0, "only_in_results": 3.0}),
            step("developpe", 6, 8, metrics={"leg_height": None})]
    numeric = evaluate(results(*pred), truth(*true))["metrics"]["numeric"]
    assert numeric == [{"step": "plie", "metric": "min_knee_angle", "count": 2, "mae": 3.5,
                        "max_abs_error": 5.0}]


def test_categorical_metric_accuracy():
    true = [step("plie", 0, 2, metrics={"depth": "demi"}),
            step("plie", 3, 5, metrics={"depth": "grand"}),
            step("pirouette", 6, 7, turns=1.0, metrics={"direction": "en_dedans"})]
    pred = [step("plie", 0, 2, metrics={"depth": "demi"}),
            step("plie", 3, 5, metrics={"depth": "demi"}),
            step("pirouette", 6, 7, turns=1.0, metrics={"direction": "en_dedans"})]
    categorical = evaluate(results(*pred), truth(*true))["metrics"]["categorical"]
    assert categorical == [
        {"step": "plie", "metric": "depth", "count": 2, "correct": 1, "accuracy": 0.5},
        {"step": "pirouette", "metric": "direction", "count": 1, "correct": 1,
         "accuracy": 1.0}]


def test_fault_detection():
    true = [step("plie", 0, 2, faults=["knees_in"]),
            step("pirouette", 3, 4, turns=1.0, faults=["low_passe", "bent_supporting_knee"]),
            step("tendu", 5, 6, faults=["sickled_foot"]),
            step("developpe", 7, 9, faults=["hip_hiking"]),  # missed below
            step("releve", 10, 11), step("passe", 12, 13)]  # clean
    pred = [step("plie", 0, 2, corrections=["knees_over_toes"]),
            step("pirouette", 3, 4, turns=1.0, corrections=["passe_height"]),
            step("tendu", 5, 6, corrections=["sickled_foot"]),  # the fault's own name
            step("releve", 10, 11, corrections=["releve_height", "pelvis_level"]),
            step("passe", 12, 13)]
    faults = evaluate(results(*pred), truth(*true))["faults"]
    assert faults["true_faults"] == 5 and faults["detected"] == 3
    assert faults["recall"] == pytest.approx(3 / 5)
    assert faults["by_fault"]["bent_supporting_knee"] == {"count": 1, "detected": 0,
                                                          "recall": 0.0}
    assert faults["by_fault"]["knees_in"]["recall"] == 1.0
    missed = [item for item in faults["items"] if item["fault"] == "hip_hiking"]
    assert missed == [{"fault": "hip_hiking", "step": "developpe", "true_index": 3,
                       "predicted_index": None, "start_s": 7, "detected": False}]
    assert faults["clean_steps"] == 2 and faults["false_alarm_steps"] == 1
    assert faults["false_alarms"] == 2 and faults["false_alarm_rate"] == 0.5
    assert faults["false_alarm_criteria"] == {"pelvis_level": 1, "releve_height": 1}


def test_fault_criteria_name_the_briefed_pairs():
    assert FAULTS["knees_in"] == "knees_over_toes"
    assert FAULTS["bent_supporting_knee"] == "supporting_leg_straight"
    assert FAULTS["late"] == "on_the_beat"


def test_report_is_json():
    report = evaluate(*mixed_prediction())
    assert json.loads(json.dumps(report, allow_nan=False)) == report
    assert set(report) == {"schema", "min_iou", "detection", "per_step", "matches", "misses",
                           "false_positives", "side", "turns", "metrics", "faults",
                           "confident_wrong"}


def test_labels_by_eye_low_confidence_is_not_scored_and_other_matches_its_name():
    """The real clips' labels: a low-confidence label and the steps lying on it are left
    out; an ``other`` label matches by its real name."""
    labels = {"steps": [
        {"step": "other", "start_s": 1.0, "end_s": 3.0, "metrics": {"name": "chasse"},
         "confidence": "medium"},
        {"step": "tendu", "start_s": 4.0, "end_s": 5.0, "confidence": "low"},
        {"step": "plie", "start_s": 6.0, "end_s": 7.0, "confidence": "high"}]}
    said = {"steps": [
        {"step": "chasse", "start_s": 1.1, "end_s": 2.9, "score": None},
        {"step": "degage", "start_s": 4.1, "end_s": 4.9, "score": 30.0},  # on the low label
        {"step": "rond_de_jambe", "start_s": 6.1, "end_s": 6.9, "score": 12.0}]}
    report = evaluate(said, labels)
    assert report["detection"]["matched"] == 1
    assert report["detection"]["predicted"] == 2 and report["detection"]["true"] == 2
    wrong = report["confident_wrong"]
    assert wrong["count"] == 1 and wrong["under_50"] == 1
    assert wrong["steps"][0]["step"] == "rond_de_jambe" and wrong["steps"][0]["label"] == "plie"


def test_load_and_evaluate_files(tmp_path):
    r, t = tmp_path / "results.json", tmp_path / "truth.json"
    r.write_text(json.dumps(results(*TRUE_STEPS)))
    t.write_text(json.dumps(truth(*TRUE_STEPS)))
    assert load_json_document(t, "balletmirror.truth/1")["choreography"] == "test"
    assert evaluate_files(r, t, min_iou=0.5)["detection"]["f1"] == 1.0
    with pytest.raises(InputError, match=r"Expected schema balletmirror\.results/1, but got "
                                         r"'balletmirror\.truth/1'"):
        evaluate_files(t, r)


def test_load_errors(tmp_path):
    with pytest.raises(InputError, match=r"missing\.json: no such file"):
        load_json_document(tmp_path / "missing.json", "balletmirror.truth/1")
    with pytest.raises(InputError, match="is not a file"):
        load_json_document(tmp_path, "balletmirror.truth/1")
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "balletmirror.truth/1",')
    with pytest.raises(InputError, match=r"bad\.json: invalid JSON \(.* at line 1 column"):
        load_json_document(bad, "balletmirror.truth/1")
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"schema": "balletmirror.results/1", "steps": []}))
    with pytest.raises(InputError, match=r"Expected schema balletmirror\.truth/1, but got "
                                         r"'balletmirror\.results/1'"):
        load_json_document(wrong, "balletmirror.truth/1")
    wrong.write_text(json.dumps({"steps": []}))
    with pytest.raises(InputError, match=r"Expected schema balletmirror\.truth/1, but got "
                                         r"no schema"):
        load_json_document(wrong, "balletmirror.truth/1")
    wrong.write_text("[1, 2]")
    with pytest.raises(InputError, match="but got a JSON array, not an object"):
        load_json_document(wrong, "balletmirror.truth/1")
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputError, match="cannot be read"):
        load_json_document(binary, "balletmirror.truth/1")


def test_malformed_steps_and_bad_min_iou():
    with pytest.raises(InputError, match="truth: Expected a 'steps' list, but got NoneType"):
        evaluate(results(), {"schema": "balletmirror.truth/1"})
    with pytest.raises(InputError, match=r"results step 0 \(plie\): Expected numbers start_s "
                                         r"<= end_s, but got start_s=3, end_s=1"):
        evaluate(results(step("plie", 3, 1)), truth())
    with pytest.raises(InputError, match="truth step 1: Expected an object with a string 'step'"):
        evaluate(results(), truth(step("plie", 0, 1), {"start_s": 0, "end_s": 1}, turns_total=0))
    with pytest.raises(ConfigError, match=r"Expected min_iou in \(0, 1\], but got 0"):
        evaluate(results(), truth(), min_iou=0)
    with pytest.raises(ConfigError, match="but got 1.5"):
        match_steps([], [], min_iou=1.5)


def test_turn_direction_is_scored():
    """The demo's pirouette en dehors read "en dedans" went unnoticed: now counted."""
    true = [step("pirouette", 1.0, 2.0, side="right", turns=2.0,
                 metrics={"direction": "en_dehors"}),
            step("fouette", 3.0, 6.0, side="right", turns=8.0,
                 metrics={"direction": "en_dehors"})]
    said = [step("pirouette", 1.0, 2.0, side="right", turns=2.0,
                 metrics={"direction": "en_dedans"}),
            step("fouette", 3.0, 6.0, side="right", turns=8.0,
                 metrics={"direction": "en_dehors"})]
    direction = evaluate(results(*said), truth(*true))["turns"]["direction"]
    assert direction == {"evaluated": 2, "correct": 1, "accuracy": 0.5}
