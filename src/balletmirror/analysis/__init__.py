"""Analysis: what she danced and how, from the features of one performance.

The step timeline (:mod:`.steps`), the ballet manual's judgement (:mod:`.technique`,
:mod:`.fatigue`, the manual itself in ``manual.toml``), the expression
(:mod:`.expression`), the timing on the music (:mod:`.music`), the comparison with a
reference (:mod:`.compare`), and the stages run in order (:mod:`.pipeline`).  Imports
only :mod:`balletmirror.core` and :mod:`balletmirror.features`; pure functions, no files.
"""

from .compare import compare
from .expression import assess_expression
from .music import assess_music
from .pipeline import STAGES, Analysis, Settings, Soundtrack, analyze_motion, results_document
from .steps import StepRules, detect_steps
from .technique import assess_performance, load_manual

__all__ = ["STAGES", "Analysis", "Settings", "Soundtrack", "StepRules", "analyze_motion",
           "assess_expression", "assess_music", "assess_performance", "compare",
           "detect_steps", "load_manual", "results_document"]
