"""``build_campaigns``: the batch entry point (CDRs in, campaigns and detector findings out)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from callwarden.campaigns.bridging import BridgeConfig, bridge_agents, bridged_legs, detect_bridges
from callwarden.campaigns.linking import (
    LinkConfig,
    add_asserted_edges,
    add_bridge_edges,
    add_cluster_edges,
    add_sequence_edges,
    caller_profiles,
    components,
    link_edges,
)
from callwarden.campaigns.records import (
    Campaign,
    CampaignMember,
    CampaignStatus,
    Reason,
    ReasonCode,
)
from callwarden.campaigns.signature import campaign_id, signature_hex
from callwarden.campaigns.spoofing import (
    SpoofConfig,
    detect_spoofing,
    spoofed_calls,
    stage_registry,
)
from callwarden.campaigns.staging import (
    CdrInput,
    IngressInfo,
    ingress_info,
    ingress_names,
    odd_numbers,
    render_number,
    stage,
)
from callwarden.numbers.abroad import AbroadRule


@dataclass(frozen=True, slots=True)
class CampaignConfig:
    link: LinkConfig = field(default_factory=LinkConfig)
    bridge: BridgeConfig = field(default_factory=BridgeConfig)
    spoof: SpoofConfig = field(default_factory=SpoofConfig)
    active_window_s: float = 2 * 3600.0  # a campaign is active if it called this recently
    rotation_min_members: int = 3
    rotation_max_median_calls: float = 50.0
    exclusive_asserted_share: float = 0.8  # an asserted identity this much a campaign's own
    # The ingress tells nothing when the busiest value carries this share of the calls (or
    # there is no column, or one value): list evidence is then not used (``IngressInfo``).
    max_top_ingress_share: float = 0.9


@dataclass(frozen=True, slots=True)
class CampaignList:
    """What the online index needs of a campaign: where it enters and whom it dials."""

    campaign_id: str
    ingresses: tuple[str, ...]
    callees: np.ndarray  # int64 ids (E.164 digits) of its callee list
    members: tuple[str, ...]
    asserted: tuple[str, ...] = ()  # asserted identities (PAI) only its members' calls carry
    ingress_share: tuple[float, ...] = ()  # per ingress: members / distinct callers there
    background: tuple[float, ...] = ()  # per ingress: share of others' calls that hit the list
    # False when built without an informative ingress: the list then flags no new number in
    # the online index (only the campaign's asserted identity and its members do).
    list_match: bool = True


@dataclass(frozen=True, slots=True)
class CampaignResult:
    campaigns: tuple[Campaign, ...]
    number_campaign: dict[str, str]  # member number -> campaign id
    lists: tuple[CampaignList, ...]
    bridged: pa.Table  # call_id, leg, agent, ingress, pair_key
    bridge_agents: tuple[dict[str, Any], ...]
    # call_id, caller, unallocated, asserted_mismatch, region_implausible, international_domestic
    spoofed: pa.Table
    ingress: IngressInfo | None = None  # whether the CDRs' ingress could keep operations apart
    # number -> (calls, conversations, callees, callees that called back) of its calls with
    # its private partners (``LinkConfig.list_part``), for the numbers with at least
    # ``LinkConfig.private_report_min`` of them: the online index judges their outcomes'
    # shares without them (``IndexConfig.release_list_part``)
    private: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)


def _campaign_rows(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    rel = con.execute(
        """
        WITH mc AS (SELECT c.*, m.comp FROM cw_calls c JOIN cw_members m USING (caller)),
        sp AS (SELECT m.comp, sum(s.unallocated::INT) AS unalloc, sum(s.asserted_mismatch::INT) AS asserted,
                      sum(s.region_implausible::INT) AS region,
                      sum(s.international_domestic::INT) AS abroad
               FROM cw_spoof s JOIN cw_calls c USING (rid) JOIN cw_members m USING (caller)
               GROUP BY m.comp),
        ed AS (SELECT m.comp, e.kind, count(*) AS k FROM cw_edges e JOIN cw_members m ON m.caller = e.a
               GROUP BY ALL),
        br AS (SELECT m.comp, count(*) AS agents FROM cw_bridge_mid b JOIN cw_members m ON m.caller = b.mid
               WHERE b.bridged GROUP BY m.comp)
        SELECT mc.comp, count(*) AS calls, avg(answered::INT) AS answer_rate,
               count(DISTINCT callee) AS list_size, min(ts) AS first_ts, max(ts) AS last_ts,
               avg((cause = 1)::INT) AS unalloc_callee_share, sum((cause = 21)::INT) AS rejected,
               list(DISTINCT ing) AS ings, list(DISTINCT callee) AS callees,
               any_value(sp.unalloc) AS sp_unalloc, any_value(sp.asserted) AS sp_asserted,
               any_value(sp.region) AS sp_region, any_value(sp.abroad) AS sp_abroad,
               any_value(br.agents) AS bridge_agents,
               (SELECT map_from_entries(list(struct_pack(k := e.kind, v := e.k)))
                  FROM ed e WHERE e.comp = mc.comp) AS edge_kinds,
               min(mc.caller) AS first_member
        FROM mc LEFT JOIN sp USING (comp) LEFT JOIN br USING (comp)
        GROUP BY mc.comp ORDER BY calls DESC, first_member
        """
    )
    cols = [d[0] for d in rel.description]
    return [dict(zip(cols, r, strict=True)) for r in rel.fetchall()]


_EDGE_REASON = {
    "callees": ReasonCode.SHARED_CALLEES,
    "blocks": ReasonCode.SHARED_LIST_RANGES,
    "timing": ReasonCode.SYNCHRONISED_TIMING,
    "sequence": ReasonCode.SYNCHRONISED_TIMING,
    "script": ReasonCode.SHARED_SCRIPT,
    "audio": ReasonCode.SHARED_AUDIO,
    "asserted": ReasonCode.SHARED_ASSERTED_IDENTITY,
}


def build_campaigns(
    cdrs: CdrInput,
    *,
    allocated: Iterable[str] | pa.Array | None = None,
    scripts: pa.Table | None = None,
    audio: pa.Table | None = None,
    complaints: dict[str, int] | None = None,
    config: CampaignConfig | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    link_only: bool = False,
    abroad: AbroadRule | None = None,
) -> CampaignResult:
    """Link caller IDs into campaigns and run the bridging and spoofing detectors.

    ``cdrs``: canonical CDRs (Arrow table or dataset, or DuckDB relation). ``allocated``: the
    allocation registry's numbers. ``scripts``/``audio``: per-call clusters from screening
    (columns ``call_id``, ``cluster`` and, for scripts, optional ``category``).
    ``complaints``: reports per number. ``link_only`` skips the spoofing checks (their
    findings then come back empty), for micro-batches that only feed the online index.
    ``abroad``: the international-gateway rule (``numbers.abroad``) for the spoofing check
    (None: calls from abroad are not judged).
    """
    cfg = config or CampaignConfig()
    con = stage(cdrs, con)
    if link_only:  # the online replay's micro-batches need campaigns, not per-call findings
        con.execute(
            "CREATE OR REPLACE TEMP TABLE cw_spoof (rid BIGINT, unallocated BOOLEAN, "
            "asserted_mismatch BOOLEAN, region_implausible BOOLEAN, "
            "international_domestic BOOLEAN)"
        )
    else:
        detect_spoofing(con, stage_registry(con, allocated), cfg.spoof, abroad)
    ing_info = ingress_info(con, cfg.max_top_ingress_share)
    detect_bridges(con, cfg.bridge, ingress_informative=ing_info.informative)
    caller_profiles(con, cfg.link)
    link_edges(con, cfg.link, list_evidence=ing_info.informative)
    add_sequence_edges(con, cfg.link, list_evidence=ing_info.informative)
    add_asserted_edges(con)
    add_bridge_edges(con)
    add_cluster_edges(con, scripts, "script")
    add_cluster_edges(con, audio, "audio")
    components(con, cfg.link)

    odd, ings = odd_numbers(con), ingress_names(con)
    span = con.execute("SELECT min(ts), max(ts) FROM cw_calls").fetchall()[0]
    days = max(((span[1] or 0.0) - (span[0] or 0.0)) / 86400.0, 1.0)
    members = _members(con, odd)
    scripts_by_comp = _scripts(con, scripts)
    extras = _index_extras(con, ings, cfg.exclusive_asserted_share)
    complaints = complaints or {}

    campaigns: list[Campaign] = []
    lists: list[CampaignList] = []
    number_campaign: dict[str, str] = {}
    taken: set[str] = set()
    for row in _campaign_rows(con):
        comp = int(row["comp"])
        callees = np.asarray(row["callees"], dtype=np.int64)
        sig = signature_hex(callees)
        cid = campaign_id(sig, taken)
        mem = members[comp]
        script, category = scripts_by_comp.get(comp, ("", ""))
        ingress = tuple(sorted(ings[int(i)] for i in row["ings"]))
        reasons = _reasons(row, mem, cfg)
        status = (
            CampaignStatus.ACTIVE
            if float(row["last_ts"]) >= float(span[1] or 0.0) - cfg.active_window_s
            else CampaignStatus.DORMANT
        )
        campaigns.append(
            Campaign(
                campaign_id=cid,
                members=mem,
                ingresses=ingress,
                callee_signature=sig,
                script_signature=script,
                category=category,
                daily_volume=round(int(row["calls"]) / days, 1),
                answer_rate=round(float(row["answer_rate"]), 4),
                list_size=int(row["list_size"]),
                complaint_count=sum(complaints.get(m.number, 0) for m in mem),
                status=status,
                reasons=reasons,
            )
        )
        pai, share, bg = extras.get(comp, ({}, {}, {}))
        lists.append(
            CampaignList(
                cid,
                ingress,
                callees,
                tuple(m.number for m in mem),
                asserted=tuple(render_number(n, odd) for n in sorted(pai)),
                ingress_share=tuple(round(share.get(i, 0.0), 4) for i in ingress),
                background=tuple(round(bg.get(i, 0.0), 6) for i in ingress),
                list_match=ing_info.informative,
            )
        )
        number_campaign.update((m.number, cid) for m in mem)

    legs = bridged_legs(con)
    legs = legs.set_column(
        legs.schema.get_field_index("agent"),
        "agent",
        pa.array([render_number(int(v), odd) for v in legs["agent"].to_pylist()], pa.string()),
    ).set_column(
        legs.schema.get_field_index("ing"),
        "ingress",
        pa.array([ings[int(v)] for v in legs["ing"].to_pylist()], pa.string()),
    )
    agents = tuple({**r, "mid": render_number(int(r["mid"]), odd)} for r in bridge_agents(con))
    spoof = spoofed_calls(con)
    spoof = spoof.set_column(
        1,
        "caller",
        pa.array([render_number(int(v), odd) for v in spoof["caller"].to_pylist()], pa.string()),
    )
    return CampaignResult(
        tuple(campaigns),
        number_campaign,
        tuple(lists),
        legs,
        agents,
        spoof,
        ing_info,
        _private_parts(con, odd, cfg.link.private_report_min),
    )


def _private_parts(
    con: duckdb.DuckDBPyConnection, odd: dict[int, str], min_partners: int
) -> dict[str, tuple[int, int, int, int]]:
    """Per number with at least ``min_partners`` private partners (``LinkConfig.list_part``):
    its calls to them, the conversations among those (answered, 10 s of talk or more, as the
    stream state counts), the partners and the partners that called it."""
    rows = con.execute(
        f"""
        WITH pc AS (
            SELECT c.caller, c.callee, c.answered AND c.dur >= 10 AS conv
            FROM cw_calls c JOIN cw_private p ON p.callee = c.callee AND p.partner = c.caller
        ), back AS (SELECT DISTINCT caller, callee FROM cw_calls SEMI JOIN cw_private
                    ON cw_private.callee = cw_calls.caller AND cw_private.partner = cw_calls.callee)
        SELECT pc.caller, count(*), sum(pc.conv::INT), count(DISTINCT pc.callee),
               count(DISTINCT b.caller)
        FROM pc LEFT JOIN back b ON b.caller = pc.callee AND b.callee = pc.caller
        GROUP BY pc.caller HAVING count(DISTINCT pc.callee) >= {int(min_partners)}
        """
    ).fetchall()
    return {
        render_number(int(n), odd): (int(k), int(v or 0), int(d), int(b)) for n, k, v, d, b in rows
    }


def _index_extras(
    con: duckdb.DuckDBPyConnection, ings: dict[int, str], min_share: float
) -> dict[int, tuple[dict[int, float], dict[str, float], dict[str, float]]]:
    """Per campaign: exclusive asserted identities, its share of each ingress's callers, and
    the background rate at which other numbers' calls on that ingress hit its list."""
    out: dict[int, tuple[dict[int, float], dict[str, float], dict[str, float]]] = {}

    def slot(comp: object) -> tuple[dict[int, float], dict[str, float], dict[str, float]]:
        return out.setdefault(int(comp), ({}, {}, {}))  # type: ignore[call-overload]

    for comp, n, sh in con.execute(
        f"""
        WITH a AS (
            SELECT c.asserted, m.comp, count(*) AS k FROM cw_calls c LEFT JOIN cw_members m USING (caller)
            WHERE c.asserted IS NOT NULL AND c.asserted <> c.caller GROUP BY ALL
        ), t AS (SELECT asserted, sum(k) AS total FROM a GROUP BY asserted)
        SELECT a.comp, a.asserted, a.k / t.total FROM a JOIN t USING (asserted)
        WHERE a.comp IS NOT NULL AND a.k / t.total >= {float(min_share)}
        """
    ).fetchall():
        slot(comp)[0][int(n)] = float(sh)
    for comp, ing, sh in con.execute(
        """
        WITH t AS (SELECT ing, approx_count_distinct(caller) AS callers FROM cw_calls GROUP BY ing),
        mc AS (SELECT DISTINCT c.ing, c.caller, m.comp FROM cw_calls c JOIN cw_members m USING (caller))
        SELECT mc.comp, mc.ing, least(count(*) / any_value(t.callers), 1.0)
        FROM mc JOIN t USING (ing) GROUP BY ALL
        """
    ).fetchall():
        slot(comp)[1][ings[int(ing)]] = float(sh)
    for comp, ing, rate in con.execute(
        """
        WITH lst AS (SELECT DISTINCT m.comp, c.callee FROM cw_calls c JOIN cw_members m USING (caller)),
        ci AS (SELECT DISTINCT m.comp, c.ing FROM cw_calls c JOIN cw_members m USING (caller)),
        -- others' calls without their private partners (``LinkConfig.list_part``): padding
        -- calls of numbers outside the campaign would dilute the rate and lower the need
        other AS (SELECT c.ing, c.callee FROM cw_calls c SEMI JOIN (SELECT DISTINCT ing FROM ci) USING (ing)
                  ANTI JOIN cw_members m USING (caller)
                  ANTI JOIN cw_private p ON p.callee = c.callee AND p.partner = c.caller),
        tot AS (SELECT ing, count(*) AS n FROM other GROUP BY ing),
        hit AS (SELECT l.comp, o.ing, count(*) AS k FROM other o JOIN lst l USING (callee) GROUP BY ALL)
        SELECT ci.comp, ci.ing, coalesce(hit.k, 0) / greatest(coalesce(tot.n, 0), 1)
        FROM ci LEFT JOIN tot USING (ing) LEFT JOIN hit USING (comp, ing)
        """
    ).fetchall():
        slot(comp)[2][ings[int(ing)]] = float(rate)
    return out


