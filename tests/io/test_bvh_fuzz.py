"""Fuzzing the BVH reader: any bytes give a valid Motion or one InputError/ConfigError.

Every property writes the generated file, reads it with :func:`read_bvh` (rig ``auto`` or
``structure``) and :func:`root_yaw_deg`, and accepts exactly two outcomes: a
:class:`Motion` (which validates its own arrays) or an :class:`InputError` /
:class:`ConfigError` with a one-line message.  Anything else (an IndexError, an
OverflowError, a RecursionError, a hang) is a bug in the reader.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from balletmirror.core.errors import ConfigError, InputError
from balletmirror.core.motion import Motion
from balletmirror.core.skeleton import JOINTS
from balletmirror.io.bvh import parse_bvh_text, read_bvh, root_yaw_deg

FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FEW = settings(FUZZ, max_examples=40)


# --------------------------------------------------------------------------- a valid file
def _node(name, offset, children=()):
    return (name, offset, list(children))


def _leg(side, sx):
    return _node(f"{side}UpLeg", (9 * sx, -5, 0), [
        _node(f"{side}Leg", (0, -45, 0), [
            _node(f"{side}Foot", (0, -42, 0), [
                _node(f"{side}ToeBase", (0, -6, 13), [_node("End Site", (0, 0, 5))])])])])


def _arm(side, sx):
    return _node(f"{side}Shoulder", (3 * sx, 8, 0), [
        _node(f"{side}Arm", (15 * sx, 0, 0), [
            _node(f"{side}ForeArm", (28 * sx, 0, 0), [
                _node(f"{side}Hand", (25 * sx, 0, 0), [_node("End Site", (8 * sx, 0, 0))])])])])


BODY = _node("Hips", (0, 100, 0), [
    _leg("Left", 1), _leg("Right", -1),
    _node("Spine", (0, 20, 0), [
        _node("Chest", (0, 20, 0), [
            _node("Neck", (0, 8, 0), [_node("Head", (0, 10, 0), [_node("End Site", (0, 18, 0))])]),
            _arm("Left", 1), _arm("Right", -1)])])])


def _lines(node, depth=0, root=True):
    name, (x, y, z), children = node
    pad = "  " * depth
    if name == "End Site":
        return [f"{pad}End Site", f"{pad}{{", f"{pad}  OFFSET {x} {y} {z}", f"{pad}}}"]
    channels = ("CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation"
                if root else "CHANNELS 3 Zrotation Xrotation Yrotation")
    lines = [f"{pad}{'ROOT' if root else 'JOINT'} {name}", f"{pad}{{",
             f"{pad}  OFFSET {x} {y} {z}", f"{pad}  {channels}"]
    for child in children:
        lines += _lines(child, depth + 1, False)
    return lines + [f"{pad}}}"]


def _channel_count(node, root=True):
    name, _, children = node
    if name == "End Site":
        return 0
    return (6 if root else 3) + sum(_channel_count(c, False) for c in children)


N_CHANNELS = _channel_count(BODY)
FRAMES = [[0.0] * N_CHANNELS, [1.0, 2.0, 3.0, 10.0, 20.0, 30.0] + [5.0] * (N_CHANNELS - 6),
          [0.0, 0.0, 0.0, 0.0, 90.0, 0.0] + [-5.0] * (N_CHANNELS - 6)]
VALID = "\n".join(["HIERARCHY", *_lines(BODY), "MOTION", f"Frames: {len(FRAMES)}",
                   "Frame Time: 0.0333333",
                   *(" ".join(f"{v:g}" for v in row) for row in FRAMES)]) + "\n"
VALID_LINES = VALID.splitlines()


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def check(folder: Path, data: bytes | str, rig: str = "auto") -> Motion | None:
    """Read ``data`` as a file; a Motion, or None after an InputError/ConfigError."""
    path = folder / "fuzz.bvh"
    path.write_bytes(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data)
    try:
        motion = read_bvh(path, rig=rig)
    except (InputError, ConfigError) as exc:
        message = str(exc)
        assert message and "\n" not in message and "\r" not in message, message
        return None
    assert isinstance(motion, Motion)
    assert motion.positions.shape == (motion.n_frames, len(JOINTS), 3)
    assert not np.isinf(motion.positions).any()
    assert math.isfinite(motion.fps) and motion.fps > 0
    try:
        yaw = root_yaw_deg(path, rig=rig)
    except (InputError, ConfigError):
        return motion
    assert yaw.shape == (motion.n_frames,)
    return motion


def test_the_unmutated_file_reads(folder):
    motion = check(folder, VALID)
    assert motion is not None and motion.n_frames == 3


# --------------------------------------------------------------------------- raw noise
@FUZZ
@given(data=st.binary(max_size=3000))
def test_random_bytes(folder, data):
    check(folder, data)
    check(folder, b"HIERARCHY\n" + data)


@FUZZ
@given(text=st.text(max_size=2000))
def test_random_text_after_a_header(folder, text):
    check(folder, "HIERARCHY\n" + text)
    check(folder, "HIERARCHY\nROOT A\n{\nOFFSET 0 0 0\n" + text)


TOKENS = st.sampled_from(["{", "}", "ROOT", "JOINT", "End", "Site", "OFFSET", "CHANNELS",
                          "3", "6", "0", "Xrotation", "Yposition", "MOTION", "Frames:",
                          "Frame", "Time:", "1e308", "-1e308", "nan", "inf", "A", "B"])


@FUZZ
@given(tokens=st.lists(TOKENS, max_size=120), breaks=st.lists(st.booleans(), max_size=120))
def test_random_keyword_soup(folder, tokens, breaks):
    breaks = breaks + [True] * (len(tokens) - len(breaks))
    words = [t + ("\n" if b else " ") for t, b in zip(tokens, breaks[:len(tokens)], strict=True)]
    check(folder, "HIERARCHY\n" + "".join(words))


# --------------------------------------------------------------------------- mutations
@FUZZ
@given(cut=st.integers(0, len(VALID.encode())))
def test_truncated_at_any_byte(folder, cut):
    check(folder, VALID.encode()[:cut])


@FUZZ
@given(edits=st.lists(st.tuples(st.sampled_from(["delete", "duplicate", "swap"]),
                                st.integers(0, len(VALID_LINES) - 1)), min_size=1, max_size=6),
       rig=st.sampled_from(["auto", "structure"]))
def test_deleted_duplicated_or_swapped_lines(folder, edits, rig):
    lines = list(VALID_LINES)
    for action, k in edits:
        k %= len(lines)
        if action == "delete":
            del lines[k]
        elif action == "duplicate":
            lines.insert(k, lines[k])
        else:
            lines[k], lines[-1 - k] = lines[-1 - k], lines[k]
        if not lines:
            break
    check(folder, "\n".join(lines) + "\n", rig=rig)


REPLACEMENTS = st.one_of(
    st.sampled_from(["1e308", "-1e308", "1e-320", "nan", "NaN", "inf", "-inf", "-1", "0",
                     "-0", "1e999", "99999999999999999999999", "²", "٣", "1_0", "0x10", "",
                     "{", "}", "End", "JOINT", "ROOT", "CHANNELS", "OFFSET", "MOTION",
                     "Frames:", "7", "-3", "左足", "\x00", "\ufeff"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-10**30, 10**30).map(str),
    st.text(max_size=12))


@FUZZ
@given(replacements=st.lists(st.tuples(st.integers(0, 10**6), REPLACEMENTS),
                             min_size=1, max_size=5),
       rig=st.sampled_from(["auto", "structure"]))
def test_tokens_replaced_by_strings_and_odd_numbers(folder, replacements, rig):
    tokens = VALID.split(" ")
    for k, value in replacements:
        tokens[k % len(tokens)] = value
    check(folder, " ".join(tokens), rig=rig)


@FEW
@given(frame_time=st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr),
                            st.sampled_from(["0", "-0.01", "1e-320", "5e-324", "1e-300",
                                             "1e300", "3601", "nan", "inf", "", "abc"])),
       frames=st.sampled_from(["0", "-1", "1", "2", "3", "4", "1000000", "9" * 30,
                               "9" * 5000, "²", "٣", "1.5", "three", ""]))
def test_frame_header_values(folder, frame_time, frames):
    text = VALID.replace("Frame Time: 0.0333333", f"Frame Time: {frame_time}")
    check(folder, text.replace(f"Frames: {len(FRAMES)}", f"Frames: {frames}"))


@FEW
@given(value=st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                       st.sampled_from([1e308, -1e308, 1e154, 1e200])),
       column=st.integers(0, N_CHANNELS - 1), row=st.integers(0, len(FRAMES) - 1))
def test_extreme_channel_values(folder, value, column, row):
    lines = list(VALID_LINES)
    k = len(lines) - len(FRAMES) + row
    values = lines[k].split()
    values[column] = repr(value)
    lines[k] = " ".join(values)
    check(folder, "\n".join(lines) + "\n")


@FEW
@given(position=st.integers(0, len(VALID.encode())),
       junk=st.binary(min_size=1, max_size=8).filter(lambda b: not b.isascii()))
def test_non_utf8_bytes(folder, position, junk):
    data = VALID.encode()
    check(folder, data[:position] + junk + data[position:])


# --------------------------------------------------------------------------- shapes
def _nested(depth: int, channels: str) -> str:
    lines = ["HIERARCHY", "ROOT j0", "{", "OFFSET 0 0 0",
             "CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation"]
    for k in range(1, depth):
        lines += [f"JOINT j{k}", "{", "OFFSET 0 1 0", channels]
    lines += ["End Site", "{", "OFFSET 0 1 0", "}"] + ["}"] * depth
    width = 6 + len(channels.split()[2:]) * (depth - 1)
    return "\n".join(lines + ["MOTION", "Frames: 2", "Frame Time: 0.01",
                              " ".join(["0"] * width), " ".join(["1"] * width)]) + "\n"


@settings(FUZZ, max_examples=12)
@given(depth=st.integers(1, 3000), rig=st.sampled_from(["auto", "structure"]))
def test_deeply_nested_hierarchies(folder, depth, rig):
    check(folder, _nested(depth, "CHANNELS 1 Zrotation"), rig=rig)


def test_a_very_deep_hierarchy_does_not_recurse(folder):
    text = _nested(20000, "CHANNELS 1 Zrotation")
    bvh = parse_bvh_text(text)
    assert len(bvh.names) == 20001
    with pytest.raises(InputError, match="cannot map the rig"):
        check_raise(folder, text)


def check_raise(folder: Path, text: str) -> None:
    path = folder / "deep.bvh"
    path.write_text(text, encoding="utf-8")
    read_bvh(path)


def test_declared_million_frames_with_two_rows(folder):
    text = VALID.replace(f"Frames: {len(FRAMES)}", "Frames: 1000000")
    with pytest.raises(InputError, match=r"declares Frames: 1000000, but has only 3 frame lines"):
        check_raise(folder, text)


def test_root_without_channels_reads(folder):
    text = VALID.replace("CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation",
                         "", 1)
    rows = text.split("Frame Time: 0.0333333\n")
    body = "\n".join(" ".join(r.split()[6:]) for r in rows[1].splitlines())
    motion = check(folder, rows[0] + "Frame Time: 0.0333333\n" + body + "\n")
    assert motion is not None and motion.provenance["rig"] == "cmu"


# --------------------------------------------------------------------------- random trees
NAMES = st.sampled_from(["Hips", "LeftUpLeg", "RightUpLeg", "LeftLeg", "Spine", "Neck", "Head",
                         "LeftArm", "RightArm", "L_Hip", "Hand_R", "左足", "右腕", "links",
                         "j01", "j02", "X", "End", "Site", "LeftShoulder", "RightShin"])
COORDINATES = st.sampled_from([0.0, 0.0, 1.0, -1.0, 5.0, -5.0, 10.0, -40.0, 45.0, 1e-9, 1e9])


@st.composite
def random_trees(draw):
    """A random hierarchy (up to 40 joints), with end sites, named from a small pool."""
    n = draw(st.integers(1, 40))
    parents = [-1] + [draw(st.integers(0, k - 1)) for k in range(1, n)]
    names = [draw(NAMES) + ("" if draw(st.booleans()) else str(k)) for k in range(n)]
    offsets = [tuple(draw(COORDINATES) for _ in range(3)) for _ in range(n)]
    ends = draw(st.lists(st.integers(0, n - 1), max_size=8))
    width = 2 * (3 + 3 * n)
    values = draw(st.lists(st.sampled_from([0.0, 90.0, -45.0, 3.0, 180.0]), min_size=width,
                           max_size=width))
    return parents, names, offsets, ends, values


def _tree_text(parents, names, offsets, ends, values):
    kids = {k: [c for c, p in enumerate(parents) if p == k] for k in range(len(parents))}
    lines = ["HIERARCHY"]
    # Iterative depth-first emission (the trees are small, but keep the test honest).
    stack = [("open", 0)]
    while stack:
        action, k = stack.pop()
        if action == "close":
            lines.append("}")
            continue
        x, y, z = offsets[k]
        channels = ("CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation"
                    if k == 0 else "CHANNELS 3 Zrotation Xrotation Yrotation")
        lines += [f"{'ROOT' if k == 0 else 'JOINT'} {names[k]}", "{", f"OFFSET {x} {y} {z}",
                  channels]
        lines += [line for e in ends if e == k
                  for line in ("End Site", "{", f"OFFSET {y} {z} {x}", "}")]
        stack.append(("close", k))
        stack.extend(("open", c) for c in reversed(kids[k]))
    width = 3 + 3 * len(parents)
    rows = [" ".join(map(str, values[:width])), " ".join(map(str, values[width:]))]
    return "\n".join(lines + ["MOTION", "Frames: 2", "Frame Time: 0.02", *rows]) + "\n"


@FUZZ
@given(tree=random_trees(), rig=st.sampled_from(["auto", "structure"]))
def test_random_trees(folder, tree, rig):
    check(folder, _tree_text(*tree), rig=rig)


# --------------------------------------------------------------------------- mappings
JOINT_KEYS = st.sampled_from(["left_knee", "right_hip", "mid_hip", "neck", "head", "head_top",
                              "left_toe", "LEFT_KNEE", "left_kne", "", "nose", "left_heel"])
JOINT_VALUES = st.one_of(st.sampled_from(["Hips", "LeftLeg", "leftleg", "RightUpLeg",
                                          "Head/End Site", "Chest", "Nope", ""]),
                         st.text(max_size=10))


@FUZZ
@given(mapping=st.dictionaries(JOINT_KEYS, JOINT_VALUES, max_size=6),
       rig=st.sampled_from(["auto", "structure", "cmu", "smpl"]))
def test_random_mappings(folder, mapping, rig):
    path = folder / "mapped.bvh"
    path.write_text(VALID, encoding="utf-8")
    for read in (read_bvh, root_yaw_deg):
        try:
            read(path, rig=rig, mapping=mapping)
        except (InputError, ConfigError) as exc:
            assert "\n" not in str(exc)
