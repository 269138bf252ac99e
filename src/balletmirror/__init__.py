"""balletmirror: the mirror that talks back.

The public API, a whole run::

    from balletmirror import analyze

    run = analyze("practice.mp4", reference="star.bvh")
    run.results["steps"]            # results.json's document
    run.write("out/")               # results.json, report.html, annotated.mp4, ...

and its stages, each a function of the one before (see the README's "From Python")::

    from balletmirror import read_motion, clean_motion, compute_kinematics

The package is laid out by stage (``core``, ``io``, ``pose``, ``features``,
``analysis``, ``render``, ``studio``; ``run`` and ``cli`` on top).  Importing it loads
nothing but this module: each name is imported from its stage when first used.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: Every public name and the module it lives in (the one declaration of the API; the
#: scorer is its own module, ``balletmirror.evaluate``, whose name it would shadow).
_WHERE = {
    "analyze": "run", "Run": "run", "Settings": "analysis.pipeline",
    "Analysis": "analysis.pipeline", "analyze_motion": "analysis.pipeline",
    "results_document": "analysis.pipeline", "compare": "analysis.compare",
    "read_motion": "io", "Motion": "core.motion", "load_motion": "core.motion",
    "Step": "core.records", "clean_motion": "features.clean",
    "compute_kinematics": "features.kinematics", "compute_signals": "features.signals",
    "detect_steps": "analysis.steps", "assess_performance": "analysis.technique",
    "assess_expression": "analysis.expression", "assess_music": "analysis.music",
    "BalletMirrorError": "core.errors",
    "ConfigError": "core.errors", "InputError": "core.errors",
}

__all__ = sorted(_WHERE) + ["__version__"]


def __getattr__(name: str) -> Any:
    """Import a public name from its stage on first use (PEP 562)."""
    if name not in _WHERE:
        raise AttributeError(f"module 'balletmirror' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
