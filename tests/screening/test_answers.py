from datetime import date

import pytest

from callwarden.screening.answers import digit_string, names_someone, read_date, to_digits


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("三七五九", "3759"),
        ("零三七五九", "03759"),
        ("幺三零七", "1307"),
        ("3 7 5 9", "3759"),
        ("three seven five nine", "3759"),
        ("三千七百五十九", "3759"),
        ("５２０", "520"),
    ],
)
def test_digit_string_reads_spoken_numbers(text: str, digits: str) -> None:
    assert digit_string(text) == digits


def test_single_yi_is_a_word_not_a_number() -> None:
    assert to_digits("等一下") == "等一下"


@pytest.mark.parametrize(
    ("text", "day", "month"),
    [
        ("今天是十一月二十八号", 28, 11),
        ("呃，二十八号吧", 28, None),
        ("11月28日", 28, 11),
        ("November 28", 28, 11),
        ("It's the 28th.", 28, None),
        ("2026-11-28", 28, 11),
    ],
)
def test_read_date(text: str, day: int, month: int | None) -> None:
    ans = read_date(text)
    assert (ans.day, ans.month) == (day, month)
    assert ans.matches(date(2026, 11, 28))


def test_date_off_by_days_does_not_match_but_one_day_is_forgiven() -> None:
    today = date(2026, 11, 28)
    assert read_date("二十七号").matches(today)  # near midnight people say yesterday's date
    assert not read_date("二十五号").matches(today)
    assert read_date("星期六吧").weekday == 5
    assert read_date("星期六吧").matches(today)  # 2026-11-28 is a Saturday


def test_no_date_in_a_pitch() -> None:
    assert not read_date("我们现在有名师一对一的免费试听课").said_anything


@pytest.mark.parametrize(
    "text",
    [
        "找王女士。",
        "我找张伟，他在吗？",
        "呃，李娜。",
        "找机主本人。",
        "是张伟吗",
        "I'm looking for John.",
        "Is this Mary?",
        "Mary, please.",
    ],
)
def test_names_someone(text: str) -> None:
    assert names_someone(text)


@pytest.mark.parametrize(
    "text",
    [
        "您好先生，这里是平安保险",
        "家长您好，我这边是教育的课程顾问",
        "您好，这里是金鼎口腔医院",
        "稍后老师会跟您联系",
        "This is Apex calling",
        "好的呢，那您看什么时候方便呢？",
    ],
)
def test_pitches_name_nobody(text: str) -> None:
    assert not names_someone(text)


@pytest.mark.parametrize(
    ("text", "day", "month"),
    [
        ("今天是十二月一号。", 1, 12),
        ("一号。", 1, None),
        ("十二月一日", 1, 12),
        ("一月一号", 1, 1),
        ("二月二号", 2, 2),
        ("二号吧", 2, None),
        ("十一号", 11, None),
        ("二十一号", 21, None),
    ],
)
def test_the_first_and_second_read_as_days(text: str, day: int, month: int | None) -> None:
    # A lone 一/二 is a word to to_digits ("等一下"), so "十二月一号" read as no day at all and
    # a person answering on 1 Dec was judged to ignore the question (session 23).
    ans = read_date(text)
    assert (ans.day, ans.month) == (day, month)


@pytest.mark.parametrize("text", ["一号线到了", "二号楼门口", "一日游报名", "等一下"])
def test_lines_buildings_and_spans_are_no_day(text: str) -> None:
    assert read_date(text).day is None


def test_a_person_answering_the_first_is_not_ignoring_the_question() -> None:
    from callwarden.screening.challenge import AnswerFit, score_reply
    from tests.screening.calls import DATE_ZH

    fit, _ = score_reply(DATE_ZH, "今天是十二月一号。", date(2026, 12, 1))
    assert fit is AnswerFit.CORRECT
    fit, _ = score_reply(DATE_ZH, "一号。", date(2026, 12, 1))
    assert fit is AnswerFit.CORRECT
