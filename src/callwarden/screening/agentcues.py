"""Cues that tell an LLM-style voice agent from a person when both answer the challenges.

An agent that answers "今天是几号?" correctly passes the challenge itself; what still differs:

- **reply latency**: a speech pipeline (endpointing, model, synthesis) starts every reply after
  about the same delay; people's latencies spread widely and now and then start before the
  question ends (:func:`reply_latencies`);
- **fluency**: people hedge and fill ("呃", "吧", "um"); synthesised replies rarely do
  (:func:`is_disfluent`);
- **templates across calls** (batch only): one campaign's agent answers the same challenge
  with near-verbatim wording on every call (:func:`campaign_evidence`).

Calls are grouped into campaigns by their opening turn (the greeting a campaign plays).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from callwarden.screening.challenge import ChallengeKind, recognise_challenge
from callwarden.screening.scripts import cluster_scripts, jaccard, shingles
from callwarden.screening.transcript import Speaker, Transcript

# Hesitation and hedging markers in transcripts of people (ASR keeps most of them).
_DISFLUENT = re.compile(
    r"呃|嗯|那个|啊|哦|吧|好像|应该|我想想|\b(?:uh|um|er|hmm|oh|i think|like|i guess)\b",
    re.IGNORECASE,
)
_ZH_NUM = re.compile(r"[零一二三四五六七八九十两]+")
_UNITS = re.compile(r"[\u4e00-\u9fff]|[A-Za-z0-9']+")
_TEMPLATE_SAMPLE = 60  # replies of one campaign and challenge compared against (bounds cost)


@dataclass(frozen=True, slots=True)
class CampaignEvidence:
    """What the batch says about one call's campaign (the calls sharing its opening)."""

    calls: int = 1
    templated_replies: int = 0  # this call's replies that match other calls' replies


NO_CAMPAIGN = CampaignEvidence()


def challenge_replies(tr: Transcript) -> list[tuple[ChallengeKind, float | None, str]]:
    """Per recognised challenge: its kind, the reply's latency (start of the first caller
    turn after the question minus the question's end; negative when the reply began before
    the question ended) and the reply text."""
    out: list[tuple[ChallengeKind, float | None, str]] = []
    turns = tr.turns
    for i, turn in enumerate(turns):
        if turn.speaker is Speaker.CALLER:
            continue
        ch = recognise_challenge(turn.text)
        if ch is None:
            continue
        reply = []
        j = i + 1  # (not turns[i + 1 :]: a copy of the rest of the call at each challenge)
        while j < len(turns) and turns[j].speaker is Speaker.CALLER:
            reply.append(turns[j])
            j += 1
        # A short "喂？" spoken over the question is not the reply; skip caller turns that
        # ended before the question did.
        if turn.end_s is not None:
            reply = [t for t in reply if t.end_s is None or t.end_s > turn.end_s]
        lat = None
        if reply and reply[0].start_s is not None and turn.end_s is not None:
            lat = round(reply[0].start_s - turn.end_s, 3)
        out.append((ch.kind, lat, " ".join(t.text for t in reply)))
    return out


def is_disfluent(text: str) -> bool:
    return bool(_DISFLUENT.search(text))


def latency_spread(latencies: Sequence[float | None]) -> float | None:
    """Max minus min over the known latencies; ``None`` with fewer than two."""
    known = [x for x in latencies if x is not None]
    if len(known) < 2:
        return None
    return max(known) - min(known)


def length_units(text: str) -> int:
    """Chinese characters plus Latin words: a length comparable across the two languages."""
    return len(_UNITS.findall(text))


def _template_key(text: str, head_units: int) -> set[str]:
    # Digits, dates and numbers differ per call (today's date, the number asked): mask them.
    # Only the reply's head is compared: an agent's answer and its pivot back to the pitch
    # are fixed, while the pitch segment it goes on with varies from call to call.
    units = _UNITS.finditer(text)
    end = len(text)
    for k, m in enumerate(units):
        if k == head_units:
            end = m.start()
            break
    return shingles(_ZH_NUM.sub("0", text[:end]))


