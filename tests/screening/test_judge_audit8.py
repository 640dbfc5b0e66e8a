"""The screening judge after audit 8 (of 0f8a36c): a month end followed by a deal's clause.

0f8a36c counted the month's last day only as the whole answer, but judged "whole" after the
clauses holding a deal's words were dropped, so "本月最后一天，全场五折。" read as the month end
said alone and right: a bot judged human -4.0 (unsure on 6a25e8c and 0fea994). People's own
month ends, with a question or a hedge after them, still read.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app
from callwarden.screening.challenge import AnswerFit, Challenge, ChallengeKind, score_reply

TODAY = date(2026, 11, 30)
DATE_ZH = Challenge(ChallengeKind.DATE, "请问今天是几号？")
DATE_EN = Challenge(ChallengeKind.DATE, "What is today's date?")


def _fit(reply: str) -> AnswerFit:
    return score_reply(DATE_EN if reply.isascii() else DATE_ZH, reply, TODAY)[0]


@pytest.mark.parametrize(
    "reply",
    [
        "本月最后一天，全场五折。",
        "这个月最后一天，全场五折。",
        "十一月最后一天，特价秒杀。",
        "本月最后一天，限时特惠。",
        "本月最后一天。促销今天结束。",
        "The last day of November, 50% off deals.",
        "Last day of the month! Big deals today.",
    ],
)
def test_a_month_end_before_a_deal_is_no_answer(reply: str) -> None:
    assert _fit(reply) not in (AnswerFit.CORRECT, AnswerFit.PARTIAL)


@pytest.mark.parametrize(
    "reply",
    [
        "本月最后一天，怎么了？",
        "The last day of November, why?",
        "今天是十一月最后一天吧",
        "The last day of November.",
    ],
)
def test_a_persons_month_end_still_reads(reply: str) -> None:
    assert _fit(reply) is AnswerFit.CORRECT


def test_a_persons_date_before_their_bill_still_reads() -> None:
    # (0f8a36c's clause rule for a day, unchanged: the bill's clause is dropped, the day read)
    assert _fit("The 30th. I got a text saying my bill is overdue.") is AnswerFit.CORRECT


def _turn(speaker: str, text: str, start: float) -> dict:
    return {"speaker": speaker, "text": text, "start_s": start, "end_s": start + 3.0}


def test_the_audits_bot_call_is_not_human(tmp_path: Path) -> None:
    replies = [
        "喂，您好。",
        "王先生，我是平安普惠的。",
        "本月最后一天，全场五折。",
        "请稍等，马上为您转接。",
    ]
    prompts = [
        "您好，我是机主的来电助理，请问您找哪位？",
        "请问今天是几号？",
        "为确认您不是自动外呼，请跟我读这个数字：四七一九。",
    ]
    turns = [_turn("caller", replies[0], 0.3)]
    t = 2.0
    for q, a in zip(prompts, replies[1:], strict=True):
        turns += [_turn("assistant", q, t), _turn("caller", a, t + 3.7)]
        t += 8.0
    call = {"call_id": "b12", "start_time": "2026-11-30T10:00:00+08:00", "turns": turns}
    src, out = tmp_path / "calls.jsonl", tmp_path / "v.jsonl"
    src.write_text(json.dumps(call, ensure_ascii=False) + "\n", encoding="utf-8")
    r = CliRunner().invoke(
        app, ["screen", "--transcripts", str(src), "--out", str(out), "--no-batch-scripts"]
    )
    assert r.exit_code == 0, r.output
    row = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert row["verdict"] != "human", row
