"""Values made fit for strict JSON (results.json is read by other tools)."""

from __future__ import annotations

from typing import Any

import numpy as np


def json_safe(value: Any, digits: int | None = None) -> Any:
    """A copy fit for strict JSON: NaN and infinities become None, numpy scalars and
    arrays plain Python, floats rounded to ``digits`` when given."""
    if isinstance(value, dict):
        return {k: json_safe(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v, digits) for v in value]
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist(), digits)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            return None
        return float(value) if digits is None else round(float(value), digits)
    if isinstance(value, np.integer):
        return int(value)
    return value
