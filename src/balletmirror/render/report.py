"""report.html: one self-contained page a dancer opens offline in her browser.

A summary card (what she danced; technique, expression and music at a glance), her
annotated video, the step timeline (click a step: the video seeks there), a card per
step (its score, its corrections with their moment, a thumbnail, every number with how
it was measured and how sure it is), plots (Plotly, its JavaScript bundled into the
page: no CDN), the criteria this view could not judge and why, and a print layout.

Everything is built from results.json's document and the per-frame kinematics, so a
report can be made again from a saved analysis.  "How sure" quotes the figures of
``benchmarks/accuracy.py`` on the synthetic studio (``sureness.json``): the step's F1
and each metric's mean absolute error, for the source the numbers came from.
"""

from __future__ import annotations

import base64
import functools
import html
import json
from importlib import resources

import numpy as np

from ..analysis.expression import WEIGHT_QUANTILE
from ..analysis.music import offsets
from ..core.skeleton import mirror_name
from ..core.vocabulary import METRICS, STEPS, step_word
from .words import tempo_words, timing_words, turns_words

SOURCE_WORDS = {"video": "from one camera through the pose model",
                "mocap": "from motion capture"}


def esc(value) -> str:
    return html.escape(str(value), quote=True)


@functools.cache
def sureness() -> dict:
    """The benchmark's figures the report quotes (``sureness.json``)."""
    return json.loads(resources.files(__package__).joinpath("sureness.json").read_text())


def source_class(doc: dict) -> str:
    """"mocap" for 3D motion capture (BVH, C3D, a world-space Motion), else "video"."""
    return "mocap" if doc["pose"].get("space") == "world" else "video"


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text()


def fmt(value, units: str = "") -> str:
    """A number for people: a few significant digits, its units; lists joined."""
    if value is None:
        return "n/a"
    if isinstance(value, list):
        return ", ".join(fmt(v) for v in value) + (f" {units}" if units else "")
    if isinstance(value, float):
        value = f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return f"{value} {units}".strip()


def score_badge(score) -> str:
    if score is None:
        return '<span class="score s-none">not scored</span>'
    kind = "good" if score >= 75 else "mid" if score >= 50 else "low"
    return f'<span class="score s-{kind}">{score:.0f}</span>'


def step_title(step: dict) -> str:
    parts = [step_word(step["step"])]
    if step["metrics"].get("depth"):
        parts.append(step["metrics"]["depth"])
    if step["metrics"].get("direction"):
        parts.append(step["metrics"]["direction"].replace("_", " "))
    if step.get("side"):
        parts.append(f"({step['side']})")
    if step.get("turns"):
        parts.append(f"· {turns_words(step['turns'])}")
    return " ".join(parts)


def thumb_time(step: dict) -> float:
    """The moment a step's card shows: its first correction, else its first criterion's
    moment, else its middle."""
    for c in step.get("corrections") or []:
        if c.get("at_s") is not None:
            return float(c["at_s"])
    for c in step.get("criteria") or []:
        if c.get("at_s") is not None:
            return float(c["at_s"])
    return 0.5 * (step["start_s"] + step["end_s"])


# ------------------------------------------------------------------ summary
def summary_cards(doc: dict) -> str:
    """The four cards at the top: what she danced, technique, expression, music."""
    steps, src = doc["steps"], doc["source"]
    counts: dict[str, int] = {}
    for s in steps:
        counts[s["step"]] = counts.get(s["step"], 0) + 1
    danced = ", ".join(step_word(k) + (f" ×{n}" if n > 1 else "") for k, n in counts.items())
    tech = doc["technique"]
    expr = doc.get("expression") or {}
    music = doc.get("music")
    cards = [
        ("what she danced", f"{len(steps)} steps", danced or "no step recognised",
         f"{turns_words(doc['turns_total'])} in all · {src['duration_s']:.1f} s"),
        ("technique", "n/a" if tech.get("score") is None else f"{tech['score']:.0f}/100",
         f"{tech.get('corrections', 0)} corrections · {len(tech.get('injury_flags', []))} "
         "injury-risk flags", tech.get("score_mapping", "")),
        ("expression", (expr.get("whole") or {}).get("reading", "n/a").split(":")[0],
         (expr.get("whole") or {}).get("reading", ""), "against the studio's neutral dancer"),
        ("music", _music_headline(music), _music_line(music), (music or {}).get("method", "")),
    ]
    return '<div class="summary">' + "".join(
        f'<div class="card"><div class="label">{esc(label)}</div><div class="big">{esc(big)}'
        f'</div><div>{esc(line)}</div><div class="how">{esc(how)}</div></div>'
        for label, big, line, how in cards) + "</div>"


