"""`screen` on very long calls (session 23's audit: 8,000 turns a leg took 69 s): the judge
asked every question against every caller turn (barge-in, a reply talked through the
question) and joined and normalised all the caller's earlier text again at each challenge
(its own script repeated). Nothing here is timed: the work is counted (times read, characters
normalised) and must grow with the turns, not their square; and the quicker ways give what
the pairwise ones gave, on random turns (``screening.spans``)."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from typing import Any

import pytest

from callwarden.screening.judge import judge, screen_batch
from callwarden.screening.scripts import shingles
from callwarden.screening.transcript import Speaker, Transcript, Turn, transcript_from_dict
from callwarden.sim.screening import simulate_screening


def _long_call(turns_per_leg: int, *, tiny: bool = False) -> Transcript:
    """Simulated screened calls played one after another as one call (bench/screen_long.py),
    or the audit's 1 ms turns of "w" on both legs at once (``tiny``: no challenge)."""
    turns: list[dict[str, Any]] = []
    if tiny:
        for i in range(turns_per_leg):
            for who in ("assistant", "caller"):
                turns.append(
                    {"speaker": who, "text": "w", "start_s": i * 1e-3, "end_s": i * 1e-3 + 1e-3}
                )
        return transcript_from_dict({"call_id": "tiny", "turns": turns})
    counts = {"caller": 0, "other": 0}
    offset, first = 0.0, None
    for rec in simulate_screening(700, seed=7):
        first = first or rec
        end = offset
        for t in rec["turns"]:
            leg = "caller" if t["speaker"] == "caller" else "other"
            if counts[leg] < turns_per_leg:
                counts[leg] += 1
                turns.append({**t, "start_s": t["start_s"] + offset, "end_s": t["end_s"] + offset})
                end = max(end, t["end_s"] + offset)
        offset = end + 2.0
        if min(counts.values()) >= turns_per_leg:
            break
    assert first is not None and min(counts.values()) >= turns_per_leg
    return transcript_from_dict(
        {"call_id": "long", "start_time": first["start_time"], "turns": turns}
    )


class _CountedTurn:
    """A turn (duck-typed) that counts how often its times are read."""

    __slots__ = ("speaker", "text", "_start", "_end", "reads")

    def __init__(self, t: Turn, reads: list[int]) -> None:
        self.speaker, self.text, self._start, self._end, self.reads = (
            t.speaker, t.text, t.start_s, t.end_s, reads,
        )  # fmt: skip

    @property
    def start_s(self) -> float | None:
        self.reads[0] += 1
        return self._start

    @property
    def end_s(self) -> float | None:
        self.reads[0] += 1
        return self._end

    @property
    def duration_s(self) -> float | None:
        if self._start is None or self._end is None:
            return None
        return self._end - self._start


def _work(tr: Transcript, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int, Any]:
    """(turn times read, characters NFKC-normalised) judging ``tr``, and the result."""
    reads = [0]
    counted = Transcript(
        tr.call_id, tuple(_CountedTurn(t, reads) for t in tr.turns), start_time=tr.start_time
    )  # type: ignore[arg-type]
    chars = [0]
    normalize: Callable[[str, str], str] = unicodedata.normalize

    def counting(form: str, text: str) -> str:  # type: ignore[misc]
        chars[0] += len(text)
        return normalize(form, text)

    monkeypatch.setattr(unicodedata, "normalize", counting)
    res = judge(counted)
    monkeypatch.setattr(unicodedata, "normalize", normalize)
    return reads[0], chars[0], res


@pytest.mark.parametrize("tiny", [False, True])
def test_the_judges_work_grows_with_the_turns_not_their_square(
    monkeypatch: pytest.MonkeyPatch, tiny: bool
) -> None:
    small, big = _long_call(250, tiny=tiny), _long_call(1000, tiny=tiny)
    reads_s, chars_s, res_s = _work(small, monkeypatch)
    reads_b, chars_b, res_b = _work(big, monkeypatch)
    assert reads_s > 0 and reads_b > 0
    # 4 times the turns: about 4 times the work (n log n: a little more); the square is 16
    assert reads_b <= 6 * reads_s, (reads_s, reads_b)
    if not tiny:
        assert res_b.challenges > 900  # (a challenge a turn: the costly path is taken)
        assert 0 < chars_b <= 6 * chars_s, (chars_s, chars_b)
    # the counted turns are judged as the real ones
    assert res_b == judge(big) and res_s == judge(small)


def test_a_long_call_is_judged_whole() -> None:
    """A functional check on the long call: thousands of challenges, barge-in found, one
    result (no timing asserted)."""
    (res,) = screen_batch([_long_call(1500)])
    codes = {r.code.value for r in res.reasons}
    assert res.challenges > 1400 and {"barge_in", "repeats_own_script"} <= codes
    (tiny,) = screen_batch([_long_call(1500, tiny=True)])
    assert tiny.challenges == 0 and tiny.verdict.value == "unsure"


