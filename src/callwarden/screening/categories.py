"""Categories of what a caller talks about, from weighted keyword lexicons (zh and en).

Marketing (insurance, real estate, education, loans, medical), legitimate service
(courier, bank service) and fraud kinds. A lexicon needs no training data and its evidence
is the words it found, which an analyst can check; the trained
:mod:`callwarden.screening.textmodel` is the tool where labelled texts exist.

A fraud script is told by two things at once (the police's own taxonomy reads the same
way): the **cover** it wears (a courier's claims desk, a platform's customer service, a
lender, the police, a boss or friend, a lottery) and the **act** it asks for (move money,
give a code or a card number, share the screen, install an app, keep it secret). Cover
without an act is the service itself or its marketing; an act makes the cover a fraud kind
(a "courier" that asks for a transfer to pay out compensation is fake customer service).
A few cues are fraud on their own (安全账户, 猜猜我是谁, a ransom). An act mentioned only
under a negation (切勿转账, "never share your code") is not an act.

This module reads a text and decides; the words are in
:mod:`~callwarden.screening.categories_lexicon` (the categories, their topical words) and
:mod:`~callwarden.screening.categories_acts` (cover, acts, channels, isolation), the English
rules in :mod:`~callwarden.screening.categories_en`. Every public name is importable from here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from callwarden.screening.categories_acts import (
    ACTS,
    CHANNELS,
    COVER,
    ISOLATION,
    PRIVATE_CHANNELS,
)
from callwarden.screening.categories_en import (
    EN_PASS_ON_WEIGHT,
    EN_READ_IT_WEIGHT,
    EN_RETURNS_POINTS,
    EN_RULES,
    EN_WARNING_POINTS,
    IN_PERSON,
    NEGATOR,
    PROSE,
    acts_given,
    add_points,
    cut_negations,
    mentions_out,
    reads_as_notice,
    request_acts,
    stem,
    whole_word,
    with_apostrophes,
)
from callwarden.screening.categories_lexicon import FRAUD, LEGITIMATE, LEXICON, Category
from callwarden.screening.normalise import has_traditional, regional_spellings, to_simplified

__all__ = [
    "ACTS",
    "ACT_MIN_SCORE",
    "CHANNELS",
    "CORE_ACT_MIN_SCORE",
    "COVER",
    "EN_PASS_ON_WEIGHT",
    "EN_READ_IT_WEIGHT",
    "EN_RETURNS_POINTS",
    "EN_RULES",
    "EN_WARNING_POINTS",
    "FRAUD",
    "FRAUD_MIN_SCORE",
    "ISOLATION",
    "LEGITIMATE",
    "LEXICON",
    "MIN_SCORE",
    "PRETEXT_MIN_SCORE",
    "PRIVATE_CHANNELS",
    "Category",
    "CategoryResult",
    "categorise",
]

#: A clause with one of these gives advice or reassurance, not a request ("切勿转账",
#: "请妥善保管密码", "we will never ask for your PIN").
_NEGATION = re.compile(
    r"不要|切勿|请勿|勿|谨防|警惕|不会|不得|严禁|绝不|从不|保管|妥善|防止|never|don't|do not|won't"
)
_CLAUSE = re.compile(r"[。！？；，,.!?;\n]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

#: An incentive: what a caller gives away to close the sale (现在办理还送体检卡, 报名赠送洗牙券,
#: "as a bonus, a free tutoring session"). Its object is not what the call is about (audit 25
#: M1: an insurance pitch whose gift was a 免费试听课 was named education), so the words from
#: the marker to its clause's end (its sentence's in English, where "as a bonus, you get ..."
#: runs over a comma) do not name a marketing or service category while the rest of the text
#: names one. Bare 送 is no marker (送达, 配送, 再送: a courier's own words).
_INCENTIVE_ZH = re.compile(
    r"还送|加送|另送|额外送|免费送|附送|赠送|[加还另]赠|免费领|送[您你]|赠品|礼品"
)
_INCENTIVE_EN = re.compile(
    r"(?<![a-z0-9])(?:free gifts?|bonus gifts?|(?:as )?an? (?:extra |special )?bonus"
    r"|(?:plus|and get|and receive|also get|also receive|comes with|throw in|thrown in)"
    r" an? (?:extra )?free)(?![a-z0-9])"
)
_SENTENCE = re.compile(r"[。！？；.!?;\n]")

FRAUD_MIN_SCORE = 4.0  # fraud on its own words needs a specific cue, not one topical word
CORE_ACT_MIN_SCORE = 3.0  # a transfer, a code, a card number: one clear request
ACT_MIN_SCORE = 4.0  # and with the channels it goes through, e.g. a transfer through an app
PRETEXT_MIN_SCORE = 5.0  # a kind's own cover words that make a channel an act
MIN_SCORE = 2.0


@dataclass(frozen=True, slots=True)
class CategoryResult:
    category: Category
    score: float
    matched: tuple[str, ...]

    @property
    def is_fraud(self) -> bool:
        return self.category in FRAUD

    @property
    def is_legitimate_service(self) -> bool:
        return self.category in LEGITIMATE


def _found(word: str, low: str) -> bool:
    if not word.isascii():
        return word in low
    if stem(word) not in low:  # (nearly every English word in a Chinese text)
        return False
    # whole English words: "warrant" is not in "warranty"
    return whole_word(word).search(low) is not None


_LATIN = re.compile(r"[a-z]")
_LATIN_RUN = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class _Entries:
    """A word list prepared for :func:`_found_all`: the Chinese words, and the English ones
    by the first (up to) four letters of their stem (where any inflection of them starts;
    two letters until round 2, when the longer key kept a Chinese text's placeholders,
    <digit>, <name>, <url>, from setting off a search for every English word in di-, na-)."""

    words: Iterable[str]  # (held, so that its id is not reused while the entry lives)
    chinese: tuple[tuple[int, str], ...]
    english: Mapping[str, tuple[tuple[int, str, str], ...]]


_ENTRIES: dict[int, _Entries] = {}


def _entries(words: Iterable[str]) -> _Entries:
    got = _ENTRIES.get(id(words))
    if got is None or got.words is not words:
        english: dict[str, list[tuple[int, str, str]]] = {}
        for i, w in enumerate(words):
            if w.isascii():
                first = _LATIN_RUN.match(stem(w))
                key = first.group(0)[:_KEY] if first else ""  # "" (checked always): none yet
                english.setdefault(key, []).append((i, w, stem(w)))
        chinese = tuple((i, w) for i, w in enumerate(words) if not w.isascii())
        got = _Entries(words, chinese, {k: tuple(v) for k, v in english.items()})
        _ENTRIES[id(words)] = got
    return got


_KEY = 4


@functools.lru_cache(maxsize=64)
def _latin_keys(low: str) -> frozenset[str]:
    """The first one to four letters of each Latin word in ``low``, and "" (see
    :class:`_Entries`)."""
    if not _LATIN.search(low):
        return frozenset()
    runs = set(_LATIN_RUN.findall(low))
    return frozenset(m[:k] for m in runs for k in range(1, _KEY + 1)) | {""}


def _found_all(words: Iterable[str], low: str) -> list[str]:
    """The ``words`` found in ``low`` (as :func:`_found` finds each), in their order. An
    English word is looked for only where a Latin word of the text starts as it does, so the
    lexicon's hundreds of English words cost a Chinese text next to nothing."""
    e = _entries(words)
    found = [(i, w) for i, w in e.chinese if w in low]
    keys = _latin_keys(low) & e.english.keys() if e.english else ()
    if keys:
        for key in keys:
            for i, w, w_stem in e.english[key]:
                if w_stem in low and whole_word(w).search(low):
                    found.append((i, w))
        found.sort()
    return [w for _, w in found]


