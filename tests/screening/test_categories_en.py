"""English cues of the call-content categoriser (session 23): inflections, English negation,
each fraud kind's English cover and act, legitimate services that stay legitimate.

Every case below was named wrong before these cues (checked on the start commit 1effe57),
but the guards of the new rules' limits (``test_english_requests_that_are_not_requests``);
the lines are written for these tests, not taken from the bench's sets."""

import importlib.util
import sys
from pathlib import Path

import pytest

from callwarden.screening.categories import Category, _found, categorise

ROOT = Path(__file__).resolve().parents[2]


def test_english_words_are_found_in_their_regular_inflections() -> None:
    """-s/-es/-ed/-ing, a silent e dropped or given a d, y to ies, a doubled consonant."""
    assert _found("arrest", "you will be arrested today")
    assert _found("arrest", "they are arresting people")
    assert _found("wire", "i wired it") and _found("wire", "wiring the money")
    assert _found("transfer", "we transferred it") and _found("policy", "two policies")
    assert _found("gift card", "five gift cards") and _found("fee", "the port fees")
    # still whole words, and no ending that makes another word
    assert not _found("warrant", "your car warranty") and not _found("fee", "feed the cat")
    assert not _found("pin", "spinning")


def test_an_inflected_cue_decides() -> None:
    got = categorise(
        "Officer Clark, police department. Your son has been arrested; to release him you "
        "must transfer the bail money today."
    )
    assert got.category is Category.FRAUD_IMPERSONATION_POLICE, got


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # an unpunctuated call: "don't" covers the words after it, not the request later on
        (
            "this is officer james from the sheriff's office don't hang up you have two "
            "warrants and you need to wire the bond money today",
            Category.FRAUD_IMPERSONATION_POLICE,
        ),
        # "no" negates its noun phrase: a fee-free promise is no advance-fee fraud
        (
            "There is no upfront fee: our debt relief program lowers what you owe, and you "
            "only pay when your debt is settled.",
            Category.LOANS,
        ),
    ],
)
def test_english_negation_covers_what_follows_it(text: str, category: Category) -> None:
    got = categorise(text)
    assert got.category is category, got


def test_a_negation_without_its_apostrophe_is_a_negation() -> None:
    got = categorise(
        "this is a reminder from your bank we wont ever ask for your pin or password over the "
        "phone if you get a call like that hang up"
    )
    assert not got.is_fraud, got


@pytest.mark.parametrize(
    ("text", "category"),
    [
        (
            "This is Officer Daniels of the police department. Your name is in a money "
            "laundering case; transfer your savings to a safe account today.",
            Category.FRAUD_IMPERSONATION_POLICE,
        ),
        (
            "This is Microsoft technical support, your computer has a virus. Read me the "
            "six-digit code on your screen so I can connect to your computer.",
            Category.FRAUD_CUSTOMER_SERVICE,
        ),
        (
            "Your loan is approved even with bad credit; to release the funds pay the "
            "insurance fee of three hundred dollars with a prepaid card.",
            Category.FRAUD_LOAN,
        ),
        (
            "Hi Mum, it's me, this is my new number. I need to pay a bill today, can you send "
            "me six hundred on Zelle? I'll pay you back tomorrow.",
            Category.FRAUD_ACQUAINTANCE,
        ),
        (
            "Our crypto trading platform doubles your money in a month; just deposit a thousand "
            "dollars into the wallet address I send you.",
            Category.FRAUD_INVESTMENT,
        ),
        (
            "Congratulations, you are the winner of our grand prize, a cruise for two! To claim "
            "it, pay the port fees of two hundred dollars.",
            Category.FRAUD_PRIZE,
        ),
        (
            "We have your daughter. Send ten thousand dollars by Western Union and don't call "
            "the police, or you will never see her again.",
            Category.FRAUD_EXTORTION,
        ),
        (
            "This is your electricity company. Your power will be cut off in thirty minutes "
            "unless you pay the overdue bill with a prepaid card.",
            Category.FRAUD_OTHER,
        ),
        # a gift card is how every kind is paid: it names no kind (here no cover does)
        (
            "This is the water department. Your service will be shut off today unless you pay "
            "with a gift card.",
            Category.FRAUD_OTHER,
        ),
        # anyone may ask for a social security number: an act, not the police's cue
        (
            "Hi, can you hear me? We're updating records and need your date of birth and social "
            "security number.",
            Category.FRAUD_OTHER,
        ),
        # a robocall's "press one" moves the callee to its agent, beside a strong cover story
        (
            "This is Amazon. Your Prime membership will renew today for one hundred thirty nine "
            "dollars. To cancel, press one now.",
            Category.FRAUD_CUSTOMER_SERVICE,
        ),
    ],
)
def test_each_fraud_kind_in_english(text: str, category: Category) -> None:
    got = categorise(text)
    assert got.category is category, got


