"""Campaign-level blocking before a call rings: an incremental, per-call-cheap index.

For every ingress the index keeps the known campaigns' callee lists as hash maps (callee id ->
campaign), the list *ranges* they dial densely (block of ``block_size`` numbers -> campaign)
and the asserted identities (PAI) that only their calls carry. A number that is not yet a
member is flagged, with the campaign as its reason, once the evidence of its calls through
that ingress reaches ``min_score``:

* a call carrying the campaign's own asserted identity: the whole score needed, at once (an
  identity only the campaign's calls carry is the operation's trunk, not a list entry);
* a call to a callee on the campaign's list: 1;
* a call into a range the campaign dials densely: ``block_weight``, and only on an ingress the
  campaign dominates (its members are at least ``dominant_share`` of the ingress's callers);

The score needed grows with how often *other* callers on that ingress hit the list (the
background rate ``b`` measured by the batch build): ``ceil(log(false_flag_rate) / log(b))``,
between ``min_score`` (``min_score_shared`` on an ingress the campaign does not dominate:
subscribers' calls are not independent draws, friends cluster in number blocks) and
``max_score``. On a platform trunk the campaign owns, ``b`` is near
zero and two hits suffice; on an interconnect whose subscribers' friends live in the same
number blocks as a purchased list, more hits are needed;

and at least ``min_hit_share`` of its calls since its first hit hit. Only hits within
``hit_window_s`` of each other add up: a dialer reaches the score within minutes, while a
subscriber who happens to call a few friends inside a purchased list's number blocks does so
over a day. A flagged number becomes
a member; the calls of members that a batch build confirmed extend their campaign's list, so
the index keeps up with a campaign that works down its list between rebuilds (numbers flagged
online do not teach the list: one false flag must not snowball). A rebuilt campaign that shares members or
most of its list with a known one keeps the known id.

A campaign built without an informative ingress (``CampaignList.list_match`` False: the CDRs
had no ingress, or one value on nearly every call) keeps its members and its exclusive
asserted identities, but not its list: "on the campaign's ingress" would then mean "anywhere
in the network", and a courier or a subscriber whose friends live in the purchased list's
blocks would be flagged (the 20,000-subscriber article seed 2 replayed with one ingress value
labelled 533 benign calls through the gate).

**What a number's own earlier calls did.** List hits say *whom* a number dials, not what its
calls are: a courier, a clinic or a school whose customers live in the blocks a purchased list
covers hits the list as a dialer does. What separates them is the outcome of their calls,
which the network learns from each CDR once the call ends: a business's calls are answered and
talked through, and its callees call it back; a dialer's mostly are not. With ``outcomes_of``
set (the stream engine sets it to read its own state: the CDRs written before the call rings,
over the last 7 days), a number the index would flag is not flagged, and a member is released
(it no longer answers as one, nor teaches its campaign's list), while its completed calls pass
:meth:`CampaignIndex.legitimate`: at least ``release_min_calls`` of them, and either

* ``campaign_released_answered``: at least ``release_conversation_share`` of them answered
  with 10 s of talk or more (the state's short-call cut), or
* ``campaign_released_called_back``: at least ``release_callback_conversation_share`` so
  answered, and at least ``release_min_callbacks`` callees, and ``release_callback_share`` of
  its distinct callees, calling it back after its first call to them.

Human seats and robocalls are answered a tenth to two fifths of the time (a seat's answered
calls may be long, padded ones too), and some of their callees return a missed call; over 40
calls neither share reaches the bar by chance (docs/campaigns.md has the measurement). A call
carrying a campaign's own asserted identity is never released: that is its trunk. Each
release is recorded with its code and figures (:attr:`CampaignIndex.releases`).

Cost per call: a few dict look-ups; state is kept only for numbers that have hit a list
(bounded by ``max_tracked``, oldest evicted first). The outcomes are read only when a number
would be flagged and on the calls of numbers flagged online.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass

from callwarden.campaigns.build import CampaignList, CampaignResult
from callwarden.campaigns.records import CampaignFlag, Reason, ReasonCode
from callwarden.campaigns.staging import number_id

#: Reason codes of a number released (or not flagged) because its own calls' outcomes look
#: like a legitimate business's (rendered by ``callwarden.policy.render``): most of its calls
#: were conversations; or many were, and its callees call it back.
RELEASED_ANSWERED = "campaign_released_answered"
RELEASED_CALLED_BACK = "campaign_released_called_back"


@dataclass(frozen=True, slots=True)
class Outcomes:
    """What a number's own completed calls did, from the CDRs written before the current call
    rings (the stream state keeps the last 7 days)."""

    calls: int  # completed calls (CDRs written)
    conversations: int  # of them, answered with at least 10 s of talk
    callees: int  # distinct callees
    called_back: int  # callees that called the number after its first call to them


@dataclass(frozen=True, slots=True)
class IndexConfig:
    block_size: int = 100
    min_block_callees: int = 3  # a campaign "dials a range densely" from this many callees in it
    block_weight: float = 0.5
    min_score: float = 2.0
    min_score_shared: float = 4.0  # on an ingress the campaign does not dominate
    max_score: float = 8.0
    false_flag_rate: float = 1e-3  # chance an ordinary caller reaches the score by luck
    hit_window_s: float = 1800.0  # a dialer's hits come minutes apart, a person's hours
    dominant_share: float = 0.5
    min_hit_share: float = 0.6
    max_tracked: int = 1_000_000
    learn: bool = True
    # a number whose own completed calls look like a business's is not flagged (or released);
    # needs ``outcomes_of`` (the stream engine sets it)
    release_on_outcomes: bool = True
    release_min_calls: int = 40  # completed calls (CDRs written) before the call
    release_conversation_share: float = 0.7  # answered with >= 10 s of talk, alone
    release_callback_conversation_share: float = 0.5  # ... with call-backs
    release_min_callbacks: int = 5
    release_callback_share: float = 0.2  # of its distinct callees
    # judge the outcomes without the number's calls with its private partners in the latest
    # batch build (``CampaignResult.private``): accomplice SIMs of its own must not make a
    # dialer look like a business (docs/campaigns.md, "Padding")
    release_list_part: bool = True


class _Watch:
    __slots__ = ("calls", "events", "hits")

    def __init__(self) -> None:
        self.calls = 0
        self.hits: Counter[str] = Counter()
        self.events: dict[str, deque[tuple[float, float]]] = {}  # campaign -> (time, weight)

    def add(self, cid: str, t: float, weight: float, window: float) -> float:
        """Record a hit; the campaign's score over the last ``window`` seconds."""
        ev = self.events.setdefault(cid, deque())
        ev.append((t, weight))
        while ev and ev[0][0] < t - window:
            ev.popleft()
        return sum(w for _, w in ev)


