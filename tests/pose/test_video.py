"""The pose model on a video: nobody found, and a real clip."""

import numpy as np
import pytest
from fixtures.media import blank_frames, write_video

from balletmirror.core.errors import InputError
from balletmirror.io import read_motion

av = pytest.importorskip("av")


@pytest.mark.slow
def test_video_with_nobody_in_it(tmp_path):
    path = write_video(tmp_path / "empty_room.mp4", blank_frames(12))
    with pytest.raises(InputError, match="no person found in any of its 12 frames"):
        read_motion(path)



@pytest.mark.slow
@pytest.mark.realdata
def test_real_plie_video(plie_video):
    from balletmirror.run import analyze_file

    a = analyze_file(plie_video)
    covered = a.raw.covered
    title = a.cleaning["uncovered"][0]
    assert title["start_s"] == 0.0 and 1.0 <= title["end_s"] <= 2.0  # the title card
    after = a.raw.times >= title["end_s"]
    assert covered[after].mean() > 0.7
    knee = 0.5 * (a.kinematics["left_knee_angle"] + a.kinematics["right_knee_angle"])
    t = a.kinematics.times
    # one demi-plié, by eye from about 4.2 s to 5.4 s: the knees dip there and only there
    in_plie = (t > 4.5) & (t < 5.1)
    standing = (t > 2.0) & (t < 4.0) | (t > 5.8)
    assert np.nanmax(knee[in_plie]) < np.nanmedian(knee[standing]) - 25
    dips = np.flatnonzero(np.diff((knee < np.nanmedian(knee[standing]) - 20).astype(int)) == 1)
    assert len(dips) == 1
    assert a.cleaning["swapped_frames"] == {"legs": 0, "arms": 0, "face": 0}
    assert 1.45 < a.kinematics.height < 1.9  # metres, from the 3D landmarks
    assert a.rotations == []
