"""A flight's height from its time in the air, and back."""

import pytest

from balletmirror.core.physics import G, flight_height, flight_time


def test_flight_height_and_time():
    assert flight_height(0.4) == pytest.approx(G * 0.16 / 8)
    assert flight_time(flight_height(0.4)) == pytest.approx(0.4)
