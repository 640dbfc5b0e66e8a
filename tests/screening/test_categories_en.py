"""English cues of the call-content categoriser (session 23): inflections, English negation,
each fraud kind's English cover and act, legitimate services that stay legitimate.

Every case below was named wrong before these cues (checked on the start commit 1effe57),
but the guards of the new rules' limits (``test_english_requests_that_are_not_requests``);
the lines are written for these tests, not taken from the bench's sets."""

import importlib.util
import re
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
    """The set the cues were written from (so the figures are optimistic: the blind report
    sets', in docs/screening.md, are the ones to quote). Round 1 measured 0.964 right, 0.980
    fraud named fraud, no fraud named a legitimate service (224 lines); round 2, 264 lines,
    0.996 right, no legitimate service named fraud (on bf1ee97: 0.883, 6 of 46)."""
    bench = _bench()
    rows = bench.read_en(ROOT / "bench" / "data" / "categories_en_dev.csv")
    f = bench.figures_en([(k, categorise(t).category.value) for _, k, t in rows])
    assert f["right"][1] >= 0.93, f
    assert f["fraud named as a fraud kind"][1] >= 0.95, f
    assert f["fraud named a legitimate service"][1] == 0.0, f
    assert f["legitimate service named fraud"][1] == 0.0, f
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


# Round 2 (session 23): legitimate services first, then the vocabulary and stories round one
# missed. Every case below is named wrong on the start commit bf1ee97 (checked from a worktree)
# but the guards marked so; the lines are written for these tests, not taken from the sets.


@pytest.mark.parametrize(
    "text",
    [
        # a money word said as a noun
        "This is Halifax security: a transfer of one thousand two hundred pounds you just made "
        "to a new payee is on hold, can you confirm it was you?",
        "hello this is the bank the wire transfer you asked for this morning has gone out no "
        "action needed",
        # "did you make a transfer" asks about one
        "Hi, it's TD Bank. Did you make a transfer of four hundred dollars to J Smith today?",
        # a noun followed by "of"
        "Hi, it's the nursery: the term deposit of two hundred pounds can be paid in January.",
    ],
)
def test_a_money_word_as_a_noun_is_no_request(text: str) -> None:
    got = categorise(text)
    assert not got.is_fraud, got


@pytest.mark.parametrize(
    "text",
    [
        "Hello, this is your relationship manager. Your fixed deposit matures next week; would "
        "you like to transfer it to your savings account or deposit it again?",
        # paid in (to one's own account)
        "This is Halifax, your current account is overdrawn, please pay in funds by Friday so "
        "you avoid a charge.",
    ],
)
def test_money_moved_to_the_customers_own_account_is_no_request(text: str) -> None:
    got = categorise(text)
    assert got.category is Category.BANK_SERVICE, got


@pytest.mark.parametrize(
    "text",
    [
        "Hi, it's Mike with your UPS delivery, it's cash on delivery, so please pay the driver "
        "twenty dollars in cash.",
        "this is your courier im outside with the parcel please read me the delivery pin when i "
        "get to your door",
    ],
)
def test_a_courier_paid_or_given_its_code_at_the_door_is_a_courier(text: str) -> None:
    got = categorise(text)
    assert got.category is Category.COURIER, got


def test_a_keypad_yes_or_no_is_no_channel() -> None:
    got = categorise(
        "This is the fraud prevention line of your card company. Press one if you made a "
        "purchase of three hundred dollars at Apple online, press two if it was not you."
    )
    assert got.category is Category.BANK_SERVICE, got


def test_a_keypad_that_connects_to_an_agent_is_still_a_channel() -> None:
    """Guard (named right on bf1ee97 too): "press one if you want to cancel" is no answer."""
    got = categorise(
        "This is Amazon. Your Prime membership renews today for one hundred thirty nine dollars; "
        "press one if you want to cancel it."
    )
    assert got.category is Category.FRAUD_CUSTOMER_SERVICE, got