@pytest.mark.parametrize(
    ("text", "category"),
    [
        (
            "This is DHL, your shipment will be delivered tomorrow between nine and noon.",
            Category.COURIER,
        ),  # fmt: skip
        (
            "This is Wells Fargo with a fraud alert: did you attempt a purchase of eighty nine "
            "dollars at Target? Reply yes or no.",
            Category.BANK_SERVICE,
        ),
        (
            "Hello, this is the fraud department at Chase. If you made this purchase press one. "
            "We will never ask for your PIN or password.",
            Category.BANK_SERVICE,
        ),
        (
            "Hi, this is Lloyds. Please don't share the code we send you by text with anyone, "
            "not even us.",
            Category.BANK_SERVICE,
        ),
        # marketing topics that had no English words
        (
            "hey this is mike we buy houses for cash would you take a cash offer on your place",
            Category.REAL_ESTATE,
        ),  # fmt: skip
        (
            "We're calling about your credit card debt; our debt consolidation program can "
            "lower your monthly payment.",
            Category.LOANS,
        ),
        # the callee's own clinic is a notice, not marketing
        (
            "Hi, this is Riverside Dental confirming your cleaning on Thursday at two.",
            Category.UNKNOWN,
        ),  # fmt: skip
    ],
)
def test_legitimate_and_marketing_in_english(text: str, category: Category) -> None:
    got = categorise(text)
    assert got.category is category, got


@pytest.mark.parametrize(
    "text",
    [
        # the money-request rule's limits: an option offered, the caller paying
        "Your balance is eighty five dollars; you can pay the eighty five dollars online.",
        "If you're interested in selling your house, we pay cash and cover closing costs.",
        # a warning whose negation reaches past six words in a punctuated text
        "Please remember we will never call you to ask for your full card number or a passcode.",
    ],
)
def test_english_requests_that_are_not_requests(text: str) -> None:
    assert not categorise(text).is_fraud, categorise(text)


def _bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "bench_categories_en", ROOT / "bench" / "categories.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_english_dev_set() -> None:
    """The set the cues were written from (so the figures are optimistic: the report set's,
    in docs/screening.md, are the ones to quote). Measured 0.964 right, 0.980 fraud named
    fraud, no fraud named a legitimate service; before: 0.385, 0.281, 0.042."""
    bench = _bench()
    rows = bench.read_en(ROOT / "bench" / "data" / "categories_en_dev.csv")
    f = bench.figures_en([(k, categorise(t).category.value) for _, k, t in rows])
    assert f["right"][1] >= 0.93, f
    assert f["fraud named as a fraud kind"][1] >= 0.95, f
    assert f["fraud named a legitimate service"][1] == 0.0, f
    assert f["legitimate service named fraud"][1] <= 0.05, f
    assert f["unknown named fraud"][1] <= 0.05, f


def test_english_figures() -> None:
    bench = _bench()
    f = bench.figures_en(
        [("courier", "courier"), ("prize_fraud", "loan_fraud"), ("unknown", "other_fraud")]
    )
    assert f["right"] == (3, 1 / 3)
    assert f["fraud named as a fraud kind"] == (1, 1.0)
    assert f["fraud kind named right"] == (1, 0.0)
    assert f["unknown named fraud"] == (1, 1.0)
    assert f["per category"]["courier"] == (1, 1.0)
