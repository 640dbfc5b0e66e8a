"""Simulated screening dialogues: a call assistant challenges bot and human callers.

Each record has the ``transcripts.jsonl`` shape of the traffic simulator, with the
assistant's turns as speaker ``assistant``. Truth fields (label, category, campaign,
caller_kind, and ``bot_style``) are for evaluation only.

Bots: ``recorded`` plays its segments on a timer and talks over questions; ``turn_taking``
waits for a pause then plays the next segment; ``intent`` deflects with stock phrases and
replays its opening; ``agent`` (an LLM-style agent, rare) answers 70 % of challenges,
correctly, in its campaign's wording, after a fixed pipeline delay, then pitches. Humans answer imperfectly: fillers, a wrong day, a misheard digit, refusing
("你问这个干嘛?"), stating their business instead, talking over the assistant now and
then, hanging up, and ASR noise on every turn.

Trick challenges (``tricks``, after the classic ones, in random order): say a six-digit
number backwards, and a nonsense question ("你是为我那只紫色大象的保险打来的吗?"). How each
side answers them is this simulator's assumption, stated in the constants below, not a
measurement of real people or real agents.
"""

from __future__ import annotations

import functools
import json
import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from callwarden.screening.challenge import (
    TRICK_KINDS,
    AnswerFit,
    Challenge,
    ChallengeKind,
    make_challenge,
    score_reply,
)
from callwarden.sim import screening_content as C
from callwarden.sim.numbering import mobile_blocks

_ZH_DIGITS = "零一二三四五六七八九"
_HOMOPHONE = {"四": "十", "十": "四", "一": "衣", "七": "期", "九": "就", "二": "儿", "号": "耗"}
_NOISE_CHARS = "的了是在我有他这中大来上个们到说时地也子就道"
BOT_STYLES = (("recorded", 0.35), ("turn_taking", 0.35), ("intent", 0.285), ("agent", 0.015))
SCRIPTED_STYLES = BOT_STYLES[:3]
#: Share of bot campaigns that are LLM-style agents by default (`simulate-screening --agent-share`).
DEFAULT_AGENT_SHARE = BOT_STYLES[3][1]
HUMAN_KINDS = (
    "courier",
    "courier",
    "ride_hailing",
    "bank",
    "medical",
    "education",
    "personal",
    "personal",
    "telemarketing_human",
    "courier_en",
    "personal_en",
    "bank_en",
)
FRAUD = {"impersonation_police", "fake_customer_service", "loan_fraud"}
# Reply latency (docs/screening.md): an agent's speech pipeline (endpointing, model, TTS) adds
# a campaign-fixed delay with little jitter; people's gaps are log-normal and wide, and one
# reply in ten starts before the question has ended.
AGENT_LATENCY_S = (0.7, 1.6)  # campaign delay, uniform
AGENT_JITTER_S = 0.12  # sd per reply
HUMAN_LATENCY_MEDIAN_S = 0.8
HUMAN_LATENCY_SIGMA = 0.6
HUMAN_EARLY_P = 0.10
# Trick challenges: people (per reply; the rest silent or hanging up). Reversing six digits
# heard once is hard: adults' backward digit span averages about five digits in test rooms,
# and a caller on the phone is neither prepared nor keen, so most refuse or query it ("倒过
# 来念?"), a quarter try and slip (two digits swapped, one dropped, or giving up part-way),
# one in twenty says it forwards (heard "repeat"), and a fifth get it right, slowly (log-
# normal latency, median 2.5 s) and mostly with pauses between chunks ("六二七……一八三").
HUMAN_REVERSE = {"correct": 0.20, "partial": 0.25, "forwards": 0.05, "engaged": 0.30, "off": 0.07}
HUMAN_REVERSE_LATENCY_MEDIAN_S = 2.5
HUMAN_REVERSE_LATENCY_SIGMA = 0.5
HUMAN_REVERSE_PAUSED_P = 0.7
# A nonsense premise: most people query it or laugh it off; some ignore it and state their
# business (+2 for them, as for the classic challenges), one in fifty plays along as a joke.
HUMAN_NONSENSE = {"query": 0.50, "laugh": 0.22, "confused": 0.08, "off": 0.10, "joke": 0.02}
# Agents: a share of campaigns is prompted against tricks and answers them as people do;
# the others answer a trick as often as a classic challenge (AGENT_ANSWER_P), reverse the
# digits right 90 % of the time (a digit swapped otherwise: fast, cheap models slip), and
# take up the nonsense premise or brush it aside before pitching, half and half.
AGENT_ANSWER_P = 0.7
AGENT_TRICK_HARDENED_SHARE = 0.3
AGENT_REVERSE_RIGHT_P = 0.9
AGENT_NONSENSE_ALONG_P = 0.5
_WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _human_latency(rng: random.Random) -> float:
    if rng.random() < HUMAN_EARLY_P:
        return -rng.uniform(0.1, 0.6)
    return min(5.0, rng.lognormvariate(math.log(HUMAN_LATENCY_MEDIAN_S), HUMAN_LATENCY_SIGMA))


