"""Audio fingerprints: spot the same recording played on many calls.

Two fingerprinters give the same shape, a uint32 per frame (about 8 frames a second for
chromaprint, 125 for the spectral one), and are compared the same way: the bit error rate of
the best time alignment.

- ``chromaprint``: the AcoustID fingerprinter (Debian ``libchromaprint1`` through
  ``pyacoustid``'s ``chromaprint`` module), robust to codecs and volume.
- ``spectral``: a documented fallback with no native library (Haitsma and Kalker, "A highly
  robust audio fingerprinting system", ISMIR 2002): 33 log-spaced bands from 300 Hz to
  2 kHz, each bit the sign of the band-energy difference across band and time.

One recording played again (another call, another line, level changed, some noise) keeps
a similarity (1 - bit error rate) above 0.8; other speech scores 0.55 to 0.7.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Sequence
from typing import Protocol

import numpy as np

SPECTRAL_RATE = 8000
_FRAME, _HOP = 2048, 64  # 256 ms frames every 8 ms: heavy overlap keeps bits stable under shifts


def to_mono_float(samples: np.ndarray) -> np.ndarray:
    x = np.asarray(samples)
    if x.ndim == 2:
        x = x.mean(axis=1)
    if np.issubdtype(x.dtype, np.integer):
        x = x.astype(np.float32) / float(np.iinfo(x.dtype).max)
    return x.astype(np.float32, copy=False)


def resample(samples: np.ndarray, rate: int, to_rate: int) -> np.ndarray:
    from math import gcd

    from scipy.signal import resample_poly

    if rate == to_rate:
        return samples
    g = gcd(rate, to_rate)
    return resample_poly(samples, to_rate // g, rate // g).astype(np.float32)


def spectral_fingerprint(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Haitsma-Kalker sub-fingerprints (uint32 per 8 ms frame) of mono or stereo audio."""
    x = resample(to_mono_float(samples), sample_rate, SPECTRAL_RATE)
    if len(x) < _FRAME + _HOP:
        return np.zeros(0, dtype=np.uint32)
    n = 1 + (len(x) - _FRAME) // _HOP
    idx = np.arange(_FRAME)[None, :] + _HOP * np.arange(n)[:, None]
    spec = np.abs(np.fft.rfft(x[idx] * np.hanning(_FRAME), axis=1)) ** 2
    freqs = np.fft.rfftfreq(_FRAME, 1.0 / SPECTRAL_RATE)
    edges = np.geomspace(300.0, 2000.0, 34)
    band = np.searchsorted(edges, freqs) - 1
    energy = np.zeros((n, 33))
    ok = (band >= 0) & (band < 33)
    for b in range(33):  # 33 bands, not one loop per frame
        energy[:, b] = spec[:, ok & (band == b)].sum(axis=1)
    d = energy[:, :-1] - energy[:, 1:]
    bits = (d[1:] - d[:-1]) > 0
    weights = (1 << np.arange(32, dtype=np.uint64)).astype(np.uint64)
    return (bits.astype(np.uint64) * weights).sum(axis=1).astype(np.uint32)


def chromaprint_available() -> bool:
    try:
        import chromaprint  # noqa: F401  (pyacoustid's ctypes binding)
    except (ImportError, OSError):
        return False
    return True


