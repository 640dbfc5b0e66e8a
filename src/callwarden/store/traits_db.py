"""The store's side of ``store.campaign_traits``: read the live stored campaigns' traits and
record an import's (table ``campaign_traits``). Kept out of ``store.verdicts`` (house style:
~600 lines a module)."""

from __future__ import annotations

from collections.abc import Collection, Mapping

import sqlalchemy as sa

from callwarden.store.campaign_traits import CampaignTraits, StoredTraits, keep_stored
from callwarden.store.schema import campaign_traits, campaigns

_BATCH = 1000


def live_traits(conn: sa.Connection, skip: Collection[str]) -> dict[str, tuple[StoredTraits, int]]:
    """Stored campaign -> its traits and member count, for campaigns that still have members
    (a ``campaigns`` row) and usable traits, except those in ``skip``."""
    tc, c = campaign_traits.c, campaigns.c
    q = (
        sa.select(tc.campaign, tc.ingresses, tc.asserted, tc.scan_day, c.numbers)
        .join(campaigns, c.campaign == tc.campaign)
        .where(tc.asserted != "", tc.ingresses != "")
    )
    return {
        row.campaign: (
            StoredTraits(CampaignTraits.parse(row.ingresses, row.asserted), row.scan_day or ""),
            int(row.numbers),
        )
        for row in conn.execute(q)
        if row.campaign not in skip
    }


def record_traits(
    conn: sa.Connection,
    kept: Mapping[str, CampaignTraits],
    scan_day: str,
    import_id: int,
    at: float,
) -> int:
    """Record an import's traits (stored campaign id -> traits) of ``scan_day``, except where
    the stored ones stay (``campaign_traits.keep_stored``: no scan day, an older day, or
    unusable traits over usable ones). Returns the campaigns whose traits were written."""
    if not scan_day or not kept:
        return 0
    tc = campaign_traits.c
    names = sorted(kept)
    old: dict[str, StoredTraits] = {}
    for start in range(0, len(names), _BATCH):
        part = names[start : start + _BATCH]
        q = sa.select(tc.campaign, tc.ingresses, tc.asserted, tc.scan_day).where(
            tc.campaign.in_(part)
        )
        old.update(
            (r.campaign, StoredTraits(CampaignTraits.parse(r.ingresses, r.asserted), r.scan_day))
            for r in conn.execute(q)
        )
    write = [n for n in names if not keep_stored(kept[n], scan_day, old.get(n))]
    for start in range(0, len(write), _BATCH):
        conn.execute(campaign_traits.delete().where(tc.campaign.in_(write[start : start + _BATCH])))
    if write:
        conn.execute(
            campaign_traits.insert(),
            [
                dict(
                    zip(("ingresses", "asserted"), kept[n].joined(), strict=True),
                    campaign=n,
                    import_id=import_id,
                    at=at,
                    scan_day=scan_day,
                )
                for n in write
            ],
        )
    return len(write)
