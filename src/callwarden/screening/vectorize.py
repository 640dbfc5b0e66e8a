"""Fast TF-IDF for the text model: character n-grams and words hashed with NumPy.

scikit-learn's ``TfidfVectorizer`` builds every character n-gram as a Python string, which
caps it near a thousand short texts a second on one core. Here the n-grams of a whole batch
are rolling hashes over one array of code points (no loop per text or per n-gram), folded
into ``2**bits`` columns; counts, sublinear tf, smoothed idf, ``min_df`` and l2 norm follow
scikit-learn's definitions. Words (jieba, through rjieba when installed) are hashed the same
way, per word. Both are picklable and deterministic across processes (no ``hash()``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

_MULT = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constants for hashing and mixing
_MIX = np.uint64(0xBF58476D1CE4E5B9)


def _tfidf(
    rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int, idf: np.ndarray | None
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Counts of (row, col) pairs -> sublinear tf * idf, l2-normalised rows; also df."""
    ones = np.ones(len(rows), dtype=np.float32)
    m = sp.coo_matrix((ones, (rows, cols)), shape=(n_rows, n_cols)).tocsr()  # sums repeats
    m.sum_duplicates()
    df = np.bincount(m.indices, minlength=n_cols)
    data = 1.0 + np.log(m.data)
    if idf is not None:
        data *= idf[m.indices]
    m.data = data.astype(np.float32)
    m.eliminate_zeros()  # columns below min_df have idf 0
    sq = np.asarray(m.multiply(m).sum(axis=1)).ravel()
    norms = np.sqrt(sq)
    norms[norms == 0] = 1.0
    m.data /= np.repeat(norms, np.diff(m.indptr)).astype(np.float32)
    return m, df


def _idf(df: np.ndarray, n_docs: int, min_df: int) -> np.ndarray:
    idf = (np.log((1.0 + n_docs) / (1.0 + df)) + 1.0).astype(np.float32)
    idf[df < min_df] = 0.0  # as if the term were not in the vocabulary
    return idf


@dataclass
class HashedCharTfidf:
    """TF-IDF of character 1..``max_n``-grams (lower-cased), hashed into ``2**bits`` columns."""

    max_n: int = 4
    bits: int = 21
    min_df: int = 2
    idf_: np.ndarray | None = None

    def _pairs(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        joined = "".join(t.lower() for t in texts)
        codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
        doc = np.repeat(np.arange(len(texts)), lengths)
        ends = np.repeat(np.cumsum(lengths), lengths)  # end of each character's text
        pos = np.arange(len(codes))
        rows, cols = [], []
        h = np.zeros(len(codes), dtype=np.uint64)
        mask = np.uint64((1 << self.bits) - 1)
        for n in range(1, self.max_n + 1):
            ok = pos + n <= ends
            shifted = np.zeros(len(codes), dtype=np.uint64)
            if len(codes) >= n:  # (a batch shorter than n has no n-gram: all zeros)
                shifted[: len(codes) - n + 1] = codes[n - 1 :]
            h = (h * _MULT + shifted + np.uint64(1)) & np.uint64(0xFFFFFFFFFFFFFFFF)
            mixed = ((h ^ (h >> np.uint64(31))) * _MIX) >> np.uint64(64 - self.bits)
            rows.append(doc[ok])
            cols.append((mixed[ok] & mask).astype(np.int64))
        return np.concatenate(rows), np.concatenate(cols)

    def fit_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        r, c = self._pairs(texts)
        _, df = _tfidf(r, c, len(texts), 1 << self.bits, None)
        self.idf_ = _idf(df, len(texts), self.min_df)
        return self.transform(texts)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        if self.idf_ is None:
            raise ValueError("not fitted")
        r, c = self._pairs(texts)
        return _tfidf(r, c, len(texts), 1 << self.bits, self.idf_)[0]


@dataclass
class WordTfidf:
    """TF-IDF of word 1..2-grams from ``tokenize``, hashed into ``2**bits`` columns.

    Each word's hash is a polynomial over its code points computed for the whole batch at
    once (powers by position, summed per word with ``np.add.reduceat``); a bigram's hash
    mixes its two words' hashes. Only the segmentation itself runs per text.
    """

    tokenize: Callable[[str], list[str]]
    max_n: int = 2
    bits: int = 20
    min_df: int = 2
    idf_: np.ndarray | None = None

    def _pairs(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        toks = [self.tokenize(t) for t in texts]
        n_tok = np.array(list(map(len, toks)), dtype=np.int64)
        words = [w for t in toks for w in t]
        if not words:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        codes = np.frombuffer("".join(words).encode("utf-32-le"), dtype=np.uint32)
        wlen = np.array(list(map(len, words)), dtype=np.int64)
        starts = np.r_[0, np.cumsum(wlen)[:-1]]
        pos_from_end = np.repeat(starts + wlen, wlen) - np.arange(len(codes)) - 1
        powers = _powers(int(wlen.max()))
        terms = (codes.astype(np.uint64) + np.uint64(1)) * powers[pos_from_end]
        h = np.add.reduceat(terms, starts)
        h = ((h ^ (h >> np.uint64(29))) * _MIX) & np.uint64(0xFFFFFFFFFFFFFFFF)
        doc = np.repeat(np.arange(len(texts)), n_tok)
        mask = np.uint64((1 << self.bits) - 1)
        rows, cols = [doc], [(h >> np.uint64(64 - self.bits)) & mask]
        if self.max_n >= 2 and len(words) > 1:
            same = doc[1:] == doc[:-1]  # a bigram never spans two texts
            hb = (h[:-1] * _MULT) ^ h[1:]
            hb = ((hb ^ (hb >> np.uint64(31))) * _MIX) & np.uint64(0xFFFFFFFFFFFFFFFF)
            rows.append(doc[:-1][same])
            cols.append((hb[same] >> np.uint64(64 - self.bits)) & mask)
        return np.concatenate(rows), np.concatenate(cols).astype(np.int64)

    def fit_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        r, c = self._pairs(texts)
        _, df = _tfidf(r, c, len(texts), 1 << self.bits, None)
        self.idf_ = _idf(df, len(texts), self.min_df)
        return _tfidf(r, c, len(texts), 1 << self.bits, self.idf_)[0]

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        if self.idf_ is None:
            raise ValueError("not fitted")
        r, c = self._pairs(texts)
        return _tfidf(r, c, len(texts), 1 << self.bits, self.idf_)[0]


def _powers(n: int) -> np.ndarray:
    out = np.ones(max(1, n), dtype=np.uint64)
    for k in range(1, n):  # array products wrap silently (scalar ones warn)
        out[k : k + 1] = out[k - 1 : k] * _MULT
    return out
