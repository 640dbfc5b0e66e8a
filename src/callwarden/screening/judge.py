"""The challenge-response bot test: a transcript in, bot / human / unsure with reasons out.

Each turn of the assistant (or the callee) that asks a recognised challenge is paired with
the caller's reply: the caller turns that start after the question starts and before the
next question. Every signal adds a weight to a bot score; the verdict comes from two
thresholds, so a call with too little evidence stays ``unsure`` rather than being guessed.
The weights are few and fixed by hand so each reason reads as it counts; the thresholds
were set on one simulator seed and are evaluated on others (docs/screening.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta, timezone
from enum import Enum

from callwarden.screening.agentcues import (
    NO_CAMPAIGN,
    CampaignEvidence,
    campaign_evidence,
    challenge_replies,
    is_disfluent,
    latency_spread,
    length_units,
)
from callwarden.screening.answers import digit_string
from callwarden.screening.challenge import (
    TRICK_KINDS,
    AnswerFit,
    Challenge,
    ChallengeKind,
    is_long_reply,
    recognise_challenge,
    reversed_digits_said,
    score_reply,
    strip_lead_filler,
    words_before_digits,
)
from callwarden.screening.normalise import simplified_transcript
from callwarden.screening.reasons import Reason, ReasonCode, Verdict
from callwarden.screening.scripts import ScriptLibrary, containment, shingles
from callwarden.screening.spans import CallerSpans, EarlierShingles
from callwarden.screening.transcript import Speaker, Transcript, Turn

_FIT_CODE = {
    AnswerFit.CORRECT: ReasonCode.CHALLENGE_ANSWERED,
    AnswerFit.PARTIAL: ReasonCode.CHALLENGE_PARTIAL,
    AnswerFit.ENGAGED: ReasonCode.CHALLENGE_ENGAGED,
    AnswerFit.OFF_TOPIC: ReasonCode.CHALLENGE_IGNORED,
    AnswerFit.SILENT: ReasonCode.CHALLENGE_SILENT,
}


@dataclass(frozen=True, slots=True)
class JudgeConfig:
    """Weights (positive = bot-like) and the two verdict thresholds."""

    w_correct: float = -3.0
    w_partial: float = -2.0
    # A date said on a call without a start time cannot be checked: it counts as a date of
    # the right kind, no more than a wrong one (w_partial), not as a right answer.
    w_date_unchecked: float = -2.0
    w_engaged: float = -1.5
    w_confused: float = 0.0
    # Only a greeting with the callee's name ("您好，王先生。", "Hello, Mr. Johnson."): a person's
    # as often as a mail-merge bot's, so neither (audit 7); the bot meets the other evidence.
    w_greeting_by_name: float = 0.0
    w_off_topic: float = 2.0
    w_silent: float = 0.5
    w_barge_in: float = 1.5
    w_own_script: float = 1.0
    w_known_script: float = 2.0
    w_shared_script: float = 1.5
    barge_min_overlap_s: float = 1.0
    barge_min_share: float = 0.5
    own_script_containment: float = 0.6
    known_script_similarity: float = 0.6
    shared_script_min_calls: int = 3
    bot_at: float = 3.0
    human_at: float = -1.0
    # LLM-style agents (agentcues): per call, then from the batch's campaign groups.
    w_steady_latency: float = 0.5
    steady_latency_spread_s: float = 0.3
    steady_latency_min_replies: int = 2
    w_fluent: float = 1.5
    fluent_min_replies: int = 2
    w_templated_reply: float = 5.0  # per reply: outweighs the credit of a right answer
    local_utc_offset_h: float = 8.0  # the date a callee means is the local one (Asia/Shanghai)
    # Trick challenges (docs/screening.md): a six-digit number reversed exactly (one digit may
    # be lost to the recogniser), fluently and within a pipeline's delay of the digits' turn
    # is superhuman. Right but slow or hesitant is cheap to imitate (an agent waits or says
    # "嗯"), so it is little evidence of a person; a wrong reversal said at once and fluently,
    # or one without timings, is none. A nonsense premise taken up, or a pivot back to the
    # pitch, is a bot's.
    w_superhuman: float = 3.0
    w_reverse_correct: float = -0.5
    w_played_along: float = 2.0
    superhuman_min_digits: int = 6
    superhuman_min_similarity: float = 0.8
    superhuman_min_latency_s: float = 0.0  # the digits end the question: none can start before
    superhuman_max_latency_s: float = 2.0
    # A turn spoken slower than this (units a second: Chinese characters plus Latin words)
    # holds a pause the recogniser did not split on, so digits after a lead-in inside it
    # ("好的，……六二七一八三") cannot be timed.
    timed_turn_min_rate: float = 2.0
    # After a superhuman reversal a right classic answer is no evidence by being right; said
    # with a hesitation or hedge (呃, 嗯, 吧, I think) it keeps this much of a person's credit.
    superhuman_voids_answers: bool = True
    w_hesitant_answer_after_superhuman: float = -1.5
    # A short reply that talks past a trick is a person stating their business as often as
    # a bot (tricks follow a right answer, so scripted bots rarely hear them); a pitch is a bot.
    w_trick_short_ignored: float = 0.5

    def fit_weight(self, fit: AnswerFit) -> float:
        return {
            AnswerFit.CORRECT: self.w_correct,
            AnswerFit.PARTIAL: self.w_partial,
            AnswerFit.ENGAGED: self.w_engaged,
            AnswerFit.OFF_TOPIC: self.w_off_topic,
            AnswerFit.SILENT: self.w_silent,
        }[fit]


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    call_id: str
    verdict: Verdict
    bot_score: float
    reasons: tuple[Reason, ...]
    challenges: int


def _local_date(tr: Transcript, cfg: JudgeConfig) -> date | None:
    if tr.start_time is None:
        return None
    tz = timezone(timedelta(hours=cfg.local_utc_offset_h))
    return tr.start_time.astimezone(tz).date()


def judge(
    tr: Transcript,
    *,
    library: ScriptLibrary | None = None,
    shared_script_calls: int = 0,
    campaign: CampaignEvidence = NO_CAMPAIGN,
    config: JudgeConfig | None = None,
) -> ScreeningResult:
    """Judge one call. ``shared_script_calls`` is how many calls in the batch played the same
    caller script (from :func:`callwarden.screening.scripts.cluster_scripts`). Turns in
    Traditional characters are read as Simplified (:mod:`callwarden.screening.normalise`)."""
    tr = simplified_transcript(tr)
    cfg = config or JudgeConfig()
    today = _local_date(tr, cfg)
    # The challenges' reasons, each with whether it is a right classic answer said with a
    # hesitation or hedge (what it keeps of a person's credit after a superhuman reversal).
    scored: list[tuple[Reason, bool]] = []
    turns = tr.turns
    # (each challenge asks these of the caller turns: pairwise, a long call was quadratic)
    spans = CallerSpans(turns)
    earlier_shingles = EarlierShingles(turns)
    n_challenges = 0
    # A reversal asked again: the assistant repeats the digits after "哪个号码?" (the reply
    # to the first asking held no digits); the reply to the repeat is the one scored.
    unanswered_rev: tuple[Challenge, int] | None = None
    for i, turn in enumerate(turns):
        if turn.speaker is Speaker.CALLER:
            continue
        ch = recognise_challenge(turn.text)
        if ch is None and unanswered_rev is not None and _reasks(turn.text, unanswered_rev[0]):
            ch, at = unanswered_rev
            old = scored[at][0]
            scored[at] = (Reason(old.code, {**old.evidence, "asked_again": True}, 0.0), False)
        elif ch is None:
            continue
        else:
            n_challenges += 1
        unanswered_rev = None
        # The caller's reply: the caller turns after this question, up to the other side's
        # next turn (a recording that talks over the question starts after it, so counts).
        reply: list[Turn] = []
        if turn.end_s is not None:
            # A caller turn that began before the question and runs on past its end talked
            # straight through it: that is its "reply".
            reply.extend(spans.ran_past(i, turn.end_s))
        j = i + 1
        while j < len(turns) and turns[j].speaker is Speaker.CALLER:
            reply.append(turns[j])
            j += 1
        # Talking over the question: caller speech overlapping it, from any caller turn.
        overlap = spans.overlap_s(turn)
        qdur = turn.duration_s or 0.0
        if (
            overlap >= cfg.barge_min_overlap_s
            and qdur > 0
            and overlap / qdur >= cfg.barge_min_share
        ):
            barge = Reason(
                ReasonCode.BARGE_IN,
                {
                    "challenge": ch.kind.value,
                    "over": turn.speaker.value,
                    "overlap_s": round(overlap, 1),
                },
                cfg.w_barge_in,
            )
            scored.append((barge, False))
        text = " ".join(t.text for t in reply)
        fit, ev = score_reply(ch, text, today)
        weight = cfg.w_confused if ev.get("engaged") == "confused" else cfg.fit_weight(fit)
        if ev.get("engaged") == "greeting_by_name":
            weight = cfg.w_greeting_by_name
        if ev.get("date_checked") is False:
            weight = cfg.w_date_unchecked
        code = _FIT_CODE[fit]
        if ch.kind is ChallengeKind.REVERSE_DIGITS and fit in (
            AnswerFit.CORRECT,
            AnswerFit.PARTIAL,
        ):
            held = _digits_turn(reply, ch)
            if held is not None and len(held[1]) < len(str(ev.get("digits_said", ""))):
                # The digits run on over two caller turns: a pause the recogniser heard.
                ev = {**ev, "hesitant": True, "split_over_turns": True}
            lat = _digits_latency(turn, held[0] if held else None, ch, cfg)
            timing = _reversal_timing(lat, cfg)
            worked_out = timing is _Timing.SLOW or bool(ev.get("hesitant"))
            if timing is _Timing.AT_ONCE and _superhuman(ch, text, ev, cfg):
                code, weight = ReasonCode.TRICK_SUPERHUMAN, cfg.w_superhuman
                ev = {**ev, "latency_s": lat}
            elif fit is AnswerFit.CORRECT:
                # Right, not at once: little evidence; without timings, none.
                weight = cfg.w_reverse_correct if worked_out else 0.0
            elif not worked_out and timing is not _Timing.EARLY:
                weight = 0.0  # a wrong reversal said at once and fluently: no working-out
        elif ch.kind is ChallengeKind.NONSENSE and (ev.get("accepts_premise") or ev.get("pivots")):
            code, weight = ReasonCode.TRICK_PLAYED_ALONG, cfg.w_played_along
        if (
            ch.kind in TRICK_KINDS
            and code is ReasonCode.CHALLENGE_IGNORED
            and not is_long_reply(text)
        ):
            weight = cfg.w_trick_short_ignored
        hesitant_answer = (
            code is ReasonCode.CHALLENGE_ANSWERED
            and ch.kind not in TRICK_KINDS
            and is_disfluent(text)
        )
        if ch.kind is ChallengeKind.REVERSE_DIGITS and not digit_string(text):
            unanswered_rev = (ch, len(scored))
        scored.append((Reason(code, {"challenge": ch.kind.value, **ev}, weight), hesitant_answer))
        if (
            fit in (AnswerFit.OFF_TOPIC, AnswerFit.SILENT, AnswerFit.ENGAGED)
            and reply
            and ev.get("engaged") != "topical"
        ):
            own = containment(shingles(text), earlier_shingles.before(i))
            if own >= cfg.own_script_containment:
                repeats = Reason(
                    ReasonCode.REPEATS_OWN_SCRIPT,
                    {"challenge": ch.kind.value, "containment": round(own, 2)},
                    cfg.w_own_script,
                )
                scored.append((repeats, False))
    reasons = _discount_answers(scored, cfg)
    # Barge-in over the callee's ordinary turns too (no challenge needed).
    if n_challenges == 0:
        reasons.append(Reason(ReasonCode.NO_CHALLENGE, {}, 0.0))
        for turn in turns:
            if turn.speaker is Speaker.CALLER:
                continue
            overlap = spans.overlap_s(turn)
            qdur = turn.duration_s or 0.0
            if (
                overlap >= cfg.barge_min_overlap_s
                and qdur > 0
                and overlap / qdur >= cfg.barge_min_share
            ):
                reasons.append(
                    Reason(
                        ReasonCode.BARGE_IN,
                        {"over": turn.speaker.value, "overlap_s": round(overlap, 1)},
                        cfg.w_barge_in,
                    )
                )
                break
    caller_text = tr.text_of(Speaker.CALLER)
    if library is not None and len(library):
        m = library.match(caller_text, cfg.known_script_similarity)
        if m is not None:
            reasons.append(
                Reason(
                    ReasonCode.KNOWN_SCRIPT,
                    {"script_id": m.script_id, "similarity": m.similarity, "category": m.category},
                    cfg.w_known_script,
                )
            )
    if shared_script_calls >= cfg.shared_script_min_calls:
        reasons.append(
            Reason(
                ReasonCode.SCRIPT_SHARED_ACROSS_CALLS,
                {"calls": shared_script_calls},
                cfg.w_shared_script,
            )
        )
    reasons.extend(_agent_reasons(tr, campaign, cfg))
    score = round(sum(r.weight for r in reasons), 2)
    if score >= cfg.bot_at:
        verdict = Verdict.BOT
    elif score <= cfg.human_at:
        verdict = Verdict.HUMAN
    else:
        verdict = Verdict.UNSURE
    return ScreeningResult(tr.call_id, verdict, score, tuple(reasons), n_challenges)


def _reasks(text: str, ch: Challenge) -> bool:
    """A turn that only repeats the digits of reversal ``ch`` as asked ("3 8 1 7 2 6.")."""
    return not is_long_reply(text) and digit_string(text) == ch.expected_digits[::-1]


def _digits_turn(reply: Sequence[Turn], ch: Challenge) -> tuple[Turn, str] | None:
    """The caller turn holding the run of digits nearest the reversal (the first of equals,
    where a run split over turns begins) and its digits; None when no turn holds digits."""
    best: tuple[float, Turn, str] | None = None
    for t in reply:
        said, sim, _ = reversed_digits_said(strip_lead_filler(t.text), ch.expected_digits)
        if said and (best is None or sim > best[0]):
            best = (sim, t, said)
    return None if best is None else (best[1], best[2])


def _digits_latency(
    question: Turn, t: Turn | None, ch: Challenge, cfg: JudgeConfig
) -> float | None:
    """Seconds from the question's end to the start of the caller turn ``t`` holding the
    reversed digits (not an "好。"/"OK." said before working them out); None without timings,
    or when the digits follow a lead-in inside a turn spoken too slowly to place them in it."""
    if question.end_s is None or t is None or t.start_s is None or t.end_s is None:
        return None
    before = words_before_digits(strip_lead_filler(t.text), ch.expected_digits)
    duration = t.end_s - t.start_s
    if (
        length_units(before)
        and duration > 0
        and length_units(t.text) / duration < cfg.timed_turn_min_rate
    ):
        return None
    return round(t.start_s - question.end_s, 2)


class _Timing(Enum):
    """When the reversed digits began, against the superhuman window."""

    UNTIMED = "untimed"  # no timings, or digits that cannot be placed in their turn
    EARLY = "early"  # before the question (and its last digit) ended, or not a finite time
    AT_ONCE = "at_once"  # within the window: a pipeline's delay
    SLOW = "slow"  # after it: time to work the digits out


def _reversal_timing(lat: float | None, cfg: JudgeConfig) -> _Timing:
    if lat is None:
        return _Timing.UNTIMED
    if lat > cfg.superhuman_max_latency_s:
        return _Timing.SLOW
    if cfg.superhuman_min_latency_s <= lat:
        return _Timing.AT_ONCE
    return _Timing.EARLY  # NaN compares false both ways and lands here


def _superhuman(ch: Challenge, text: str, ev: Mapping[str, object], cfg: JudgeConfig) -> bool:
    """A long number reversed near-exactly with no pause or filler before or inside the
    digits; the caller checks that it began at once (``_Timing.AT_ONCE``)."""
    asked = len(ch.expected_digits)
    said = str(ev.get("digits_said", ""))
    sim = float(ev.get("digit_similarity", 0.0))  # type: ignore[arg-type]
    if asked < cfg.superhuman_min_digits or len(said) < asked - 1:
        return False
    if sim < cfg.superhuman_min_similarity or ev.get("hesitant"):
        return False
    head = reversed_digits_said(text, ch.expected_digits)[2]
    return not is_disfluent(head)


def _discount_answers(scored: Sequence[tuple[Reason, bool]], cfg: JudgeConfig) -> list[Reason]:
    """The challenges' reasons; after a superhuman reversal a right answer to a classic
    challenge is no evidence of a person by being right (the caller has shown it can answer
    anything): it stays listed (``discounted``) and weighs what its manner says, 0 when fluent
    and ``w_hesitant_answer_after_superhuman`` when said with a hesitation or hedge (the flag
    paired with it). Partial and engaged replies, which no caller gives by being able, keep
    their weights."""
    reasons = [r for r, _ in scored]
    if not (
        cfg.superhuman_voids_answers and any(r.code is ReasonCode.TRICK_SUPERHUMAN for r in reasons)
    ):
        return reasons
    out = []
    for r, hesitant in scored:
        classic = r.evidence.get("challenge") not in {kind.value for kind in TRICK_KINDS}
        if r.code is ReasonCode.CHALLENGE_ANSWERED and r.weight < 0 and classic:
            if hesitant:
                w = max(r.weight, cfg.w_hesitant_answer_after_superhuman)
                r = Reason(r.code, {**r.evidence, "discounted": True, "hesitant": True}, w)
            else:
                r = Reason(r.code, {**r.evidence, "discounted": True}, 0.0)
        out.append(r)
    return out


def _agent_reasons(tr: Transcript, camp: CampaignEvidence, cfg: JudgeConfig) -> list[Reason]:
    """Evidence that tells an answering agent from a person (docs/screening.md)."""
    out: list[Reason] = []
    answered = [(lat, text) for _, lat, text in challenge_replies(tr) if text.strip()]
    lats = [lat for lat, _ in answered if lat is not None and lat > 0]
    spread = latency_spread(lats)
    if (
        spread is not None
        and len(lats) >= cfg.steady_latency_min_replies
        and spread <= cfg.steady_latency_spread_s
    ):
        out.append(
            Reason(
                ReasonCode.STEADY_LATENCY,
                {"spread_s": round(spread, 2), "replies": len(lats)},
                cfg.w_steady_latency,
            )
        )
    if len(answered) >= cfg.fluent_min_replies and not any(is_disfluent(t) for _, t in answered):
        out.append(Reason(ReasonCode.FLUENT_REPLIES, {"replies": len(answered)}, cfg.w_fluent))
    if camp.templated_replies:
        out.append(
            Reason(
                ReasonCode.TEMPLATED_REPLY,
                {"replies": camp.templated_replies, "calls": camp.calls},
                cfg.w_templated_reply * camp.templated_replies,
            )
        )
    return out


def screen_batch(
    transcripts: Sequence[Transcript],
    *,
    library: ScriptLibrary | None = None,
    config: JudgeConfig | None = None,
    use_batch_scripts: bool = True,
    threshold: float = 0.6,
) -> list[ScreeningResult]:
    """Judge many calls; with ``use_batch_scripts`` a caller script heard on several calls of
    the batch counts as evidence (one recording played to many callees)."""
    transcripts = [simplified_transcript(t) for t in transcripts]
    shared = [0] * len(transcripts)
    camps = [NO_CAMPAIGN] * len(transcripts)
    if use_batch_scripts and transcripts:
        shared, camps = batch_evidence(transcripts, threshold=threshold)
    return [
        judge(t, library=library, shared_script_calls=s, campaign=c, config=config)
        for t, s, c in zip(transcripts, shared, camps, strict=True)
    ]


def batch_evidence(
    transcripts: Sequence[Transcript], *, threshold: float = 0.6
) -> tuple[list[int], list[CampaignEvidence]]:
    """What :func:`screen_batch` reads across the calls (given as judged, in Simplified
    characters): per call, how many calls of the batch play its caller script, and its
    campaign evidence (:func:`callwarden.screening.agentcues.campaign_evidence`)."""
    from callwarden.screening.scripts import near_duplicate_counts

    texts = [t.text_of(Speaker.CALLER) for t in transcripts]
    shared = near_duplicate_counts(texts, threshold, min_chars=30).tolist()
    return shared, campaign_evidence(transcripts)


def verdict_counts(results: list[ScreeningResult]) -> Mapping[Verdict, int]:
    out = {v: 0 for v in Verdict}
    for r in results:
        out[r.verdict] += 1
    return out
