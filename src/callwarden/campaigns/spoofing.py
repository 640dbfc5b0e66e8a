"""Spoofed caller-ID detector: three per-call checks, vectorised in DuckDB.

* **Unallocated** (空号): the displayed number is not in the allocation registry. Only numbers
  inside ranges the registry covers (same 10,000-number block as some allocated number) are
  judged, so a registry of one carrier never condemns another carrier's subscribers.
* **Asserted mismatch**: the network-asserted identity (P-Asserted-Identity) is known and
  differs from the displayed number.
* **Region implausible**: a fixed line cannot roam, so its area code pins where it can be
  served. The region each area code is served from is learnt from the data itself (the modal
  ``caller_region`` of calls displaying that area code, dominated by genuine traffic); a call
  displaying that area code but served elsewhere is implausible for its ingress. Mobiles roam
  legitimately and are not judged. Without ``caller_region`` the ingress's own mix is used: an
  area code carrying under ``min_ingress_share`` of an ingress's fixed-line calls while the
  ingress spreads over at least ``min_ingress_areas`` area codes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from callwarden.campaigns.staging import _num


@dataclass(frozen=True, slots=True)
class SpoofConfig:
    coverage_block: int = 10_000  # registry covers the block of an allocated number
    min_area_calls: int = 20  # area codes seen fewer times are not judged by region
    min_area_modal_share: float = 0.6  # the area's modal region must be that clear
    min_ingress_share: float = 0.02
    min_ingress_areas: int = 8


# Chinese numbering: after the 86 country code, mobiles are 1[3-9]x + 8 digits; area codes are
# 10 and 2x (two digits) or three digits. Service numbers (95xxx, 400...) get no area.
def _area_sql(col: str) -> str:
    v = f"CAST({col} AS VARCHAR)"
    return f"""
    CASE WHEN {col} BETWEEN 86000000000 AND 869999999999999
              AND NOT ({v} LIKE '861%' AND length({v}) = 13)
              AND length({v}) BETWEEN 11 AND 13
              AND substr({v}, 3, 1) NOT IN ('0', '4', '8', '9')
         THEN CASE WHEN substr({v}, 3, 2) = '10' OR substr({v}, 3, 1) = '2'
                   THEN substr({v}, 3, 2) ELSE substr({v}, 3, 3) END
    END"""


def stage_registry(
    con: duckdb.DuckDBPyConnection, allocated: Iterable[str] | pa.Array | None
) -> bool:
    """Load the allocated numbers as ``cw_alloc``; returns False when none were given."""
    if allocated is None:
        return False
    arr = (
        allocated
        if isinstance(allocated, pa.Array | pa.ChunkedArray)
        else pa.array(list(allocated), pa.string())
    )
    con.register("cw_alloc_src", pa.table({"s": arr}))
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE cw_alloc AS SELECT DISTINCT {_num('s')} AS n FROM cw_alloc_src"
    )
    con.unregister("cw_alloc_src")
    return True


def detect_spoofing(
    con: duckdb.DuckDBPyConnection, has_registry: bool, cfg: SpoofConfig | None = None
) -> None:
    """Create ``cw_spoof`` (rid, unallocated, asserted_mismatch, region_implausible)."""
    cfg = cfg or SpoofConfig()
    blk = int(cfg.coverage_block)
    if has_registry:
        unalloc = f"""
            (c.caller // {blk}) IN (SELECT DISTINCT n // {blk} FROM cw_alloc)
            AND c.caller NOT IN (SELECT n FROM cw_alloc)"""
    else:
        unalloc = "FALSE"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE cw_area AS
        SELECT rid, ing, c_region, area FROM (
            SELECT rid, ing, c_region, {_area_sql("caller")} AS area
            FROM cw_calls) WHERE area IS NOT NULL
        """
    )
    has_region = con.execute("SELECT count(*) FROM cw_area WHERE c_region IS NOT NULL").fetchone()
    if has_region and has_region[0] > 0:
        region_sql = f"""
            WITH r AS (SELECT area, c_region, count(*) AS k FROM cw_area
                       WHERE c_region IS NOT NULL GROUP BY ALL),
            t AS (SELECT area, sum(k) AS total, arg_max(c_region, k) AS home, max(k) AS top
                  FROM r GROUP BY area)
            SELECT a.rid FROM cw_area a JOIN t USING (area)
            WHERE t.total >= {int(cfg.min_area_calls)}
              AND t.top >= {float(cfg.min_area_modal_share)} * t.total
              AND a.c_region IS NOT NULL AND a.c_region <> t.home"""
    else:
        region_sql = f"""
            WITH r AS (SELECT ing, area, count(*) AS k FROM cw_area GROUP BY ALL),
            t AS (SELECT ing, sum(k) AS total, count(*) AS areas FROM r GROUP BY ing)
            SELECT a.rid FROM cw_area a JOIN r USING (ing, area) JOIN t USING (ing)
            WHERE t.areas >= {int(cfg.min_ingress_areas)}
              AND r.k < {float(cfg.min_ingress_share)} * t.total"""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE cw_spoof AS
        WITH reg AS ({region_sql})
        SELECT c.rid,
               ({unalloc}) AS unallocated,
               (c.asserted IS NOT NULL AND c.asserted <> c.caller) AS asserted_mismatch,
               (c.rid IN (SELECT rid FROM reg)) AS region_implausible
        FROM cw_calls c
        """
    )
    con.execute(
        """DELETE FROM cw_spoof
           WHERE NOT (unallocated OR asserted_mismatch OR region_implausible)"""
    )


def spoofed_calls(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Per flagged call: call_id, caller id, and the three checks."""
    return con.sql(
        """SELECT c.call_id, c.caller, s.unallocated, s.asserted_mismatch, s.region_implausible
           FROM cw_spoof s JOIN cw_calls c USING (rid) ORDER BY c.rid"""
    ).to_arrow_table()
