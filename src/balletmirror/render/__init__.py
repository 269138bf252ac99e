"""Render: what she sees of an analysis.

The terminal summary (:mod:`.summary`), report.html (:mod:`.report`, offline, with its
CSS, JavaScript and the studio figures it quotes, ``sureness.json``), the annotated
video (:mod:`.annotate`), the ghost video against a reference (:mod:`.ghost`), an
evaluation's tables (:mod:`.evaluation`) and the words they share (:mod:`.words`).
Heavy drawing libraries (Pillow, Plotly, PyAV) are imported when a view is drawn.
"""

from .annotate import render_annotated
from .ghost import render_ghost
from .report import report_html
from .summary import render_summary, summary_rows

__all__ = ["render_annotated", "render_ghost", "render_summary", "report_html",
           "summary_rows"]