def _agent_answer(
    kind: ChallengeKind,
    bot: dict[str, Any],
    rng: random.Random,
    today: datetime,
    expected: str,
    name: str,
) -> str:
    """The campaign's wording for this challenge, filled in; digits come out of the
    recogniser the way people's do (Chinese numerals in Chinese)."""
    lang = bot["lang"]
    tpl = C.AGENT_ANSWERS[kind.value][lang][bot["answer_tpl"][kind.value]]
    day = _cn_num(today.day) if lang == "zh" and rng.random() < 0.6 else str(today.day)
    digits = "".join(_ZH_DIGITS[int(x)] for x in expected) if lang == "zh" else " ".join(expected)
    wk = "一二三四五六日"[today.weekday()]
    text = tpl.format(
        name=name,
        company=bot["fixed"]["company"],
        month=today.month,
        month_en=f"{today:%B}",
        day=day,
        weekday=wk,
        weekday_zh_full=f"星期{wk}",
        weekday_en=_WEEKDAYS_EN[today.weekday()],
        digits=digits,
    )
    if rng.random() < bot["filler_p"]:  # some agents are prompted to say "嗯" now and then
        text = rng.choice(C.FILLERS[lang][:2]) + text
    return text


def _premise(ch: Challenge, lang: str) -> str:
    low = ch.prompt.lower()
    return next(
        (v for k, v in C.PREMISE_WORDS[lang].items() if k in low),
        "什么" if lang == "zh" else "thing",
    )


def _spoken(digits: str, lang: str) -> str:
    return " ".join(digits) if lang == "en" else "".join(_ZH_DIGITS[int(x)] for x in digits)


def _agent_trick(
    kind: ChallengeKind, bot: dict[str, Any], rng: random.Random, ch: Challenge, pitch: str
) -> str:
    """An agent's reply to a trick challenge (``pitch``: the segment it would play next)."""
    lang = bot["lang"]
    tpl = bot["trick_tpl"]
    if bot["trick_hardened"]:  # prompted against tricks: a person's short query, no pitch
        pool = (
            C.AGENT_HARDENED_REVERSE
            if kind is ChallengeKind.REVERSE_DIGITS
            else C.AGENT_HARDENED_NONSENSE
        )
        return pool[lang][tpl % len(pool[lang])].format(premise=_premise(ch, lang))
    if rng.random() >= AGENT_ANSWER_P:
        return pitch
    sep = " " if lang == "en" else ""
    if kind is ChallengeKind.REVERSE_DIGITS:
        digits = list(ch.expected_digits)
        if rng.random() >= AGENT_REVERSE_RIGHT_P:
            j = rng.randrange(len(digits) - 1)
            digits[j], digits[j + 1] = digits[j + 1], digits[j]
        words = C.AGENT_REVERSE[lang]
        answer = words[tpl % len(words)].format(digits=_spoken("".join(digits), lang))
        if rng.random() < bot["filler_p"]:
            answer = rng.choice(C.FILLERS[lang][:2]) + answer
        return answer + sep + bot["pivot"] + pitch
    along = rng.random() < AGENT_NONSENSE_ALONG_P
    lead = C.AGENT_NONSENSE_ALONG[lang] if along else C.AGENT_NONSENSE_ASIDE[lang]
    return lead[tpl % len(lead)].format(company=bot["fixed"]["company"]) + pitch


