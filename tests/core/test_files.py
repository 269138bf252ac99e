"""Outputs: the folder checked before work, never over an input, written whole."""

from __future__ import annotations

import os

import pytest

from balletmirror.core.errors import InputError
from balletmirror.core.files import (
    check_output_dir,
    refuse_overwriting_inputs,
    written_whole,
)


def test_a_whole_write_replaces_the_file_only_at_the_end(tmp_path):
    target = tmp_path / "results.json"
    target.write_text("good\n")
    with written_whole(target) as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".json" and tmp != target
        tmp.write_text("new\n")
        assert target.read_text() == "good\n"  # the old one stays until the end
    assert target.read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]


@pytest.mark.parametrize("interruption", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_an_interrupted_write_leaves_the_good_file_and_no_half(tmp_path, interruption):
    target = tmp_path / "annotated.mp4"
    target.write_bytes(b"the good video")
    with pytest.raises(type(interruption)):
        with written_whole(target) as tmp:
            tmp.write_bytes(b"half a vid")
            raise interruption
    assert target.read_bytes() == b"the good video"
    assert [p.name for p in tmp_path.iterdir()] == ["annotated.mp4"]


def test_the_output_folder_is_checked_before_any_work(tmp_path):
    (tmp_path / "afile").write_text("x")
    assert check_output_dir(tmp_path / "new" / "deeper") == tmp_path / "new" / "deeper"
    assert not (tmp_path / "new").exists()  # created only when something is written
    with pytest.raises(InputError, match="not a folder"):
        check_output_dir(tmp_path / "afile")
    with pytest.raises(InputError, match="is a file"):
        check_output_dir(tmp_path / "afile" / "out")
    for system in ("/proc/out", "/sys/out", "/dev/out", "/proc"):
        with pytest.raises(InputError, match="system folder"):
            check_output_dir(system)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root may write anywhere")
def test_a_folder_she_cannot_write_in_is_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(InputError, match="permission denied"):
            check_output_dir(locked / "out")
    finally:
        locked.chmod(0o700)


def test_an_input_is_never_an_output(tmp_path):
    video = tmp_path / "out" / "annotated.mp4"
    video.parent.mkdir()
    video.write_bytes(b"hers")
    link = tmp_path / "link.mp4"
    link.symlink_to(video)
    for given in (video, link, tmp_path / "out" / ".." / "out" / "annotated.mp4"):
        with pytest.raises(InputError, match="is an input"):
            refuse_overwriting_inputs([video], [None, given])
    refuse_overwriting_inputs([tmp_path / "out" / "results.json"], [video])