def _music_headline(music: dict | None) -> str:
    if music is None:
        return "no soundtrack"
    if music.get("tempo_bpm") is None:
        return "no beat found"
    if music.get("lag_ms") is None:
        return f"{music['tempo_bpm']:.0f} BPM"
    return timing_words(music)


def _music_line(music: dict | None) -> str:
    if music is None:
        return "the input has no sound and no --music file was given"
    if music.get("tempo_bpm") is None:
        return "the soundtrack has no steady beat"
    text = f"{music['tempo_bpm']:.1f} BPM"
    if music.get("on_music_score") is not None:
        text += (f" · {music['on_music_score']:.0f}% of {music.get('accents', 0)} accents "
                 f"within 80 ms of a beat · consistency {music.get('consistency', 0):.2f}")
    return text


# ------------------------------------------------------------------ timeline
def lanes(steps: list[dict]) -> list[int]:
    """A lane for each step so that no two overlapping steps share one (greedy)."""
    ends: list[float] = []
    out = []
    for s in steps:
        lane = next((k for k, e in enumerate(ends) if e <= s["start_s"]), len(ends))
        if lane == len(ends):
            ends.append(0.0)
        ends[lane] = s["end_s"]
        out.append(lane)
    return out


def timeline(doc: dict) -> str:
    """The clickable step timeline (blocks placed by time, a playhead, a time axis)."""
    duration = max(doc["source"]["duration_s"], 1e-6)
    steps = doc["steps"]
    lane_of = lanes(steps)
    n_lanes = max(lane_of, default=0) + 1
    blocks = []
    for k, (s, lane) in enumerate(zip(steps, lane_of, strict=True)):
        left = 100.0 * s["start_s"] / duration
        width = max(0.4, 100.0 * (s["end_s"] - s["start_s"]) / duration)
        blocks.append(
            f'<div class="block" id="block-{k}" data-seek="{s["start_s"]:.3f}" '
            f'data-start="{s["start_s"]:.3f}" data-end="{s["end_s"]:.3f}" '
            f'title="{esc(step_title(s))}: {s["start_s"]:.2f}-{s["end_s"]:.2f} s" '
            f'style="left:{left:.3f}%;width:{width:.3f}%;top:{4 + 30 * lane}px;'
            f'background:{_colour(s["step"])}">'
            f'{esc(step_word(s["step"]))}</div>')
    ticks = np.arange(0.0, duration + 1e-9, _tick(duration))
    axis = "".join(f'<span style="left:{100 * t / duration:.3f}%">{t:g} s</span>'
                   for t in ticks)
    return (f'<div class="timeline" id="timeline" data-duration="{duration:.3f}" '
            f'style="height:{8 + 30 * n_lanes}px">{"".join(blocks)}'
            f'<div class="playhead" id="playhead"></div></div><div class="axis">{axis}</div>')


def _colour(name: str) -> str:
    kind = STEPS.get(name) or STEPS["other"]
    return kind.colour


def _tick(duration: float) -> float:
    for step in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600):
        if duration / step <= 12:
            return float(step)
    return 1200.0


# ------------------------------------------------------------------ step cards
def how(name: str) -> str:
    """How a metric or a criterion's quantity is measured (the vocabulary's words)."""
    metric = METRICS.get(name)
    return metric.description if metric else ""


def metric_rows(step: dict, source: str) -> str:
    """The step's metrics: value, how measured, how sure (the studio's error)."""
    mae = sureness()[source]["metric_mae"]
    rows = []
    for key, value in step["metrics"].items():
        if key in METRICS and not METRICS[key].shown:
            continue
        err = mae.get(f"{step['step']}.{key}")
        sure = f"± {err:.3g} (mean error on the studio)" if err is not None else "not benchmarked"
        rows.append(f'<tr><td>{esc(key.replace("_", " "))}</td><td class="num">'
                    f'{esc(fmt(value))}</td><td class="how">{esc(how(key))}; '
                    f'{esc(sure)}</td></tr>')
    return "".join(rows)