# -- the quicker ways give what the pairwise ones gave ----------------------------------


def _pairwise_overlap(turn: Turn, turns: tuple[Turn, ...]) -> float:
    from callwarden.screening.spans import overlap

    return sum(overlap(turn, c) for c in turns if c.speaker is Speaker.CALLER)


def _random_turns(rng: random.Random, n: int) -> tuple[Turn, ...]:
    grid = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.25, 5.0, 7.1, 0.1, 0.2, 0.3]
    out = []
    for _ in range(n):
        who = rng.choice([Speaker.CALLER, Speaker.CALLER, Speaker.ASSISTANT, Speaker.CALLEE])
        kind = rng.random()
        if kind < 0.1:
            start, end = None, None
        elif kind < 0.15:
            start, end = rng.choice(grid), None
        elif kind < 0.2:
            start, end = rng.choice(grid), rng.choice(grid)  # (end before start, or equal)
        elif kind < 0.25:
            start, end = rng.choice([-1e308, 0.0]), rng.choice([1e308, float("inf")])
        else:
            start = rng.choice(grid) if rng.random() < 0.5 else round(rng.uniform(0, 8), 3)
            end = start + rng.choice([0.0, 0.1, 0.2, 0.7, 1.3, 3.0, rng.uniform(0, 4)])
        out.append(Turn(who, "", start, end))
    if rng.random() < 0.5:  # (transcripts from files are sorted by start; the API's need not be)
        out.sort(key=lambda t: t.start_s if t.start_s is not None else 0.0)
    return tuple(out)


def test_caller_spans_answer_as_the_pairwise_sums() -> None:
    from callwarden.screening.spans import CallerSpans

    rng = random.Random(5)
    for _ in range(400):
        turns = _random_turns(rng, rng.randint(0, 40))
        spans = CallerSpans(turns)
        for i, turn in enumerate(turns):
            got, want = spans.overlap_s(turn), _pairwise_overlap(turn, turns)
            assert repr(got) == repr(want), (turn, turns)  # the same float, int or not
            if turn.end_s is not None:
                assert spans.ran_past(i, turn.end_s) == [
                    t
                    for t in turns[:i]
                    if t.speaker is Speaker.CALLER and t.end_s is not None and t.end_s > turn.end_s
                ]


def test_caller_spans_with_nan_times_fall_back_to_the_pairwise_way() -> None:
    from callwarden.screening.spans import CallerSpans

    nan = float("nan")
    turns = (
        Turn(Speaker.ASSISTANT, "q", 0.0, 4.0),
        Turn(Speaker.CALLER, "a", 1.0, nan),
        Turn(Speaker.CALLER, "b", 2.0, 3.0),
    )
    spans = CallerSpans(turns)
    assert spans.overlap_s(turns[0]) == _pairwise_overlap(turns[0], turns)


_PIECES = [
    "您好", "我是", "客服", "12", "3", "４５", "，", "。", "abc", "Hello", "world",
    "x1", "9y", "!!", " ", "", "ß", "ＡＢ", "é", "e\u0301", "\u0301", "ﬁ", "Ⅻ", "①",
    "零一", "٣", "_", "a_b", "——", "K", "İ",
]  # fmt: skip


def test_earlier_shingles_are_those_of_the_joined_text() -> None:
    """Digit runs that meet across turns, punctuation-only turns, combining marks, full-width
    and compatibility forms, a share of Chinese that crosses one third (3-grams or 5-grams),
    texts of five characters or fewer."""
    from callwarden.screening.spans import EarlierShingles

    rng = random.Random(3)
    for _ in range(300):
        texts = [
            "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 4)))
            for _ in range(rng.randint(0, 12))
        ]
        turns = tuple(
            Turn(Speaker.CALLER if rng.random() < 0.7 else Speaker.ASSISTANT, t) for t in texts
        )
        # (a text judge() would see: simplified_transcript has run; ＡＢ is full-width)
        turns = tuple(t for t in turns if "Ａ" not in t.text and "４" not in t.text)
        earlier = EarlierShingles(turns)
        for i in range(len(turns) + 1):
            if rng.random() < 0.4:
                continue
            joined = " ".join(t.text for t in turns[:i] if t.speaker is Speaker.CALLER)
            assert earlier.before(i) == shingles(joined), (texts, i)


def test_earlier_shingles_of_full_width_text_are_computed_the_pairwise_way() -> None:
    from callwarden.screening.spans import EarlierShingles

    turns = (Turn(Speaker.CALLER, "ＡＢ１２"), Turn(Speaker.CALLER, "３４ cd"))
    earlier = EarlierShingles(turns)
    assert earlier.before(2) == shingles("ＡＢ１２ ３４ cd")
    assert earlier.exact is False
