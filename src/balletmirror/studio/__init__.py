"""The synthetic studio: a procedural 3D dancer performs a written choreography, with
the truth of every step written beside it, rendered as a video the pose backend sees
like a real dancer (see ../shared/DESIGN.md, "Ground truth: the synthetic studio").

The choreography language and :func:`~.perform.perform` (:mod:`.perform`), the step
generators (:mod:`.steps`) on the pose builder (:mod:`.pose`, :mod:`.body`), the truth
(:mod:`.truth`, :mod:`.measure`), filming (:mod:`.video`, :mod:`.figure`, :mod:`.room`,
:mod:`.paint`) and a performance on disk (:mod:`.make`).  It stands on the core, the
readers and writers and the features, beside the analysis: it never reads it.
"""

from .make import DEMO_CHOREOGRAPHY, StudioSettings, make_performance
from .perform import Performance, parse_choreography, perform
from .procedural import demo_motion
from .video import ideal_pose_model, project_motion, render_video

__all__ = ["DEMO_CHOREOGRAPHY", "Performance", "StudioSettings", "demo_motion",
           "ideal_pose_model", "make_performance", "parse_choreography", "perform",
           "project_motion", "render_video"]
