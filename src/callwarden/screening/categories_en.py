"""English rules of the call-content categoriser (session 23 on): how
:mod:`callwarden.screening.categories` reads a clause without a Chinese character.

* Words: an English cue is found as whole words in any regular inflection
  (:func:`whole_word`: "arrest" finds "arrested", "warrant" is not in "warranty").
* Negation: a negation covers the words after it in its clause, six at most
  (:func:`cut_negations`); an act said under one is advice, not a request.
* Requests that are patterns, not words (:data:`EN_RULES`, :func:`request_acts`): money asked
  for however it is named, a code read out, a fee due before a payout, a money mule's
  "send it on".
* A service's own words that read like a request (:func:`mentions_out`): a money noun ("the
  transfer you made"), money moved to the callee's own account, a payment at the door, a
  keypad answer, a co-pay; credentials warned about or typed into one's own app
  (:func:`acts_given`).
* Cues that are patterns: a warning not to give a code away (a bank's notice), a promised
  rate of return (investment) (:func:`add_points`, :func:`reads_as_notice`).

The word tables themselves (English beside Chinese) are in
:mod:`callwarden.screening.categories_lexicon` and :mod:`callwarden.screening.categories_acts`.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Mapping

from callwarden.screening.categories_lexicon import Category

# English (session 23). A clause with no Chinese character is read the English way: a
# negation covers what follows it in its clause, not the words before it ("pay the bond
# today, don't hang up"), and at most 6 words of it: a call without punctuation is one clause
# ("don't hang up or you will be arrested you need to pay ..."), and whether a full stop
# stood elsewhere in the text (or a line break between turns) must not change that (round
# 3; it covered the whole clause in a text with any separator). "no" negates the noun phrase
# it opens ("no upfront fees", 3 words); the others a predicate ("we will never call you to
# ask for your full card number").
NEGATOR = re.compile(r"(?<![a-z0-9])(?:never|not|no|nobody|cannot|[a-z]+n['’]t)(?![a-z0-9])")
#: Speech recognisers and typists drop the apostrophe ("dont tell mom", "we wont ever ask"):
#: a negation is read with it put back.
_EN_BARE_NOT = re.compile(
    r"(?<![a-z0-9])(don|won|can|didn|doesn|isn|aren|wasn|weren|shouldn|wouldn|couldn)t(?![a-z0-9])"
)


def with_apostrophes(low: str) -> str:
    """``low`` with typographic apostrophes made ASCII and dropped ones put back."""
    return _EN_BARE_NOT.sub(r"\1't", low.replace("’", "'"))


_EN_SCOPE_WORDS = 6
#: Words the six do not count (round 2): "we will never ask you to move money to a safe
#: account" negates all of its predicate.
_EN_SCOPE_FREE = frozenset({"to", "a", "an", "for", "of", "any"})
#: A negation right after "if" or "unless" states the condition of a demand or a threat ("if
#: you don't pay two thousand dollars ...", "if you did not authorise this press one"): it
#: negates nothing the caller asks. (Round 2.)
_EN_CONDITION = re.compile(r"(?<![a-z0-9])(?:if|unless)(?: +[a-z'’]+){0,2} *$")
#: Where a negation's reach ends inside its clause: "he's not leaving until you pay".
_EN_SCOPE_END = re.compile(r"[^a-z0-9]*(?:until|unless|but|otherwise|because|till)")
_EN_NO_SCOPE_WORDS = 3
_EN_WORD = re.compile(r"[^a-z0-9'’-]*[a-z0-9'’-]+")
#: A request to pay or send that names the money it wants ("pay the port fees", "send me six
#: hundred on zelle", "wire the first month's rent"): one act, weight 3, however the money is
#: named. Verbs, not nouns: "your card payment of two hundred dollars is due" asks nothing;
#: not an option offered ("you can pay the eighty five dollars online"), where a request is
#: an order or a question ("can you send me ..."); not the caller paying ("we pay cash").
_EN_MONEY_VERB = (
    r"(?:pay|pays|paying|paid|send|sends|sending|sent|transfer|transfers|transferring|wire"
    r"|wires|wiring|deposit|deposits|depositing|put in"
    # round 2: lending and withdrawing to hand over ("lend me some money", "advance some
    # money", "withdraw five thousand pound in cash")
    r"|lend|lending|advance|withdraw|withdrawing|top up|topping up)"
)
_EN_MONEY = (
    r"(?:fees?|fines?|tax|taxes|bail|bond|deposit|dollars?|pounds?|euros?|money|cash|funds?"
    r"|installments?|interest|difference|damages|ransom|rent|hundred|thousand|grand|bitcoin"
    # round 2: what scripts call the charge, and other countries' money
    r"|penalty|penalties|charges?|clearance|compensation|invoice|repayments?"
    r"|rupees?|lakhs?|crores?|quid|rand|ringgit|dirhams?|yuan|rmb)"
)
#: Reading a code or a card's numbers out to the caller ("read me the six-digit code", "tell
#: me the numbers on your screen"): weight 3.
_EN_READ_OUT = r"(?:read|tell|give|text|send) +(?:me|us)"
#: ... or the code named first ("read it to me", "give it back to us"): weight 3.
_EN_SECRET = r"(?:codes?|numbers?|digits|pin|password|passcode|otps?)"
_EN_GAP = r"(?: +[a-z0-9'’-]+){0,4}? +"
#: Round 3: what an advance fee comes "before" is what the callee is to get ("a fee payable
#: before the money is sent", "before your application is processed"), not an event of the
#: service that charges it ("the lesson fee is payable before the test", "the course fee is
#: due before the first lesson").
_EN_PAYOUT = (
    r"(?:the|your)(?! +(?:first +|next +)?(?:test|lesson|class|session|appointment|course"
    r"|trip|match|game|exam|visit|stay|term|event|start|season|treatment|procedure)s?"
    r"(?![a-z0-9]))"
)
#: ... and "first" as an ordinal ("on the first", "at the first training session", "your
#: first lesson") or before a payment offered ("... for parts first you can pay me when i
#: arrive") asks nothing first.
_EN_NOT_ORDINAL = "".join(
    f"(?<!{d} )" for d in ("the", "your", "our", "my", "his", "her", "their", "a", "this")
)
_EN_NOT_OFFERED = r"(?![ ,]+(?:you|we) +(?:can|could|may)(?![a-z0-9]))"
EN_RULES: Mapping[str, tuple[re.Pattern[str], float]] = {
    "money request": (
        re.compile(
            rf"(?<![a-z0-9])(?<!you can )(?<!you may )(?<!you could )"
            rf"(?<!we )(?<!i )(?<!we'll )(?<!i'll )(?<!we will )(?<!i will )"
            rf"{_EN_MONEY_VERB}{_EN_GAP}{_EN_MONEY}(?![a-z0-9])"
        ),
        3,
    ),
    "read-out": (re.compile(rf"(?<![a-z0-9]){_EN_READ_OUT}{_EN_GAP}{_EN_SECRET}(?![a-z0-9])"), 3),
    # round 2: "share the otp you receive", "give the code to me"; not "give you a code"
    "share-code": (
        re.compile(
            r"(?<![a-z0-9])(?:share|sharing|forward|read out|give|giving|tell)"
            rf"(?: +(?!you(?![a-z0-9]))[a-z0-9'’-]+){{0,3}}? +{_EN_SECRET}(?![a-z0-9])"
        ),
        3,
    ),
    # round 2: a charge due before the money comes (an advance fee, however named: "a one-off
    # arrangement fee payable before the money is sent", "an upfront insurance premium
    # before we can pay out"); "first" said of a charge means the same
    "fee before": (
        re.compile(
            r"(?<![a-z0-9])(?:fees?|charges?|deposit|premium|tax|taxes|insurance)"
            rf"(?: +[a-z0-9'’-]+){{0,8}}? +(?:before +(?:we|you|i|it|they|{_EN_PAYOUT})"
            rf"|{_EN_NOT_ORDINAL}first{_EN_NOT_OFFERED})"
            r"(?![a-z0-9])"
            # ... or a payment asked "first" ("but first top up your task account")
            rf"|(?<![a-z0-9]){_EN_NOT_ORDINAL}first{_EN_NOT_OFFERED}(?: +[a-z'’]+){{0,3}}?"
            r" +(?:pay|top up|deposit|send|transfer|wire)(?![a-z0-9])"
        ),
        3,
    ),
}
#: Round 2: a money mule, money received to pass on ("receive money into your account and
#: send it on", "get transfers ...; just forward them on"), read across clauses: weight 4.
_EN_PASS_ON = re.compile(
    r"(?<![a-z0-9])(?:receive|receiving|accept|accepting|get|getting)(?:[ ,;:]+[a-z0-9'’-]+)"
    r"{0,3}?[ ,;:]+(?:money|payments?|funds|transfers?)(?:[ ,;:]+[a-z0-9'’-]+){0,8}?[ ,;:]+"
    r"(?:send|sending|transfer|transferring|forward|forwarding|pass|passing|wire)"
    r"(?: +[a-z0-9'’-]+){0,2}? +on(?![a-z0-9])"
)
EN_PASS_ON_WEIGHT = 4.0
#: A code named, then "read it to me" ("we sent a code to your phone, please read it to me"),
#: read across clauses: weight 4 (a letter read out names no code).
_EN_READ_IT = re.compile(
    r"(?<![a-z0-9])(?:codes?|otps?|pin|passcode|password)(?:[ ,;:.]+[a-z0-9'’-]+){0,10}?[ ,;:.]+"
    r"(?:read|tell|give|text|send|say) +(?:it|them)(?: +out| +back)? +to +(?:me|us)(?![a-z0-9])"
)
EN_READ_IT_WEIGHT = 4.0

# Round 2: what a legitimate service says that reads like a request. Each is rewritten out
# of the text acts are read from (English clauses only, so Chinese is untouched):
#: a money word said as a noun ("a transfer of three thousand dollars you just made", "the
#: wire transfer you requested", "your card payment"), unless a verb asks for it ("make a
#: transfer", "send a payment", "pay a deposit"; "did you make a transfer" only asks);
_EN_MONEY_NOUN = re.compile(
    r"(?<![a-z0-9'’])(?:a|an|the|your|this|that|any|my|our|their|his|her|by|via)"
    r"((?: +(?:wire|bank|card|online|international|direct|recent|large|pending|first"
    r"|last|monthly|scheduled|incoming|outgoing))*"
    r" +(?:transfers?|payments?|wires?|deposits?|withdrawals?))(?![a-z0-9])"
    # (not a noun that modifies another: "your payment details", "the transfer fee")
    r"(?! +(?:details|info|information|method|methods|fees?|charges?|card|codes?))"
)
#: ... or one followed by "of" ("the trip deposit of thirty pounds", "a wire of twenty
#: thousand"), where a determiner has not already said so;
_EN_MONEY_OF = re.compile(
    r"(?<![a-z0-9'’])(?:transfers?|payments?|wires?|deposits?|withdrawals?)(?= +of(?![a-z0-9]))"
)
_EN_DETERMINERS = frozenset(
    {"a", "an", "the", "your", "this", "that", "any", "my", "our", "their", "his", "her"}
)
#: A means of payment offered, not asked for.
_EN_OPTION = re.compile(
    r"(?<![a-z0-9])(?:you can|you could|you may|if you prefer|if you like)(?![a-z0-9])"
)
_EN_ASKS_FOR = frozenset(
    {"make", "makes", "making", "do", "send", "sending", "complete", "initiate", "arrange"}
    | {"authorise", "authorize", "pay", "paying", "put", "need", "needs", "require", "wire"}
    | {"deposit", "transfer", "process", "approve", "place", "set", "sign"}
)
#: money moved to the callee's own account, address or phone ("transfer it to your savings
#: account", "we'll send it to your home address"), not to a "new secure account";
_EN_TO_OWN = re.compile(
    r"(?<![a-z0-9])(?:pay|paid|send|sent|sending|transfer|transferred|transferring|move|moved"
    r"|moving|wire|wired|deposit|deposited|put|sweep|credit|credited)(?![a-z0-9])"
    r"(?=(?: +[a-z0-9'’-]+){0,5}? +(?:to|into|in|between) +your +"
    r"(?:own +|other +|existing +|usual +)?(?:(?:savings|current|checking|chequing|deposit|main"
    r"|joint|everyday|isa|bank|salary) +)?(?:accounts?|home|address|house|phone|mobile|email"
    r"|inbox|door)(?![a-z0-9]))"
    # ... or paid in ("please pay in funds today to avoid a fee": into one's own account)
    r"|(?<![a-z0-9])(?:pay|paying|put|putting)(?= +(?:in +(?:some +)?(?:funds|money)"
    r"|(?:some +)?(?:funds|money) +in)(?![a-z0-9]))"
)
#: a payment taken at the door, for what is delivered ("it's cash on delivery, do you want to
#: pay by card or cash when i get there");
IN_PERSON = re.compile(
    r"(?<![a-z0-9])(?:on delivery|cash or card|card or cash|at the door|at your door"
    r"|to the driver|with the driver|to your driver|with your driver"
    r"|(?:when|once) +(?:i|we|i'm|we're|the driver|he|she)(?: +(?:get|gets|arrive|arrives|reach"
    r"|am|is|are))? +(?:there|here|outside|(?:to|at) +your +(?:door|house|place|address))"
    r"|when i deliver"
    # round 3: at the front desk of a place the callee comes to ("a deposit to hold the
    # room, you can pay it at check in", "at your next appointment")
    r"|at check[- ]?in|at reception|at the front desk|at your (?:next +)?(?:appointment|visit)"
    r"|when you (?:pick|collect) (?:it|them)(?: up)?)(?![a-z0-9])"
)
#: (there the money verbs and a code read out are the handover: "can you read me the otp
#: when i'm at your door")
_EN_HANDOVER = re.compile(rf"(?<![a-z0-9])(?:{_EN_MONEY_VERB}|read|tell|give|say)(?![a-z0-9])")
#: a keypad answer ("press one if you made this purchase, press two if not") is no channel;
#: "press one if you want to cancel" still is.
_EN_ANSWER = re.compile(
    r"(?<![a-z0-9])press +(?:one|two|1|2)(?= +if +(?:not|yes|no|so|correct|(?:you|this|it"
    r"|that)(?: +[a-z'’]+)? +(?:made|make|did|do|was|is|were|recogni[sz]e|authori[sz]ed?))"
    r"(?![a-z0-9]))"
)
#: A warning not to give a code away ("never read it out to anyone who calls you", "we'll
#: never ask for your pin", "don't share the code we send you"): the codes it names are no
#: act, and it is a bank's (or a shop's) own notice: 2 points to bank service.
_EN_CODE_WARNING = re.compile(
    r"(?<![a-z0-9])(?:never|not|nobody|no one|[a-z]+n't)(?: +[a-z'’-]+){0,4}? +"
    r"(?:share|sharing|give|giving|read|tell|disclose|reveal|say|ask|asking|text|send)"
    r"(?:(?: +[a-z0-9'’-]+){0,6}? +(?:codes?|passcodes?|pins?|passwords?|otps?)"
    r"|(?: +(?:it|them|this|that))(?: +out)? +(?:to|with) +(?:anyone|anybody|others|someone))"
    r"(?![a-z0-9])"
)
EN_WARNING_POINTS = 2.0
#: A code the callee types into their own bank's app or website ("enter the code we sent in
#: your banking app", "on our website") is no more given away than one warned about.
_EN_SELF_ENTRY = re.compile(
    r"(?<![a-z0-9])(?:enter|type|input|key in)(?: +[a-z0-9'’-]+){0,6}? +(?:in|into|on|in to)"
    r" +(?:your|our) +(?:banking +|bank's +|mobile +)?(?:app|online banking|website)(?![a-z0-9])"
)
#: Round 3: card details the callee updates in the company's own app or account ("update
#: your card details in the app to avoid a late fee") are not given to the caller, unless the
#: call also sends them somewhere (a link, a download, a website).
_EN_SELF_UPDATE = re.compile(
    r"(?<![a-z0-9])(?:update|updating|change|changing|enter|add|check)(?: +[a-z0-9'’-]+){0,4}?"
    r" +(?:in|on|through|via) +(?:the|your|our) +(?:app|online account|account online"
    r"|account settings|customer portal)(?![a-z0-9])"
)
_EN_ELSEWHERE = re.compile(r"(?<![a-z0-9])(?:link|download|install|website|text message)")
_EN_CARD_ACTS = frozenset({"card details", "card number", "payment details", "expiry date"})
#: The English credentials such a warning names.
_EN_CODE_ACTS = frozenset(
    {"verification code", "one-time code", "pin", "password", "passcode", "security code"}
    | {"six-digit code", "code we", "login", "otp"}
)
#: A promised rate of return ("twenty percent returns every week", "one percent daily",
#: "returns of thirty percent", "the price will triple"): investment's cue, 2 points, never
#: enough alone (a bank's "seven percent per annum" names no fraud without a second cue).
_EN_RETURNS = re.compile(
    r"(?<![a-z0-9])(?:(?:percent|%)(?: +[a-z]+){0,2}? +(?:returns?|profits?|daily|weekly"
    r"|monthly|a day|a week|a month|per day|per week|per month|per annum|every day|every week"
    r"|every month|each day|each week|each month)"
    r"|(?:returns?|profits?) +of(?: +[a-z-]+){1,4}? +percent"
    r"|(?:daily|weekly|monthly) +(?:returns?|profits?|income)"
    r"|(?:make|earn|making|earning)(?: +[a-z]+){1,4}? +(?:a|per|every) +(?:day|week|month)"
    r"|(?:will|to|could|can) +(?:double|triple)|times +(?:your|their|the) +money)(?![a-z0-9])"
)
EN_RETURNS_POINTS = 2.0


def mentions_out(line: str, in_person: bool) -> str:
    """An English clause less what :data:`_EN_MONEY_NOUN`, :data:`_EN_TO_OWN`,
    :data:`IN_PERSON` and :data:`_EN_ANSWER` say a service's own words are."""

    # (the words before a match and the first option are looked up, not re-read from the
    # line's start at every match: "a wire " * 20,000 took seconds, audit 23)
    def noun(m: re.Match[str]) -> str:
        words = _words_before(line, tokens, m.start())
        if words and words[-1] in _EN_ASKS_FOR and tuple(words[-3:-1]) not in _EN_ONLY_ASKS:
            return m.group(0)
        if m.group(0)[:3] in ("by ", "via") and option_end > m.start():
            return m.group(0)  # "required by wire transfer"; "you can pay me by bank transfer"
        return m.group(0)[: m.start(1) - m.start(0)] + " ~"

    def noun_of(m: re.Match[str]) -> str:
        words = _words_before(line, tokens, m.start())
        if words and words[-1] in _EN_DETERMINERS:
            return m.group(0)  # (a determiner's noun is _EN_MONEY_NOUN's to judge)
        if any(w in _EN_ASKS_FOR for w in words):
            return m.group(0)  # "needs a good-faith payment of", "pay a security deposit of"
        return "~"

    line = _EN_SERVICE_WORDS.sub("~", line)
    tokens = _token_index(line)
    line = _EN_MONEY_OF.sub(noun_of, line)
    tokens = _token_index(line)
    # where the first option offered ends (none: past the end); a match after it is offered
    first_option = _EN_OPTION.search(line)
    option_end = first_option.end() if first_option is not None else len(line) + 1
    line = _EN_MONEY_NOUN.sub(noun, line)
    line = _EN_TO_OWN.sub("~", line)
    if in_person:
        line = _EN_HANDOVER.sub("~", line)
    return _EN_ANSWER.sub("answer", line)


