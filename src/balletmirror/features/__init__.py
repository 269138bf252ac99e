"""Features: the clean pose and what it shows, frame by frame.

Cleaning (:mod:`.clean`: gaps, outliers, left/right swaps, filters), the kinematics
(:mod:`.kinematics`: joint angles, facing, centre of mass), the body signals that
survive the camera (:mod:`.signals`: heights over the floor, the working leg...) and
the turn counter of a single view (:mod:`.turns`).  Imports only :mod:`balletmirror.core`.
"""

from .clean import CleanSettings, clean_motion
from .kinematics import Kinematics, compute_kinematics, rotation_segments
from .signals import Signals, compute_signals
from .turns import count_turns

__all__ = ["CleanSettings", "Kinematics", "Signals", "clean_motion", "compute_kinematics",
           "compute_signals", "count_turns", "rotation_segments"]