def criterion_rows(step: dict) -> str:
    """Every criterion of the manual for the step: value against the ideal and score,
    or why it was not judged."""
    rows = []
    for c in step.get("criteria") or []:
        name = esc(c["criterion"].replace("_", " "))
        if not c.get("assessable"):
            rows.append(f'<tr class="muted"><td>{name}</td><td colspan="2">not judged: '
                        f'{esc(c.get("reason", ""))}</td></tr>')
            continue
        ideal = f"{c['ideal'][0]:g} to {c['ideal'][1]:g} {c['units']}"
        rows.append(f'<tr><td>{name}</td><td class="num">'
                    f'{esc(fmt(c.get("value"), c["units"]))}<div class="how">ideal '
                    f'{esc(ideal)}</div></td><td>{score_badge(c.get("score"))}</td></tr>'
                    f'<tr class="how"><td colspan="3">{esc(how(c["quantity"]))}'
                    f'</td></tr>')
    return "".join(rows)


def step_card(k: int, step: dict, thumb: bytes | None, source: str) -> str:
    """One step's card."""
    f1 = sureness()[source]["step_f1"].get(step["step"])
    found = (f"found with F1 {f1:.2f} on the studio {SOURCE_WORDS[source]}"
             if f1 is not None else "not benchmarked")
    img = ""
    if thumb:
        img = (f'<img alt="{esc(step_title(step))}" data-seek="{thumb_time(step):.3f}" '
               f'src="data:image/jpeg;base64,{base64.b64encode(thumb).decode()}">')
    measured = metric_rows(step, source)
    fixes = "".join(
        f'<li>{esc(c["message"])} <a class="seek" data-seek="{c["at_s"]:.3f}">at '
        f'{c["at_s"]:.2f} s</a></li>' for c in step.get("corrections") or [])
    return (f'<article class="card step" id="step-{k}" data-start="{step["start_s"]:.3f}" '
            f'data-end="{step["end_s"]:.3f}"><header><h3>{k + 1}. {esc(step_title(step))}</h3>'
            f'{score_badge(step.get("score"))}</header>'
            f'<div class="muted"><a class="seek" data-seek="{step["start_s"]:.3f}">'
            f'{step["start_s"]:.2f}-{step["end_s"]:.2f} s</a> · seen from the '
            f'{esc(step.get("view") or "?")} · {esc(found)}</div>{img}'
            + (f'<ul class="corrections">{fixes}</ul>' if fixes else "")
            + f'<table>{criterion_rows(step)}</table>'
            + (f'<details><summary>measurements</summary><table>{measured}'
               f'</table></details>' if measured else "")
            + "</article>")


# ------------------------------------------------------------------ not judged
def not_judged(doc: dict) -> str:
    """The criteria this view or source could not judge, each reason once with the
    steps it concerns."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for row in doc["technique"].get("not_assessable") or []:
        grouped.setdefault((row["criterion"], row["reason"]), []).append(
            f"{step_word(row['step'])} at {row['start_s']:.1f} s")
    if not grouped:
        return "<p>Every criterion that applies was judged.</p>"
    rows = "".join(f'<tr><td>{esc(c.replace("_", " "))}</td><td>{esc(reason)}</td>'
                   f'<td class="how">{esc(", ".join(where))}</td></tr>'
                   for (c, reason), where in grouped.items())
    return (f'<table class="notjudged"><tr><th>criterion</th><th>why not</th>'
            f'<th>steps</th></tr>{rows}</table>')


# ------------------------------------------------------------------ plots
def _figure_html(fig, div_id: str) -> str:
    import plotly.io as pio

    fig.update_layout(template="plotly_white", margin={"l": 55, "r": 15, "t": 50, "b": 45},
                      autosize=True, legend={"orientation": "h", "y": -0.25})
    return pio.to_html(fig, full_html=False, include_plotlyjs=False, div_id=div_id,
                       default_width="100%", default_height="380px",
                       config={"displaylogo": False, "responsive": True})


def knee_figure(doc: dict, times: np.ndarray, series: dict[str, np.ndarray]) -> str:
    """Both knee angles over the performance, the pliés shaded, their deepest point."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for side, colour in (("left", "#2f8ce0"), ("right", "#f07c28")):
        y = series.get(f"{side}_knee_angle")
        if y is not None:
            fig.add_trace(go.Scatter(x=times, y=np.where(np.isfinite(y), y, None),
                                     name=f"{side} knee", line={"color": colour}))
    for s in doc["steps"]:
        if s["step"] == "plie":
            fig.add_vrect(x0=s["start_s"], x1=s["end_s"], fillcolor="#5c6bc0", opacity=0.12,
                          line_width=0, annotation_text=s["metrics"].get("depth", "plié"))
    fig.update_layout(title="Knee angle through the pliés", xaxis_title="time (s)",
                      yaxis_title=f"knee angle (deg, {doc['pose'].get('basis', '')})")
    return _figure_html(fig, "plot-knees")