_EN_TOKEN = re.compile(r"\S+")


def _token_index(line: str) -> tuple[list[int], list[int]]:
    """Where each whitespace-separated word of ``line`` starts and ends (for
    :func:`_words_before`)."""
    spans = [m.span() for m in _EN_TOKEN.finditer(line)]
    return [a for a, _ in spans], [b for _, b in spans]


def _words_before(line: str, tokens: tuple[list[int], list[int]], end: int) -> list[str]:
    """``line[:end].split()[-3:]``, found through ``tokens`` (:func:`_token_index` of ``line``)
    in time that does not grow with ``end``."""
    starts, ends = tokens
    k = bisect.bisect_left(starts, end)  # the words that start before ``end``
    return [line[starts[i] : min(ends[i], end)] for i in range(max(0, k - 3), k)]


#: Round 3: a service's own words that hold a request's: a co-payment is what a pharmacy or a
#: dentist charges for what it hands over ("your co-pay is twelve dollars"), and the number of
#: a card that pays nothing (a library, loyalty or membership card) is no card number.
_EN_SERVICE_WORDS = re.compile(
    r"(?<![a-z0-9'’])co[- ]?pays?(?:ments?)?(?![a-z0-9])"
    r"|(?<![a-z0-9'’])(?:library|loyalty|membership|member|rewards?|student|gym|clubcard"
    r"|frequent flyer|frequent flier) +card(?: +(?:numbers?|details|no))?(?![a-z0-9])"
)

