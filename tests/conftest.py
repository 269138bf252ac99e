"""Shared fixtures: the real recordings in ../shared/data (skipped when absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fixtures.studio import ENCHAINEMENT, studio_analysis

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("BALLETMIRROR_SHARED_DATA", REPO.parent / "shared" / "data"))


def shared_file(relative: str) -> Path:
    """Path to ``../shared/data/<relative>``; skips the test when it is absent."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"real data {relative} not present (../shared/data is absent)")
    return path


@pytest.fixture
def plie_video() -> Path:
    return shared_file("video/ballet_plie.mp4")


@pytest.fixture
def tendu_video() -> Path:
    return shared_file("video/tendu_tutorial.mp4")


@pytest.fixture
def cmu_bvh_files() -> list[Path]:
    return [shared_file("mocap/cmu_05_12.bvh"), shared_file("mocap/cmu_05_14.bvh")]


@pytest.fixture(scope="session")
def reference():
    """The reference of the comparison tests: the enchaînement danced by a 1.62 m dancer."""
    return studio_analysis("height=1.62; " + ENCHAINEMENT, seed=100)
