"""What the benchmarks share: the figures file the report quotes (``sureness.json``).

Imported by the benchmark scripts, which run as ``python benchmarks/<name>.py`` (this
folder is then on ``sys.path``); the package itself never imports it.
"""

from __future__ import annotations

import json
from pathlib import Path


def merge_sureness(path, **parts) -> None:
    """Set ``parts`` in the figures file at ``path``
    (``src/balletmirror/render/sureness.json``), keeping what else it holds: each
    benchmark writes its own part."""
    path = Path(path)
    doc = json.loads(path.read_text()) if path.exists() else {}
    doc.update(parts)
    path.write_text(json.dumps(doc, indent=1) + "\n")