def turns_figure(doc: dict) -> str | None:
    """The duration of every turn, turn by turn, one colour a turning step."""
    import plotly.graph_objects as go

    fig, any_turn = go.Figure(), False
    for k, s in enumerate(doc["steps"]):
        durations = s["metrics"].get("turn_durations_s") or []
        if durations:
            any_turn = True
            fig.add_trace(go.Bar(x=[f"{k + 1}. {step_word(s['step'])} · turn {i + 1}"
                                    for i in range(len(durations))], y=durations,
                                 name=f"{k + 1}. {step_title(s)}"))
    if not any_turn:
        return None
    fig.update_layout(title="Duration of every turn", yaxis_title="seconds per turn",
                      xaxis_tickangle=-40)
    return _figure_html(fig, "plot-turns")


def effort_figure(doc: dict) -> str | None:
    """Laban's four efforts per step on their -1..1 scales (the effort profile)."""
    import plotly.graph_objects as go

    phrases = (doc.get("expression") or {}).get("phrases") or []
    if not phrases:
        return None
    x = [f"{k + 1}. {step_word(p['step'])}" for k, p in enumerate(phrases)]
    fig = go.Figure()
    words = {"weight": "Weight (light − / strong +)", "time": "Time (sustained − / sudden +)",
             "space": "Space (direct − / indirect +)", "flow": "Flow (bound − / free +)"}
    for axis, label in words.items():
        fig.add_trace(go.Scatter(x=x, y=[p["scales"].get(axis) for p in phrases],
                                 mode="lines+markers", name=label))
    fig.update_layout(title="Laban effort profile, step by step", yaxis_range=[-1.1, 1.1],
                      yaxis_title="against the neutral dancer")
    return _figure_html(fig, "plot-efforts")


def music_figure(doc: dict) -> str | None:
    """Each accent's offset from its beat over time (early below, late above) and each
    step's lag."""
    import plotly.graph_objects as go

    music = doc.get("music")
    if not music or len(music.get("beats_s") or []) < 2 or not music.get("accents_s"):
        return None
    d = offsets(music["accents_s"], music["beats_s"]) * 1000.0
    fig = go.Figure(go.Scatter(x=music["accents_s"], y=d, mode="markers", name="accents",
                               marker={"size": 6, "opacity": 0.6}))
    steps = [p for p in music.get("per_step") or [] if p.get("lag_ms") is not None]
    fig.add_trace(go.Bar(x=[0.5 * (p["start_s"] + p["end_s"]) for p in steps],
                         y=[p["lag_ms"] for p in steps],
                         width=[p["end_s"] - p["start_s"] for p in steps],
                         name="lag per step", opacity=0.35,
                         text=[step_word(p["step"]) for p in steps]))
    fig.add_hline(y=0, line_color="#888")
    fig.update_layout(title="Early or late against the beat", xaxis_title="time (s)",
                      yaxis_title="ms after the beat (− early, + late)")
    return _figure_html(fig, "plot-music")


