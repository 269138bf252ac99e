"""The terminal summary: what she danced, the music, the reference, in plain rows."""

from balletmirror.render.summary import reference_rows


def test_the_summary_says_the_steps_measures_before_angles_and_the_unreliable_last():
    def diff(message, **more):
        return {"message": message, **more}

    reference = {"source": {"path": "star.mp4"}, "mirrored": False, "tempo_ratio": 1.1,
                 "similarity": 71.0, "missing": [], "extra": [], "steps": [
                     {"matched": True, "her_start_s": 1.0, "differences": [
                         diff(f"angle {k}", phase="start") for k in range(5)]},
                     {"matched": True, "her_start_s": 4.0, "differences": [
                         diff("leg 20 deg lower"), diff("hidden", reliable=False)]}]}
    rows = reference_rows(reference, limit=3)
    assert rows[0] == ("reference", "star.mp4: same side; 10% slower than the reference; "
                                    "similarity 71/100")
    assert [m for _, m in rows[1:]] == ["angle 0", "angle 1", "leg 20 deg lower"]
