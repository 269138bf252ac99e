"""Video input: streamed decoding, rotation, timestamps, bad files, and real clips."""


import numpy as np
import pytest
from fixtures.media import (
    blank_frames,
    write_audio_only_mp4,
    write_png,
    write_video,
    write_wav,
)

from balletmirror.core.errors import InputError
from balletmirror.io import detect_kind, read_motion

av = pytest.importorskip("av")


def test_variable_frame_rate_timestamps_kept(tmp_path):
    from balletmirror.io.video import iter_frames

    pts = [0, 1, 2, 4, 5, 7, 8, 9, 11, 12]
    path = write_video(tmp_path / "vfr.mp4", blank_frames(10, size=(48, 64)), pts=pts)
    times = [t for t, _ in iter_frames(path)]
    np.testing.assert_allclose(times, np.array(pts) / 25, atol=1e-9)


def test_rotation_metadata_is_honoured(tmp_path):
    from balletmirror.io.video import iter_frames, probe_video

    img = np.zeros((48, 64, 3), dtype=np.uint8)
    img[:16, :16] = 255  # a white block at the top-left of the stored frame
    path = write_video(tmp_path / "rot.mp4", [img] * 4, rotation=90)
    info = probe_video(path)
    assert (info.width, info.height, info.rotation) == (48, 64, 90)
    _, rgb = next(iter_frames(path))
    assert rgb.shape == (64, 48, 3)
    ys, xs = np.nonzero(rgb.mean(axis=2) > 128)
    # displayed turned 90 degrees counter-clockwise: the block is now bottom-left
    assert ys.mean() > 40 and xs.mean() < 16


def test_downscaling_for_the_pose_model(tmp_path):
    from balletmirror.io.video import iter_frames

    path = write_video(tmp_path / "big.mp4", blank_frames(2, size=(480, 640)))
    _, rgb = next(iter_frames(path, max_side=320))
    assert rgb.shape == (240, 320, 3)


def test_truncated_video(tmp_path):
    good = write_video(tmp_path / "good.mp4", blank_frames(30))
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(InputError, match="truncated or corrupt"):
        read_motion(cut)


def test_bad_files_are_refused_with_one_line(tmp_path):
    cases = {
        tmp_path / "missing.mp4": "no such file",
        tmp_path / "empty.mp4": "empty",
        write_png(tmp_path / "photo.png"): "still image",
        write_wav(tmp_path / "music.wav"): "audio file",
        tmp_path / "notes.xyz": "unsupported format '.xyz'",
    }
    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "notes.xyz").write_text("hello")
    for path, message in cases.items():
        with pytest.raises(InputError, match=message) as info:
            detect_kind(path)
        assert "\n" not in str(info.value)


def test_disguised_image_and_audio(tmp_path):
    png_as_mp4 = tmp_path / "photo.mp4"
    png_as_mp4.write_bytes(write_png(tmp_path / "p.png").read_bytes())
    with pytest.raises(InputError, match="still image"):
        read_motion(png_as_mp4)
    with pytest.raises(InputError, match="is an audio file"):  # by content, not suffix
        read_motion(write_audio_only_mp4(tmp_path / "song.mp4"))
    text = tmp_path / "notes.mp4"
    text.write_text("this is not a video\n" * 20)
    with pytest.raises(InputError, match="not a readable video"):
        read_motion(text)
