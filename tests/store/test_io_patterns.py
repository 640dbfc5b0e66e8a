"""List patterns read like numbers, and verdict scores kept within the API's bounds."""

from __future__ import annotations

from pathlib import Path

import pytest

from callwarden.errors import InputError
from callwarden.policy import Action, Call, PatternSet, Protection, SubscriberPolicy, decide
from callwarden.store.io import e164, pattern, read_verdicts_csv

SHENZHEN = "+8675512345678"
SPAM = "+8617012345678"
TOLL_FREE = "+864001234567"
NUMBERS = (SHENZHEN, SPAM, TOLL_FREE, "+8613800138000")


@pytest.mark.parametrize(
    ("raw", "stored", "matches"),
    [
        ("+86 0755*", "+86755*", SHENZHEN),  # stray trunk 0, as in the number itself
        ("0086 0755*", "+86755*", SHENZHEN),
        ("0755*", "+86755*", SHENZHEN),
        ("(0755)*", "+86755*", SHENZHEN),
        ("１７０*", "+86170*", SPAM),  # full-width, as a subscriber's phone keyboard sends
        ("１７０＊", "+86170*", SPAM),
        ("+86١٧٠*", "+86170*", SPAM),
        ("17٠-*", "+86170*", SPAM),
        ("４００*", "+86400*", TOLL_FREE),
        ("+86４００*", "+86400*", TOLL_FREE),
        ("400*", "+86400*", TOLL_FREE),
        ("+86²²²²*", "+862222*", None),  # superscripts read as digits, like numbers
        ("138٠٠١٣٨٠٠٠", "+8613800138000", "+8613800138000"),  # exact, mixed scripts
    ],
)
def test_pattern_is_normalised_like_numbers(raw: str, stored: str, matches: str | None) -> None:
    p = pattern(raw)
    assert p == stored and p.isascii()
    hits = [n for n in NUMBERS if PatternSet.of([p]).match_length(n)]
    assert hits == ([matches] if matches else [])


def test_a_spelled_number_is_matched_by_a_spelled_prefix() -> None:
    """The audit's case: both sides written with a trunk 0 after +86."""
    number = e164("+86 0755 1234 5678")
    assert PatternSet.of([pattern("+86 0755*")]).match_length(number) == len("+86755")


def test_a_full_width_personal_block_fires() -> None:
    policy = SubscriberPolicy(
        "+8613800138000", Protection.STANDARD, block=PatternSet.of([pattern("１７０*")])
    )
    d = decide(Call(SPAM, "+8613800138000"), None, policy)
    assert d.action is Action.REJECT and d.reasons[0].code == "personal_block"


@pytest.mark.parametrize(
    "raw",
    ["*", "+*", "abc*", "+86*", "+86 0*", "0*", "1*", "+0086*", "1234567890123456*", "4OO*"],
)
def test_bad_prefixes_are_input_errors(raw: str) -> None:
    with pytest.raises(InputError, match="is not a number prefix: 4 to 15 digits"):
        pattern(raw)


# --- verdict scores ----------------------------------------------------------------------


@pytest.mark.parametrize("score", ["nan", "NaN", "inf", "-inf", "Infinity", "1.5", "-0.1", "1e3"])
def test_out_of_range_scores_name_the_line(tmp_path: Path, score: str) -> None:
    p = tmp_path / "v.csv"
    p.write_text(
        f"number,label,score\n{SPAM},fraud,0.97\n+8617012345679,fraud,{score}\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match=f"line 3: score '{score}' is not a number from 0 to 1"):
        read_verdicts_csv(p)


def test_scores_at_the_bounds_are_kept(tmp_path: Path) -> None:
    p = tmp_path / "v.csv"
    p.write_text(f"number,label,score\n{SPAM},fraud,1\n+8617012345679,benign,0.0\n")
    assert [v.score for v in read_verdicts_csv(p)] == [1.0, 0.0]