@pytest.mark.parametrize(
    "text",
    [
        # a one-time-passcode notice that says never to share the code
        "This is Barclays. We've texted you a one-time passcode to confirm your new device; type "
        "it into our website yourself and never read it out to anyone who calls.",
        # a code typed into one's own bank's app
        "Hi, it's your bank: to approve this payment, enter the passcode we texted you in your "
        "banking app.",
        "This is Revolut, to confirm the new card enter the security code we sent on our website.",
    ],
)
def test_a_code_warned_about_or_typed_into_ones_own_app_is_no_act(text: str) -> None:
    got = categorise(text)
    assert got.category is Category.BANK_SERVICE, got


def test_a_bank_warning_negates_its_whole_predicate() -> None:
    """No punctuation: "never ask you to move money to a safe account" (six words not
    counting "to", "a")."""
    got = categorise(
        "hi its starling bank we will never ask you to move money to a safe account so if "
        "someone does please hang up"
    )
    assert got.category is Category.BANK_SERVICE, got


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # "if you don't pay" is the demand, not a negation
        (
            "I have your private videos from your webcam. If you don't pay eight hundred dollars "
            "in bitcoin by Sunday, your family sees them.",
            Category.FRAUD_EXTORTION,
        ),
        # a negation's reach ends at "until"
        (
            "We have your husband here and he is not leaving until you pay us the money, so "
            "think fast.",
            Category.FRAUD_EXTORTION,
        ),
    ],
)
def test_a_condition_is_no_negation(text: str, category: Category) -> None:
    got = categorise(text)
    assert got.category is category, got


@pytest.mark.parametrize(
    "text",
    [
        # a charge due before the money comes, however it is named
        "Congratulations, your loan is approved. A one-off legal charge of fifty pounds applies "
        "before we release the money.",
        # ... or a payment asked for first
        "Your personal loan is approved, but first you must deposit one month's instalment as a "
        "guarantee.",
    ],
)
def test_a_charge_before_the_money_is_an_advance_fee(text: str) -> None:
    got = categorise(text)
    assert got.category is Category.FRAUD_LOAN, got


def test_money_received_to_pass_on_is_a_mule_job() -> None:
    got = categorise(
        "We're hiring from home: you receive payments from our customers, then you forward "
        "them on to our supplier and keep a commission."
    )
    assert got.category is Category.FRAUD_OTHER, got


def test_a_task_job_that_asks_to_top_up_is_other_fraud() -> None:
    got = categorise(
        "Hi, this is a part-time job rating hotels online, you earn per task, but first you "
        "need to top up your account with thirty dollars."
    )
    assert got.category is Category.FRAUD_OTHER, got


@pytest.mark.parametrize(
    "text",
    [
        # a promised rate of return and a second cue: a pitch that asks nothing yet
        "Our arbitrage club makes members two percent daily, and it's risk free.",
        "Our mentor's stock tips have made members five times their money this year.",
        # crypto recovery
        "We're a recovery firm; if you lost money in a crypto scam we can recover your funds.",
    ],
)
def test_an_investment_pitch_without_a_request_is_investment_fraud(text: str) -> None:
    got = categorise(text)
    assert got.category is Category.FRAUD_INVESTMENT, got


def test_a_banks_rate_is_no_investment_fraud() -> None:
    """Guard: a rate of return alone is no fraud."""
    got = categorise("This is Nationwide: our fixed saver now pays five percent a year.")
    assert not got.is_fraud, got


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # sharing a code, and reading "it" to the caller
        (
            "this is the paytm kyc desk your wallet is suspended please share the otp you just "
            "got so i can reactivate it",
            Category.FRAUD_CUSTOMER_SERVICE,
        ),
        (
            "Hi, it's Apple support. We sent a code to your iPhone, please read it to me so we "
            "can secure your iCloud.",
            Category.FRAUD_CUSTOMER_SERVICE,
        ),
    ],
)
def test_a_code_shared_or_read_to_the_caller_is_an_act(text: str, category: Category) -> None:
    got = categorise(text)
    assert got.category is category, got


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # other countries' agencies: two of their words name the kind without an act
        (
            "this is the australian taxation office your tax file has been referred to the "
            "federal police",
            Category.FRAUD_IMPERSONATION_POLICE,
        ),
        # their money and payment rails
        (
            "Sir, you won five lakh rupees in our lucky draw, just pay the GST charge through UPI "
            "to claim it.",
            Category.FRAUD_PRIZE,
        ),
        (
            "hey mama it's me, new number, can you do a upi payment to my friend's id urgently",
            Category.FRAUD_ACQUAINTANCE,
        ),
        # withdraw cash for a "courier" to collect
        (
            "This is Detective Morgan. We're investigating your bank; withdraw four thousand "
            "pounds in cash and an officer will collect it.",
            Category.FRAUD_IMPERSONATION_POLICE,
        ),
    ],
)
def test_other_countries_words(text: str, category: Category) -> None:
    got = categorise(text)
    assert got.category is category, got