def _hits(words: Mapping[str, float], low: str) -> tuple[float, list[str]]:
    found = _found_all(words, low)
    return sum(words[w] for w in found), found


def _plain_clauses(low: str) -> str:
    """The clauses that carry no negation (where a request can be), one a line: no word
    holds a clause's end, so a word found in the result lies inside one such clause. A
    clause without a Chinese character keeps what lies outside its negations' scope."""
    clauses = _CLAUSE.split(low)
    if _LATIN.search(low) is None:  # (Chinese: the clauses without a negation)
        return "\n".join(c for c in clauses if c and not _NEGATION.search(c))
    plain = []
    for c in clauses:
        if not c:
            continue
        if not _CJK.search(c):
            plain.append(cut_negations(c))
        elif not _NEGATION.search(c):
            plain.append(c)
    return "\n".join(plain)


def _unnegated(low: str) -> str:
    """``low`` less what English negations cover (Chinese clauses as they are): where a
    fraud kind's own words count ("there are no upfront fees" is debt relief's promise)."""
    if NEGATOR.search(low) is None:
        return low
    clauses = _CLAUSE.split(low)
    if not any(NEGATOR.search(c) and not _CJK.search(c) for c in clauses):
        return low
    return "\n".join(c if _CJK.search(c) else cut_negations(c) for c in clauses if c)