def _human_trick(
    kind: ChallengeKind, lang: str, rng: random.Random, ch: Challenge, name: str
) -> tuple[str, str]:
    """A person's reply to a trick challenge and what sort it is (HUMAN_REVERSE, HUMAN_NONSENSE)."""
    filler = rng.choice(C.FILLERS[lang])
    r = rng.random()
    if kind is ChallengeKind.REVERSE_DIGITS:
        p = HUMAN_REVERSE
        expected = ch.expected_digits
        if r < p["correct"] + p["partial"] + p["forwards"]:
            if r < p["correct"]:
                digits, sort = expected, "correct"
            elif r < p["correct"] + p["partial"]:
                sort = "partial"
                slip = list(expected)
                how = rng.random()
                if how < 0.4:
                    j = rng.randrange(len(slip) - 1)
                    slip[j], slip[j + 1] = slip[j + 1], slip[j]
                elif how < 0.7:
                    del slip[rng.randrange(len(slip))]
                else:  # gave up part-way
                    begun = _spoken("".join(slip[: rng.choice([3, 4])]), lang)
                    return filler + begun + C.HUMAN_REVERSE_GAVE_UP[lang], sort
                digits = "".join(slip)
            else:
                digits, sort = expected[::-1], "forwards"
            if rng.random() < HUMAN_REVERSE_PAUSED_P:
                cut = rng.choice([2, 3, 4])
                pause = "……" if lang == "zh" else "... "
                said = _spoken(digits[:cut], lang) + pause + _spoken(digits[cut:], lang)
            else:
                said = _spoken(digits, lang)
            tail = rng.choice(["", "，对吧？" if lang == "zh" else ", right?"])
            return filler + said + tail, sort
        if r < p["correct"] + p["partial"] + p["forwards"] + p["engaged"]:
            return filler + rng.choice(C.HUMAN_REVERSE_ENGAGED[lang]), "engaged"
        if r < sum(p.values()):
            return filler + _fill(
                rng.choice(C.HUMAN_OFF_TOPIC[lang]), rng, {"name": name, "name_en": name}
            ), "off_topic"
        return "", "silent"
    premise = _premise(ch, lang)
    acc = 0.0
    for sort, pool in (
        ("query", C.HUMAN_NONSENSE_QUERY),
        ("laugh", C.HUMAN_NONSENSE_LAUGH),
        ("confused", C.HUMAN_NONSENSE_CONFUSED),
        ("joke", C.HUMAN_NONSENSE_JOKE),
    ):
        acc += HUMAN_NONSENSE[sort]
        if r < acc:
            return filler + rng.choice(pool[lang]).format(premise=premise), sort
    if r < acc + HUMAN_NONSENSE["off"]:
        return filler + _fill(
            rng.choice(C.HUMAN_OFF_TOPIC[lang]), rng, {"name": name, "name_en": name}
        ), "off_topic"
    return "", "silent"


def _read_right(ch: Challenge, reply: str, local_today: datetime) -> bool:
    if ch.kind in TRICK_KINDS:
        return False
    return score_reply(ch, reply, local_today.date())[0] is AnswerFit.CORRECT


def _dur(text: str, lang: str, rng: random.Random) -> float:
    rate = 4.5 if lang == "zh" else 14.0  # characters a second
    return round(max(0.6, len(text) / rate * rng.uniform(0.85, 1.15)), 2)


def _fill(text: str, rng: random.Random, fixed: dict[str, str]) -> str:
    keys = {k: fixed.get(k) or rng.choice(v) for k, v in C.FILLS.items()}
    keys["name"] = fixed.get("name") or rng.choice(C.NAMES)
    keys["name_en"] = fixed.get("name_en") or rng.choice(C.NAMES_EN)
    return text.format(**keys)


def asr_noise(text: str, rng: random.Random, rate: float) -> str:
    """Recognition errors: dropped and substituted characters (homophones for digits) in
    Chinese; dropped words in English, where recognisers err by the word."""
    if not any("\u4e00" <= c <= "\u9fff" for c in text):
        words = text.split(" ")
        kept = [w for w in words if rng.random() >= rate * 0.5] or words
        return " ".join(kept)
    out = []
    for ch in text:
        r = rng.random()
        if r < rate * 0.4:
            continue
        if r < rate:
            out.append(
                _HOMOPHONE.get(ch)
                or (rng.choice(_NOISE_CHARS) if "\u4e00" <= ch <= "\u9fff" else ch)
            )
        else:
            out.append(ch)
    return "".join(out)


