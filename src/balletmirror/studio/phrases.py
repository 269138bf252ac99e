"""The accuracy suite's phrases (benchmarks/accuracy.py), shared with the tests.

``PHRASES`` dance every step of DESIGN.md's list at least once, with the studio's
faults and expressive styles; ``TURNING`` are the turning sequences (pirouettes of
1-3 turns both ways, tours en l'air, fouettés of 4-32 turns at 1.2-1.5 turns/s).
"""

from __future__ import annotations

PHRASES = [
    "5th; plie demi x2; plie grand; releve",
    "5th; tendu front right; tendu side right; degage side left; rond_de_jambe en_dehors right",
    "5th; developpe front left 90; grand_battement side right 110; passe right",
    "5th; arabesque right 80; attitude back left 80; balance right 2",
    "5th; saute x3; changement x2; tour 1",
    "5th; port_de_bras back; travel side 1; plie demi",
    "5th; plie demi fault=knees_in; releve fault=sickled_foot; passe left fault=low_passe",
    "bpm=120; style=sudden+strong; 5th; plie demi x2; tendu side left; saute x2",
    "style=sustained+light; 5th; port_de_bras front; developpe side right 100; releve",
]
TURNING = [
    "5th; pirouette en_dehors right 1",
    "5th; pirouette en_dehors right 2",
    "5th; pirouette en_dedans left 2",
    "5th; pirouette en_dehors left 3 tempo=2.5",
    "5th; tour 2",
    "5th; fouette right 4 tempo=1.2",
    "5th; fouette right 8 tempo=1.5",
    "5th; fouette left 16 tempo=1.4",
    "5th; fouette right 32 tempo=1.5",
]
#: A barre exercise of about 40 s at 96 BPM for timing on the music: its accents (the
#: joints turning back) fall on the counts; from video each is timed to some tens of
#: ms, so the lag needs a few dozen of them.
MUSICAL = ("5th; plie demi x2; plie grand; tendu front right x2; tendu side right x2; "
           "releve x2; port_de_bras front; passe right; passe left; "
           "developpe side left 90; developpe front right 90")
