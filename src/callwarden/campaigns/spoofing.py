"""Spoofed caller-ID detector: three per-call checks, vectorised in DuckDB.

* **Unallocated** (空号): the displayed number is not in the allocation registry. Only numbers
  inside ranges the registry speaks for are judged (the same 10,000-number block as some
  allocated number, or a fixed-line area code it holds at least ``min_area_numbers`` numbers
  of), so a registry of one carrier never condemns another carrier's subscribers.
* **Asserted mismatch**: the network-asserted identity (P-Asserted-Identity) is known and
  differs from the displayed number.
* **Region implausible**: a fixed line cannot roam, so its area code pins the province it is
  served in (libphonenumber's 归属地 for the area code). A call displaying a fixed line whose
  province differs from the province the network served it in (``caller_region``) entered
  through an ingress that cannot carry that number. Mobiles roam legitimately and are not
  judged; nor are calls whose serving region the network does not know (interconnects), as an
  interconnect legitimately carries landlines of every province.
* **International domestic** (国际来话改号, ``numbers.abroad``): a call through an ingress the
  carrier's ``ingresses.csv`` names an international gateway displays a domestic number (a
  country code the registry speaks for), and the roaming list (``roaming.csv``) does not have
  the number abroad at the call's time. Judged only with both files and a registry: without a
  roaming list a roamer cannot be told apart, and the stream only labels such calls.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from callwarden.campaigns.staging import _num
from callwarden.numbers.abroad import AbroadRule


@dataclass(frozen=True, slots=True)
class SpoofConfig:
    coverage_block: int = 10_000  # registry covers the block of an allocated number
    min_area_numbers: int = 100  # ... and a fixed-line area code it holds this many numbers of


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


# Province of a served-region name: 湖南省株洲市 -> 湖南省, 北京市 -> 北京市.
_PROVINCE_SQL = (
    "coalesce(nullif(regexp_extract(a.c_region, '^(.+?(省|自治区|特别行政区))', 1), ''), "
    "nullif(regexp_extract(a.c_region, '^(.+?市)', 1), ''), a.c_region)"
)


@lru_cache(maxsize=4096)
def area_province(area: str) -> str | None:
    """The province an area code belongs to (libphonenumber's geocoding, via ``numbers``)."""
    from callwarden.numbers import describe

    for local in (8, 7):
        info = describe(f"+86{area}2{'0' * (local - 1)}")
        if info.province:
            return info.province
    return None


def _stage_area_provinces(con: duckdb.DuckDBPyConnection) -> None:
    areas = [r[0] for r in con.execute("SELECT DISTINCT area FROM cw_area").fetchall()]
    provinces = [area_province(a) for a in areas]
    con.register(
        "cw_area_prov_src",
        pa.table(
            {"area": pa.array(areas, pa.string()), "province": pa.array(provinces, pa.string())}
        ),
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE cw_area_prov AS SELECT * FROM cw_area_prov_src WHERE province IS NOT NULL"
    )
    con.unregister("cw_area_prov_src")


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


def _stage_abroad(con: duckdb.DuckDBPyConnection, rule: AbroadRule) -> str | None:
    """Stage the roaming windows (``cw_roam``: number digits, from, until) and return the
    query of the calls the international-domestic check flags, None when it cannot judge
    (no roaming list, or none of the CDRs' ingresses is an international gateway)."""
    roam = rule.roaming
    if roam is None:
        return None
    names = [r[0] for r in con.execute("SELECT ing_name FROM cw_ingress").fetchall()]
    # names match exactly after trimming spaces, as the stream and /v1/decide compare them
    if not any(n.strip() in rule.international for n in names):
        return None
    digits = pc.utf8_slice_codeunits(roam.numbers, 1)
    con.register(
        "cw_roam_src",
        pa.table(
            {
                "s": pc.take(digits, pa.array(roam.index)),
                "a": pa.array(roam.start, pa.float64()),
                "b": pa.array(roam.end, pa.float64()),
            }
        ),
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE cw_roam AS "
        "SELECT TRY_CAST(s AS BIGINT) AS n, a, b FROM cw_roam_src"
    )
    con.unregister("cw_roam_src")
    con.register("cw_intl_src", pa.table({"ing_name": pa.array(sorted(rule.international))}))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE cw_intl AS "
        "SELECT i.ing FROM cw_ingress i SEMI JOIN cw_intl_src s ON trim(i.ing_name) = s.ing_name"
    )
    con.unregister("cw_intl_src")
    # ``numbers.abroad.domestic``'s definition: 1-15 digits that begin with a code of the
    # scope and go on after it (a bare '+86' is no domestic number); codes are prefix-free,
    # so a number's digits start with at most one of them
    home = " OR ".join(
        f"(starts_with(CAST(c.caller AS VARCHAR), '{int(k)}') "
        f"AND c.caller >= {10 ** len(str(int(k)))})"
        for k in rule.scope
    )
    return f"""SELECT c.rid, 'abroad' FROM cw_calls c SEMI JOIN cw_intl USING (ing)
               WHERE c.caller > 0 AND c.caller < 1000000000000000 AND ({home})
                 AND NOT EXISTS (SELECT 1 FROM cw_roam r
                                 WHERE r.n = c.caller AND r.a <= c.ts AND c.ts < r.b)"""