# ------------------------------------------------------------------ expression
#: (label, path in ``expression.whole``, units, how it is measured)
EXPRESSION_ROWS = (
    ("Weight", ("efforts", "weight"), "H²/s²", "peak kinetic energy per unit mass of the "
     f"body's segments ({100 * WEIGHT_QUANTILE:.0f}th percentile), Larboulette & Gibet 2015"),
    ("Time", ("efforts", "time"), "H/s²", "mean acceleration of the segments"),
    ("Space", ("efforts", "space"), "ratio", "path over displacement of head, hands and "
     "feet (1 = straight)"),
    ("Flow", ("efforts", "flow"), "H/s³", "mean jerk of the segments (high = free)"),
    ("quantity of motion", ("quantity_of_motion",), "H/s", "mass-weighted mean speed "
     "(Camurri et al. 2003)"),
    ("expansiveness", ("expansiveness",), "H", "mean reach of head, hands and feet from "
     "the pelvis (her kinesphere)"),
    ("contraction index", ("contraction_index",), "0-1", "convex hull over bounding box "
     "of the keypoints (high = gathered in), Camurri et al. 2003"),
    ("smoothness (SPARC)", ("smoothness", "sparc"), "", "spectral arc length of the "
     "body's speed, closer to 0 = smoother (Balasubramanian et al. 2015)"),
    ("smoothness (LDLJ)", ("smoothness", "ldlj"), "", "log dimensionless jerk, closer to "
     "0 = smoother (Hogan & Sternad 2009)"),
    ("arm symmetry", ("symmetry_index", "arms"), "%", "Robinson's symmetry index of the "
     "arms' paths (0 = symmetric)"),
    ("leg symmetry", ("symmetry_index", "legs"), "%", "the same for the legs"),
    ("balance", ("balance", "over_base_share"), "share", "frames with the centre of mass "
     "over the feet on the floor"),
    ("head tilt", ("head", "tilt_deg"), "deg", "the head's tilt from the trunk's axis"),
)


def _lookup(block: dict, path: tuple[str, ...]):
    for key in path:
        block = (block or {}).get(key) if isinstance(block, dict) else None
    return block


def expression_table(doc: dict) -> str:
    """The whole performance's expressive descriptors, each with how it is measured;
    the efforts with their place on the -1..1 scale against the neutral dancer."""
    whole = (doc.get("expression") or {}).get("whole") or {}
    if not whole:
        return "<p>No expression measured.</p>"
    scales = whole.get("scales") or {}
    rows = []
    for label, path, units, how in EXPRESSION_ROWS:
        value = _lookup(whole, path)
        scale = scales.get(path[1]) if path[0] == "efforts" else None
        extra = f" (scale {scale:+.2f})" if scale is not None else ""
        rows.append(f'<tr><td>{esc(label)}</td><td class="num">{esc(fmt(value, units))}'
                    f'{esc(extra)}</td><td class="how">{esc(how)}</td></tr>')
    return (f'<p><b>{esc(whole.get("reading", ""))}</b> <span class="how">(H = her body '
            f'height; scales from -1 to 1 against the studio\'s neutral dancer)</span></p>'
            f'<table><tr><th>quality</th><th>value</th><th>how it is measured</th></tr>'
            f'{"".join(rows)}</table>')


# ------------------------------------------------------------------ reference
def reference_figure(ref: dict) -> str | None:
    """Her knee and hip angles against the reference's, on the reference's clock."""
    import plotly.graph_objects as go

    aligned = ref.get("aligned") or {}
    if not aligned.get("her"):
        return None
    fig = go.Figure()
    colours = {"left_knee_angle": "#2f8ce0", "right_knee_angle": "#f07c28",
               "left_hip_flexion": "#1b5e20", "right_hip_flexion": "#8e24aa"}
    for name, values in aligned["her"].items():
        label = name.replace("_", " ")
        hers = (f"her {mirror_name(name).replace('_', ' ')} (mirrored)" if ref["mirrored"]
                else f"her {label}")
        fig.add_trace(go.Scatter(x=aligned["t_ref"], y=values, name=hers,
                                 line={"color": colours.get(name)}))
        fig.add_trace(go.Scatter(x=aligned["t_ref"], y=aligned["reference"][name],
                                 name=f"reference {label}",
                                 line={"color": colours.get(name), "dash": "dot"}))
    fig.update_layout(title="Aligned angles: her (solid) against the reference (dotted)",
                      xaxis_title="reference time (s)", yaxis_title="degrees")
    return _figure_html(fig, "plot-reference")