#: "did you make a transfer", "have you made a payment": a question about one, not a request.
_EN_ONLY_ASKS = frozenset({("did", "you"), ("have", "you"), ("if", "you")})


# Words an English cue's inflections are not looked for in (a phrase's function words).
_UNINFLECTED = frozenset(
    {"the", "you", "your", "our", "for", "and", "not", "can", "any", "out", "off", "who"}
    | {"its", "are", "her", "him", "his", "she", "was", "has", "had", "all", "one", "two"}
    | {"this", "that", "with", "from", "into"}
)


def _inflections(token: str) -> str:
    """A regex for an English word and its regular endings: -s, -es, -ed, -ing; -d and
    e-dropping -ing after a silent e (wire: wired, wiring; not fee: feed); -ies, -ied after
    a consonant and y (policy: policies); a doubled final consonant after one vowel
    (transfer: transferred, kidnap: kidnapped). Irregular forms are listed as their own
    words. Not for short words or a phrase's function words ("the" is not "thing")."""
    if len(token) < 3 or not token.isalpha() or token in _UNINFLECTED:
        return re.escape(token)
    forms = [token + "s", token + "es", token + "ed", token + "ing"]
    if token.endswith("e") and not token.endswith("ee"):
        forms += [token + "d", token[:-1] + "ing"]
    if token.endswith("y") and token[-2] not in "aeiou":
        forms += [token[:-1] + "ies", token[:-1] + "ied"]
    if token[-1] not in "aeiouwxy" and token[-2] in "aeiou" and token[-3] not in "aeiou":
        forms += [token + token[-1] + "ed", token + token[-1] + "ing"]
    return "(?:" + "|".join(map(re.escape, [token, *forms])) + ")"


