"""What the judge asks of a call's caller turns at every challenge, in time linear or
n log n in the turns (issue 5: 8,000 turns a leg took 69 s, every question against every
caller turn).

- :class:`CallerSpans`: how long caller speech overlaps a turn (barge-in), and which earlier
  caller turns run on past a time (talked through the question). Interval queries on a max
  tree (each answer costs its own size times log n); the overlaps are summed in turn order,
  as the pairwise sum did, so every figure is the same float.
- :class:`EarlierShingles`: the n-grams of all caller text before a turn (a reply that
  repeats the caller's own script), built as the turns go by instead of joining and
  normalising the whole earlier text again at each challenge.

A call whose times hold NaN (only through the API: files refuse it), or whose caller text
still holds full-width or Traditional characters after :func:`simplified_transcript`, is
answered by the pairwise code: NaN compares unlike any order, and such text normalises
differently joined than turn by turn.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence

from callwarden.screening.normalise import to_simplified
from callwarden.screening.scripts import _CJK, _DIGITS, _PUNCT, shingles
from callwarden.screening.transcript import Speaker, Turn

_NEG = -math.inf


def overlap(a: Turn, b: Turn) -> float:
    """Seconds two turns overlap; 0 when either lacks a time."""
    if None in (a.start_s, a.end_s, b.start_s, b.end_s):
        return 0.0
    return max(0.0, min(a.end_s, b.end_s) - max(a.start_s, b.start_s))  # type: ignore[type-var,operator]


class _MaxTree:
    """Values in a fixed order; lists the positions below ``hi`` whose value is above a
    threshold, in order, visiting only subtrees that hold one (cost: answers x log n)."""

    def __init__(self, values: Sequence[float]) -> None:
        self.n = len(values)
        size = 1
        while size < max(1, self.n):
            size *= 2
        self.size = size
        tree = [_NEG] * (2 * size)
        tree[size : size + self.n] = values
        for v in range(size - 1, 0, -1):
            left, right = tree[2 * v], tree[2 * v + 1]
            tree[v] = left if left >= right else right
        self.tree = tree

    def above(self, hi: int, threshold: float) -> list[int]:
        out: list[int] = []
        if hi <= 0 or self.tree[1] <= threshold:
            return out
        tree, size = self.tree, self.size
        stack = [(1, 0, size)]  # (node, first position, width)
        while stack:
            v, lo, width = stack.pop()
            if lo >= hi or tree[v] <= threshold:
                continue
            if width == 1:
                out.append(lo)
                continue
            half = width // 2
            stack.append((2 * v + 1, lo + half, half))  # right popped after left: in order
            stack.append((2 * v, lo, half))
        return out


def _has_nan(turns: Sequence[Turn]) -> bool:
    return any(x is not None and math.isnan(x) for t in turns for x in (t.start_s, t.end_s))


class CallerSpans:
    """The caller turns of ``turns`` (a call's turns in their order) for interval questions."""

    def __init__(self, turns: Sequence[Turn]) -> None:
        self.turns = turns
        self.built = False  # (built at the first question: most calls ask few)

    def _build(self) -> None:
        self.built = True
        turns = self.turns
        self.pairwise = _has_nan(turns)
        self.caller_at = [i for i, t in enumerate(turns) if t.speaker is Speaker.CALLER]
        if self.pairwise:
            return
        # Caller turns by position, each its end (unknown: never past anything).
        ends = [turns[i].end_s for i in self.caller_at]
        self.by_position = _MaxTree([_NEG if e is None else e for e in ends])
        # Caller turns that can overlap anything (both times, end after start), by start.
        spans = sorted(
            (t.start_s, i)
            for i in self.caller_at
            if (t := turns[i]).start_s is not None and t.end_s is not None and t.end_s > t.start_s
        )
        self.starts = [s for s, _ in spans]
        self.start_order = [i for _, i in spans]
        self.by_start = _MaxTree([turns[i].end_s or 0.0 for i in self.start_order])

    def overlap_s(self, turn: Turn) -> float:
        """``sum(overlap(turn, c) for c in caller turns)``, the same float: the turns that
        overlap (start before ``turn`` ends, end after it starts) summed in turn order."""
        if not self.built:
            self._build()
        if self.pairwise:
            return sum(overlap(turn, self.turns[i]) for i in self.caller_at)
        if turn.start_s is None or turn.end_s is None or not turn.end_s > turn.start_s:
            hits: list[int] = []
        else:
            hi = bisect_left(self.starts, turn.end_s)
            hits = sorted(self.start_order[k] for k in self.by_start.above(hi, turn.start_s))
        total = sum(overlap(turn, self.turns[i]) for i in hits)
        # The pairwise sum added a float 0.0 for each other caller turn (int times, API only).
        if len(hits) < len(self.caller_at) and isinstance(total, int):
            return float(total)
        return total

    def ran_past(self, before: int, end_s: float) -> list[Turn]:
        """The caller turns before position ``before`` that end after ``end_s``, in order."""
        if not self.built:
            self._build()
        if self.pairwise:
            return [
                t
                for t in self.turns[:before]
                if t.speaker is Speaker.CALLER and t.end_s is not None and t.end_s > end_s
            ]
        k = bisect_left(self.caller_at, before)
        return [self.turns[self.caller_at[j]] for j in self.by_position.above(k, end_s)]


def _piece(text: str) -> str:
    """``scripts.normalise`` of one turn's text, digit runs not yet folded."""
    import unicodedata

    return _PUNCT.sub("", unicodedata.normalize("NFKC", text).casefold())


class EarlierShingles:
    """``shingles(" ".join(caller texts before position i))`` for rising ``i``.

    ``normalise`` reads a text one character at a time except for digit runs, which fold to
    one 0 across the space that joins two turns; the space itself goes (punctuation). So the
    joined text's normal form grows turn by turn, and with it both its 3-grams and its 5-grams
    (which one ``shingles`` uses depends on the share of Chinese characters so far)."""

    def __init__(self, turns: Sequence[Turn]) -> None:
        self.turns = turns
        self.next = 0
        self.callers: list[str] = []  # (the pairwise way)
        self.exact: bool | None = None  # (decided at the first question)
        self.head = ""  # the normal form while it is 5 characters or fewer
        self.length = 0
        self.cjk = 0
        self.tail = ""  # its last 4 characters
        self.grams: dict[int, set[str]] = {3: set(), 5: set()}

    def _add(self, text: str) -> None:
        piece = _DIGITS.sub("0", _piece(text))
        if self.tail.endswith("0") and piece.startswith("0"):
            piece = piece[1:]  # one digit run across the two turns
        if not piece:
            return
        window = self.tail + piece
        for n, grams in self.grams.items():
            w = window[-(len(piece) + n - 1) :]
            grams.update(w[j : j + n] for j in range(len(w) - n + 1))
        self.length += len(piece)
        self.cjk += len(_CJK.findall(piece))
        if len(self.head) <= 5:
            self.head = (self.head + piece)[:6]
        self.tail = window[-4:]

    def before(self, i: int) -> set[str]:
        """The shingles of the caller text of ``turns[:i]`` (``i`` never less than before)."""
        if self.exact is None:
            self.exact = not any(
                to_simplified(t.text) is not t.text
                for t in self.turns
                if t.speaker is Speaker.CALLER
            )
        for t in self.turns[self.next : i]:
            if t.speaker is Speaker.CALLER:
                if self.exact:
                    self._add(t.text)
                else:
                    self.callers.append(t.text)
        self.next = max(self.next, i)
        if not self.exact:
            return shingles(" ".join(self.callers))
        n = 3 if self.cjk * 3 >= self.length else 5
        if self.length <= n:
            return {self.head} if self.head else set()
        return self.grams[n]
