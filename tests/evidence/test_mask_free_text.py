"""Numbers in a case file's free text are masked as people write them (security audit,
30 Nov): next to Chinese text, with spaces or dashes, with 00 for +; ids, hashes, dates and
decimals are left alone."""

import pytest

from callwarden.evidence.assemble import mask_text

OWN = "+862820327160"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("已致电13812345678核实", "已致电138****5678核实"),
        ("我的手机号码13812345678请回电", "我的手机号码138****5678请回电"),
        ("13812345678号", "138****5678号"),
        ("my number:13812345678.", "my number:138****5678."),
        ("或 138 1234 5678，", "或 138****5678，"),
        ("138-1234-5678", "138****5678"),
        ("+86 138 1234 5678", "+86138****5678"),
        ("0086-138-1234-5678", "+86138****5678"),
        ("(028) 8765-4321 办公室", "028****4321 办公室"),
        # glued to a word (second audit: masked before be6a4b3, not by it)
        ("Tel+8613812345678", "Tel+86138****5678"),
        ("Mobile+86 13812345678", "Mobile+86138****5678"),
        ("TEL13812345678", "TEL138****5678"),
        ("(+86)13812345678", "+86138****5678"),
        ("138.1234.5678", "138****5678"),
        ("138 - 1234 - 5678", "138****5678"),
        ("+1 202-555-0100", "+1202*****00"),
    ],
)
def test_numbers_in_free_text_are_masked(text: str, expected: str) -> None:
    assert mask_text(text, frozenset({OWN})) == expected


@pytest.mark.parametrize(
    "text",
    [
        "scan day 2026-11-30, at 2026-11-30T03:04:05Z",
        "score 0.12345678 and 12345678.5",
        "import imp_20261130123456, sha e3b0c44298fc1c1492345678b",
        "held 15899 of 1,109",
        # dates, times, tickets, counts and file names next to each other (second audit:
        # be6a4b3 joined them into one number and masked them)
        "本号码于2026-11-02 09:30 起被冒用。工单号 20261102-0042，另见 scan-20261102.csv",
        "2026-11-30 10:15 回电 … 共 2000 3000 次呼叫",
        "2026-11-02 15 calls, ts 20261130123456",
        "call c0000000123456, hash a13812345678f",
        # the case's own number, written nationally or internationally
        "本机 028-2032-7160 与 +862820327160",
    ],
)
def test_ids_dates_decimals_and_the_cases_own_number_stay(text: str) -> None:
    assert mask_text(text, frozenset({OWN})) == text
