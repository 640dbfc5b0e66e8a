"""The stored campaigns: their rows recomputed from the verdicts (after an import, after a
verdict set by a person, or all at once), listed, and read by id or by an alias an import
recorded."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from callwarden.store.base import NotFoundError, StoreBase
from callwarden.store.schema import campaign_aliases, campaigns, verdicts

#: PostgreSQL advisory lock key of campaign refreshes (one at a time).
CAMPAIGNS_LOCK = 0x63770001

#: A campaign's representative member, at equal score: the more severe label first.
LABEL_SEVERITY = {"fraud": 0, "harassment": 1, "benign": 2}

#: Campaigns refreshed in one transaction after an import: at most this many, with at
#: most about CAMPAIGN_ROWS members together.
CAMPAIGN_CHUNK = 500
CAMPAIGN_ROWS = 10_000


class CampaignsMixin(StoreBase):
    """The stored campaigns: refresh, list, get (by id or alias)."""

    def _campaign_batches(self, names: list[str]) -> Iterable[list[str]]:
        """``names`` in batches of at most CAMPAIGN_CHUNK campaigns and about CAMPAIGN_ROWS
        members (a campaign larger than that alone): a refresh's time grows with its
        members (about 0.4 s for 10,000 on a loaded 2 M-verdict SQLite store), and each
        batch is one transaction holding the write lock."""
        v = verdicts.c
        sizes: dict[str, int] = {}
        with self.read() as conn:
            for start in range(0, len(names), 1000):
                q = (
                    sa.select(v.campaign, sa.func.count())
                    .where(v.campaign.in_(names[start : start + 1000]))
                    .group_by(v.campaign)
                )
                sizes.update((c, int(n)) for c, n in conn.execute(q))
        batch: list[str] = []
        rows = 0
        for name in names:
            size = sizes.get(name, 0)
            if batch and (rows + size > CAMPAIGN_ROWS or len(batch) >= CAMPAIGN_CHUNK):
                yield batch
                batch, rows = [], 0
            batch.append(name)
            rows += size
        if batch:
            yield batch

    def refresh_campaigns(self) -> None:
        """Recompute every campaign row from the verdicts (one transaction)."""
        with self.engine.begin() as conn:
            self._refresh_campaigns(conn)

    def _refresh_campaigns(self, conn: sa.Connection, only: list[str] | None = None) -> None:
        """Recompute the campaign rows of ``only`` (None: every campaign). One row a campaign: its count of numbers and top score, and the label and category
        of ONE member, its representative: the highest score; at equal score the more severe
        label (fraud, harassment, benign), then the smallest category, then the smallest
        number (each number is one row, so the choice is total). Label and category are never
        mixed from two members. Strings compare bytewise on both databases."""
        if self.dialect == "postgresql":  # two refreshes at once would insert one row twice
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(CAMPAIGNS_LOCK)))
        v = verdicts.c
        mine = v.campaign != ""
        if only is None:
            conn.execute(campaigns.delete())
        else:
            conn.execute(campaigns.delete().where(campaigns.c.campaign.in_(only)))
            mine = v.campaign.in_(only)
        agg = (
            sa.select(
                v.campaign,
                sa.func.count().label("numbers"),
                sa.func.max(v.score).label("max_score"),
            )
            .where(mine)
            .group_by(v.campaign)
            .subquery()
        )
        severity = sa.case(LABEL_SEVERITY, value=v.label, else_=len(LABEL_SEVERITY))
        rank = (
            sa.func.row_number()
            .over(
                partition_by=v.campaign,
                order_by=(
                    v.score.desc(),
                    severity,
                    self._bytewise(v.category),
                    self._bytewise(v.number),
                ),
            )
            .label("member_rank")
        )
        ranked = sa.select(v.campaign, v.label, v.category, rank).where(mine).subquery()
        top = (
            sa.select(ranked.c.campaign, ranked.c.label, ranked.c.category)
            .where(ranked.c.member_rank == 1)
            .subquery()
        )
        conn.execute(
            campaigns.insert().from_select(
                ["campaign", "label", "category", "numbers", "max_score", "updated_at"],
                sa.select(
                    agg.c.campaign,
                    top.c.label,
                    top.c.category,
                    agg.c.numbers,
                    agg.c.max_score,
                    sa.literal(self.clock(), sa.Float),
                ).join(top, top.c.campaign == agg.c.campaign),
            )
        )

    def _bytewise(self, col: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
        """``col`` ordered by its bytes: SQLite's default; PostgreSQL's "C" collation (its
        default follows the server's locale)."""
        return col.collate("C") if self.dialect == "postgresql" else col

    def list_campaigns(self, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        q = (
            sa.select(campaigns)
            .order_by(campaigns.c.numbers.desc(), campaigns.c.campaign)
            .limit(limit)
            .offset(offset)
        )
        with self.read() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def campaign_names(self, campaign: str) -> tuple[str, list[str]]:
        """The stored id ``campaign`` is or is an alias of, and that id's aliases (the ids
        scans gave it on the days imports continued it), oldest first."""
        al = campaign_aliases.c
        with self.read() as conn:
            target = conn.execute(sa.select(al.campaign).where(al.alias == campaign)).scalar()
            stored = target or campaign
            aliases = conn.execute(
                sa.select(al.alias).where(al.campaign == stored).order_by(al.at, al.alias)
            ).scalars()
            return stored, list(aliases)

    def get_campaign(self, campaign: str, max_numbers: int = 1000) -> dict[str, Any]:
        """A stored campaign and its members, by its id or by an alias an import recorded
        for it (the answer names the stored id)."""
        with self.read() as conn:
            row = (
                conn.execute(sa.select(campaigns).where(campaigns.c.campaign == campaign))
                .mappings()
                .first()
            )
            if row is None:
                target = conn.execute(
                    sa.select(campaign_aliases.c.campaign).where(
                        campaign_aliases.c.alias == campaign
                    )
                ).scalar()
                if target is not None:
                    campaign = target
                    row = (
                        conn.execute(sa.select(campaigns).where(campaigns.c.campaign == target))
                        .mappings()
                        .first()
                    )
            if row is None:
                raise NotFoundError(f"no campaign {campaign!r}")
            nums = conn.execute(
                sa.select(verdicts.c.number, verdicts.c.score)
                .where(verdicts.c.campaign == campaign)
                .order_by(verdicts.c.score.desc())
                .limit(max_numbers)
            ).all()
        return {**row, "members": [{"number": n, "score": float(s)} for n, s in nums]}