def _members(
    con: duckdb.DuckDBPyConnection, odd: dict[int, str]
) -> dict[int, tuple[CampaignMember, ...]]:
    rows = con.execute(
        """SELECT m.comp, m.caller, p.first_ts, p.last_ts, p.calls
           FROM cw_members m JOIN cw_prof p USING (caller) ORDER BY m.comp, p.first_ts, m.caller"""
    ).fetchall()
    out: dict[int, list[CampaignMember]] = {}
    for comp, caller, first, last, calls in rows:
        out.setdefault(int(comp), []).append(
            CampaignMember(
                number=render_number(int(caller), odd),
                first_seen=datetime.fromtimestamp(float(first), UTC),
                last_seen=datetime.fromtimestamp(float(last), UTC),
                calls=int(calls),
            )
        )
    return {k: tuple(v) for k, v in out.items()}


def _scripts(
    con: duckdb.DuckDBPyConnection, scripts: pa.Table | None
) -> dict[int, tuple[str, str]]:
    """Modal script cluster (and its category) of each campaign's transcribed calls."""
    if scripts is None or scripts.num_rows == 0:
        return {}
    cols = ["call_id", "cluster"] + (["category"] if "category" in scripts.column_names else [])
    con.register("cw_scr", scripts.select(cols))
    cat = "s.category" if "category" in cols else "''"
    # Modal values with ties to the smallest (mode() picks among ties by thread timing).
    rows = con.execute(
        f"""WITH j AS (
              SELECT m.comp, s.cluster::VARCHAR AS v, 'cluster' AS what
              FROM cw_scr s JOIN cw_calls c ON c.call_id = s.call_id JOIN cw_members m USING (caller)
              UNION ALL
              SELECT m.comp, nullif({cat}::VARCHAR, ''), 'category'
              FROM cw_scr s JOIN cw_calls c ON c.call_id = s.call_id JOIN cw_members m USING (caller)
            ), n AS (SELECT comp, what, v, count(*) AS n FROM j WHERE v IS NOT NULL GROUP BY ALL)
            SELECT comp, min_by(v, row(-n, v)) FILTER (WHERE what = 'cluster'),
                   min_by(v, row(-n, v)) FILTER (WHERE what = 'category')
            FROM n GROUP BY comp"""
    ).fetchall()
    con.unregister("cw_scr")
    return {int(c): (str(s or ""), str(k or "")) for c, s, k in rows}