def campaign_evidence(
    transcripts: Sequence[Transcript],
    *,
    opening_threshold: float = 0.6,
    opening_min_chars: int = 20,
    min_calls: int = 3,
    reply_min_units: int = 16,
    reply_similarity: float = 0.6,
    reply_min_others: int = 2,
    head_units: int = 24,
) -> list[CampaignEvidence]:
    """Campaign evidence per call: calls are grouped by near-duplicate openings; within a
    group of ``min_calls`` or more, a reply counts as templated when replies to the same
    challenge in ``reply_min_others`` other calls of the group are near-duplicates of it.
    Only replies of ``reply_min_units`` or more count: short replies ("找张伟。", "你问这个干嘛?")
    coincide between different people by chance; a long one repeated is a template."""
    if not transcripts:
        return []
    openings = [opening(tr) for tr in transcripts]
    labels = cluster_scripts(openings, opening_threshold, min_chars=opening_min_chars)
    keyed = [long_replies(tr, reply_min_units, head_units) for tr in transcripts]
    call_ids = [tr.call_id for tr in transcripts]
    groups: dict[int, list[int]] = {}
    for i, lab in enumerate(labels.tolist()):
        groups.setdefault(lab, []).append(i)
    out = [NO_CAMPAIGN] * len(transcripts)
    for members in groups.values():
        if len(members) < min_calls:
            continue
        sample = reply_sample(members, call_ids, keyed)
        for i in members:
            out[i] = campaign_of(i, members, sample, keyed, reply_similarity, reply_min_others)
    return out


def opening(tr: Transcript) -> str:
    """The call's opening turn (the caller's first), by which calls form campaigns."""
    return next((t.text for t in tr.by(Speaker.CALLER)), "")


#: A call's replies to challenges that are long enough to be compared across calls: the
#: challenge's kind and the reply's template key (:func:`_template_key`), in reply order.
KeyedReplies = tuple[tuple[ChallengeKind, frozenset[str]], ...]


def long_replies(tr: Transcript, min_units: int = 16, head_units: int = 24) -> KeyedReplies:
    """The replies :func:`campaign_evidence` compares across calls (``reply_min_units``)."""
    return tuple(
        (kind, frozenset(_template_key(text, head_units)))
        for kind, _, text in challenge_replies(tr)
        if length_units(text) >= min_units
    )


def reply_sample(
    members: Sequence[int], call_ids: Sequence[str], keyed: Sequence[KeyedReplies]
) -> dict[ChallengeKind, list[tuple[int, frozenset[str]]]]:
    """A campaign's replies compared against, per challenge kind: (call, key) of the long
    replies (:func:`long_replies`), at most ``_TEMPLATE_SAMPLE`` a kind, taken in call_id
    order so that the sample (and the evidence) does not follow the order of the calls."""
    by_kind: dict[ChallengeKind, list[tuple[int, frozenset[str]]]] = {}
    for m in sorted(members, key=lambda m: (call_ids[m], m)):
        for kind, key in keyed[m]:
            pool = by_kind.setdefault(kind, [])
            if len(pool) < _TEMPLATE_SAMPLE:
                pool.append((m, key))
    return by_kind


def campaign_of(
    i: int,
    members: Sequence[int],
    sample: Mapping[ChallengeKind, Sequence[tuple[int, frozenset[str]]]],
    keyed: Sequence[KeyedReplies],
    reply_similarity: float = 0.6,
    reply_min_others: int = 2,
) -> CampaignEvidence:
    """Call ``i``'s evidence in its campaign (``members``, ``min_calls`` or more; ``sample``
    its :func:`reply_sample`): the step across calls of :func:`campaign_evidence`."""
    templated = 0
    for kind, key in keyed[i]:
        others = {
            j for j, sh in sample.get(kind, ()) if j != i and jaccard(key, sh) >= reply_similarity
        }
        templated += len(others) >= reply_min_others
    return CampaignEvidence(len(members), templated)
