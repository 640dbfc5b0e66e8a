"""Campaign-level blocking before a call rings: an incremental, per-call-cheap index.

For every ingress the index keeps the known campaigns' callee lists as hash maps (callee id ->
campaign) and the list *ranges* they dial densely (block of ``block_size`` numbers ->
campaign). A number that is not yet a member and whose calls through that ingress keep landing
on one campaign's list is flagged, with that campaign as its reason, as soon as its evidence
reaches ``min_score`` (an exact list hit counts 1, a dense-range hit ``block_weight``) and at
least ``min_hit_share`` of its calls hit. A flagged number becomes a member; the calls of
members extend their campaign's list, so the index keeps up with a campaign that works down
its list between batch rebuilds.

Cost per call: a few dict look-ups; state is kept only for numbers that have hit a list
(bounded by ``max_tracked``, oldest evicted first).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from callwarden.campaigns.build import CampaignList, CampaignResult
from callwarden.campaigns.records import CampaignFlag, Reason, ReasonCode


@dataclass(frozen=True, slots=True)
class IndexConfig:
    block_size: int = 100
    min_block_callees: int = 3  # a campaign "dials a range densely" from this many callees in it
    block_weight: float = 0.5
    min_score: float = 2.0
    min_hit_share: float = 0.6
    max_tracked: int = 1_000_000
    learn: bool = True


def number_id(number: str) -> int:
    """The staged id of an E.164 string (digits as int); a negative surrogate otherwise."""
    if number.startswith("+") and number[1:].isdigit():
        return int(number[1:])
    return -1 - (hash(number) % (1 << 62))


class _Watch:
    __slots__ = ("calls", "hits", "score")

    def __init__(self) -> None:
        self.calls = 0
        self.hits: Counter[str] = Counter()
        self.score: dict[str, float] = {}


class CampaignIndex:
    """Known campaigns per ingress; ``observe`` answers for one call before it rings."""

    def __init__(self, config: IndexConfig | None = None) -> None:
        self.config = config or IndexConfig()
        self._member: dict[str, str] = {}
        self._callee: dict[str, dict[int, str]] = {}
        self._block_n: dict[str, dict[tuple[int, str], int]] = {}
        self._block: dict[str, dict[int, str]] = {}
        self._watch: dict[str, _Watch] = {}
        self.flagged: int = 0

    # -- loading -------------------------------------------------------------------------
    def load(self, result: CampaignResult) -> None:
        """Add (or refresh) every campaign of a batch result."""
        for cl in result.lists:
            self.add_campaign(cl)

    def add_campaign(self, cl: CampaignList) -> None:
        for m in cl.members:
            self._member[m] = cl.campaign_id
            self._watch.pop(m, None)
        for ing in cl.ingresses:
            for n in cl.callees.tolist():
                self._learn(ing, int(n), cl.campaign_id)

    def _learn(self, ingress: str, callee: int, cid: str) -> None:
        self._callee.setdefault(ingress, {})[callee] = cid
        blk = callee // self.config.block_size
        counts = self._block_n.setdefault(ingress, {})
        k = counts.get((blk, cid), 0) + 1
        counts[(blk, cid)] = k
        if k >= self.config.min_block_callees:
            self._block.setdefault(ingress, {})[blk] = cid

    # -- the per-call path ---------------------------------------------------------------
    def observe(self, caller: str, callee: str, ingress: str) -> CampaignFlag | None:
        """Judge one call (and remember it). Returns the flag, or None to let it through."""
        cfg = self.config
        cid = self._member.get(caller)
        n = number_id(callee)
        if cid is not None:
            if cfg.learn:
                self._learn(ingress, n, cid)
            return CampaignFlag(cid, Reason(ReasonCode.CAMPAIGN_MEMBER, {"ingress": ingress}))
        exact = self._callee.get(ingress, {}).get(n)
        ranged = (
            None if exact is not None else self._block.get(ingress, {}).get(n // cfg.block_size)
        )
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
        watch.score[hit] = watch.score.get(hit, 0.0) + (
            1.0 if exact is not None else cfg.block_weight
        )
        best = max(watch.score, key=watch.score.__getitem__)
        score = watch.score[best]
        hits = watch.hits[best]
        if score < cfg.min_score or hits < cfg.min_hit_share * watch.calls:
            return None
        # Flagged: the number joins the campaign (its next calls answer as a member).
        del self._watch[caller]
        self._member[caller] = best
        self.flagged += 1
        if cfg.learn:
            self._learn(ingress, n, best)
        evidence: dict[str, float | int | str] = {
            "ingress": ingress,
            "calls": watch.calls,
            "list_hits": hits,
            "list_score": round(score, 2),
        }
        return CampaignFlag(best, Reason(ReasonCode.CAMPAIGN_LIST_MATCH, evidence))

    def campaign_of(self, number: str) -> str | None:
        return self._member.get(number)

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
        }