def test_an_account_named_by_the_act_is_no_cover() -> None:
    """ "account" is no customer-service cover: every request to pay names one."""
    got = categorise("please send the money to this account before noon, it's urgent")
    assert got.category is Category.FRAUD_OTHER, got


@pytest.mark.parametrize(
    ("text", "fraud"),
    [
        ("Hi, it's the decorator, all done; you can pay me by bank transfer next week.", False),
        # guard: a fee demanded by wire transfer stays a request
        ("Your grant is ready, a release fee is required by wire transfer today.", True),
    ],
)
def test_a_means_of_payment_offered_is_no_request(text: str, fraud: bool) -> None:
    assert categorise(text).is_fraud is fraud, categorise(text)


def test_english_rules_cost_a_chinese_text_nothing() -> None:
    """A Chinese text with placeholders (<digit>, <url>) but no two English words in a row runs
    no English rule; its category is what the Chinese cues say."""
    from callwarden.screening import categories_en as en

    assert en.PROSE.search("您的验证码是<digit>，请在app内输入<url>") is None
    assert en.PROSE.search("please pay") is not None
    got = categorise("您的快递丢失了，我们是京东客服，给您理赔，请下载app")
    assert got.category is Category.FRAUD_CUSTOMER_SERVICE, got


# Round 3 (the audit's findings, session 23).


class _CountingPattern:
    """A compiled pattern that adds up how many characters its searches were given."""

    def __init__(self, pattern: "re.Pattern[str]") -> None:
        self.pattern, self.chars = pattern, 0

    def search(self, s: str, pos: int = 0, endpos: int | None = None) -> "re.Match[str] | None":
        end = len(s) if endpos is None else min(endpos, len(s))
        self.chars += max(0, end - pos)
        return self.pattern.search(s, pos, end)


