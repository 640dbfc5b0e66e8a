"""双向回呼 (callback bridging) detector.

The platform rings the agent's own phone (leg 1: platform number -> agent), then rings the
customer showing the agent's number (leg 2: agent -> customer), both legs entering through the
platform's ingress seconds apart. The network sees the agent only *receiving* calls.

An answered chain ``X -> M`` then ``M -> Y`` through one ingress within ``max_gap_s`` is a
candidate pair (an ASOF join on (number, ingress) over the legs of numbers rung at least
``min_pairs`` times through that ingress, so a busy middle number costs one probe per leg,
not n x m, and ordinary subscribers drop out before the join). A middle
number M is judged over all its pairs:

* ``pairs >= min_pairs``: a bridge is a habit, a single chain is a coincidence;
* ``source_share <= max_source_share`` (distinct leg-1 callers / pairs): a callback platform
  rings the agent from a handful of system numbers, while an AXB privacy-number platform
  (ride-hailing, delivery) bridges many different drivers and customers through its numbers;
* ``direct_share <= max_direct_share`` (M's outbound calls outside any pair / all outbound):
  the agent line "makes few outbound calls" of its own;
* the ingress or M's prefix is not a registered AXB platform (``registered`` allowlist).

Both legs of every pair of a judged middle number are flagged.

Without an informative ingress (``staging.IngressInfo``: no ingress column, or one value on
(nearly) every call) "both legs through one ingress" says nothing: an AXB platform's legs
(a driver's own call into the privacy number, then the platform's call out) pair up as well.
The platform must then show itself in its leg-1 sources: at most
``max_sources_without_ingress`` distinct numbers ring the agent line ("a handful of system
numbers"), where an AXB number is rung by many different drivers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa


@dataclass(frozen=True, slots=True)
class BridgeConfig:
    max_gap_s: float = 30.0  # leg 2 set up at most this long after leg 1
    min_pairs: int = 3
    max_source_share: float = 0.25
    max_direct_share: float = 0.5
    registered_ingresses: tuple[str, ...] = ()  # ingresses of registered AXB platforms
    registered_prefixes: tuple[str, ...] = ()  # E.164 prefixes of registered privacy numbers
    max_sources_without_ingress: int = 3  # leg-1 numbers of a platform when no ingress tells


def _registered_sql(cfg: BridgeConfig) -> str:
    parts = ["FALSE"]
    if cfg.registered_ingresses:
        names = ", ".join("'" + s.replace("'", "''") + "'" for s in cfg.registered_ingresses)
        parts.append(f"i.ing_name IN ({names})")
    for p in cfg.registered_prefixes:
        digits = "".join(ch for ch in p if ch.isdigit())
        if digits:
            parts.append(f"CAST(m.mid AS VARCHAR) LIKE '{digits}%'")
    return " OR ".join(parts)


def detect_bridges(
    con: duckdb.DuckDBPyConnection,
    cfg: BridgeConfig | None = None,
    *,
    ingress_informative: bool = True,
) -> None:
    """From staged ``cw_calls`` create ``cw_bridge_pairs`` and ``cw_bridge_mid`` in ``con``.

    ``cw_bridge_pairs``: one row per candidate pair (leg1_rid, leg2_rid, mid, ing, gap).
    ``cw_bridge_mid``: one row per (middle number, ingress) with its evidence and a verdict
    ``bridged`` (callback bridging) / ``registered`` (an allowlisted AXB platform).
    ``ingress_informative`` False (see the module docstring) adds the sources test.
    """
    cfg = cfg or BridgeConfig()
    few_sources = (
        "TRUE" if ingress_informative else f"m.sources <= {int(cfg.max_sources_without_ingress)}"
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE cw_bridge_pairs AS
        WITH hot AS (  -- a middle number needs min_pairs answered legs in through one ingress
            SELECT callee, ing FROM cw_calls WHERE answered GROUP BY ALL
            HAVING count(*) >= {int(cfg.min_pairs)}
        ), l1 AS (  -- answered legs into it: the agent picks up before the customer rings
            -- (one leg per instant: CDRs stamped to the second tie often, and the ASOF join
            -- would pick among tied legs by thread timing; the lowest call id wins, whatever
            -- the rows' order)
            SELECT c.callee, c.ing, c.ts, arg_min(c.rid, row(c.call_id, c.rid)) AS rid,
                   arg_min(c.caller, row(c.call_id, c.rid)) AS caller
            FROM cw_calls c
            SEMI JOIN hot h ON h.callee = c.callee AND h.ing = c.ing WHERE c.answered
            GROUP BY c.callee, c.ing, c.ts
        ), l2 AS (
            SELECT c.rid, c.ts, c.caller, c.callee, c.ing FROM cw_calls c
            SEMI JOIN hot h ON h.callee = c.caller AND h.ing = c.ing
        )
        SELECT l1.rid AS leg1_rid, l2.rid AS leg2_rid, l2.caller AS mid, l2.ing,
               l2.ts - l1.ts AS gap, l1.caller AS src, l2.callee AS dst
        FROM l2 ASOF JOIN l1 ON l1.callee = l2.caller AND l1.ing = l2.ing AND l2.ts >= l1.ts
        WHERE l2.ts - l1.ts <= {float(cfg.max_gap_s)} AND l1.rid <> l2.rid
          AND l1.caller <> l2.callee
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE cw_bridge_mid AS
        WITH agg AS (
            SELECT mid, ing, count(*) AS pairs, count(DISTINCT src) AS sources,
                   count(DISTINCT dst) AS customers, median(gap) AS median_gap_s
            FROM cw_bridge_pairs GROUP BY mid, ing
        ), outb AS (
            SELECT c.caller AS mid, count(*) AS outbound
            FROM cw_calls c WHERE c.caller IN (SELECT mid FROM agg) GROUP BY c.caller
        ), m AS (
            SELECT a.*, coalesce(o.outbound, 0) AS outbound,
                   a.sources / a.pairs AS source_share,
                   greatest(coalesce(o.outbound, 0) - a.pairs, 0)
                       / greatest(coalesce(o.outbound, 0), 1) AS direct_share
            FROM agg a LEFT JOIN outb o USING (mid)
        )
        SELECT m.*, i.ing_name AS ingress, ({_registered_sql(cfg)}) AS registered,
               (m.pairs >= {int(cfg.min_pairs)}
                AND m.source_share <= {float(cfg.max_source_share)}
                AND m.direct_share <= {float(cfg.max_direct_share)}
                AND {few_sources}
                AND NOT ({_registered_sql(cfg)})) AS bridged
        FROM m JOIN cw_ingress i USING (ing)
        """
    )


