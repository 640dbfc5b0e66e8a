"""A second way for an import's campaign to keep a stored campaign's id: the same ingresses
and an asserted identity in common.

``scan`` names a campaign by its day's callee list, so one operation gets a new id each day,
and the store keeps the stored id when at least half of the new campaign's members are
already the stored campaign's (``verdicts.CAMPAIGN_CONTINUES``). An operation that renews
most of its numbers daily fails that rule (on the four-day audit the largest operation shares
36-41 % day to day) though it enters by the same trunks and its calls carry the same asserted
identity (PAI) every day. Hence: a new campaign whose set of ingresses equals a stored
campaign's, and which shares with it an asserted identity that only the campaign's own calls
carry (``scan``'s campaigns.csv ``asserted``: an identity of a shared trunk is not one), continues
that campaign, when neither has another such match in the import (two candidates: none is
taken). Both must hold: one vendor's trunks serve several operations (on the audit, ingresses
``SIPT-V5-1;SIPT-V5-2`` and ``SIPT-V5-3`` are two operations of one vendor), and a campaign
without an asserted identity or ingresses is never matched this way. Pure: values in, values
out (the store reads and writes the traits, ``store.verdicts``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

#: The reason codes of a continued campaign (audit entry ``campaign_continued``, ``reason``).
SHARED_MEMBERS = "shared_members"
SAME_INGRESSES_AND_ASSERTED_IDENTITY = "same_ingresses_and_asserted_identity"


@dataclass(frozen=True)
class CampaignTraits:
    """A campaign's ingresses and the asserted identities only its members' calls carry."""

    ingresses: frozenset[str] = field(default_factory=frozenset)
    asserted: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def parse(cls, ingresses: str, asserted: str) -> CampaignTraits:
        """From ``;``-joined lists (campaigns.csv, the store's columns)."""
        return cls(
            frozenset(i for i in (s.strip() for s in ingresses.split(";")) if i),
            frozenset(a for a in (s.strip() for s in asserted.split(";")) if a),
        )

    def joined(self) -> tuple[str, str]:
        """The two ``;``-joined lists, sorted (the store's columns)."""
        return ";".join(sorted(self.ingresses)), ";".join(sorted(self.asserted))

    @property
    def usable(self) -> bool:
        return bool(self.ingresses) and bool(self.asserted)


@dataclass(frozen=True)
class TraitMatch:
    """An import's campaign ``alias`` matched to the stored ``campaign``, with the evidence."""

    alias: str
    campaign: str
    ingresses: tuple[str, ...]
    asserted: tuple[str, ...]  # the identities both carry

    def evidence(self) -> dict[str, list[str]]:
        return {"ingresses": list(self.ingresses), "asserted": list(self.asserted)}


def _matches(new: CampaignTraits, old: CampaignTraits) -> bool:
    return (
        new.usable
        and old.usable
        and new.ingresses == old.ingresses
        and bool(new.asserted & old.asserted)
    )


def match_by_traits(
    fresh: Mapping[str, CampaignTraits], stored: Mapping[str, CampaignTraits]
) -> dict[str, TraitMatch]:
    """The import's campaigns (``fresh``: id -> traits, those no other rule continued) that
    continue a stored campaign (``stored``: the live stored campaigns still free to
    continue), by alias: exactly one stored campaign matches the import's, and it matches no
    other of the import's."""
    pairs = [(a, c) for a, t in fresh.items() for c, s in stored.items() if _matches(t, s)]
    per_alias: dict[str, int] = {}
    per_campaign: dict[str, int] = {}
    for a, c in pairs:
        per_alias[a] = per_alias.get(a, 0) + 1
        per_campaign[c] = per_campaign.get(c, 0) + 1
    return {
        a: TraitMatch(
            a,
            c,
            tuple(sorted(fresh[a].ingresses)),
            tuple(sorted(fresh[a].asserted & stored[c].asserted)),
        )
        for a, c in sorted(pairs)
        if per_alias[a] == 1 and per_campaign[c] == 1
    }
