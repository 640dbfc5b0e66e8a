"""Script recognition: the same recorded or written script across calls and campaigns.

Texts are normalised (case, punctuation, spaces, digits folded so that a changed name,
amount or phone number is a small edit), cut into character n-grams (3 for Chinese, 5 for
Latin script) or ``jieba`` word bigrams, and summarised as MinHash signatures
(``datasketch``). LSH finds candidate pairs, the signatures' Jaccard estimate confirms them,
and connected components (``scipy.sparse.csgraph``) turn pairs into script clusters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

import numpy as np

from callwarden.screening.normalise import to_simplified

_PUNCT = re.compile(r"[\W_]+", re.UNICODE)
_DIGITS = re.compile(r"\d+")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def normalise(text: str) -> str:
    """Case-folded text without punctuation or spaces; every run of digits becomes '0';
    Traditional characters become Simplified (:mod:`callwarden.screening.normalise`)."""
    t = unicodedata.normalize("NFKC", to_simplified(text)).casefold()
    return _DIGITS.sub("0", _PUNCT.sub("", t))


def shingles(text: str, mode: str = "char") -> set[str]:
    """The set of n-grams a text is compared on (``mode``: char or word)."""
    if mode == "word":
        from callwarden.screening.textmodel import word_tokens

        words = [w for w in (normalise(w) for w in word_tokens(to_simplified(text))) if w]
        return (
            {" ".join(words[i : i + 2]) for i in range(max(1, len(words) - 1))} if words else set()
        )
    t = normalise(text)
    n = 3 if len(_CJK.findall(t)) * 3 >= len(t) else 5
    if len(t) <= n:
        return {t} if t else set()
    return {t[i : i + n] for i in range(len(t) - n + 1)}


def containment(part: set[str], whole: set[str]) -> float:
    """Share of ``part``'s n-grams found in ``whole`` (a reply that is a piece of a script)."""
    return len(part & whole) / len(part) if part else 0.0