@functools.cache
def whole_word(word: str) -> re.Pattern[str]:
    """``word`` not inside a longer Latin word, each of its words in any regular inflection
    (:func:`_inflections`: "arrest" finds "arrested"). Not ``\\b``: a Chinese character is a
    word character to it, so "下载app" and "加qq" would hide "app" and "qq"."""
    body = " ".join(_inflections(t) for t in word.split(" "))
    return re.compile(rf"(?<![a-z0-9]){body}(?![a-z0-9])")


@functools.cache
def stem(word: str) -> str:
    """What every inflection of ``word`` holds: its first word less a final e or y."""
    first = word.split(" ")[0]
    return first[:-1] if len(first) > 3 and first[-1] in "ey" else first


#: Two English words in a row: where the English rules, all of several words, can match.
PROSE = re.compile(r"[a-z][a-z'’-]*[ ,]+[a-z]")


def cut_negations(clause: str) -> str:
    """An English clause less each negation and the words it covers (``_EN_SCOPE_WORDS``, or
    the rest of the clause if shorter; ``_EN_NO_SCOPE_WORDS`` after "no"), the pieces left
    one a line."""
    pieces, pos = [], 0
    for m in NEGATOR.finditer(clause):
        if m.start() < pos:  # inside the span of the negation before
            continue
        if _EN_CONDITION.search(clause, max(0, m.start() - 24), m.start()):
            continue  # "if you don't pay ..." is the demand itself
        pieces.append(clause[pos : m.start()])
        pos = m.end()
        scope = _EN_NO_SCOPE_WORDS if m.group(0) == "no" else _EN_SCOPE_WORDS
        while scope > 0:
            w = _EN_WORD.match(clause, pos)
            if w is None or _EN_SCOPE_END.fullmatch(w.group(0).strip(" \t")):
                break  # ... up to "until", "unless", "but": "he's not leaving until you pay"
            pos = w.end()
            scope -= w.group(0).strip(" \t") not in _EN_SCOPE_FREE
    pieces.append(clause[pos:])
    return "\n".join(p for p in pieces if p.strip())


