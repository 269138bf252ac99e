"""Fuzzing the Xsens readers: whatever the bytes, a valid Motion or one InputError.

Inputs: random bytes, and a valid MVNX and a valid segment-position CSV (a standing
body, three frames) mutated by truncation at a random byte, a random token replaced by
random text, NaN, infinities, huge, tiny or negative numbers, or markup, and lines
deleted.  Each input goes to both readers (and the two detectors, which must return a
bool).  Any other exception is a bug.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from balletmirror.core.errors import InputError
from balletmirror.core.motion import Motion
from balletmirror.io.xsens import (
    MVN_SEGMENTS,
    looks_like_mvnx,
    looks_like_xsens_csv,
    read_mvnx,
    read_xsens_csv,
)

FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _standing() -> dict[str, tuple[float, float, float]]:
    """Segment origins of a standing body, metres, Z up (x forward, y to her left)."""
    body = {"Pelvis": (0.0, 0.0, 0.95), "L5": (0.0, 0.0, 1.0), "L3": (0.0, 0.0, 1.08),
            "T12": (0.0, 0.0, 1.16), "T8": (0.0, 0.0, 1.26), "Neck": (0.0, 0.0, 1.42),
            "Head": (0.0, 0.0, 1.52)}
    for side, y in (("Right", -1.0), ("Left", 1.0)):
        body.update({f"{side}Shoulder": (0.0, 0.03 * y, 1.38),
                     f"{side}UpperArm": (0.0, 0.18 * y, 1.38),
                     f"{side}ForeArm": (0.0, 0.18 * y, 1.1), f"{side}Hand": (0.0, 0.18 * y, 0.85),
                     f"{side}UpperLeg": (0.0, 0.09 * y, 0.95),
                     f"{side}LowerLeg": (0.0, 0.09 * y, 0.52),
                     f"{side}Foot": (0.0, 0.09 * y, 0.08), f"{side}Toe": (0.14, 0.09 * y, 0.02)})
    return body


def _positions(frame: int) -> list[float]:
    return [v + 0.01 * frame * (axis == 0) for s in MVN_SEGMENTS
            for axis, v in enumerate(_standing()[s])]


def _mvnx(n_frames: int = 3) -> str:
    points = {"LeftFoot": '<point label="pLeftHeelCenter"><pos_b>-0.047 0 -0.048</pos_b></point>',
              "Head": '<point label="pTopOfHead"><pos_b>0 0 0.18</pos_b></point>'}
    segments = "\n".join(f'<segment label="{s}" id="{i}"><points>{points.get(s, "")}</points>'
                         "</segment>" for i, s in enumerate(MVN_SEGMENTS, 1))
    identity = " ".join(["1 0 0 0"] * len(MVN_SEGMENTS))
    frames = "\n".join(
        f'<frame time="{round(i * 1000 / 60)}" index="{i}" ms="{1000 + 17 * i}" type="normal">'
        f"<orientation>{identity}</orientation>"
        f"<position>{' '.join(f'{v:g}' for v in _positions(i))}</position></frame>"
        for i in range(n_frames))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<mvnx version="4" xmlns="http://www.xsens.com/mvn/mvnx">\n'
            '<subject label="fuzz" frameRate="60" segmentCount="23">\n'
            f"<segments>\n{segments}\n</segments>\n<frames>\n"
            f'<frame type="tpose" index="-1"><position>{" 0" * 69}</position></frame>\n'
            f"{frames}\n</frames>\n</subject>\n</mvnx>\n")


def _csv(n_frames: int = 3) -> str:
    header = ["Frame", "ms"] + [f"{s} {a}" for s in MVN_SEGMENTS for a in "xyz"]
    rows = [",".join([str(i), str(round(i * 1000 / 60))] + [f"{v:g}" for v in _positions(i)])
            for i in range(n_frames)]
    return "\n".join([",".join(header), *rows]) + "\n"


VALID_MVNX, VALID_CSV = _mvnx().encode(), _csv().encode()
_TOKEN = re.compile(rb"[^\s<>=\",;/]+")
_SPECIAL = [b"nan", b"NaN", b"inf", b"-inf", b"1e308", b"-1e308", b"1e999", b"1e-320",
            b"-0", b"0", b"", b"1e4", b"99999", b"-3", b"0x10", b"1_0", b"<", b">", b"&",
            b"&lol;", b"&#10;", b"<!ENTITY", b"<!DOCTYPE x>", b"\xff\xfe", b"\x00", b"normal",
            b"identity", b"Pelvis", b"LeftFoot", b'"', b",", b";", b"\n", b"</frame>",
            b"<frame>", b"<segments>"]
REPLACEMENT = st.one_of(
    st.sampled_from(_SPECIAL),
    st.binary(max_size=12),
    st.text(max_size=12).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.floats().map(lambda f: repr(f).encode()),
    st.integers(min_value=-(10 ** 30), max_value=10 ** 30).map(lambda i: str(i).encode()),
)


@st.composite
def mutated(draw, base: bytes) -> bytes:
    """``base`` after one to three truncations, token replacements or line deletions."""
    data = base
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(("truncate", "token", "token", "lines")))
        if kind == "truncate":
            data = data[:draw(st.integers(0, len(data)))]
        elif kind == "token":
            tokens = list(_TOKEN.finditer(data))
            if tokens:
                found = tokens[draw(st.integers(0, len(tokens) - 1))]
                data = data[:found.start()] + draw(REPLACEMENT) + data[found.end():]
        else:
            lines = data.split(b"\n")
            start = draw(st.integers(0, len(lines) - 1))
            del lines[start:start + draw(st.integers(1, 3))]
            data = b"\n".join(lines)
    return data


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("xsens_fuzz")


def _read_both(folder, data: bytes) -> list[Motion]:
    """Both readers on ``data``: each returns a valid Motion or raises one-line InputError."""
    motions = []
    for name, reader in (("take.mvnx", read_mvnx), ("take.csv", read_xsens_csv)):
        path = folder / name
        path.write_bytes(data)
        try:
            motion = reader(path)
        except InputError as exc:
            assert str(exc) and "\n" not in str(exc), repr(str(exc))
            continue
        assert isinstance(motion, Motion)
        assert motion.positions.shape == (motion.n_frames, 23, 3) and motion.n_frames >= 1
        assert motion.space == "world" and motion.units == "m"
        motions.append(motion)
    assert isinstance(looks_like_mvnx(data[:4096]), bool)
    assert isinstance(looks_like_xsens_csv(data[:4096].decode("utf-8", "replace")), bool)
    return motions


def test_the_unmutated_files_are_read(folder):
    (folder / "take.mvnx").write_bytes(VALID_MVNX)
    (folder / "take.csv").write_bytes(VALID_CSV)
    assert read_mvnx(folder / "take.mvnx").n_frames == 3
    assert read_xsens_csv(folder / "take.csv").n_frames == 3
    assert looks_like_mvnx(VALID_MVNX) and looks_like_xsens_csv(VALID_CSV.decode())


@FUZZ
@given(data=st.binary(max_size=4096))
def test_random_bytes_give_a_motion_or_an_input_error(folder, data):
    assert _read_both(folder, data) == []


@FUZZ
@given(data=mutated(VALID_MVNX))
def test_mutated_mvnx_gives_a_motion_or_an_input_error(folder, data):
    _read_both(folder, data)


@FUZZ
@given(data=mutated(VALID_CSV))
def test_mutated_csv_gives_a_motion_or_an_input_error(folder, data):
    _read_both(folder, data)
