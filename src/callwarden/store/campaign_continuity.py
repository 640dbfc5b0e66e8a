"""Campaign ids across imports: which of an import's campaign ids keep a stored campaign's
id, by shared members first, then by the same traits (``campaign_traits``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from callwarden.store.base import StoreBase
from callwarden.store.campaign_traits import (
    SAME_INGRESSES_AND_ASSERTED_IDENTITY,
    SHARED_MEMBERS,
    CampaignTraits,
    Refusal,
    match_by_traits,
)
from callwarden.store.schema import campaign_aliases, campaigns, verdicts
from callwarden.store.traits_db import live_traits

#: A new campaign keeps a stored campaign's id when at least this share of its members in the
#: import are the stored one's (their verdict in force is in it).
CAMPAIGN_CONTINUES = 0.5
#: ... and at least this many members in both: one number that moves from a campaign to a
#: new one (resold, or judged anew) says nothing about the operation.
CAMPAIGN_MIN_SHARED = 2


@dataclass(frozen=True)
class Continued:
    """A campaign id of an import kept under a stored one: ``alias`` (the import's id),
    ``campaign`` (the stored id), ``shared`` members, the two sizes, and why (``reason``, a
    ``campaign_traits`` code, with its ``evidence``)."""

    alias: str
    campaign: str
    shared: int
    alias_members: int
    campaign_members: int
    recorded: bool  # an alias recorded before (a restart re-importing the same file)
    reason: str = SHARED_MEMBERS
    evidence: Mapping[str, Any] | None = None


class CampaignContinuityMixin(StoreBase):
    """Which of an import's campaign ids continue a stored campaign."""

    def _continued_campaigns(
        self, rows: list[dict[str, Any]], traits: Mapping[str, CampaignTraits], scan_day: str
    ) -> tuple[dict[str, Continued], list[Refusal]]:
        """The import's campaign ids to keep under a stored campaign's id, by alias.

        ``scan`` derives a campaign's id from its day's callee list, so one operation gets a
        new id each day. An id of the import that the store holds as a campaign stays. An id
        recorded as an alias before (a restart re-importing the same file) takes its stored
        campaign again. Any other id is matched with the stored campaigns its members' verdicts
        in force are in: the one sharing the most members continues, under its stored id, when
        at least ``CAMPAIGN_CONTINUES`` of the import's members of that id, and at least
        ``CAMPAIGN_MIN_SHARED``, are its members; a stored campaign continues at most one id
        of an import, and none that the import itself names. An id left over then continues
        a stored campaign left over whose latest traits have the same ingresses and an
        asserted identity in common with the id's ``traits``, recorded on ``scan_day`` or the
        day before, when that pair is the only one for both and no other stored campaign
        holds ``CAMPAIGN_MIN_SHARED`` or more of the id's members
        (``campaign_traits.match_by_traits``; the refused matches are returned too)."""
        members: dict[str, set[str]] = {}
        for r in rows:
            if r["campaign"]:
                members.setdefault(r["campaign"], set()).add(r["number"])
        if not members:
            return {}, []
        ids = sorted(members)
        v, c, al = verdicts.c, campaigns.c, campaign_aliases.c
        stored: set[str] = set()
        known: dict[str, str] = {}
        sizes: dict[str, int] = {}
        shared: dict[tuple[str, str], int] = {}
        with self.read() as conn:
            for start in range(0, len(ids), 1000):
                part = ids[start : start + 1000]
                stored.update(
                    conn.execute(sa.select(c.campaign).where(c.campaign.in_(part))).scalars()
                )
                known.update(
                    (a, t)
                    for a, t in conn.execute(
                        sa.select(al.alias, al.campaign).where(al.alias.in_(part))
                    )
                )
            fresh = {i: m for i, m in members.items() if i not in stored and i not in known}
            owner = {n: i for i, m in fresh.items() for n in m}
            numbers = sorted(owner)
            for start in range(0, len(numbers), 1000):
                q = sa.select(v.number, v.campaign).where(
                    v.number.in_(numbers[start : start + 1000]), v.campaign != ""
                )
                for number, old in conn.execute(q):
                    if old not in members:  # a campaign the import names stays its own
                        key = (owner[number], old)
                        shared[key] = shared.get(key, 0) + 1
            olds = sorted({old for _, old in shared})
            for start in range(0, len(olds), 1000):
                q = sa.select(c.campaign, c.numbers).where(
                    c.campaign.in_(olds[start : start + 1000])
                )
                sizes.update((name, int(n)) for name, n in conn.execute(q))
        out = {
            a: Continued(a, t, 0, len(members[a]), 0, True)
            for a, t in known.items()
            if a not in stored
        }
        taken = {c.campaign for c in out.values()}
        for (new, old), n in sorted(shared.items(), key=lambda kv: (-kv[1], kv[0])):
            # Half of the import's campaign must already be the stored one's: half of the
            # smaller of the two let a 302-number campaign holding 2 numbers of a stored
            # 4-number one take that one's id (two operations under one id).
            if (
                new in out
                or old in taken
                or old not in sizes  # no campaign row (a stale column): nothing to continue
                or n < max(CAMPAIGN_MIN_SHARED, CAMPAIGN_CONTINUES * len(members[new]))
            ):
                continue
            out[new] = Continued(
                new,
                old,
                n,
                len(members[new]),
                sizes[old],
                False,
                SHARED_MEMBERS,
                {"shared": n, "alias_members": len(members[new])},
            )
            taken.add(old)
        left = {a: traits[a] for a in fresh if a not in out and a in traits and traits[a].usable}
        if not left:
            return out, []
        with self.read() as conn:
            free = live_traits(conn, taken | set(members))
        elsewhere: dict[str, dict[str, int]] = {}
        for (new, old), n in shared.items():
            # a live stored campaign holds n of the new one's members: evidence against the
            # traits from the member rule's own minimum on (1 stray number refused a match)
            if old in sizes and n >= CAMPAIGN_MIN_SHARED:
                elsewhere.setdefault(new, {})[old] = n
        matched, refused = match_by_traits(
            left, {name: f[0] for name, f in free.items()}, scan_day, elsewhere
        )
        for a, m in matched.items():
            n = shared.get((a, m.campaign), 0)
            out[a] = Continued(
                a,
                m.campaign,
                n,
                len(members[a]),
                free[m.campaign][1],
                False,
                SAME_INGRESSES_AND_ASSERTED_IDENTITY,
                {**m.evidence(), "shared": n, "alias_members": len(members[a])},
            )
        return out, refused