def jaccard(a: AbstractSet[str], b: AbstractSet[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def script_signatures(
    texts: Sequence[str], *, num_perm: int = 128, mode: str = "char", seed: int = 1
) -> np.ndarray:
    """MinHash signatures, one row per text (uint64 array of shape (n, num_perm))."""
    from datasketch import MinHash

    sets = [[s.encode("utf-8") for s in shingles(t, mode)] or [b""] for t in texts]
    mhs = MinHash.bulk(sets, num_perm=num_perm, seed=seed)
    if not mhs:
        return np.zeros((0, num_perm), dtype=np.uint64)
    return np.vstack([m.hashvalues for m in mhs]).astype(np.uint64)


def _bands(num_perm: int, threshold: float) -> tuple[int, int]:
    """LSH bands ``b`` and rows ``r`` (b * r <= num_perm) for a Jaccard threshold.

    A pair with similarity s becomes a candidate with probability 1 - (1 - s^r)^b, whose
    steep part sits near (1/b)^(1/r). That point is put a little below the threshold: the
    candidates are confirmed on their signatures anyway, so recall is what LSH must give.
    """
    target = 0.8 * threshold
    best = min(
        ((b, num_perm // b) for b in range(1, num_perm + 1)),
        key=lambda br: abs((1.0 / br[0]) ** (1.0 / br[1]) - target),
    )
    return best


def _row_keys(block: np.ndarray) -> np.ndarray:
    """Each row of a 2-D array as one opaque key (equal rows, equal keys)."""
    block = np.ascontiguousarray(block)
    return block.view(np.dtype((np.void, block.dtype.itemsize * block.shape[1]))).ravel()


def _band_orders(sigs: np.ndarray, b: int, r: int) -> Iterable[tuple[np.ndarray, np.ndarray]]:
    """For each LSH band: the rows sorted by band key (``keys[order]``, ``order``), rows of a
    key in the order of their whole signatures. Who is next to whom in a bucket, and who
    comes first, then depends on the texts and not on their order in the input (sorting by
    input position made script clusters and counts change when the file was reordered)."""
    content = np.unique(_row_keys(sigs), return_inverse=True)[1].ravel()
    for band in range(b):
        keys = _row_keys(sigs[:, band * r : (band + 1) * r])
        band_rank = np.unique(keys, return_inverse=True)[1].ravel()
        order = np.lexsort((content, band_rank))
        yield keys[order], order


def similar_pairs(sigs: np.ndarray, threshold: float) -> np.ndarray:
    """Index pairs (i < j) whose estimated Jaccard is at least ``threshold``.

    Banded LSH: rows that share a whole band become candidates; sorting each band's hashes
    keeps it vectorised (no Python loop per text).
    """
    n, num_perm = sigs.shape
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    b, r = _bands(num_perm, threshold)
    cand: list[np.ndarray] = []
    for sk, order in _band_orders(sigs, b, r):
        same = np.flatnonzero(sk[1:] == sk[:-1])
        # Neighbours in sorted order that share the band key: linking each to the next is
        # enough for connected components.
        if same.size:
            cand.append(np.stack([order[same], order[same + 1]], axis=1))
    if not cand:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.unique(np.sort(np.vstack(cand), axis=1), axis=0)
    est = (sigs[pairs[:, 0]] == sigs[pairs[:, 1]]).mean(axis=1)
    return pairs[est >= threshold]


def cluster_scripts(
    texts: Sequence[str],
    threshold: float = 0.5,
    *,
    num_perm: int = 128,
    mode: str = "char",
    min_chars: int = 12,
    short_duplicates: bool = False,
) -> np.ndarray:
    """A cluster label per text: texts that play the same script share a label.

    Labels are numbered by first appearance. A text shorter than ``min_chars`` after
    normalisation is not compared by n-grams: a few characters share too few n-grams for
    their Jaccard to mean anything, and such a text between two scripts in an LSH bucket
    would link them. It gets its own cluster ("喂？" is no script: screen's batch evidence
    and script column rely on that), or, with ``short_duplicates`` (``cluster-scripts``,
    since 30 Nov), shares one with the texts that are the same after normalisation ("abc
    您好我是客服" and "abc您好我是客服！"; "喂" and "喂喂" stay apart). A text with nothing
    left after normalisation (empty, punctuation only) always stands alone.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(texts)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    sigs = script_signatures(texts, num_perm=num_perm, mode=mode)
    # Only texts long enough are compared (a short one between two in a bucket would
    # otherwise cut the link between them); short ones may join their exact duplicates.
    norm = [normalise(t) for t in texts]
    long_enough = np.flatnonzero([len(t) >= min_chars for t in norm])
    pairs = long_enough[similar_pairs(sigs[long_enough], threshold)]
    short: dict[str, list[int]] = {}
    for i, t in enumerate(norm):
        if short_duplicates and 0 < len(t) < min_chars:
            short.setdefault(t, []).append(i)
    same = [(a, b) for ids in short.values() for a, b in zip(ids, ids[1:], strict=False)]
    if same:
        pairs = np.vstack([pairs.reshape(-1, 2), np.array(same, dtype=np.int64)])
    g = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, comp = connected_components(g, directed=False)
    _, first = np.unique(comp, return_index=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(np.argsort(first))] = np.arange(len(first))
    return rank[comp]


def near_duplicate_counts(
    texts: Sequence[str], threshold: float = 0.7, *, num_perm: int = 128, min_chars: int = 30
) -> np.ndarray:
    """For each text, how many texts of the batch (itself included) play the same script.

    Unlike cluster sizes this does not chain (A like B, B like C, C unlike A): in each LSH
    bucket the members are checked against the bucket's first member, and a text's count is
    its largest confirmed bucket. Texts shorter than ``min_chars`` count 1.
    """
    n = len(texts)
    counts = np.ones(n, dtype=np.int64)
    # Only texts long enough are bucketed (the others count 1): a short text must not be
    # the bucket's first member, against which the others are checked.
    ok = np.flatnonzero([len(normalise(t)) >= min_chars for t in texts])
    if len(ok) < 2:
        return counts
    sigs = script_signatures([texts[i] for i in ok.tolist()], num_perm=num_perm)
    b, r = _bands(num_perm, threshold)
    for sk, order in _band_orders(sigs, b, r):
        starts = np.flatnonzero(np.r_[True, sk[1:] != sk[:-1]])
        bucket = np.cumsum(np.r_[True, sk[1:] != sk[:-1]]) - 1
        rep = order[starts][bucket]
        good = (sigs[order] == sigs[rep]).mean(axis=1) >= threshold
        sizes = np.add.reduceat(good.astype(np.int64), starts)
        mine = np.where(good, sizes[bucket], 1)
        np.maximum.at(counts, ok[order], mine)
    return counts


@dataclass(frozen=True, slots=True)
class ScriptMatch:
    script_id: str
    similarity: float  # containment of the query's n-grams in the known script
    category: str = ""


@dataclass
class ScriptLibrary:
    """Known campaign scripts (from analysts or earlier clusters) to match calls against.

    Scripts are indexed sentence by sentence in a MinHash LSH so that a call that plays only
    part of a script still finds it; the match is then confirmed on exact n-gram containment.
    """

    threshold: float = 0.4
    num_perm: int = 64
    _scripts: dict[str, tuple[set[str], str]] = field(default_factory=dict)
    _lsh: object | None = None
    _n: int = 0

    def add(self, script_id: str, text: str, category: str = "") -> None:
        from datasketch import MinHash, MinHashLSH

        if self._lsh is None:
            self._lsh = MinHashLSH(threshold=self.threshold, num_perm=self.num_perm)
        self._scripts[script_id] = (shingles(text), category)
        for sent in split_sentences(text):
            sh = shingles(sent)
            if len(sh) < 4:
                continue
            m = MinHash(num_perm=self.num_perm)
            m.update_batch([s.encode("utf-8") for s in sh])
            self._n += 1
            self._lsh.insert(f"{script_id}\x00{self._n}", m)  # type: ignore[attr-defined]

    def extend(self, items: Iterable[tuple[str, str, str]]) -> None:
        for script_id, text, category in items:
            self.add(script_id, text, category)

    def __len__(self) -> int:
        return len(self._scripts)

    def match(self, text: str, min_similarity: float = 0.5) -> ScriptMatch | None:
        """The known script that ``text`` best reproduces, if any reaches ``min_similarity``."""
        from datasketch import MinHash

        if self._lsh is None:
            return None
        query = shingles(text)
        if len(query) < 4:
            return None
        candidates: set[str] = set()
        for sent in split_sentences(text):
            sh = shingles(sent)
            if len(sh) < 4:
                continue
            m = MinHash(num_perm=self.num_perm)
            m.update_batch([s.encode("utf-8") for s in sh])
            candidates.update(k.split("\x00")[0] for k in self._lsh.query(m))  # type: ignore[attr-defined]
        # Candidates in id order, compared unrounded: among equally similar scripts the
        # smallest id wins (set order would differ from process to process).
        best: ScriptMatch | None = None
        best_sim = -1.0
        for sid in sorted(candidates):
            known, category = self._scripts[sid]
            sim = containment(query, known)
            if sim >= min_similarity and sim > best_sim:
                best, best_sim = ScriptMatch(sid, round(sim, 3), category), sim
        return best


_SENT = re.compile(r"(?<=[。！？!?；;\n])|(?<=[.] )")


def split_sentences(text: str) -> list[str]:
    return [s for s in (p.strip() for p in _SENT.split(text)) if s]