class CampaignIndex:
    """Known campaigns per ingress; ``observe`` answers for one call before it rings."""

    def __init__(
        self,
        config: IndexConfig | None = None,
        outcomes_of: Callable[[str, float | None], Outcomes | None] | None = None,
    ) -> None:
        self.config = config or IndexConfig()
        # (number, set-up time) -> its earlier calls' outcomes, None when unknown; the stream
        # engine sets it to read its state (CDRs written before the call)
        self.outcomes_of = outcomes_of
        self._member: dict[str, str] = {}
        self._callee: dict[str, dict[int, str]] = {}
        self._block_n: dict[str, dict[tuple[int, str], int]] = {}
        self._block: dict[str, dict[int, str]] = {}
        self._asserted: dict[str, dict[str, str]] = {}
        self._dominated: dict[str, set[str]] = {}  # ingress -> campaigns that dominate it
        self._need: dict[tuple[str, str], float] = {}  # (ingress, campaign) -> score to flag
        self._watch: dict[str, _Watch] = {}
        self._confirmed: set[str] = set()  # members from a batch build (their calls teach lists)
        self._listless: set[str] = set()  # campaigns whose lists flag nobody (no ingress)
        self.categories: dict[str, str] = {}  # campaign id -> category ('' where unknown)
        self.flagged: int = 0
        self.released: int = 0  # members released on their outcomes (a number may count again)
        self.spared: int = 0  # flags not made on the outcomes (a number may count again)
        # the latest release per number (its reason code and figures), bounded by max_tracked
        self.releases: dict[str, Reason] = {}
        # number -> its calls with private partners in the latest batch build
        self._private: dict[str, tuple[int, int, int, int]] = {}

    # -- loading -------------------------------------------------------------------------
    def load(self, result: CampaignResult) -> None:
        """Add (or refresh) every campaign of a batch result, with its category where the
        build had one (transcripts' scripts)."""
        category = {c.campaign_id: c.category for c in result.campaigns if c.category}
        self._private = dict(getattr(result, "private", None) or {})  # older results: none
        for cl in result.lists:
            cid = self.add_campaign(cl)
            if cl.campaign_id in category:
                self.categories[cid] = category[cl.campaign_id]

    def add_campaign(self, cl: CampaignList) -> str:
        """Add a campaign (or merge a rebuilt one into the known campaign); returns its id."""
        cid = self._known_id(cl) or cl.campaign_id
        for m in cl.members:
            self._member[m] = cid
            self._confirmed.add(m)
            self._watch.pop(m, None)
        if cl.list_match:
            self._listless.discard(cid)
        else:
            self._listless.add(cid)
        callees = cl.callees.tolist() if cl.list_match else []
        for k, ing in enumerate(cl.ingresses):
            for n in callees:
                self._learn(ing, int(n), cid)
            for a in cl.asserted:
                self._asserted.setdefault(ing, {})[a] = cid
            share = cl.ingress_share[k] if k < len(cl.ingress_share) else 0.0
            if share >= self.config.dominant_share:
                self._dominated.setdefault(ing, set()).add(cid)
            bg = cl.background[k] if k < len(cl.background) else 0.0
            need = self._needed(bg)
            if share < self.config.dominant_share:
                need = max(need, self.config.min_score_shared)
            self._need[(ing, cid)] = need
        return cid

    def _needed(self, background: float) -> float:
        """Hits needed so that an ordinary caller, hitting the list at the ingress's background
        rate, gets there by luck with probability under ``false_flag_rate``."""
        cfg = self.config
        if background <= 0.0:
            return cfg.min_score
        if background >= 1.0:
            return cfg.max_score
        k = math.ceil(math.log(cfg.false_flag_rate) / math.log(background))
        return float(min(max(k, cfg.min_score), cfg.max_score))

    def _known_id(self, cl: CampaignList) -> str | None:
        votes = Counter(self._member[m] for m in cl.members if m in self._member)
        if not votes and cl.ingresses:
            known = self._callee.get(cl.ingresses[0], {})
            sample = cl.callees[:: max(1, len(cl.callees) // 200)].tolist()
            votes = Counter(known[int(n)] for n in sample if int(n) in known)
            if sum(votes.values()) < 0.5 * len(sample):
                return None
        return votes.most_common(1)[0][0] if votes else None

    def _learn(self, ingress: str, callee: int, cid: str) -> None:
        self._callee.setdefault(ingress, {})[callee] = cid
        blk = callee // self.config.block_size
        counts = self._block_n.setdefault(ingress, {})
        k = counts.get((blk, cid), 0) + 1
        counts[(blk, cid)] = k
        if k >= self.config.min_block_callees:
            self._block.setdefault(ingress, {})[blk] = cid

    # -- the per-call path ---------------------------------------------------------------
    def observe(
        self,
        caller: str,
        callee: str,
        ingress: str,
        asserted: str | None = None,
        t: float | None = None,
    ) -> CampaignFlag | None:
        """Judge one call before it rings (and remember it); None lets it through.

        ``asserted``: the call's asserted identity (PAI) if any; ``t``: its set-up time in
        seconds (hits older than ``hit_window_s`` stop counting; without ``t`` none expire).
        """
        hit = self.observe_id(caller, callee, ingress, asserted, t)
        if hit is None:
            return None
        cid, evidence = hit
        if evidence is None:
            return CampaignFlag(cid, Reason(ReasonCode.CAMPAIGN_MEMBER, {"ingress": ingress}))
        return CampaignFlag(cid, Reason(ReasonCode.CAMPAIGN_LIST_MATCH, evidence))

    def observe_id(
        self,
        caller: str,
        callee: str,
        ingress: str,
        asserted: str | None = None,
        t: float | None = None,
    ) -> tuple[str, dict[str, float | int | str] | None] | None:
        """``observe`` without building the flag: (campaign id, evidence of a new flag, or
        None for a member's call), or None. The replay's batches need only the id, and a
        member's calls are most of the calls the gate sees."""
        cfg = self.config
        cid = self._member.get(caller)
        n = number_id(callee)
        if cid is not None:
            # released once its own calls' outcomes look like a business's (not on a call
            # carrying a campaign's own asserted identity: that is the operation's trunk)
            pai = self._asserted.get(ingress, {}).get(asserted) if asserted else None
            if pai is None and self._release(caller, cid, t):
                del self._member[caller]
                self._confirmed.discard(caller)
                self.released += 1
                return None
            if cfg.learn and caller in self._confirmed and cid not in self._listless:
                self._learn(ingress, n, cid)
            return cid, None
        by_pai = self._asserted.get(ingress, {}).get(asserted) if asserted else None
        exact = by_pai or self._callee.get(ingress, {}).get(n)
        if exact is not None and not by_pai and exact in self._listless:
            exact = None  # (a list learnt before a rebuild without an informative ingress)
        ranged = None
        if exact is None:
            ranged = self._block.get(ingress, {}).get(n // cfg.block_size)
            if ranged is not None and (
                ranged not in self._dominated.get(ingress, ()) or ranged in self._listless
            ):
                ranged = None
        watch = self._watch.get(caller)
        if watch is None:
            if exact is None and ranged is None:
                return None
            if len(self._watch) >= cfg.max_tracked:
                self._watch.pop(next(iter(self._watch)))
            watch = self._watch[caller] = _Watch()
        watch.calls += 1
        hit = exact or ranged
        if hit is None:
            return None
        watch.hits[hit] += 1
        need = self._need.get((ingress, hit), cfg.min_score)
        # The campaign's own trunk identity is the operation itself, not a list entry that an
        # ordinary caller's friend might share: it meets the need at once, on any ingress.
        weight = need if by_pai else (1.0 if exact is not None else cfg.block_weight)
        score = watch.add(hit, 0.0 if t is None else t, weight, cfg.hit_window_s)
        best, hits = hit, watch.hits[hit]
        if score < need or hits < cfg.min_hit_share * watch.calls:
            return None
        if not by_pai and self._release(caller, best, t):
            self.spared += 1
            return None
        # Flagged: the number joins the campaign (its next calls answer as a member).
        del self._watch[caller]
        self._member[caller] = best
        self.flagged += 1
        evidence: dict[str, float | int | str] = {
            "ingress": ingress,
            "calls": watch.calls,
            "list_hits": hits,
            "list_score": round(score, 2),
        }
        if by_pai:
            evidence["asserted_identity"] = str(asserted)
        return best, evidence

    def legitimate(self, o: Outcomes, part: Outcomes | None = None) -> Reason | None:
        """The release rule (see the module): a reason when a number's completed calls look
        like a legitimate business's, else None. ``part``: the list-dialling part of ``o``
        (``list_part``), whose shares are then judged (the call count stays ``o``'s)."""
        cfg = self.config
        if o.calls < max(cfg.release_min_calls, 1):
            return None
        if part is not None:
            if part.calls < 1:
                return None  # every completed call was with its private partners
            o = part
        share = o.conversations / o.calls
        back = o.called_back / max(o.callees, 1)
        if share >= cfg.release_conversation_share:
            code = RELEASED_ANSWERED
        elif (
            share >= cfg.release_callback_conversation_share
            and o.called_back >= cfg.release_min_callbacks
            and back >= cfg.release_callback_share
        ):
            code = RELEASED_CALLED_BACK
        else:
            return None
        evidence: dict[str, float | int | str] = {
            "calls": o.calls,
            "conversations": o.conversations,
            "conversation_share": round(share, 3),
            "callees": o.callees,
            "called_back": o.called_back,
            "callback_share": round(back, 3),
        }
        return Reason(code, evidence)

    def list_part(self, caller: str, o: Outcomes) -> Outcomes | None:
        """``o`` without the number's calls with its private partners in the latest batch
        build; None where it has none reported (or ``release_list_part`` is off)."""
        p = self._private.get(caller) if self.config.release_list_part else None
        if p is None:
            return None
        calls, conv, callees, back = p
        return Outcomes(
            calls=max(o.calls - calls, 0),
            conversations=max(o.conversations - conv, 0),
            callees=max(o.callees - callees, 0),
            called_back=max(o.called_back - back, 0),
        )

    def _release(self, caller: str, cid: str, t: float | None) -> bool:
        """Whether ``caller``'s outcomes release it from campaign ``cid`` (recorded if so)."""
        if not self.config.release_on_outcomes or self.outcomes_of is None:
            return False
        o = self.outcomes_of(caller, t)
        part = self.list_part(caller, o) if o is not None else None
        reason = self.legitimate(o, part) if o is not None else None
        if reason is None:
            return False
        if caller not in self.releases and len(self.releases) >= self.config.max_tracked:
            self.releases.pop(next(iter(self.releases)))
        self.releases[caller] = Reason(reason.code, {"campaign": cid, **reason.evidence})
        return True

    def campaign_of(self, number: str) -> str | None:
        return self._member.get(number)

    def category_of(self, campaign_id: str) -> str:
        """The campaign's category (insurance, loans, ...), '' when its build had none."""
        return self.categories.get(campaign_id, "")

    def __len__(self) -> int:
        return len(set(self._member.values()))

    def stats(self) -> dict[str, int]:
        return {
            "campaigns": len(self),
            "members": len(self._member),
            "ingresses": len(self._callee),
            "list_entries": sum(len(v) for v in self._callee.values()),
            "dense_ranges": sum(len(v) for v in self._block.values()),
            "watched_numbers": len(self._watch),
            "flagged": self.flagged,
            "released_on_outcomes": self.released,
            "spared_on_outcomes": self.spared,
        }
