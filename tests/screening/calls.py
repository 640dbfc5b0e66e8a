"""Screening calls for the judge's tests, built one way for ``judge`` and for ``callwarden screen``.

A call is the caller's opening words, then the assistant's questions, each with the caller's
reply, at times a :class:`Timing` lays out. :func:`transcript` gives the :class:`Transcript`,
:func:`record` the JSON-lines object ``screen`` reads, with the same turns; :func:`screen` and
:func:`screen_rows` run the command on records.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from callwarden.cli.main import app
from callwarden.screening.challenge import Challenge, ChallengeKind
from callwarden.screening.transcript import Speaker, Transcript, Turn

START = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 10:00 on Monday 30 Nov in Beijing

# The assistant's usual who-for and date questions.
WHO_ZH = Challenge(ChallengeKind.WHO_FOR, "您好，我是机主的来电助理，请问您找哪位？")
WHO_EN = Challenge(
    ChallengeKind.WHO_FOR, "Hello, this is a call assistant. Who are you calling for?"
)
DATE_ZH = Challenge(ChallengeKind.DATE, "请问今天是几号？")
DATE_EN = Challenge(ChallengeKind.DATE, "What is today's date?")

Pair = tuple[str, str]  # (the assistant's question, the caller's reply)
runner = CliRunner()


@dataclass(frozen=True)
class Timing:
    """Where the turns fall, in seconds from the call's start (before ``scale``).

    The defaults: the opening 0.3-1.3, the first question 2.0-5.0 and its reply 5.7-9.0, each
    next exchange 8 s later.
    """

    opening: tuple[float, float] = (0.3, 1.3)
    first: float = 2.0  # the first question starts
    question_s: float = 3.0  # each question lasts
    lags: tuple[float, ...] = (0.7,)  # a question's end to its reply, per exchange; last repeats
    reply_end: float = 7.0  # a reply ends, counted from its question's start
    step: float = 8.0  # one question's start to the next's


def turns(
    pairs: Sequence[Pair], *, opening: str = "Hello?", timing: Timing = Timing(), scale: float = 1.0
) -> tuple[Turn, ...]:
    """The opening, then each question and its reply, at ``timing``'s times times ``scale``."""
    a, b = timing.opening
    out = [Turn(Speaker.CALLER, opening, a * scale, b * scale)]
    t = timing.first
    for i, (question, reply) in enumerate(pairs):
        lag = timing.lags[min(i, len(timing.lags) - 1)]
        asked = t + timing.question_s
        out.append(Turn(Speaker.ASSISTANT, question, t * scale, asked * scale))
        out.append(
            Turn(Speaker.CALLER, reply, (asked + lag) * scale, (t + timing.reply_end) * scale)
        )
        t += timing.step
    return tuple(out)


def transcript(
    call_id: str,
    pairs: Sequence[Pair],
    *,
    opening: str = "Hello?",
    start: datetime | None = START,
    timing: Timing = Timing(),
    scale: float = 1.0,
) -> Transcript:
    """The call as ``judge`` takes it."""
    return Transcript(
        call_id, turns(pairs, opening=opening, timing=timing, scale=scale), start_time=start
    )


def record(
    call_id: str,
    pairs: Sequence[Pair],
    *,
    opening: str = "Hello?",
    start: datetime | None = START,
    caller_kind: str | None = None,
    timing: Timing = Timing(),
    scale: float = 1.0,
) -> dict[str, Any]:
    """The same call as one JSON-lines record; ``caller_kind`` ("bot", "human") is the truth
    field that ``screen`` ignores and the tests check verdicts against."""
    rec: dict[str, Any] = {"call_id": call_id}
    if caller_kind is not None:
        rec["caller_kind"] = caller_kind
    if start is not None:
        rec["start_time"] = start.isoformat()
    rec["turns"] = [
        {"speaker": str(t.speaker), "text": t.text, "start_s": t.start_s, "end_s": t.end_s}
        for t in turns(pairs, opening=opening, timing=timing, scale=scale)
    ]
    return rec


def screen(
    tmp_path: Path,
    records: Sequence[Any],
    *options: str,
    name: str = "t.jsonl",
    array: bool = False,
) -> Result:
    """``callwarden screen`` on ``records`` written to ``tmp_path/name``, one JSON object a
    line, or as one JSON array with ``array``."""
    if array:
        text = json.dumps(list(records), ensure_ascii=False)
    else:
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return runner.invoke(app, ["screen", "--transcripts", str(path), *options])


def screen_rows(
    tmp_path: Path, records: Sequence[dict[str, Any]], *options: str
) -> dict[str, dict[str, Any]]:
    """The rows ``screen --out`` writes, by call id (the test fails if screen does)."""
    out = tmp_path / "v.jsonl"
    res = screen(tmp_path, records, "--out", str(out), *options)
    assert res.exit_code == 0, res.output
    rows = map(json.loads, out.read_text(encoding="utf-8").splitlines())
    return {r["call_id"]: r for r in rows}
