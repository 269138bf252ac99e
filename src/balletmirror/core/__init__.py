"""The core: what every layer above shares and nothing below it.

The error hierarchy (:mod:`.errors`), the canonical skeleton (:mod:`.skeleton`), the
one data model :class:`~.motion.Motion`, the vocabulary of steps and metrics
(:mod:`.vocabulary`), the records that pass between stages (:mod:`.records`: the
:class:`~.records.Step`), the camera (:mod:`.camera`), and helpers on geometry, time
series and flights (:mod:`.geometry`, :mod:`.series`, :mod:`.physics`).  Imports
nothing else of balletmirror.
"""

from .camera import Camera, camera_preset, project
from .errors import BalletMirrorError, ConfigError, InputError, MotionValidationError
from .motion import Motion, load_motion
from .records import Correction, Step
from .vocabulary import METRICS, STEPS, step_word

__all__ = ["METRICS", "STEPS", "BalletMirrorError", "Camera", "ConfigError", "Correction",
           "InputError", "Motion", "MotionValidationError", "Step", "camera_preset",
           "load_motion", "project", "step_word"]