_EN_TEXT_RULES = ((_EN_PASS_ON, EN_PASS_ON_WEIGHT), (_EN_READ_IT, EN_READ_IT_WEIGHT))


def _en_code_kept(low: str) -> bool:
    """A code warned about, given at the door or typed into one's own app: not given away."""
    return any(p.search(low) for p in (_EN_CODE_WARNING, IN_PERSON, _EN_SELF_ENTRY))


def acts_given(acts: list[str], low: str, plain: str) -> list[str]:
    """``acts`` (act words found in ``plain``, not empty) less the English credentials a
    service's own words keep: codes warned about, given at the door or typed into one's own
    app; card details updated in the company's own app when the call sends nowhere else."""
    if _en_code_kept(low):
        acts = [w for w in acts if w not in _EN_CODE_ACTS]
    if acts and _EN_SELF_UPDATE.search(plain) and _EN_ELSEWHERE.search(low) is None:
        acts = [w for w in acts if w not in _EN_CARD_ACTS]
    return acts


def request_acts(low: str, plain: str, unneg: str) -> list[tuple[str, float]]:
    """The English requests that are patterns, each as (the words it found, its weight):
    :data:`EN_RULES` in ``plain`` (within a clause, outside negations), then the money mule and
    the code read out in ``unneg`` (across clauses, outside negations)."""
    found = []
    for pattern, weight in EN_RULES.values():
        m = pattern.search(plain)
        if m is not None:  # the words it found are its evidence
            found.append((m.group(0), weight))
    for pattern, weight in _EN_TEXT_RULES:
        if pattern is _EN_READ_IT and IN_PERSON.search(low):
            continue  # a code given at the door
        m = pattern.search(unneg)
        if m is not None:
            found.append((m.group(0), weight))
    return found