@pytest.mark.parametrize("phrase", ["it is by wire ", "a wire ", "the transfer ", "payment of "])
def test_money_nouns_are_judged_without_rereading_the_line(
    phrase: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each money noun looked back at everything before it ("a wire " * 20,000 took seconds):
    the option offered is searched for once a line, and the three words before a match are
    found in a token index, so the work is linear in the text (no timing asserted)."""
    from callwarden.screening import categories_en as c

    line = phrase * 2000
    counting = _CountingPattern(c._EN_OPTION)
    monkeypatch.setattr(c, "_EN_OPTION", counting)
    expected_words = line[:1000].split()[-3:]
    c.mentions_out(line, False)
    assert 0 < counting.chars <= 2 * len(line), counting.chars  # (0: the patch missed)
    # the look-back finds what the whole prefix's split finds, at any point of the line
    tokens = c._token_index(line)
    assert c._words_before(line, tokens, 1000) == expected_words
    for end in (0, 1, 5, len(phrase), len(phrase) + 1, len(line) // 2 + 3, len(line)):
        assert c._words_before(line, tokens, end) == line[:end].split()[-3:], end


_BOND = "don't hang up you have two warrants and you need to wire the bond money"


@pytest.mark.parametrize(
    "text", [_BOND, _BOND + "\n", _BOND + ".", "Hello. " + _BOND, "hi, " + _BOND + " today!"]
)
def test_a_negations_reach_does_not_depend_on_punctuation_elsewhere(text: str) -> None:
    """A negation covers at most six words in any English clause: one full stop elsewhere in
    the call made "don't" cover its whole clause, the demand included."""
    got = categorise(text)
    assert got.is_fraud, got


def test_screen_and_scan_joins_name_a_call_alike() -> None:
    """Screen joins the caller's turns with a line break, scan's script clusters with
    nothing: the same call got unknown in one and fraud in the other."""
    from callwarden.campaigns.scripts import caller_text
    from callwarden.screening.transcript import Speaker, Transcript, Turn

    said = [("caller", "hello"), ("callee", "who is this"), ("caller", _BOND + " today")]
    tr = Transcript("c1", tuple(Turn(Speaker(s), t) for s, t in said))
    screen = categorise(tr.text_of(Speaker.CALLER))
    scan = categorise(caller_text({"speaker": s, "text": t} for s, t in said))
    assert screen.category is scan.category, (screen, scan)
    assert screen.is_fraud, screen


def test_a_negation_still_covers_what_it_negates() -> None:
    """Guard: six words still hold a bank's promise in a punctuated text."""
    got = categorise("Hello from your bank. We will never ask you to transfer money to us.")
    assert not got.is_fraud, got


@pytest.mark.parametrize(
    "text",
    [
        # a co-pay is what a pharmacy or a dentist charges, not a request
        "Hi, this is the pharmacy, your co-pay is nine dollars, you can pay when you collect it.",
        "this is the dentist please bring your insurance card and the co pay of thirty dollars",
        # "the first" is a date; "first" then a payment offered
        "hi it's your landlord the rent is due on the first you can pay through the portal",
        "hi it's the roofer i need to buy the tiles first you can pay me when i finish",
        # a fee before the service's own event
        "It's the riding school, the lesson fee is payable before the lesson, thanks.",
        "Hello from the art college, the course fee is due before the first class.",
        # a deposit paid at the desk; a club's fee due at the first session
        "This is the guest house, we need a deposit first to hold the room, pay it at check in.",
        "hi it's the rugby club your son's season fee is fifty dollars please pay it at the "
        "first training session",
        # card details updated in the company's own app; a library card's number
        "This is your phone company, please update your card details in the app to avoid a fee.",
        "Hi, this is the library, could you tell me your library card number to renew the book?",
    ],
)
def test_a_services_own_charges_are_no_fraud(text: str) -> None:
    """Round 3 (audit 23 H2): each was named fraud by round two's cues."""
    got = categorise(text)
    assert not got.is_fraud, got


@pytest.mark.parametrize(
    "text",
    [
        "You won a cruise, the port fee has to be paid first, you can pay it with gift cards.",
        "A release fee must be paid before your grant is sent, you can pay by wire transfer.",
        "Your bank here, update your card details on the link we texted you or lose the account.",
        "but first you need to top up your task account with two hundred dollars",
    ],
)
def test_round_three_leaves_advance_fees_and_links_fraud(text: str) -> None:
    """Guards of round 3's limits: a fee first or before the money, card details by a link."""
    got = categorise(text)
    assert got.is_fraud, got


def test_a_banks_alert_that_asks_nothing_is_no_fraud() -> None:
    """Audit 23 H3: "suspicious charge" alone named a genuine alert fake customer service."""
    got = categorise(
        "This is the Barclays fraud team, we saw a suspicious charge of 75 pounds on your "
        "card. If this was you, no action is needed. We will never ask for your PIN."
    )
    assert got.category is Category.BANK_SERVICE, got


@pytest.mark.parametrize(
    "text",
    [
        # a robocall's channel beside "no action is needed"
        "This is Amazon, a suspicious charge of 999 dollars was made on your account. If this "
        "was you, no action is needed. If not, press one now.",
        # a request beside it
        "this is your bank's fraud department we saw a suspicious charge on your card if it "
        "was you no action is needed otherwise please read me the code we sent you",
    ],
)
def test_no_action_needed_beside_a_channel_or_request_is_still_fraud(text: str) -> None:
    got = categorise(text)
    assert got.is_fraud, got
