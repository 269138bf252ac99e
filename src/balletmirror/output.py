"""Writing an analysis to an output folder, never overwriting what the user had."""

from __future__ import annotations

import json
from pathlib import Path

from .errors import InputError
from .pipeline import Analysis, results_document

OUTPUT_FILES = ("results.json", "kinematics.csv", "motion.npz")


def check_outdir(outdir: Path, *, force: bool) -> Path:
    """Refuse (InputError) an ``outdir`` that already holds our outputs, unless ``force``.

    Called before the analysis, so that a long run never ends in a refusal; the folder
    itself is created only when there is something to write in it.
    """
    if outdir.exists() and not outdir.is_dir():
        raise InputError(f"{outdir}: exists and is not a folder; choose another -o")
    existing = [name for name in OUTPUT_FILES if (outdir / name).exists()]
    if existing and not force:
        raise InputError(f"{outdir}: already holds {', '.join(existing)}; "
                         "choose another -o or pass --force to overwrite")
    return outdir


def write_outputs(analysis: Analysis, outdir: Path) -> dict[str, Path]:
    """Write results.json, kinematics.csv and the clean Motion into ``outdir``."""
    doc = results_document(analysis)
    outdir.mkdir(parents=True, exist_ok=True)
    paths = {"results": outdir / "results.json", "kinematics": outdir / "kinematics.csv",
             "motion": outdir / "motion.npz"}
    text = json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False)
    paths["results"].write_text(text + "\n")
    analysis.kinematics.write_csv(paths["kinematics"])
    analysis.motion.save(paths["motion"])
    return paths