def _human_answer(
    kind: ChallengeKind, lang: str, rng: random.Random, today: datetime, expected: str, name: str
) -> tuple[str, str]:
    """A person's reply and what sort of reply it is (for the record)."""
    filler = rng.choice(C.FILLERS[lang])
    r = rng.random()
    p_correct, p_partial, p_engaged, p_off = {
        ChallengeKind.WHO_FOR: (0.62, 0.05, 0.20, 0.09),
        ChallengeKind.DATE: (0.52, 0.16, 0.22, 0.06),
        ChallengeKind.REPEAT_NUMBER: (0.55, 0.15, 0.20, 0.06),
    }[kind]
    if r < p_correct + p_partial:
        partial = r >= p_correct
        if kind is ChallengeKind.WHO_FOR:
            if lang == "en":
                return filler + rng.choice(
                    [f"I'm looking for {name}.", f"Is this {name}?", f"{name}, please."]
                ), "correct"
            options = [
                f"找{name}。",
                f"我找{name}，他在吗？",
                f"{name}，是这个号吧？",
                "找机主本人。",
                f"收件人是{name}。",
            ]
            if partial:
                options = [f"找那个……姓{name[0]}的。", "就是这个号的主人嘛。"]
            return filler + rng.choice(options), "partial" if partial else "correct"
        if kind is ChallengeKind.DATE:
            d = today + timedelta(days=rng.choice([-3, -2, 2, 3]) if partial else 0)
            if lang == "en":
                return filler + rng.choice(
                    [f"It's the {d.day}th.", f"{d:%B} {d.day}.", f"{d:%A}, I think."]
                ), "date"
            day = _cn_num(d.day) if rng.random() < 0.6 else str(d.day)
            wk = "一二三四五六日"[d.weekday()]
            return filler + rng.choice(
                [
                    f"今天{day}号吧。",
                    f"{d.month}月{day}号。",
                    f"是{day}号？",
                    f"星期{wk}吧。",
                    f"{day}号，怎么了？",
                ]
            ), "partial" if partial else "correct"
        digits = list(expected)
        if partial:
            i = rng.randrange(len(digits))
            if rng.random() < 0.5:
                digits[i] = rng.choice("0123456789")
            else:
                del digits[i]
        spoken = " ".join(digits) if lang == "en" else "".join(_ZH_DIGITS[int(x)] for x in digits)
        return filler + (
            spoken
            if rng.random() < 0.5
            else (f"{spoken}，行了吧？" if lang == "zh" else f"{spoken}, okay?")
        ), "partial" if partial else "correct"
    if r < p_correct + p_partial + p_engaged:
        return filler + rng.choice(C.HUMAN_ENGAGED[kind.value][lang]), "engaged"
    if r < p_correct + p_partial + p_engaged + p_off:
        return filler + _fill(
            rng.choice(C.HUMAN_OFF_TOPIC[lang]), rng, {"name": name, "name_en": name}
        ), "off_topic"
    return "", "silent"


def _cn_num(n: int) -> str:
    if n < 10:
        return _ZH_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _ZH_DIGITS[tens]) + "十" + (_ZH_DIGITS[ones] if ones else "")


def _bot_campaigns(rng: random.Random, n: int, agent_share: float) -> list[dict[str, Any]]:
    camps = []
    keys = list(C.BOT_SCRIPTS)
    for i in range(n):
        cat, lang = keys[i % len(keys)]
        script = rng.choice(C.BOT_SCRIPTS[(cat, lang)])
        fixed = {k: rng.choice(v) for k, v in C.FILLS.items()}
        if rng.random() < agent_share:
            style = "agent"
        else:
            style = rng.choices([s for s, _ in SCRIPTED_STYLES], [w for _, w in SCRIPTED_STYLES])[0]
        answer_tpl = {k: rng.randrange(len(v[lang])) for k, v in C.AGENT_ANSWERS.items()}
        camps.append(
            {
                "id": f"camp-{i:03d}",
                "category": cat,
                "lang": lang,
                "style": style,
                "segments": [_fill(s, rng, fixed) for s in script],
                "fixed": fixed,
                "latency_s": rng.uniform(*AGENT_LATENCY_S),
                "answer_tpl": answer_tpl,
                "pivot": rng.choice(C.AGENT_PIVOTS[lang]),
                "filler_p": rng.choice([0.0, 0.0, 0.3]),
                "trick_hardened": rng.random() < AGENT_TRICK_HARDENED_SHARE,
                "trick_tpl": rng.randrange(6),
            }
        )
    return camps


