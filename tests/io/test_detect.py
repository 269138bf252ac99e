"""The format by content: what a file's bytes say decides, its suffix only when they say
nothing; random and damaged files end as InputError."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from fixtures.media import blank_frames, write_png, write_video, write_wav
from fixtures.poses import motion_of, standing_points
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from balletmirror.core.errors import InputError
from balletmirror.io import detect_kind, read_motion
from balletmirror.io.bvh_write import write_bvh
from balletmirror.io.keypoints import write_csv


def _standing(frames: int = 30):
    return motion_of(np.repeat(standing_points()[None], frames, axis=0), fps=30.0)


def _gif(path, frames: int):
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("gif", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "rgb8"
        for i in range(frames):
            image = np.full((48, 64, 3), 40 * i, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def test_the_content_decides_not_the_suffix(tmp_path):
    bvh = write_bvh(_standing(), tmp_path / "take.bvh")
    shutil.copy(bvh, tmp_path / "take.txt")
    csv = write_csv(_standing(), tmp_path / "joints.csv")
    shutil.copy(csv, tmp_path / "joints.dat")
    video = write_video(tmp_path / "clip.mp4", blank_frames(5))
    shutil.copy(video, tmp_path / "clip.3gp")
    shutil.copy(video, tmp_path / "clip.bin")
    _standing().save(tmp_path / "saved.npz")
    shutil.copy(tmp_path / "saved.npz", tmp_path / "saved.dat")
    assert [detect_kind(tmp_path / n) for n in ("take.txt", "joints.dat", "clip.3gp",
                                                 "clip.bin", "saved.dat")] == [
        "bvh", "csv", "video", "video", "motion"]
    assert read_motion(tmp_path / "take.txt").n_frames == 30


def test_an_animated_gif_is_a_video_and_a_still_one_an_image(tmp_path):
    anim = _gif(tmp_path / "anim.gif", 5)
    assert detect_kind(anim) == "video"
    shutil.copy(anim, tmp_path / "anim.mp4")
    assert detect_kind(tmp_path / "anim.mp4") == "video"
    with pytest.raises(InputError, match="still image"):
        detect_kind(_gif(tmp_path / "still.gif", 1))


def test_images_and_sound_are_refused_whatever_their_name(tmp_path):
    write_png(tmp_path / "photo.mp4")
    write_wav(tmp_path / "song.bvh")
    with pytest.raises(InputError, match="still image"):
        detect_kind(tmp_path / "photo.mp4")
    with pytest.raises(InputError, match="audio file"):
        detect_kind(tmp_path / "song.bvh")


def test_a_damaged_file_falls_back_to_its_suffix_reader(tmp_path):
    (tmp_path / "broken.bvh").write_text("not a hierarchy\n")
    assert detect_kind(tmp_path / "broken.bvh") == "bvh"
    with pytest.raises(InputError, match="unsupported format"):
        (tmp_path / "broken.xyz").write_text("not anything\n")
        detect_kind(tmp_path / "broken.xyz")


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(min_size=1, max_size=3000),
       suffix=st.sampled_from([".mp4", ".gif", ".3gp", ".mov", "", ".dat"]))
def test_random_bytes_under_a_video_name_are_an_input_error(tmp_path, data, suffix):
    path = tmp_path / f"random{suffix}"
    path.write_bytes(data)
    try:
        read_motion(path)
    except InputError:
        return
    pytest.fail("random bytes read as a Motion")


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.floats(0.0, 0.95), flip=st.integers(0, 10_000))
def test_a_cut_or_flipped_video_reads_its_part_or_is_an_input_error(tmp_path, cut, flip):
    """A blank video (nobody in it): whatever is left of it is refused in one line."""
    data = bytearray(write_video(tmp_path / "v.mp4", blank_frames(12)).read_bytes())
    data = data[:max(1, int(len(data) * cut))] if cut else data
    data[flip % len(data)] ^= 0xFF
    path = tmp_path / "damaged.mp4"
    path.write_bytes(bytes(data))
    with pytest.raises(InputError):
        read_motion(path)


def test_a_tab_separated_xsens_csv_and_a_json_with_a_bom_are_recognised(tmp_path):
    segments = ("Pelvis", "RightUpperLeg", "RightLowerLeg", "RightFoot", "LeftUpperLeg",
                "LeftLowerLeg", "LeftFoot")
    header = "\t".join(["Frame", "ms"] + [f"{s} {a}" for s in segments for a in "xyz"])
    (tmp_path / "segments.txt").write_text(header + "\n0\t0" + "\t0" * 21 + "\n")
    assert detect_kind(tmp_path / "segments.txt") == "xsens_csv"
    coco = '[{"image_id": 1, "keypoints": [' + ", ".join(["100, 100, 1"] * 17) + "]}]"
    (tmp_path / "bom.json").write_bytes(b"\xef\xbb\xbf" + coco.encode())
    assert detect_kind(tmp_path / "bom.json") == "keypoints"
    assert read_motion(tmp_path / "bom.json").n_frames == 1


def test_a_large_png_a_heic_and_an_mp4_are_not_taken_for_c3d(tmp_path):
    big = write_png(tmp_path / "big.png")
    big.write_bytes(big.read_bytes() + np.random.default_rng(2).bytes(2000))  # over 512 B
    (tmp_path / "photo.heic").write_bytes(b"\x00\x00\x00\x18ftypheic" + bytes(600))
    for name in ("big.png", "photo.heic"):
        with pytest.raises(InputError, match="still image"):
            detect_kind(tmp_path / name)
    assert detect_kind(write_video(tmp_path / "v.mp4", blank_frames(3))) == "video"