def _fraud_hits(words: Mapping[str, float], low: str, unneg: str) -> tuple[float, list[str]]:
    """A fraud kind's own words outside negations; a cue that holds its own negation ("no
    risk") as written."""
    if unneg is low:
        return _hits(words, low)
    found = [w for w in words if _found(w, low if NEGATOR.search(w) else unneg)]
    return sum(words[w] for w in found), found


def _acts(low: str, plain: str, unneg: str | None = None) -> tuple[float, list[str]]:
    """The act and channel words found outside negated clauses, and their summed weight;
    zero when no act is found (channels alone are no act)."""
    acts = _found_all(ACTS, plain)
    if acts and unneg is not None:  # (English: a service's own credentials are kept)
        acts = acts_given(acts, low, plain)
    acts += _found_all(ISOLATION, low)
    weights = [ACTS.get(w, 0) + ISOLATION.get(w, 0) for w in acts]
    for words, weight in request_acts(low, plain, unneg) if unneg is not None else ():
        acts.append(words)  # the words an English rule found are its evidence
        weights.append(weight)
    if sum(x for x in weights if x >= 2) < CORE_ACT_MIN_SCORE:  # weight 1: never alone
        return 0.0, []
    channels = _found_all(CHANNELS, plain)
    return sum(weights) + sum(CHANNELS[w] for w in channels), acts + channels


def _pretext_and_channel(low: str, plain: str) -> tuple[float, list[str]]:
    """A fraud kind's own cover story (not the service it imitates) told strongly, and a
    channel to move the callee to: the compensation or account-closing story that ends in
    "download this app" or "add me on QQ"; or a loan offer moved to a personal chat account
    (``PRIVATE_CHANNELS``). The channel then stands in for the act (the score returned is
    the act threshold itself, so it counts as an act and no more)."""
    channels = _found_all(CHANNELS, plain)
    channel = sum(CHANNELS[w] for w in channels)
    if channel < 2:
        return 0.0, []
    cover = max(_hits(words, low)[0] for words, _ in COVER.values())
    if cover >= PRETEXT_MIN_SCORE:
        return ACT_MIN_SCORE, channels
    private = _found_all(PRIVATE_CHANNELS, plain)
    if private and _hits(LEXICON[Category.LOANS], low)[0] >= PRETEXT_MIN_SCORE - 1:
        return ACT_MIN_SCORE, channels + private
    return 0.0, []


@functools.cache
def _regional_words() -> dict[str, str]:
    words = {w for d in LEXICON.values() for w in d} | {w for d, _ in COVER.values() for w in d}
    words |= set(ACTS) | set(CHANNELS) | set(ISOLATION) | set(PRIVATE_CHANNELS)
    return regional_spellings(sorted(words))


@functools.cache
def _regional() -> re.Pattern[str]:
    """Any of :func:`_regional_words`, the longest first."""
    alts = sorted(_regional_words(), key=lambda w: (-len(w), w))
    return re.compile("|".join(map(re.escape, alts)) or "(?!)")