def simulate_call(
    rng: random.Random,
    idx: int,
    start: datetime,
    *,
    bot: dict[str, Any] | None,
    asr_rate: float = 0.04,
    n_challenges: int = 3,
    tricks: int = 2,
    adaptive_tricks: bool = True,
) -> dict[str, Any]:
    """One screened call: the caller speaks, the assistant asks up to ``n_challenges`` classic
    challenges, then up to ``tricks`` trick challenges (each in random order). With
    ``adaptive_tricks`` the tricks are asked only once the assistant has read a right answer
    to a classic challenge (a caller that answers none is judged on those already)."""
    lang = bot["lang"] if bot else ("en" if rng.random() < 0.15 else "zh")
    kinds = [ChallengeKind.WHO_FOR, ChallengeKind.DATE, ChallengeKind.REPEAT_NUMBER]
    rng.shuffle(kinds)
    kinds = kinds[:n_challenges]
    if tricks:
        trick_kinds = [ChallengeKind.REVERSE_DIGITS, ChallengeKind.NONSENSE]
        rng.shuffle(trick_kinds)
        kinds += trick_kinds[:tricks]
    turns: list[dict[str, Any]] = []
    t = 0.0
    local_today = start + timedelta(hours=8)

    def say(speaker: str, text: str, at: float) -> float:
        noisy = asr_noise(text, rng, asr_rate) if speaker == "caller" else text
        d = _dur(text, lang, rng)
        turns.append(
            {"speaker": speaker, "text": noisy, "start_s": round(at, 2), "end_s": round(at + d, 2)}
        )
        return at + d

    name = rng.choice(C.NAMES if lang == "zh" else C.NAMES_EN)
    if bot:
        segs = list(bot["segments"])
        seg_i = 0
        t = say("caller", segs[0], 0.3)
        style = bot["style"]
    else:
        hk = rng.choice([k for k in HUMAN_KINDS if k.endswith("_en") == (lang == "en")])
        body = rng.choice(C.HUMAN_OPENINGS[hk])
        line = rng.choice(C.GREETINGS[lang]) + body + rng.choice(C.TAILS[lang])
        line = line[:1].upper() + line[1:]
        t = say("caller", _fill(line, rng, {"name": name, "name_en": name}), 0.4)
    answered = False  # the assistant's own reading: some classic challenge answered right
    for kind in kinds:
        if kind in TRICK_KINDS and adaptive_tricks and not answered:
            break
        ch = make_challenge(kind, lang, rng)
        q_at = t + rng.uniform(0.4, 0.9)
        q_end = say("assistant", ch.prompt, q_at)
        if bot:
            if style == "recorded":
                seg_i = (seg_i + 1) % len(segs)
                t = say("caller", segs[seg_i], t + rng.uniform(0.2, 0.6))  # over the question
                t = max(t, q_end)
            elif style == "turn_taking":
                seg_i = (seg_i + 1) % len(segs)
                t = say("caller", segs[seg_i], q_end + rng.uniform(0.3, 0.8))
            elif style == "intent":
                line = rng.choice(C.BOT_DEFLECT[lang] + [segs[0]])
                t = say("caller", _fill(line, rng, bot["fixed"]), q_end + rng.uniform(0.3, 0.7))
            else:  # agent: answers most challenges in its campaign's words, then pitches
                seg_i = (seg_i + 1) % len(segs)
                text = segs[seg_i]
                if kind in TRICK_KINDS:
                    text = _agent_trick(kind, bot, rng, ch, text)
                elif rng.random() < AGENT_ANSWER_P:
                    answer = _agent_answer(kind, bot, rng, local_today, ch.expected_digits, name)
                    sep = " " if lang == "en" else ""
                    text = answer + sep + bot["pivot"] + text
                lat = max(0.2, rng.gauss(bot["latency_s"], AGENT_JITTER_S))
                t = say("caller", text, q_end + lat)
            answered = answered or _read_right(ch, turns[-1]["text"], local_today)
            continue
        if kind in TRICK_KINDS:
            text, sort = _human_trick(kind, lang, rng, ch, name)
        else:
            text, sort = _human_answer(kind, lang, rng, local_today, ch.expected_digits, name)
        if rng.random() < 0.08:  # "喂？喂？" over the assistant
            say(
                "caller",
                "喂？喂？" if lang == "zh" else "Hello? Hello?",
                q_at + rng.uniform(0.2, 1.2),
            )
        if not text:
            t = q_end + 3.0
            if rng.random() < 0.5:
                break  # hung up
            continue
        slow = kind is ChallengeKind.REVERSE_DIGITS and sort in ("correct", "partial", "forwards")
        lat = (
            min(
                8.0,
                rng.lognormvariate(
                    math.log(HUMAN_REVERSE_LATENCY_MEDIAN_S), HUMAN_REVERSE_LATENCY_SIGMA
                ),
            )
            if slow
            else _human_latency(rng)
        )
        t = say("caller", text, q_end + lat)
        answered = answered or _read_right(ch, turns[-1]["text"], local_today)
        if rng.random() < 0.06:
            break  # hung up after answering
    turns.sort(key=lambda x: x["start_s"])
    if bot:
        label = "fraud" if bot["category"] in FRAUD else "harassment"
        category, campaign, kind_s, style_s = bot["category"], bot["id"], "bot", bot["style"]
    else:
        label = "harassment" if hk == "telemarketing_human" else "benign"
        category, campaign, kind_s, style_s = hk.removesuffix("_en"), "", "human", ""
    # the two draws as before (the dialogues after this one stay the same), each read as a
    # mobile number the numbering plan allocates; a bot calls from one of its campaign's few
    caller_draw = rng.randint(13000000000, 19999999999)
    callee_draw = rng.randint(13000000000, 19999999999)
    lines = bot.get("numbers") if bot else None
    caller = lines[caller_draw % len(lines)] if lines else mobile_number(caller_draw)
    return {
        "call_id": f"scr-{idx:06d}",
        "caller": caller,
        "callee": mobile_number(callee_draw),
        "start_time": start.isoformat(),
        "label": label,
        "category": category,
        "campaign": campaign,
        "caller_kind": kind_s,
        "bot_style": style_s,
        "turns": turns,
    }