#: Round 3 (audit 23 H3): a notice that says the callee need do nothing ("if this was you, no
#: action is needed"), or warns not to give a code away, asks nothing: with no act and no
#: channel (a robocall's "if not, press one"), a fraud kind's words in it ("a suspicious
#: charge") name no fraud.
_EN_NOTHING_TO_DO = re.compile(
    r"(?<![a-z0-9])(?:no (?:further )?action (?:is |will be )?(?:needed|required|necessary)"
    r"|(?:don't|do not) need to do anything|nothing (?:you need|for you) to do)(?![a-z0-9])"
)


def reads_as_notice(low: str) -> bool:
    """Says the callee need do nothing, or warns not to give a code away (the caller checks
    that the text names no channel either)."""
    said = _EN_NOTHING_TO_DO.search(low) or _EN_CODE_WARNING.search(low)
    return said is not None


def add_points(low: str, unneg: str, topical: dict[Category, tuple[float, list[str]]]) -> None:
    """Round 2's English cues that are patterns, not words: a warning not to give a code away
    is a bank's notice; a promised rate of return is investment's cue (outside negations)."""
    warning = _EN_CODE_WARNING.search(low)
    if warning is not None:
        score, words = topical[Category.BANK_SERVICE]
        topical[Category.BANK_SERVICE] = (score + EN_WARNING_POINTS, [*words, warning.group(0)])
    returns = _EN_RETURNS.search(unneg)
    if returns is not None:
        score, words = topical[Category.FRAUD_INVESTMENT]
        topical[Category.FRAUD_INVESTMENT] = (score + EN_RETURNS_POINTS, [*words, returns.group(0)])