def categorise(text: str) -> CategoryResult:
    """The category a caller's text is most about, with the keywords behind it. Traditional
    characters and full-width letters are read as Simplified and ASCII (``normalise.py``)."""
    low = to_simplified(text).lower()
    if has_traditional(text):  # Taiwan's words for the lexicon's (软体 for 软件)
        low = _regional().sub(lambda m: _regional_words()[m.group(0)], low)
    # English costs a text without English nothing: no Latin letter, no English step; no
    # two English words in a row (a Chinese text's "app", "qq" or <url>), no English rule
    latin = _LATIN.search(low) is not None
    prose = latin and PROSE.search(low) is not None
    if latin:
        low = with_apostrophes(low)
    unneg = _unnegated(low) if latin else low
    topical = {
        c: _fraud_hits(words, low, unneg) if c in FRAUD else _hits(words, low)
        for c, words in LEXICON.items()
    }
    plain = _plain_clauses(low)
    if prose:
        at_door = IN_PERSON.search(low) is not None
        plain = "\n".join(
            c if _CJK.search(c) else mentions_out(c, at_door) for c in plain.split("\n")
        )
        add_points(low, unneg, topical)
    act, act_words = _acts(low, plain, unneg if prose else None)
    if act < ACT_MIN_SCORE:
        act, act_words = _pretext_and_channel(low, plain)
    if act >= ACT_MIN_SCORE:
        kinds: dict[Category, tuple[float, list[str]]] = {}
        for kind, (cover_words, imitated) in COVER.items():
            score, words = topical.get(kind, (0.0, []))
            cover, found = _hits(cover_words, low)
            score, words = score + cover, words + found
            for c in imitated:
                score, words = score + topical[c][0], words + topical[c][1]
            if score > 0:
                kinds[kind] = (score, words)
        if not kinds:
            return CategoryResult(Category.FRAUD_OTHER, act, tuple(act_words))
        best = _best(kinds)
        evidence = dict.fromkeys(kinds[best][1] + act_words)  # once each, in order found
        return CategoryResult(best, kinds[best][0] + act, tuple(evidence))
    fraud = {c: v for c, v in topical.items() if c in FRAUD and v[0] >= FRAUD_MIN_SCORE}
    if fraud and prose and reads_as_notice(low) and not _found_all(CHANNELS, plain):
        fraud = {}  # a fraud kind's words in a notice that asks nothing and sends nowhere
    pool = fraud or _offered(low, prose, topical)
    if not pool:
        return CategoryResult(Category.UNKNOWN, 0.0, ())
    best = _best(pool)
    return CategoryResult(best, float(pool[best][0]), tuple(pool[best][1]))


def _without_incentives(low: str, latin: bool) -> str:
    """``low`` less its incentives (:data:`_INCENTIVE_ZH`), each cut out to its clause's end
    (an English one to its sentence's); ``low`` itself when it has none."""
    cuts = [(m.start(), _CLAUSE, m.end()) for m in _INCENTIVE_ZH.finditer(low)]
    if latin:
        cuts += [(m.start(), _SENTENCE, m.end()) for m in _INCENTIVE_EN.finditer(low)]
    if not cuts:
        return low
    parts, at = [], 0
    for start, end_at, after in sorted(cuts, key=lambda c: c[0]):
        if start < at:  # (inside the previous cut)
            continue
        end = end_at.search(low, after)
        parts.append(low[at:start])
        at = end.start() if end else len(low)
    parts.append(low[at:])
    return "\n".join(parts)  # (no word forms across a cut)


def _offered(
    low: str, prose: bool, topical: Mapping[Category, tuple[float, list[str]]]
) -> dict[Category, tuple[float, list[str]]]:
    """The marketing and service categories named (score ``MIN_SCORE`` or more), by the words
    outside the text's incentives where those name one; by all its words where only an
    incentive names a category (a gift is then the only topic there is)."""
    pool = {c: v for c, v in topical.items() if c not in FRAUD and v[0] >= MIN_SCORE}
    offer = _without_incentives(low, prose) if pool else low
    if offer is low:
        return pool
    own = {c: _hits(words, offer) for c, words in LEXICON.items()}
    if prose:
        add_points(offer, offer, own)
    return {c: v for c, v in own.items() if c not in FRAUD and v[0] >= MIN_SCORE} or pool


def _best(pool: Mapping[Category, tuple[float, list[str]]]) -> Category:
    """Highest score; a tie goes to the category listed first."""
    order = list(Category)
    return max(pool, key=lambda c: (pool[c][0], -order.index(c)))