#: Caller numbers a bot campaign reuses over its calls (so `callwarden labels`' screening
#: rule, which wants a number judged bot by several callees, meets its numbers again)
CAMPAIGN_NUMBERS = 3


@functools.cache
def _mobile_prefixes() -> tuple[int, ...]:
    """Every 7-digit mobile prefix of the simulated numbering plan (``sim.numbering``)."""
    return tuple(sorted({int(p) for v in mobile_blocks().values() for p in v}))


def mobile_number(draw: int) -> str:
    """A mobile number (+86, 11 digits) in an allocated block of the numbering plan, read
    from a non-negative random integer: its prefix ``draw`` mod the prefixes, its last four
    digits from the rest. (A uniform draw over 13000000000-19999999999 fell in a range the
    plan refuses, 140-144, 146, 1741-1749 and more, about 1 in 4 times.)"""
    prefixes = _mobile_prefixes()
    prefix = prefixes[draw % len(prefixes)]
    return f"+86{prefix}{(draw // len(prefixes)) % 10_000:04d}"


def campaign_numbers(seed: int, campaign: str, k: int = CAMPAIGN_NUMBERS) -> tuple[str, ...]:
    """The ``k`` numbers a bot campaign calls from, drawn apart from the dialogues' stream
    (its own seed), so adding them changes no dialogue."""
    r = random.Random(f"screening-numbers-{seed}-{campaign}")
    return tuple(mobile_number(r.randrange(10**12)) for _ in range(k))


def simulate_screening(
    n_calls: int,
    *,
    seed: int = 0,
    bot_share: float = 0.5,
    n_campaigns: int = 60,
    asr_rate: float = 0.04,
    agent_share: float = DEFAULT_AGENT_SHARE,
    n_challenges: int = 3,
    tricks: int = 2,
    adaptive_tricks: bool = True,
) -> list[dict[str, Any]]:
    """``n_calls`` screened calls, about ``bot_share`` of them from bot campaigns, of which
    about ``agent_share`` are LLM-style agents (raise it to study agents on their own)."""
    rng = random.Random(seed)
    camps = [
        {**c, "numbers": campaign_numbers(seed, c["id"])}
        for c in _bot_campaigns(rng, n_campaigns, agent_share)
    ]
    base = datetime(2026, 11, 2, tzinfo=UTC)
    out = []
    for i in range(n_calls):
        start = base + timedelta(days=rng.randrange(28), seconds=rng.randrange(1, 12 * 3600))
        bot = rng.choice(camps) if rng.random() < bot_share else None
        out.append(
            simulate_call(
                rng,
                i,
                start,
                bot=bot,
                asr_rate=asr_rate,
                n_challenges=n_challenges,
                tricks=tricks,
                adaptive_tricks=adaptive_tricks,
            )
        )
    return out


def write_jsonl(records: list[dict[str, Any]], path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
