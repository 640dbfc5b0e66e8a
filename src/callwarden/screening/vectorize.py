"""Fast TF-IDF for the text model: character n-grams hashed with NumPy, words by vocabulary.

scikit-learn's ``TfidfVectorizer`` builds every character n-gram as a Python string, which
caps it near a thousand short texts a second on one core. Here the n-grams of a whole batch
are rolling hashes over one array of code points (no loop per text or per n-gram), folded
into ``2**bits`` columns; counts, sublinear tf, smoothed idf, ``min_df`` and l2 norm follow
scikit-learn's definitions. Words (jieba, through rjieba when installed) use a vocabulary
learned at fit. Both are picklable and deterministic across processes (no ``hash()``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

_MULT = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constants for hashing and mixing
_MIX = np.uint64(0xBF58476D1CE4E5B9)


def _tfidf(
    rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int, idf: np.ndarray | None
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Counts of (row, col) pairs -> sublinear tf * idf, l2-normalised rows; also df."""
    key = rows.astype(np.int64) * n_cols + cols.astype(np.int64)
    uniq, counts = np.unique(key, return_counts=True)  # sorted by row, then column
    r, c = uniq // n_cols, uniq % n_cols
    df = np.bincount(c, minlength=n_cols)
    data = (1.0 + np.log(counts)).astype(np.float32)
    if idf is not None:
        data *= idf[c]
    indptr = np.searchsorted(r, np.arange(n_rows + 1)).astype(np.int64)
    sq = np.zeros(n_rows, dtype=np.float64)
    nonempty = indptr[:-1] < indptr[1:]
    if data.size:
        sq[nonempty] = np.add.reduceat(data.astype(np.float64) ** 2, indptr[:-1][nonempty])
    norms = np.sqrt(sq)
    norms[norms == 0] = 1.0
    data /= np.repeat(norms, np.diff(indptr)).astype(np.float32)
    keep = data != 0  # columns below min_df have idf 0
    if not keep.all():
        counts_kept = (
            np.add.reduceat(keep.astype(np.int64), indptr[:-1][nonempty])
            if data.size
            else np.zeros(0, dtype=np.int64)
        )
        new_len = np.zeros(n_rows, dtype=np.int64)
        new_len[nonempty] = counts_kept
        indptr = np.r_[0, np.cumsum(new_len)]
        data, c = data[keep], c[keep]
    m = sp.csr_matrix((data, c.astype(np.int32), indptr), shape=(n_rows, n_cols))
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
    """TF-IDF of word 1..``max_n``-grams from ``tokenize``, over a vocabulary learned at fit."""

    tokenize: Callable[[str], list[str]]
    max_n: int = 2
    min_df: int = 2
    vocab_: dict[str, int] = field(default_factory=dict)
    idf_: np.ndarray | None = None

    def _grams(self, text: str) -> list[str]:
        words = self.tokenize(text)
        if self.max_n == 1:
            return words
        # Bigrams only beyond unigrams (max_n is 1 or 2 here): a join per word pair.
        return words + [a + " " + b for a, b in zip(words, words[1:], strict=False)]

    def fit_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        docs = [set(self._grams(t)) for t in texts]
        counts: dict[str, int] = {}
        for d in docs:
            for g in d:
                counts[g] = counts.get(g, 0) + 1
        kept = sorted(g for g, k in counts.items() if k >= self.min_df)
        self.vocab_ = {g: i for i, g in enumerate(kept)}
        df = np.array([counts[g] for g in kept], dtype=np.int64)
        self.idf_ = _idf(df, len(texts), 1)
        return self.transform(texts)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        if self.idf_ is None:
            raise ValueError("not fitted")
        get = self.vocab_.get
        lens: list[int] = []
        cols: list[int] = []
        for t in texts:
            ids = [k for k in map(get, self._grams(t)) if k is not None]
            lens.append(len(ids))
            cols.extend(ids)
        rows = np.repeat(np.arange(len(texts)), lens)
        return _tfidf(
            rows, np.asarray(cols, dtype=np.int64), len(texts), max(1, len(self.vocab_)), self.idf_
        )[0]