def _difference_html(d: dict) -> str:
    if d.get("reliable") is False:
        return f'<li class="muted" title="{esc(d.get("caveat", ""))}">{esc(d["message"])}</li>'
    return f'<li>{esc(d["message"])}</li>'


def differences_html(step: dict) -> str:
    """One compared step's differences: its measures (leg height, turns, side...) in a
    list, the joint angles per third folded under them, the unreliable greyed with
    their reason on hover, then the efforts side by side."""
    measures = [d for d in step["differences"] if "phase" not in d]
    angles = [d for d in step["differences"] if "phase" in d]
    out = (f'<ul class="diffs">{"".join(_difference_html(d) for d in measures)}</ul>'
           if measures else "" if angles else '<span class="muted">no notable difference'
                                              '</span>')
    if angles:
        out += (f'<details><summary>joint angles ({len(angles)})</summary><ul class="diffs">'
                f'{"".join(_difference_html(d) for d in angles)}</ul></details>')
    eff = step.get("efforts") or {}
    if eff.get("her") and eff.get("reference"):
        out += '<div class="how">efforts her/reference: ' + esc(", ".join(
            f"{k} {eff['her'][k]:+.1f}/{eff['reference'][k]:+.1f}" for k in eff["her"]
            if eff["her"].get(k) is not None and eff["reference"].get(k) is not None)) + \
            "</div>"
    return out


def reference_section(doc: dict, video: str | None = None) -> str:
    """The comparison with the reference: side, tempo, similarity, the steps."""
    ref = doc.get("reference")
    if not ref:
        return ""
    pace = tempo_words(ref["tempo_ratio"])
    head = (f'<p><b>{esc(ref["source"].get("path") or "the reference")}</b>: '
            f'{"danced on the other side (compared mirrored)" if ref["mirrored"] else "same side"}'
            f'; {esc(pace)}; similarity {esc(fmt(ref["similarity"]))}/100 '
            f'<span class="how">({esc(ref["similarity_definition"])})</span></p>')
    rows = []
    for s in ref["steps"]:
        name = step_word(s["reference_step"])
        if not s["matched"]:
            rows.append(f'<tr><td>{esc(name)}</td><td colspan="3" class="muted">missing '
                        f'from hers (the reference\'s at {s["reference_start_s"]:.1f} s)'
                        f'</td></tr>')
            continue
        rows.append(f'<tr><td><a class="seek" data-seek="{s["her_start_s"]:.3f}">{esc(name)}'
                    f' at {s["her_start_s"]:.1f} s</a></td><td class="num">'
                    f'{s["timing_ms"]:+d} ms</td><td class="num">{esc(fmt(s["similarity"]))}'
                    f'</td><td>{differences_html(s)}</td></tr>')
    for e in ref["extra"]:
        rows.append(f'<tr><td>{esc(step_word(e["step"]))} at {e["start_s"]:.1f} s</td>'
                    f'<td colspan="3" class="muted">not in the reference</td></tr>')
    plot = reference_figure(ref)
    ghost = (f'<video id="ghost" src="{esc(video)}" controls preload="metadata" playsinline '
             f'style="max-width:640px"></video><p class="how">Her skeleton (blue) with the '
             f'reference\'s (orange) aligned in time.</p>' if video else "")
    return (f'<h2>Against the reference</h2>{ghost}<div class="card">{head}<table><tr><th>step'
            f'</th><th>timing (+ behind)</th><th>similarity</th><th>differences</th></tr>'
            f'{"".join(rows)}</table></div>'
            + (f'<div class="plot card">{plot}</div>' if plot else ""))