def chromaprint_fingerprint(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """The raw chromaprint fingerprint (uint32 per frame); needs libchromaprint."""
    import chromaprint

    x = to_mono_float(samples)
    pcm = (np.clip(x, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    fp = chromaprint.Fingerprinter()
    fp.start(sample_rate, 1)
    fp.feed(pcm)
    raw, _ = chromaprint.decode_fingerprint(fp.finish())
    return np.asarray(raw, dtype=np.int64).astype(np.uint32)


#: The fewest frames ``similarity`` compares (its ``min_overlap``): chromaprint gives a clip
#: under about 4 s fewer (0 for 2.6 s, 3 for 3.1 s), so such a clip matched nothing.
MIN_FRAMES = 10


def fingerprint(samples: np.ndarray, sample_rate: int, method: str = "auto") -> np.ndarray:
    """A fingerprint by ``method``: chromaprint, spectral, or auto (chromaprint if present)."""
    if method == "auto":
        method = "chromaprint" if chromaprint_available() else "spectral"
    if method == "chromaprint":
        return chromaprint_fingerprint(samples, sample_rate)
    if method == "spectral":
        return spectral_fingerprint(samples, sample_rate)
    raise ValueError(f"unknown fingerprint method {method!r}")


class Recordings(Protocol):
    """(samples, rate) pairs by index: a list, or a sequence that reads files on access."""

    def __len__(self) -> int: ...
    def __getitem__(self, i: int, /) -> tuple[np.ndarray, int]: ...
    def __iter__(self) -> Iterator[tuple[np.ndarray, int]]: ...


def fingerprints(recordings: Recordings, method: str = "auto") -> tuple[list[np.ndarray], str]:
    """One fingerprint per (samples, rate), all by one method (fingerprints of two methods
    cannot be compared), and the method used. ``auto``: chromaprint where installed, unless
    a recording is too short for it (fewer than ``MIN_FRAMES`` frames) but has ``MIN_FRAMES``
    spectral frames that are not silence: then spectral for all, which fingerprints a 2.6 s
    clip (its replay at 8 kHz and half level: 0.96). A clip under about 0.34 s (a truncated
    file) or a short one of digital silence matches nothing either way and does not switch
    the run (until 30 Nov it did). ``recordings`` is read item by item, the short ones again
    (a sequence that reads each file on access keeps one recording in memory at a time)."""
    if method != "auto":
        return [fingerprint(x, sr, method) for x, sr in recordings], method
    if chromaprint_available():
        fps = [chromaprint_fingerprint(x, sr) for x, sr in recordings]
        short = [i for i, f in enumerate(fps) if len(f) < MIN_FRAMES]
        silence = np.fromiter(silence_codes(), dtype=np.int64)
        if not any(
            np.count_nonzero(~np.isin(spectral_fingerprint(*recordings[i]), silence)) >= MIN_FRAMES
            for i in short
        ):
            return fps, "chromaprint"
    return [spectral_fingerprint(x, sr) for x, sr in recordings], "spectral"


_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def _bit_errors(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    x = np.bitwise_xor(a, b).view(np.uint8)
    return _POPCOUNT[x].reshape(len(a), 4).sum(axis=1)


#: The least share of the shorter recording's sound (frames not silence) an alignment must
#: overlap: a jingle at the end of one call lined up with the same jingle opening another is
#: no match of the two.
MIN_COVER = 0.5


def _score_at(
    a: np.ndarray, b: np.ndarray, qa: np.ndarray, qb: np.ndarray, off: int, need: int
) -> float | None:
    """1 - the bit error rate of the worse half of the frames aligned at ``off`` where
    neither is silence (``qa``, ``qb``: silent frames), or None when fewer than ``need``
    such frames overlap."""
    i, j = max(off, 0), max(-off, 0)
    m = min(len(a) - i, len(b) - j)
    if m < need:
        return None
    err = _bit_errors(a[i : i + m], b[j : j + m])
    quiet = qa[i : i + m] | qb[j : j + m]
    if quiet.any():
        err = err[~quiet]
    n = len(err)
    if n < need:
        return None
    h = n // 2
    return 1.0 - max(float(err[:h].sum()) / (32.0 * h), float(err[h:].sum()) / (32.0 * (n - h)))


def similarity(
    a: np.ndarray,
    b: np.ndarray,
    *,
    max_offset: int = 80,
    min_overlap: int = MIN_FRAMES,
    min_cover: float = MIN_COVER,
    silence: frozenset[int] | None = None,
) -> float:
    """1 - bit error rate at the best alignment of two fingerprints, of the worse half.

    Alignments come from sub-fingerprints that are exactly equal in both (the offsets they
    vote for, as Haitsma and Kalker search), plus every shift up to ``max_offset`` frames.
    At an alignment, frames where either is digital silence (``silence``, by default
    ``silence_codes()``) are left out (silence against silence says nothing; silence
    against a replay's line noise is no difference in what is played); at least
    ``min_overlap`` frames and ``min_cover`` of the shorter recording's sound must remain;
    and the score is that of the worse of their two halves (earlier and later in time).
    Until 30 Nov every frame counted: 6 s of digital silence either side of two different
    messages scored 0.83, and two different messages after the same 4.4 s greeting 0.80,
    both one recording at 0.8, while a padded message against its replay with line noise
    in the pauses scored 0.59 (spectral). Now a shared part must cover most of the shorter
    recording (about three quarters, with other speech at 0.65) to make two one, and a
    recording that is all silence matches nothing.
    """
    if len(a) < min_overlap or len(b) < min_overlap:
        return 0.0
    codes = np.fromiter(silence_codes() if silence is None else silence, dtype=np.int64)
    qa, qb = np.isin(a, codes), np.isin(b, codes)
    sound = min(len(a) - int(qa.sum()), len(b) - int(qb.sum()))
    if sound < min_overlap:
        return 0.0
    need = max(min_overlap, math.ceil(min_cover * sound))
    offsets = set(range(-max_offset, max_offset + 1))
    pos: dict[int, list[int]] = {}
    for i, v in enumerate(a.tolist()):
        pos.setdefault(v, []).append(i)
    votes: dict[int, int] = {}
    for j, v in enumerate(b.tolist()):
        for i in pos.get(v, ())[:8]:
            votes[i - j] = votes.get(i - j, 0) + 1
    offsets.update(sorted(votes, key=votes.__getitem__, reverse=True)[:8])
    best = 0.0
    for off in offsets:
        score = _score_at(a, b, qa, qb, off, need)
        if score is not None and score > best:
            best = score
    return best


@functools.cache
def silence_codes() -> frozenset[int]:
    """The sub-fingerprint value(s) each method gives digital silence (spectral: 0, every
    band difference nil; chromaprint: one fixed code). Two calls that share a pause share
    these values, which says nothing about what they play."""
    z = np.zeros(10 * SPECTRAL_RATE, dtype=np.float32)
    codes = set(spectral_fingerprint(z, SPECTRAL_RATE).tolist())
    if chromaprint_available():
        codes |= set(chromaprint_fingerprint(z, SPECTRAL_RATE).tolist())
    return frozenset(int(c) for c in codes)


#: A sub-fingerprint value held by more recordings than this links its owners to its first
#: ``_REPRESENTATIVES`` owners (by index) rather than pair by pair: the pairs of a value
#: played on thousands of calls would be millions.
_ALL_PAIRS_UP_TO = 50
_REPRESENTATIVES = 3


def group_recordings(
    fps: Sequence[np.ndarray], threshold: float = 0.8, *, max_offset: int = 80
) -> np.ndarray:
    """Cluster labels: recordings whose fingerprints match at ``threshold`` share one.

    Candidates are recordings that share at least two exact sub-fingerprint values (an
    inverted index, as Haitsma and Kalker search); only those pairs are aligned and scored
    (``similarity``). Silence's values (``silence_codes``) are not indexed. A value held by
    at most ``_ALL_PAIRS_UP_TO`` recordings makes candidates of all its owners' pairs; a
    value held by more (one recording on many calls) pairs each owner with the value's first
    ``_REPRESENTATIVES`` owners, so the candidates grow with the number of recordings, not
    its square. Until 30 Nov such values were skipped as silence, and a recording played on
    more than 50 calls, every copy aligned, came out as that many distinct recordings.

    Candidates are scored in order of shared values, most first, and a pair already joined
    through others is not scored: the clusters are those of every candidate pair scored.
    """
    n = len(fps)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    uniq = [np.unique(np.asarray(f, dtype=np.uint32)) for f in fps]
    vals = np.concatenate(uniq).astype(np.int64)
    owner = np.repeat(np.arange(n, dtype=np.int64), [len(u) for u in uniq])
    keep = ~np.isin(vals, np.fromiter(silence_codes(), dtype=np.int64))
    vals, owner = vals[keep], owner[keep]
    order = np.argsort(vals, kind="stable")  # owners of a value stay in index order
    vals, owner = vals[order], owner[order]
    starts = np.flatnonzero(np.r_[True, vals[1:] != vals[:-1]])
    sizes = np.diff(np.r_[starts, len(vals)])
    left: list[np.ndarray] = []
    right: list[np.ndarray] = []
    for s, size in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist(), strict=True):
        ids = owner[s : s + size]
        if size <= _ALL_PAIRS_UP_TO:
            a, b = np.triu_indices(size, k=1)
            left.append(ids[a])
            right.append(ids[b])
        else:
            for k in range(_REPRESENTATIVES):
                left.append(np.full(size - k - 1, ids[k]))
                right.append(ids[k + 1 :])
    parent = np.arange(n)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    if left:
        keys, counts = np.unique(
            np.concatenate(left) * n + np.concatenate(right), return_counts=True
        )
        cand = np.flatnonzero(counts >= 2)
        cand = cand[np.lexsort((keys[cand], -counts[cand]))]
        for key in keys[cand].tolist():
            i, j = root(key // n), root(key % n)
            if i == j:
                continue
            if similarity(fps[key // n], fps[key % n], max_offset=max_offset) >= threshold:
                parent[max(i, j)] = min(i, j)
    comp = np.array([root(i) for i in range(n)])
    _, first = np.unique(comp, return_index=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(np.argsort(first))] = np.arange(len(first))
    return rank[np.unique(comp, return_inverse=True)[1]]