def _reasons(
    row: dict[str, Any], mem: tuple[CampaignMember, ...], cfg: CampaignConfig
) -> tuple[Reason, ...]:
    reasons: list[Reason] = []
    kinds = row.get("edge_kinds") or {}
    links: dict[ReasonCode, int] = {}
    for kind, code in _EDGE_REASON.items():
        k = kinds.get(kind) if isinstance(kinds, dict) else None
        if k:
            links[code] = links.get(code, 0) + int(k)
    reasons.extend(Reason(code, {"links": k}) for code, k in links.items())
    calls = np.array([m.calls for m in mem])
    spans = np.array([(m.last_seen - m.first_seen).total_seconds() for m in mem])
    if (
        len(mem) >= cfg.rotation_min_members
        and float(np.median(calls)) <= cfg.rotation_max_median_calls
    ):
        reasons.append(
            Reason(
                ReasonCode.ROTATION_POOL,
                {
                    "numbers": len(mem),
                    "median_calls_per_number": float(np.median(calls)),
                    "median_active_minutes": round(float(np.median(spans)) / 60.0, 1),
                },
            )
        )
    reasons.append(
        Reason(ReasonCode.LOW_ANSWER_RATE, {"answer_rate": round(float(row["answer_rate"]), 4)})
    )
    share = float(row["unalloc_callee_share"] or 0.0)
    if share > 0:
        reasons.append(
            Reason(ReasonCode.UNALLOCATED_CALLEES, {"unallocated_callee_share": round(share, 4)})
        )
    if row.get("bridge_agents"):
        reasons.append(
            Reason(ReasonCode.BRIDGED_CALLBACK, {"agent_numbers": int(row["bridge_agents"])})
        )
    for key, code in (
        ("sp_unalloc", ReasonCode.SPOOF_UNALLOCATED),
        ("sp_asserted", ReasonCode.SPOOF_ASSERTED_MISMATCH),
        ("sp_region", ReasonCode.SPOOF_REGION_IMPLAUSIBLE),
        ("sp_abroad", ReasonCode.SPOOF_INTERNATIONAL_DOMESTIC),
    ):
        if row.get(key):
            reasons.append(Reason(code, {"calls": int(row[key])}))
    return tuple(reasons)
