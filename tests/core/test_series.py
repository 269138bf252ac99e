"""Series helpers: gaps filled, missing kept missing, derivatives in time, the zig-zag."""

import numpy as np
import pytest

from balletmirror.core.series import derivative, fill_nan, zigzag_pivots


def test_fill_nan_interpolates_gaps_and_keeps_the_never_seen_missing():
    x = np.array([[np.nan, np.nan, 5.0],
                  [1.0, np.nan, np.nan],
                  [np.nan, np.nan, np.nan],
                  [3.0, np.nan, np.nan]])
    out = fill_nan(x)
    np.testing.assert_allclose(out[:, 0], [1.0, 1.0, 2.0, 3.0])  # edges held, gap linear
    assert np.isnan(out[:, 1]).all()  # a series never seen stays missing
    np.testing.assert_allclose(out[:, 2], [5.0] * 4)  # one sample: held
    assert np.isnan(x[0, 0])  # the input is left as it was


def test_derivative_is_per_second_whatever_the_frame_rate():
    for fps in (25.0, 50.0):
        t = np.arange(0.0, 2.0, 1.0 / fps)
        np.testing.assert_allclose(derivative(3.0 * t**2, fps, 1)[10:-10], 6.0 * t[10:-10],
                                   atol=1e-6)
    assert not derivative(np.ones(3), 25.0, 1).any()  # too short to differentiate


def test_zigzag_pivots():
    y = np.array([0.0, 1.0, 2.0, 1.9, 2.5, 1.0, 0.0, 0.2, 3.0])
    assert zigzag_pivots(y, 0.5) == [0, 4, 6, 8]
    assert zigzag_pivots(np.zeros(5), 0.5) == [0, 4]


def test_unseen_as_nan_gives_nan_for_what_was_never_seen_without_a_warning():
    import warnings

    from balletmirror.core.series import unseen_as_nan

    never = np.full((4, 3), np.nan)
    never[:, 1] = [1.0, 2.0, 3.0, 4.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = unseen_as_nan(np.nanmax, never, axis=0)
        assert np.isnan(out[0]) and out[1] == 4.0 and np.isnan(out[2])
        assert np.isnan(unseen_as_nan(np.nanquantile, np.full(5, np.nan), 0.95))
        with pytest.raises(RuntimeWarning, match="divide"):
            unseen_as_nan(np.divide, np.ones(1), np.zeros(1))  # other warnings pass
