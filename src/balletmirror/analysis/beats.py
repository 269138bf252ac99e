"""The music's beats in NumPy, chunk by chunk: memory flat however long the class.

The same algorithms as librosa 0.11's defaults (``onset_strength``, ``feature.tempo``,
``beat.beat_track``, ``onset.detect`` with ``backtrack``), written for audio read block
by block and without numba (importing librosa's beat tracker costs 156 MB of memory
before it has heard a note, half the pose model's peak; its tempo estimate at a fine
hop builds a 2756 x frames tempogram at once, 2.8 GB for a minute of music).  The test suite
checks each function against librosa on the same signals.

* Onset strength: spectral flux on a log-mel spectrogram (Böck & Widmer 2013,
  "Maximum filter vibrato suppression for onset detection", DAFx; librosa's
  ``onset_strength``): 2048-sample periodic-Hann frames ``hop`` apart, centred (the
  signal padded with 1024 zeros either side), power spectrum, 128 Slaney mel bands
  (Slaney 1998, Auditory Toolbox: linear below 1 kHz, logarithmic above, each band of
  unit area), dB with a floor 80 dB under the loudest value, the mean over bands of the
  rise from the previous frame (falls count 0), delayed by ``1 + 1024 // hop`` frames.
  Two passes over the audio: the first finds the loudest value.
* Tempo: the autocorrelation tempogram (8 s Hann windows, each column scaled to its
  maximum) of the onset envelope, averaged over the clip (every 8th column),
  weighted by a log-normal prior (120 BPM, one octave) and capped at 320 BPM; the
  strongest lag wins (Grosche, Müller & Kurth 2010; librosa's ``feature.tempo``).
* Beats: Ellis's dynamic programme (Ellis 2007, "Beat tracking by dynamic
  programming", J New Music Res 36:51): the onset envelope over its standard deviation,
  smoothed by a Gaussian of a beat's width; each frame's best predecessor between half
  a beat and two beats back, penalised by ``tightness * log(interval / period)^2``;
  the last beat the last local maximum of the cumulative score above half their
  median; weak leading and trailing beats trimmed (under half the RMS of the smoothed
  beat strengths).  The programme runs half a period at a time in NumPy: every
  predecessor of those frames is already scored.
* Onsets: peaks of the envelope (scaled to 0-1) that are the maximum of the 30 ms
  before them, 0.07 above the mean of the 100 ms around them, 30 ms apart, each moved
  back to the envelope's preceding local minimum (the sound's attack).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator

import numpy as np
from scipy.ndimage import maximum_filter1d
from scipy.signal import get_window

__all__ = ["Audio", "HOP", "beats_of", "blocks_of", "frame_chunks", "global_tempo",
           "mel_filters", "mel_power", "onset_envelope", "onset_times", "track_beats"]

HOP = 64  # samples: the fine envelope's hop, 2.9 ms at 22.05 kHz
N_FFT = 2048  # samples: the spectrogram's frame
N_MELS = 128
TOP_DB, AMIN = 80.0, 1e-10  # dB floor under the loudest value; power clip before log
CHUNK_FRAMES = 512  # frames (or tempogram columns) computed at a time
ARRAY_BLOCK = 1 << 18  # samples a block when the audio is one array
TEMPO_STRIDE = 8  # tempogram columns: one every 8 frames at HOP (23 ms)
TEMPO_CHUNK = 128  # tempogram columns computed at a time (2756 lags each: 11 MB)
AC_SIZE_S = 8.0  # s: the tempogram's autocorrelation window
START_BPM, STD_OCTAVES, MAX_BPM = 120.0, 1.0, 320.0  # the tempo's prior
TIGHTNESS = 100.0  # the beat programme's penalty on intervals off the period
#: Mono audio: the samples, or a function returning an iterable of blocks of them
Audio = np.ndarray | Callable[[], Iterable[np.ndarray]]


# ------------------------------------------------------------------ onset envelope
def blocks_of(audio: Audio) -> Iterator[np.ndarray]:
    """The audio's float32 blocks: ``audio()`` for a reader of blocks, slices of an
    array."""
    if callable(audio):
        for y in audio():
            yield np.asarray(y, dtype=np.float32).ravel()
        return
    y = np.asarray(audio, dtype=np.float32).ravel()
    for k in range(0, y.size, ARRAY_BLOCK):
        yield y[k:k + ARRAY_BLOCK]


def frame_chunks(blocks: Iterable[np.ndarray], *, n_fft: int = N_FFT, hop: int = HOP,
                 frames: int = CHUNK_FRAMES) -> Iterator[np.ndarray]:
    """Consecutive pieces of the centred signal (``n_fft // 2`` zeros either side), each
    holding exactly ``frames`` frames of ``n_fft`` samples ``hop`` apart (the last
    fewer): ``1 + samples // hop`` frames in all."""
    span = (frames - 1) * hop + n_fft
    edge = np.zeros(n_fft // 2, np.float32)
    pending, have = [edge], edge.size
    for y in itertools.chain(blocks, [edge]):
        pending.append(y)
        have += y.size
        if have < span:
            continue
        buf = np.concatenate(pending)
        while buf.size >= span:
            yield buf[:span]
            buf = buf[frames * hop:]
        pending, have = [buf], buf.size
    buf = np.concatenate(pending)
    if buf.size >= n_fft:
        yield buf[:(buf.size - n_fft) // hop * hop + n_fft]


def _hz_to_mel(f: np.ndarray) -> np.ndarray:
    """Slaney's mel scale: 3 mels per 200 Hz to 1 kHz, then log(6.4)/27 per mel."""
    f = np.asarray(f, dtype=float)
    linear = f / (200.0 / 3)
    logs = 15.0 + np.log(np.maximum(f, 1e-12) / 1000.0) / (np.log(6.4) / 27.0)
    return np.where(f >= 1000.0, logs, linear)


def _mel_to_hz(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=float)
    return np.where(m >= 15.0, 1000.0 * np.exp(np.log(6.4) / 27.0 * (m - 15.0)),
                    m * (200.0 / 3))


def mel_filters(sr: int, *, n_fft: int = N_FFT, n_mels: int = N_MELS) -> np.ndarray:
    """Triangular mel filters (n_mels, 1 + n_fft // 2) from 0 Hz to ``sr / 2``, each of
    unit area (Slaney normalisation), float32."""
    fft_hz = np.fft.rfftfreq(n_fft, 1.0 / sr)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(sr / 2.0), n_mels + 2))
    width = np.diff(edges)
    ramps = edges[:, None] - fft_hz[None, :]
    rising = -ramps[:-2] / width[:-1, None]
    falling = ramps[2:] / width[1:, None]
    weights = np.maximum(0.0, np.minimum(rising, falling))
    return (weights * (2.0 / (edges[2:] - edges[:-2]))[:, None]).astype(np.float32)


def mel_power(chunk: np.ndarray, basis: np.ndarray, *, hop: int = HOP) -> np.ndarray:
    """Mel power spectrogram (bands, frames) of a piece of :func:`frame_chunks`."""
    n_fft = 2 * (basis.shape[1] - 1)
    frames = np.lib.stride_tricks.sliding_window_view(chunk, n_fft)[::hop]
    window = get_window("hann", n_fft, fftbins=True).astype(np.float32)
    spectrum = np.fft.rfft(frames * window, axis=1)
    return basis @ (spectrum.real ** 2 + spectrum.imag ** 2).T.astype(np.float32)


def onset_envelope(audio: Audio, sr: int, *, hop: int = HOP) -> tuple[np.ndarray, int, float]:
    """The onset strength of ``audio`` (module docstring), chunk by chunk.

    Parameters
    ----------
    audio : array (samples,) or callable
        Mono samples, or a function returning an iterable of blocks of them (called
        twice).
    sr : int
        Sample rate, Hz.

    Returns
    -------
    envelope : array (1 + samples // hop,)
        Mean rise in dB over the mel bands, float32.
    samples : int
        Samples read.
    peak : float
        Largest absolute sample.
    """
    basis = mel_filters(sr)
    tally = {"samples": 0, "peak": 0.0}

    def counted() -> Iterator[np.ndarray]:
        for y in blocks_of(audio):
            tally["samples"] += y.size
            tally["peak"] = max(tally["peak"], float(np.max(np.abs(y), initial=0.0)))
            yield y

    loudest = max((float(mel_power(c, basis, hop=hop).max())
                   for c in frame_chunks(counted(), hop=hop)), default=0.0)
    floor = np.float32(10.0 * np.log10(max(AMIN, loudest)) - TOP_DB)
    rises, last = [], None
    for chunk in frame_chunks(blocks_of(audio), hop=hop):
        db = np.maximum(10.0 * np.log10(np.maximum(AMIN, mel_power(chunk, basis, hop=hop))),
                        floor)
        joined = db if last is None else np.concatenate([last, db], axis=1)
        rises.append(np.maximum(0.0, np.diff(joined, axis=1)).mean(axis=0))
        last = db[:, -1:]
    frames = 1 + tally["samples"] // hop
    lead = np.zeros(1 + N_FFT // (2 * hop), np.float32)
    envelope = np.concatenate([lead, *rises]).astype(np.float32)[:frames]
    return envelope, tally["samples"], tally["peak"]


# ------------------------------------------------------------------ tempo
def _autocorrelation(frames: np.ndarray) -> np.ndarray:
    """Autocorrelation of each column (lags 0..rows-1), each scaled to its maximum."""
    n = frames.shape[0]
    power = np.abs(np.fft.rfft(frames, 2 * n - 1, axis=0)) ** 2
    ac = np.fft.irfft(power, 2 * n - 1, axis=0)[:n]
    top = np.max(np.abs(ac), axis=0)
    return ac / np.where(top > np.finfo(ac.dtype).tiny, top, 1.0)


def mean_tempogram(envelope: np.ndarray, *, win: int, stride: int = 1) -> np.ndarray:
    """Mean over the clip of the autocorrelation tempogram (win,): a Hann window of
    ``win`` frames centred on every ``stride``-th frame (the envelope ramped to 0 at
    either end), :data:`TEMPO_CHUNK` columns at a time."""
    padded = np.pad(envelope.astype(float), win // 2, mode="linear_ramp", end_values=0)
    window = get_window("hann", win, fftbins=True)
    columns = np.arange(0, envelope.size, stride)
    total = np.zeros(win)
    for k in range(0, columns.size, TEMPO_CHUNK):
        starts = columns[k:k + TEMPO_CHUNK]
        frames = padded[starts[:, None] + np.arange(win)[None, :]].T
        total += _autocorrelation(frames * window[:, None]).sum(axis=1)
    return total / max(columns.size, 1)


def global_tempo(envelope: np.ndarray, sr: int, *, hop: int = HOP) -> float:
    """Tempo (BPM) of an onset envelope at ``hop`` (module docstring): the tempogram at
    the envelope's own hop (its lags resolve the tempo finely: 0.3 BPM at 120 BPM),
    averaged over every :data:`TEMPO_STRIDE`-th frame (its 8 s windows overlap by all
    but 23 ms: the mean hardly moves, and costs an eighth)."""
    win = int(AC_SIZE_S * sr) // hop
    tg = mean_tempogram(envelope, win=win, stride=TEMPO_STRIDE)
    with np.errstate(divide="ignore"):
        bpm = np.concatenate([[np.inf], 60.0 * sr / (hop * np.arange(1, win))])
        prior = -0.5 * ((np.log2(bpm) - np.log2(START_BPM)) / STD_OCTAVES) ** 2
    prior[:int(np.argmax(bpm < MAX_BPM))] = -np.inf
    return float(bpm[int(np.argmax(np.log1p(1e6 * tg) + prior))])


# ------------------------------------------------------------------ beats
def _best_predecessors(local: np.ndarray, period: int, tightness: float
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Ellis's programme: cumulative score and best predecessor (-1: none) of each
    frame, half a period of frames at a time."""
    n = local.size
    gaps = np.arange(int(np.round(period / 2)), 2 * period + 1)
    penalty = tightness * (np.log(gaps) - np.log(period)) ** 2
    cum = np.zeros(n)
    back = np.full(n, -1)
    step = max(1, int(gaps[0]))
    for a in range(0, n, step):
        i = np.arange(a, min(n, a + step))
        loc = i[:, None] - gaps[None, :]
        score = np.where(loc >= 0, cum[np.maximum(loc, 0)] - penalty, -np.inf)
        best = np.argmax(score, axis=1)
        found = np.isfinite(score[np.arange(i.size), best])
        cum[i] = local[i] + np.where(found, score[np.arange(i.size), best], 0.0)
        back[i] = np.where(found, loc[np.arange(i.size), best], -1)
    first = int(np.argmax(local >= 0.01 * local.max()))
    back[:first] = -1
    return cum, back


def _last_beat(cum: np.ndarray) -> int:
    """The last local maximum of the cumulative score above half their median."""
    left = np.concatenate([[cum[0]], cum[:-1]])
    right = np.concatenate([cum[1:], [cum[-1]]])
    peaks = np.flatnonzero((cum > left) & (cum >= right))
    if not peaks.size:
        return cum.size - 1
    good = peaks[cum[peaks] >= 0.5 * np.median(cum[peaks])]
    return int(good[-1]) if good.size else cum.size - 1


def _trim(local: np.ndarray, beats: np.ndarray) -> np.ndarray:
    """Beats with the weak leading and trailing frames unmarked (module docstring)."""
    smooth = np.convolve(local[beats], np.hanning(5))[2:local.size + 2]
    threshold = 0.5 * np.sqrt(np.mean(smooth ** 2)) if smooth.size else 0.0
    strong = np.flatnonzero(local > threshold)
    out = beats.copy()
    if not strong.size:
        out[:] = False
        return out
    out[:strong[0]] = False
    out[strong[-1] + 1:] = False
    return out


def track_beats(envelope: np.ndarray, sr: int, *, bpm: float, hop: int = HOP,
                tightness: float = TIGHTNESS) -> np.ndarray:
    """Beat times (s) of an onset envelope at ``hop`` for a tempo of ``bpm`` (Ellis
    2007, module docstring)."""
    if not envelope.any():
        return np.zeros(0)
    period = int(np.round(sr / hop * 60.0 / bpm))
    spread = envelope / (envelope.std(ddof=1) + np.finfo(envelope.dtype).tiny)
    window = np.exp(-0.5 * (np.arange(-period, period + 1) * 32.0 / period) ** 2)
    local = np.convolve(spread, window, mode="same")
    cum, back = _best_predecessors(local, period, tightness)
    beats = np.zeros(envelope.size, bool)
    n = _last_beat(cum)
    while n >= 0:
        beats[n] = True
        n = back[n]
    return np.flatnonzero(_trim(local, beats)) * hop / sr


def onset_times(envelope: np.ndarray, sr: int, *, hop: int = HOP) -> np.ndarray:
    """Onsets (s) of an onset envelope, each backtracked to the envelope's preceding
    local minimum (module docstring)."""
    x = envelope.astype(float) - envelope.min(initial=0.0)
    x /= x.max(initial=0.0) + np.finfo(float).tiny
    if not x.any() or not np.isfinite(x).all():
        return np.zeros(0)
    pre_max, pre_avg = int(np.ceil(0.03 * sr // hop)), int(np.ceil(0.10 * sr // hop))
    post_avg, wait = pre_avg + 1, int(np.ceil(0.03 * sr // hop))
    # the maximum of x[n - pre_max : n + 1] and the mean of x[n - pre_avg : n + post_avg]
    top = maximum_filter1d(x, pre_max + 1, origin=pre_max // 2, mode="nearest")
    n = np.arange(x.size)
    sums = np.concatenate([[0.0], np.cumsum(x)])
    lo, hi = np.maximum(0, n - pre_avg), np.minimum(x.size, n + post_avg)
    mean = (sums[hi] - sums[lo]) / (hi - lo)
    candidates = np.flatnonzero((x == top) & (x >= mean + 0.07))
    peaks, free = [], 0
    for c in candidates:
        if c >= free:
            peaks.append(c)
            free = c + wait + 1
    falls = np.flatnonzero((x[1:-1] <= x[:-2]) & (x[1:-1] < x[2:])) + 1
    minima = np.union1d([0], falls)
    back = minima[np.searchsorted(minima, np.asarray(peaks, int), side="right") - 1]
    return back * hop / sr


def beats_of(audio: Audio, sr: int) -> dict:
    """The global tempo (BPM), the beat times (s) and the backtracked onsets (s) of mono
    audio; no tempo, beats or onsets for under a second of audio or for silence."""
    env, samples, peak = onset_envelope(audio, sr)
    if samples < sr or peak <= 1e-4:
        return {"tempo_bpm": None, "beats": np.zeros(0), "onsets": np.zeros(0)}
    tempo = global_tempo(env, sr)
    return {"tempo_bpm": tempo, "beats": track_beats(env, sr, bpm=tempo),
            "onsets": onset_times(env, sr)}