def detect_spoofing(
    con: duckdb.DuckDBPyConnection,
    has_registry: bool,
    cfg: SpoofConfig | None = None,
    abroad: AbroadRule | None = None,
) -> None:
    """Create ``cw_spoof`` (rid, unallocated, asserted_mismatch, region_implausible,
    international_domestic). ``abroad``: the international-gateway rule (None: not judged)."""
    cfg = cfg or SpoofConfig()
    blk = int(cfg.coverage_block)
    # Area codes are judged per distinct displayed fixed line (mobiles, the bulk, skipped by
    # range), then joined back: no string work per call.
    # The displayed numbers, once: the area and registry checks judge numbers, not calls.
    con.execute("CREATE OR REPLACE TEMP TABLE cw_shown AS SELECT DISTINCT caller FROM cw_calls")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE cw_area AS
        SELECT caller, area FROM (
            SELECT caller, {_area_sql("caller")} AS area FROM cw_shown
            WHERE caller NOT BETWEEN 8613000000000 AND 8619999999999 AND caller > 0
        ) WHERE area IS NOT NULL
        """
    )
    _stage_area_provinces(con)
    flagged = [
        "SELECT c.rid, 'asserted' AS k FROM cw_calls c "
        "WHERE c.asserted IS NOT NULL AND c.asserted <> c.caller",
        f"""SELECT c.rid, 'region' FROM cw_calls c JOIN cw_area a USING (caller)
            JOIN cw_area_prov p USING (area)
            WHERE c.c_region IS NOT NULL AND {_PROVINCE_SQL.replace("a.c_region", "c.c_region")} <> p.province""",
    ]
    if has_registry:
        # Judged only where the registry speaks for the range: the caller's 10,000-number block
        # holds an allocated number, or (fixed lines) the registry holds at least
        # min_area_numbers numbers of its area code.
        # Judged per displayed number (a few million), then its calls picked by a semi-join
        # on the few it condemns, rather than anti-joining every call with the registry.
        flagged.append(
            f"""SELECT c.rid, 'unallocated' FROM cw_calls c
                SEMI JOIN (
                    SELECT caller FROM (
                        SELECT caller FROM cw_shown
                        WHERE caller // {blk} IN (SELECT DISTINCT n // {blk} FROM cw_alloc)
                        UNION
                        SELECT a.caller FROM cw_area a JOIN (
                            SELECT area FROM (SELECT {_area_sql("n")} AS area FROM cw_alloc)
                            WHERE area IS NOT NULL GROUP BY area
                            HAVING count(*) >= {int(cfg.min_area_numbers)}
                        ) USING (area)
                    ) cov ANTI JOIN cw_alloc a ON a.n = cov.caller
                ) bad USING (caller)"""
        )
    if abroad is not None and (query := _stage_abroad(con, abroad)) is not None:
        flagged.append(query)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE cw_spoof AS
        SELECT rid, bool_or(k = 'unallocated') AS unallocated,
               bool_or(k = 'asserted') AS asserted_mismatch, bool_or(k = 'region') AS region_implausible,
               bool_or(k = 'abroad') AS international_domestic
        FROM ({" UNION ALL ".join(flagged)}) GROUP BY rid
        """
    )


def spoofed_calls(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Per flagged call: call_id, caller id, and the four checks, in call-id order (the same
    rows whatever order the CDRs came in; before 30 Nov in input row order)."""
    return con.sql(
        """SELECT c.call_id, c.caller, s.unallocated, s.asserted_mismatch, s.region_implausible,
                  s.international_domestic
           FROM cw_spoof s JOIN cw_calls c USING (rid) ORDER BY c.call_id, c.caller, c.rid"""
    ).to_arrow_table()