def bridged_legs(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Flagged legs: call_id, leg (agent|customer), agent number id, ingress id, pair key.

    The pair key is the call id of the pair's customer leg (before 30 Nov its row number in
    the input, so the same calls in another row order had other keys)."""
    return con.sql(
        """
        WITH p AS (
            SELECT p.*, c2.call_id AS pair_key FROM cw_bridge_pairs p
            JOIN cw_bridge_mid m ON m.mid = p.mid AND m.ing = p.ing AND m.bridged
            JOIN cw_calls c2 ON c2.rid = p.leg2_rid
        ), legs AS (
            SELECT leg1_rid AS rid, 'agent' AS leg, mid, ing, pair_key FROM p
            UNION ALL SELECT leg2_rid, 'customer', mid, ing, pair_key FROM p
        )
        -- A call in several flagged pairs reports the pair with the lowest key (whole, not
        -- field by field), in call order: the same file on every run.
        SELECT call_id, w.leg, w.mid AS agent, w.ing, w.pair_key FROM (
            SELECT c.call_id,
                   min(struct_pack(pair_key := l.pair_key, leg := l.leg, mid := l.mid, ing := l.ing)) AS w
            FROM legs l JOIN cw_calls c USING (rid) GROUP BY c.call_id
        ) ORDER BY call_id
        """
    ).to_arrow_table()


def bridge_agents(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Evidence per judged middle number (bridged or registered), for reasons and reports."""
    rel = con.execute(
        """SELECT mid, ingress, pairs, sources, customers, outbound, source_share,
                  direct_share, median_gap_s, bridged, registered
           FROM cw_bridge_mid WHERE bridged OR registered ORDER BY pairs DESC"""
    )
    cols = [d[0] for d in rel.description]
    return [dict(zip(cols, row, strict=True)) for row in rel.fetchall()]


def agent_numbers(rows: Iterable[dict[str, Any]]) -> set[int]:
    return {int(r["mid"]) for r in rows if r["bridged"]}
