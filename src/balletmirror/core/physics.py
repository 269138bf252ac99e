"""A flight's height and its time in the air (ballistic, no air resistance).

A body leaving the floor and landing at the same height after ``T`` seconds rose
``h = g T^2 / 8`` (half the flight up, half down: ``h = g (T/2)^2 / 2``).
"""

from __future__ import annotations

import math

#: Standard gravity, m/s^2 (to the precision the studio and the analysis use).
G = 9.81


def flight_height(airtime_s: float) -> float:
    """Metres risen in a flight of ``airtime_s`` seconds: ``g T^2 / 8``."""
    return G * airtime_s**2 / 8.0


def flight_time(height_m: float) -> float:
    """Seconds in the air of a flight rising ``height_m`` metres: ``sqrt(8 h / g)``."""
    return math.sqrt(8 * height_m / G)
