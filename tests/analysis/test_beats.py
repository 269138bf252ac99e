"""The beat stage in NumPy against librosa 0.11 (the algorithms it follows), and its
chunking: the same numbers however the audio is cut into blocks."""

from __future__ import annotations

import numpy as np
import pytest

from balletmirror.analysis import beats

SR = 22050
librosa = pytest.importorskip("librosa")


def clicks(seconds: float, bpm: float) -> np.ndarray:
    """A click (880 Hz, 20 ms decay) on every beat from 0 s."""
    t = np.arange(int(SR * seconds)) / SR
    return (np.sin(2 * np.pi * 880 * t) * np.exp(-np.mod(t, 60 / bpm) / 0.02)
            ).astype(np.float32)


def music(seconds: float, bpm: float) -> np.ndarray:
    """A swelling drone, an accent 0.1 s before each beat, and noise."""
    rng = np.random.default_rng(3)
    t = np.arange(int(SR * seconds)) / SR
    period = 60 / bpm
    y = (0.3 * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * t / period))
         + np.sin(2 * np.pi * 660 * t) * np.exp(-np.mod(t + 0.1, period) / 0.05)
         + 0.05 * rng.normal(size=t.size))
    return y.astype(np.float32)


CASES = [(clicks, 1.2, 96.0), (clicks, 7.3, 96.0), (music, 8.0, 163.6), (music, 8.0, 72.0),
         (music, 20.0, 130.0), (clicks, 30.0, 150.0)]


def test_mel_filters_are_librosas():
    np.testing.assert_allclose(beats.mel_filters(SR), librosa.filters.mel(sr=SR, n_fft=2048),
                               atol=1e-8)


@pytest.mark.parametrize("make,seconds,bpm", CASES)
def test_onset_envelope_tempo_beats_and_onsets_are_librosas(make, seconds, bpm):
    y = make(seconds, bpm)
    ref = librosa.onset.onset_strength(y=y, sr=SR, hop_length=beats.HOP)
    env, samples, peak = beats.onset_envelope(y, SR)
    assert env.shape == ref.shape and samples == y.size and peak == pytest.approx(
        np.abs(y).max())
    np.testing.assert_allclose(env, ref, atol=1e-6 * ref.max())
    tempo = beats.global_tempo(env, SR)
    if seconds <= 8:  # librosa's tempogram at this hop takes 2.8 GB a minute
        assert tempo == pytest.approx(
            librosa.feature.tempo(onset_envelope=ref, sr=SR, hop_length=beats.HOP)[0])
    _, expected = librosa.beat.beat_track(onset_envelope=ref, sr=SR, hop_length=beats.HOP,
                                          bpm=tempo, units="time")
    np.testing.assert_allclose(beats.track_beats(env, SR, bpm=tempo), expected, atol=1e-9)
    onsets = librosa.onset.onset_detect(onset_envelope=ref, sr=SR, hop_length=beats.HOP,
                                        units="time", backtrack=True)
    np.testing.assert_allclose(beats.onset_times(env, SR), onsets, atol=1e-9)


@pytest.mark.parametrize("block", [1, 1000, 4097, 100_000])
def test_blocks_of_any_size_give_the_same_envelope(block):
    y = music(5.0, 100.0)
    whole, _, _ = beats.onset_envelope(y, SR)
    cut, samples, _ = beats.onset_envelope(
        lambda: (y[k:k + block] for k in range(0, y.size, block)), SR)
    assert samples == y.size
    np.testing.assert_array_equal(cut, whole)


def test_frame_chunks_frame_the_centred_signal():
    y = np.arange(10_000, dtype=np.float32)
    chunks = list(beats.frame_chunks([y[:3000], y[3000:]], n_fft=256, hop=64, frames=7))
    frames = sum(1 + (c.size - 256) // 64 for c in chunks)
    assert frames == 1 + y.size // 64
    assert chunks[0][:128].sum() == 0 and chunks[0][128] == 0 and chunks[0][129] == 1


def test_silence_and_short_sound_have_no_beats():
    assert beats.beats_of(np.zeros(SR * 3, np.float32), SR)["tempo_bpm"] is None
    assert beats.beats_of(clicks(0.5, 120.0), SR)["beats"].size == 0
    assert beats.track_beats(np.zeros(500, np.float32), SR, bpm=120.0).size == 0
    assert beats.onset_times(np.zeros(500, np.float32), SR).size == 0