# ------------------------------------------------------------------ methods
def methods(doc: dict, source: str) -> str:
    """How the headline numbers were measured and how sure they are."""
    figures = sureness()
    sure, pose = figures[source], doc["pose"]
    coverage = 100 * (pose.get("coverage") or 0)
    lag = figures.get("music") or {}
    rows = [
        ("pose", f"{pose.get('backend')}; the person found on {coverage:.0f}% of frames; "
                 "gaps, outliers and left/right swaps cleaned",
         "joints the model was unsure of are not drawn and not used"),
        ("steps", "rules on body signals that survive the camera (heights over the floor, "
                  "the working leg, the facing), see README",
         f"step F1 {sure['f1']:.2f} on the studio {SOURCE_WORDS[source]} "
         f"({sure['cases']} performances)"),
        ("turns", "from 3D, the facing yaw; from one camera, the zig-zag of her apparent "
                  "width (a quarter turn a leg), one fouetté a rise",
         f"turn sequences counted exactly: {100 * sure['turns_exact']:.0f}% on the studio"),
        ("technique", doc["technique"].get("score_mapping", ""),
         "a criterion the view or the source cannot judge is not scored (below)"),
        ("expression", (doc.get("expression") or {}).get("method", ""),
         f"contrasting styles ordered on every effort in at least "
         f"{100 * (figures.get('expression') or {}).get('ordering_min', 0):.0f}% of the "
         "studio's seeded pairs"),
        ("music", (doc.get("music") or {}).get("method", "no soundtrack"),
         f"lag from video on the studio: within 40 ms in {lag.get('lag_within_40ms')} of "
         f"{lag.get('lag_cases')} cases, mean error {lag.get('lag_mae_ms')} ms"),
    ]
    body = "".join(f"<tr><td>{esc(a)}</td><td>{esc(b)}</td><td class='how'>{esc(c)}</td></tr>"
                   for a, b, c in rows)
    return (f"<table><tr><th>number</th><th>how it was measured</th><th>how sure</th></tr>"
            f"{body}</table><p class='how'>Figures from {esc(sureness()['measured_by'])}, "
            f"{esc(sureness()['date'])}.</p>")


# ------------------------------------------------------------------ the page
def report_html(doc: dict, times: np.ndarray, series: dict[str, np.ndarray], *,
                thumbs: dict[int, bytes] | None = None, video: str | None = None,
                compare_video: str | None = None) -> str:
    """The whole page.

    Parameters
    ----------
    doc : dict
        results.json's document.
    times, series : arrays
        The per-frame kinematics (``Kinematics.times`` and ``.series``).
    thumbs : dict step index -> JPEG bytes, optional
    video : str, optional
        The annotated video's file name, relative to the page.
    compare_video : str, optional
        The side-by-side (ghost) video with the reference, relative to the page.

    Returns
    -------
    str
        The whole page, offline (Plotly's JavaScript, the CSS and the thumbnails
        inlined; the videos beside it).
    """
    from plotly.offline import get_plotlyjs

    source = source_class(doc)
    thumbs = thumbs or {}
    title = doc["source"].get("path") or "built-in demo"
    plots = [knee_figure(doc, times, series), turns_figure(doc), effort_figure(doc),
             music_figure(doc)]
    player = (f'<video id="player" src="{esc(video)}" controls preload="auto" playsinline>'
              f'</video>' if video else "<p class='muted'>no video</p>")
    cards = "".join(step_card(k, s, thumbs.get(k), source) for k, s in enumerate(doc["steps"]))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>balletmirror · {esc(title)}</title>
<style>{_asset("report.css")}</style>
<script>{get_plotlyjs()}</script>
</head><body><main>
<h1>balletmirror</h1>
<div class="muted">{esc(title)} · {doc["source"]["kind"]} ·
{doc["source"]["duration_s"]:.1f} s, {doc["source"]["frames"]} frames at
{doc["source"]["fps"]:.3g} fps · {esc(SOURCE_WORDS[source])}</div>
{summary_cards(doc)}
<h2>Timeline</h2>
<div class="top"><div>{player}</div><div class="card"><h3>Click a step to see it</h3>
{timeline(doc)}<p class="how">Each block is a step she danced; the red line follows the
video.</p></div></div>
<h2>Steps</h2>
<div class="steps">{cards or "<p>No step was recognised.</p>"}</div>
<h2>Expression</h2>
<div class="card">{expression_table(doc)}</div>
<h2>Plots</h2>
<div class="plots">{"".join(f'<div class="plot card">{p}</div>' for p in plots if p)}</div>
{reference_section(doc, compare_video)}
<h2>What this view could not judge</h2>
{not_judged(doc)}
<h2>How each number was measured</h2>
{methods(doc, source)}
<footer>balletmirror · schema {esc(doc["schema"])} · results.json beside this page holds
every number.</footer>
</main>
<script>{_asset("report.js")}</script>
</body></html>
"""
