"""The screening judge after audit 8 (of 0f8a36c): a month end followed by a deal's clause.

0f8a36c counted the month's last day only as the whole answer, but judged "whole" after the
clauses holding a deal's words were dropped, so "本月最后一天，全场五折。" read as the month end
said alone and right: a bot judged human -4.0 (unsure on 6a25e8c and 0fea994). People's own
month ends, with a question or a hedge after them, still read.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from callwarden.screening.challenge import AnswerFit, score_reply
from tests.screening.calls import DATE_EN, DATE_ZH, WHO_ZH, Timing, record, screen_rows

TODAY = date(2026, 11, 30)


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


# The audit's record: every turn 3 s long, so the opening runs into the first question.
EVERY_TURN_3S = Timing(opening=(0.3, 3.3), reply_end=6.7)


def test_the_audits_bot_call_is_not_human(tmp_path: Path) -> None:
    pairs = [
        (WHO_ZH.prompt, "王先生，我是平安普惠的。"),
        (DATE_ZH.prompt, "本月最后一天，全场五折。"),
        ("为确认您不是自动外呼，请跟我读这个数字：四七一九。", "请稍等，马上为您转接。"),
    ]
    start = datetime(2026, 11, 30, 10, 0, tzinfo=timezone(timedelta(hours=8)))
    call = record("b12", pairs, opening="喂，您好。", start=start, timing=EVERY_TURN_3S)
    row = screen_rows(tmp_path, [call], "--no-batch-scripts")["b12"]
    assert row["verdict"] != "human", row
