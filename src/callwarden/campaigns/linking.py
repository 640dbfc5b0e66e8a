"""Link caller IDs into campaigns: one graph, several kinds of evidence, grouped into campaigns.

Nodes are *candidate* callers: numbers that dial at least ``min_callees`` callees of whom at
most ``max_callback_share`` ever called back (answered) in the window. Ordinary subscribers,
couriers and clinics live on reciprocated calls and never become candidates; list dialers do.
Callbacks from a callee who calls back at least ``wash_partner_min`` of the dialers do not
count: that is a cooperating number "washing" an operation's numbers, not a relationship.

Edges (all within one ingress, the identity above the displayed number; the list edges,
shared callees, ranges, timing and hand-over, only where the CDRs' ingress is informative,
``staging.IngressInfo``):

* **shared callees**: two candidates dialled at least ``min_shared_callees`` of the same callees
  (callees dialled by more than ``max_callee_degree`` candidates are ignored: a hotline or a
  much-sold number links nothing);
* **shared list ranges**: purchased lists are number-sequential, so rotated numbers of one
  campaign dial the same blocks of ``block_size`` consecutive numbers even when they never dial
  the same callee. Two candidates that share at least ``min_shared_blocks`` blocks, and whose
  overlap (shared / the smaller block set) is at least ``min_block_overlap``, are linked;
* **synchronised timing**: on one ingress, a candidate whose first call follows another's last
  call within ``handover_s``, while both dial the same or neighbouring ranges of a list (the
  next number takes over where the last left off);
* **shared asserted identity**: calls that carry one network-asserted identity (PAI) under
  different displayed numbers through one ingress;
* **bridging**: agent lines that one platform number rings through one ingress (双向回呼);
* **shared script / audio**: candidates whose calls fall in one script cluster or one audio
  fingerprint (precomputed by ``callwarden.screening``) are joined through that cluster.

Campaigns are the connected components (``scipy.sparse.csgraph``) with at least
``min_members`` numbers or ``min_calls`` calls, except that a component carrying two or more
asserted identities is split so that two trunk accounts sharing a purchased list stay apart
(``grouping.constrained_groups``).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from callwarden.campaigns.grouping import constrained_groups, sequence_tags


@dataclass(frozen=True, slots=True)
class LinkConfig:
    min_callees: int = 2
    max_callback_share: float = 0.05
    max_answer_rate: float = 0.5
    wash_partner_min: int = (
        2  # callbacks from a callee who calls back this many dialers don't count
    )
    min_shared_callees: int = 2
    max_callee_degree: int = 50
    block_size: int = 100
    min_block_callees: int = 3  # a block counts for a caller that dialled this many in it
    min_shared_blocks: int = 1
    min_block_overlap: float = 0.3
    max_block_degree: int = 400  # a block dialled by more candidates is sampled (see below)
    handover_s: float = 120.0
    succession_s: float = 60.0  # list hand-over: the next entry dialled this soon after
    succession_step: int = 3  # "next entry": 1..this many numbers further along the list
    min_successions: int = 2
    min_sequence_group: int = 20  # numbers a hand-over chain needs to stand for an operation
    min_members: int = 2
    max_campaign_answer_rate: float = 0.45
    min_calls: int = 200
    # A number whose only links are shared callees needs them with this many numbers: two
    # callees in common with one other number is a coincidence a subscriber meets (two family
    # numbers calling the same two landlines; a courier sharing two customers with a dialer
    # on a shared interconnect), not a purchased list.
    min_callee_partners: int = 2
    # Also judge a number on the list-dialling part of its calls (``caller_profiles``): the
    # rate gates (answer rate, call-backs, the campaign's answer rate) without its private
    # partners, so that answered calls to accomplice SIMs of its own do not make it look
    # like a person (docs/campaigns.md, "Padding").
    list_part: bool = True
    # ... on a list part of at least this many calls (the rates of fewer are noise: on the
    # synthetic bench day a subscriber with 2 calls left became a candidate and linked two)
    min_list_calls: int = 5
    # numbers with this many private partners have them reported (``CampaignResult.private``)
    private_report_min: int = 5


def caller_profiles(con: duckdb.DuckDBPyConnection, cfg: LinkConfig) -> None:
    """``cw_prof`` (every caller: volume, answer rate, span), ``cw_pre`` and ``cw_cand``
    (candidates).

    Only cheap aggregates run over all calls; distinct callees, the modal ingress and the
    callbacks are computed for the numbers that pass the volume and answer-rate gate.

    With ``list_part`` a number is judged twice: on all its calls (as without), and on the
    list-dialling part of them (at least ``min_list_calls`` calls), its calls to callees
    other than its *private partners* (callees whose only counterparty in the window,
    either way, is this number: an operation's own accomplice SIMs are private partners; so
    are a dialer's list entries nobody else reached yet, so the rates of the rest stay
    unbiased). It is a candidate when either passes; ``cw_prof.j_calls``/``j_rate`` are the
    calls and answer rate of the part it was judged on (all calls where both pass), for the
    campaign's answer-rate gate.
    """
    if cfg.list_part:
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE cw_private AS
            WITH p AS (SELECT DISTINCT caller AS n, callee AS o FROM cw_calls
                       UNION SELECT callee, caller FROM cw_calls)
            SELECT n AS callee, min(o) AS partner FROM p GROUP BY n HAVING count(*) = 1
            """
        )
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE cw_private (callee BIGINT, partner BIGINT)")
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE cw_prof AS
        WITH k AS (
            SELECT c.caller, count(*) AS lcalls, avg(c.answered::INT) AS lrate FROM cw_calls c
            ANTI JOIN cw_private p ON p.callee = c.callee AND p.partner = c.caller
            GROUP BY c.caller
        ), a AS (
            SELECT caller, count(*) AS calls, avg(answered::INT) AS answer_rate,
                   min(ts) AS first_ts, max(ts) AS last_ts
            FROM cw_calls GROUP BY caller
        )
        SELECT a.*, coalesce(k.lcalls, 0) AS lcalls, coalesce(k.lrate, 0.0) AS lrate,
               a.calls AS j_calls, a.answer_rate AS j_rate
        FROM a LEFT JOIN k USING (caller)
        """
    )
    parts = [("all", "calls", "answer_rate", "", int(cfg.min_callees))]
    if cfg.list_part:
        parts.append(
            (
                "list",
                "lcalls",
                "lrate",
                "ANTI JOIN cw_private p ON p.callee = c.callee AND p.partner = c.caller",
                max(int(cfg.min_callees), int(cfg.min_list_calls)),
            )
        )
    selects = []
    for part, n_col, rate_col, anti, min_calls in parts:
        selects.append(
            f"""
            SELECT * FROM (
            WITH pre AS (
                SELECT caller FROM cw_prof
                WHERE {n_col} >= {min_calls} AND {rate_col} <= {float(cfg.max_answer_rate)}
            ), pre_calls AS (
                SELECT c.caller, c.callee, c.ing FROM cw_calls c SEMI JOIN pre USING (caller) {anti}
            ), dc AS (
                SELECT caller, count(DISTINCT callee) AS callees FROM pre_calls GROUP BY caller
                HAVING count(DISTINCT callee) >= {int(cfg.min_callees)}
            )
            -- The modal ingress, ties to the lowest id (mode() picks among ties by thread timing).
            , mi AS (
                SELECT caller, min_by(ing, row(-n, ing)) AS ing
                FROM (SELECT caller, ing, count(*) AS n FROM pre_calls GROUP BY caller, ing)
                GROUP BY caller
            ), out AS (SELECT DISTINCT caller, callee FROM pre_calls SEMI JOIN dc USING (caller)),
            -- Callbacks: callees who called the number back and were answered.
            cb AS (
                SELECT DISTINCT o.caller, o.callee
                FROM out o JOIN cw_calls b ON b.caller = o.callee AND b.callee = o.caller AND b.answered
            ), wash AS (  -- a callee who calls back many dialers is a cooperating "washing" number
                SELECT callee FROM cb GROUP BY callee HAVING count(*) >= {int(cfg.wash_partner_min)}
            ), back AS (
                SELECT caller, count(*) AS callbacks FROM cb ANTI JOIN wash USING (callee) GROUP BY caller
            )
            SELECT dc.caller, dc.callees, mi.ing, coalesce(back.callbacks, 0) AS callbacks,
                   coalesce(back.callbacks, 0) / dc.callees AS callback_share,
                   '{part}' AS part
            FROM dc JOIN mi USING (caller) LEFT JOIN back USING (caller))
            """
        )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE cw_judged AS
        WITH j AS ({" UNION ALL ".join(selects)}),
        ok AS (SELECT * FROM j WHERE callback_share <= {float(cfg.max_callback_share)})
        SELECT * FROM ok QUALIFY row_number() OVER (PARTITION BY caller ORDER BY part) = 1
        """
    )
    # cw_pre: the callee count of the part each candidate was judged on (edge strengths)
    con.execute("CREATE OR REPLACE TEMP TABLE cw_pre AS SELECT caller, callees, ing FROM cw_judged")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE cw_cand AS "
        "SELECT caller, ing, callbacks, callback_share FROM cw_judged"
    )
    con.execute(
        """
        UPDATE cw_prof SET j_calls = lcalls, j_rate = lrate
        FROM cw_judged j WHERE j.caller = cw_prof.caller AND j.part = 'list'
        """
    )


def link_edges(
    con: duckdb.DuckDBPyConnection, cfg: LinkConfig, *, list_evidence: bool = True
) -> None:
    """``cw_edges`` (a, b, kind, weight) between candidate callers; a < b.

    ``list_evidence`` False (no informative ingress, ``staging.IngressInfo``) creates the
    table empty: shared callees, shared ranges and timing say "one operation" only together
    with a shared ingress. Network-wide, a purchased list covers blocks where ordinary
    subscribers' friends live, and on the 20,000-subscriber article seed 2 without its
    ingress they joined 52 benign numbers to campaigns. Numbers are then linked only by
    evidence that names the operation itself (asserted identity, bridge platform, script,
    audio)."""
    if not list_evidence:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE cw_edges "
            "(a BIGINT, b BIGINT, kind VARCHAR, weight DOUBLE)"
        )
        return
    bs = int(cfg.block_size)
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE cw_cc AS
        SELECT DISTINCT c.caller, c.ing, c.callee
        FROM cw_calls c SEMI JOIN cw_cand USING (caller)
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE cw_edges AS
        WITH deg AS (
            SELECT ing, callee FROM cw_cc GROUP BY ALL
            HAVING count(*) BETWEEN 2 AND {int(cfg.max_callee_degree)}
        ), cc AS (SELECT * FROM cw_cc SEMI JOIN deg USING (ing, callee))
        SELECT x.caller AS a, y.caller AS b, 'callees' AS kind, count(*)::DOUBLE AS weight
        FROM cc x JOIN cc y ON x.ing = y.ing AND x.callee = y.callee AND x.caller < y.caller
        GROUP BY ALL HAVING count(*) >= {int(cfg.min_shared_callees)}
        """
    )
    # Block sets; a block dialled by very many candidates keeps only a deterministic sample
    # of its pairs (each caller to its next few by id), which still connects the component.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE cw_blocks AS
        SELECT caller, ing, callee // {bs} AS blk, count(*) AS k FROM cw_cc GROUP BY ALL
        HAVING count(*) >= {int(cfg.min_block_callees)}
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE cw_bpairs AS
        WITH nb AS (SELECT caller, ing, count(*) AS nblk FROM cw_blocks GROUP BY ALL),
        ranked AS (
            SELECT caller, ing, blk,
                   row_number() OVER (PARTITION BY ing, blk ORDER BY caller) AS r,
                   count(*) OVER (PARTITION BY ing, blk) AS d
            FROM cw_blocks
        ), pairs AS (
            SELECT x.caller AS a, y.caller AS b, x.ing, count(*) AS shared
            FROM ranked x JOIN ranked y
              ON x.ing = y.ing AND x.blk = y.blk AND x.r < y.r
             AND (x.d <= {int(cfg.max_block_degree)} OR y.r - x.r <= {int(cfg.max_block_degree) // 8})
            WHERE x.d >= 2
            GROUP BY ALL
        )
        SELECT least(p.a, p.b) AS a, greatest(p.a, p.b) AS b, p.ing, p.shared,
               p.shared / least(na.nblk, nb2.nblk) AS overlap
        FROM pairs p JOIN nb na ON na.caller = p.a AND na.ing = p.ing
                     JOIN nb nb2 ON nb2.caller = p.b AND nb2.ing = p.ing
        """
    )
    con.execute(
        f"""
        INSERT INTO cw_edges
        SELECT a, b, 'blocks', overlap FROM cw_bpairs
        WHERE shared >= {int(cfg.min_shared_blocks)} AND overlap >= {float(cfg.min_block_overlap)}
        """
    )
    # Handover: a number starts within handover_s after another stopped on the same ingress
    # (time-bucketed equi-join, so a busy ingress costs pairs per bucket, not n^2), both
    # dialling the same or neighbouring ranges of a list.
    con.execute(
        f"""
        INSERT INTO cw_edges
        WITH p AS (SELECT caller, c.ing, first_ts, last_ts FROM cw_prof JOIN cw_cand c USING (caller)),
        x AS (SELECT caller, ing, last_ts, floor(last_ts / {float(cfg.handover_s)}) AS bk FROM p),
        y AS (SELECT caller, ing, first_ts, floor(first_ts / {float(cfg.handover_s)}) AS bk FROM p
              UNION ALL
              SELECT caller, ing, first_ts, floor(first_ts / {float(cfg.handover_s)}) - 1 FROM p),
        h AS (
            SELECT x.caller AS a, y.caller AS b, y.ing, y.first_ts - x.last_ts AS gap
            FROM y JOIN x ON x.ing = y.ing AND x.bk = y.bk
            WHERE y.first_ts >= x.last_ts AND y.first_ts - x.last_ts <= {float(cfg.handover_s)}
              AND x.caller <> y.caller
        )
        SELECT least(h.a, h.b), greatest(h.a, h.b), 'timing', min(h.gap)
        FROM h JOIN cw_blocks bx ON bx.caller = h.a AND bx.ing = h.ing
               JOIN cw_blocks bb ON bb.caller = h.b AND bb.ing = h.ing
        WHERE abs(bx.blk - bb.blk) <= 1
        GROUP BY 1, 2
        """
    )


def add_sequence_edges(
    con: duckdb.DuckDBPyConnection, cfg: LinkConfig, *, list_evidence: bool = True
) -> None:
    """List hand-over between rotated numbers of one dialer (kind ``sequence``); none when
    ``list_evidence`` is False (as ``link_edges``: the hand-over is judged on one ingress).

    A dialer walks its list in order and rotates numbers every few calls, so the next number
    dials the *next* entries (callee + 1 .. + ``succession_step``) within seconds of the last
    number's call. A second operation on the same list reaches those entries at another time,
    or dials the same entries, not the next ones. Pairs with at least ``min_successions`` such
    hand-overs on one ingress are linked (weight: the count).
    """
    if not list_evidence:
        return
    con.execute(
        f"""
        INSERT INTO cw_edges
        WITH cc AS (SELECT c.caller, c.ing, c.callee, c.ts FROM cw_calls c SEMI JOIN cw_cand USING (caller)),
        nx AS (SELECT caller, ing, callee - d AS key, ts FROM cc,
               range(1, {int(cfg.succession_step) + 1}) r(d))
        SELECT least(x.caller, y.caller), greatest(x.caller, y.caller), 'sequence', count(*)::DOUBLE
        FROM cc x JOIN nx y ON x.ing = y.ing AND x.callee = y.key
        WHERE y.ts >= x.ts AND y.ts - x.ts <= {float(cfg.succession_s)} AND x.caller <> y.caller
        GROUP BY 1, 2 HAVING count(*) >= {int(cfg.min_successions)}
        """
    )


def add_cluster_edges(
    con: duckdb.DuckDBPyConnection,
    calls: pa.Table | None,
    kind: str,
    min_candidate_share: float = 0.9,
) -> None:
    """Join candidates through precomputed per-call clusters (script or audio fingerprint).

    ``calls`` has columns ``call_id`` and ``cluster``. A cluster links only numbers that play it
    through one ingress, and only when at least ``min_candidate_share`` of its calls come from
    candidates: a script that ordinary subscribers "play" too is small talk, not a recording.
    Each number is joined to the first number (by id) of the cluster, a star.
    """
    if calls is None or calls.num_rows == 0:
        return
    con.register("cw_clu_src", calls.select(["call_id", "cluster"]))
    con.execute(
        f"""
        INSERT INTO cw_edges
        WITH m AS (
            SELECT c.caller, c.ing, s.cluster::VARCHAR AS cluster,
                   c.caller IN (SELECT caller FROM cw_cand) AS cand
            FROM cw_calls c JOIN cw_clu_src s ON s.call_id = c.call_id
            WHERE s.cluster IS NOT NULL AND s.cluster::VARCHAR <> ''
        ), good AS (
            SELECT cluster FROM m GROUP BY cluster
            HAVING avg(cand::INT) >= {float(min_candidate_share)}
               AND count(DISTINCT caller) FILTER (WHERE cand) >= 2
        ), mm AS (SELECT DISTINCT caller, ing, cluster FROM m SEMI JOIN good USING (cluster) WHERE cand),
        hub AS (SELECT cluster, ing, min(caller) AS h FROM mm GROUP BY ALL)
        SELECT least(hub.h, mm.caller), greatest(hub.h, mm.caller), '{kind}', 1.0
        FROM mm JOIN hub USING (cluster, ing) WHERE mm.caller <> hub.h
        """
    )
    con.unregister("cw_clu_src")


def add_asserted_edges(con: duckdb.DuckDBPyConnection) -> None:
    """Numbers whose calls carry one network-asserted identity (PAI) through one ingress.

    A platform trunk asserts its own account identity under whatever number it displays, so
    the asserted identity is the operation seen from the network, above every rotated number.
    """
    con.execute(
        """
        INSERT INTO cw_edges
        WITH a AS (
            SELECT DISTINCT c.asserted, c.ing, c.caller FROM cw_calls c
            SEMI JOIN cw_cand USING (caller)
            WHERE c.asserted IS NOT NULL AND c.asserted <> c.caller
        ), hub AS (SELECT asserted, ing, min(caller) AS h FROM a GROUP BY ALL HAVING count(*) >= 2)
        SELECT least(hub.h, a.caller), greatest(hub.h, a.caller), 'asserted', 1.0
        FROM a JOIN hub USING (asserted, ing) WHERE a.caller <> hub.h
        """
    )


def add_bridge_edges(con: duckdb.DuckDBPyConnection) -> None:
    """Agent lines rung by one platform number through one ingress work for one operation."""
    con.execute(
        """
        INSERT INTO cw_edges
        WITH a AS (
            SELECT DISTINCT p.src, p.ing, p.mid FROM cw_bridge_pairs p
            JOIN cw_bridge_mid m ON m.mid = p.mid AND m.ing = p.ing AND m.bridged
            SEMI JOIN cw_cand ON cw_cand.caller = p.mid
        ), hub AS (SELECT src, ing, min(mid) AS h FROM a GROUP BY ALL)
        SELECT least(hub.h, a.mid), greatest(hub.h, a.mid), 'bridge', 1.0
        FROM a JOIN hub USING (src, ing) WHERE a.mid <> hub.h
        """
    )


def components(con: duckdb.DuckDBPyConnection, cfg: LinkConfig) -> None:
    """``cw_members`` (caller, comp) for groups that qualify as campaigns.

    Groups are connected components, except where a component carries two or more asserted
    identities: there ``grouping.constrained_groups`` keeps two trunk accounts apart (a shared
    list links them, their identities do not). In a component without any asserted identity,
    long list hand-over chains (``sequence`` edges) stand in for the identity.

    First, a number whose only links are shared-callee edges to fewer than
    ``min_callee_partners`` numbers loses them (``LinkConfig.min_callee_partners``).
    """
    if cfg.min_callee_partners > 1:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE cw_lone AS
            SELECT x FROM (SELECT a AS x, b AS y, kind FROM cw_edges
                           UNION ALL SELECT b, a, kind FROM cw_edges)
            GROUP BY x
            HAVING bool_and(kind = 'callees') AND count(DISTINCT y) < {int(cfg.min_callee_partners)}
            """
        )
        con.execute(
            "DELETE FROM cw_edges WHERE kind = 'callees' "
            "AND (a IN (SELECT x FROM cw_lone) OR b IN (SELECT x FROM cw_lone))"
        )
    edges = con.execute(
        f"""
        WITH e AS (
            SELECT e.a, e.b, e.kind,
                   CASE e.kind WHEN 'asserted' THEN 0 WHEN 'bridge' THEN 1
                        WHEN 'script' THEN 2 WHEN 'audio' THEN 2 WHEN 'sequence' THEN 2.5
                        ELSE 3 END AS prio,
                   CASE e.kind
                        WHEN 'callees' THEN e.weight / greatest(least(pa.callees, pb.callees), 1)
                        WHEN 'blocks' THEN e.weight
                        WHEN 'timing' THEN 1.0 - e.weight / {max(float(cfg.handover_s), 1.0)}
                        ELSE 1.0 END AS strength
            FROM cw_edges e LEFT JOIN cw_pre pa ON pa.caller = e.a LEFT JOIN cw_pre pb ON pb.caller = e.b
        )
        SELECT a, b, min(prio) * 10 - sum(strength) AS ord,
               bool_or(kind = 'sequence') AS seq
        FROM e GROUP BY a, b ORDER BY a, b
        """
    ).fetchnumpy()
    nodes = con.execute("SELECT caller FROM cw_cand ORDER BY caller").fetchnumpy()["caller"]
    nodes = np.asarray(nodes, dtype=np.int64)
    a = np.searchsorted(nodes, np.asarray(edges["a"], dtype=np.int64))
    b = np.searchsorted(nodes, np.asarray(edges["b"], dtype=np.int64))
    tags: dict[int, set[int]] = {}
    if len(a):
        pai = con.execute(
            """
            SELECT DISTINCT caller, asserted FROM cw_calls SEMI JOIN cw_cand USING (caller)
            WHERE asserted IS NOT NULL AND asserted <> caller
            """
        ).fetchnumpy()
        idx = np.searchsorted(nodes, np.asarray(pai["caller"], dtype=np.int64))
        for i, v in zip(idx.tolist(), np.asarray(pai["asserted"]).tolist(), strict=True):
            tags.setdefault(int(i), set()).add(int(v))
    seq = np.asarray(edges["seq"], dtype=bool)
    for node, tag in sequence_tags(len(nodes), a, b, seq, tags, cfg.min_sequence_group).items():
        tags[node] = {tag}
    labels = constrained_groups(
        len(nodes),
        a,
        b,
        np.asarray(edges["ord"], dtype=np.float64),
        {k: frozenset(v) for k, v in tags.items()},
    )
    con.register("cw_comp_src", pa.table({"caller": nodes, "comp": labels.astype(np.int64)}))
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE cw_members AS
        WITH m AS (SELECT s.caller, s.comp, p.calls FROM cw_comp_src s JOIN cw_prof p USING (caller)),
        q AS (SELECT m.comp FROM m JOIN cw_prof p USING (caller) GROUP BY m.comp
              HAVING (count(*) >= {int(cfg.min_members)} OR sum(m.calls) >= {int(cfg.min_calls)})
                 AND sum(p.j_rate * p.j_calls) / greatest(sum(p.j_calls), 1)
                     <= {float(cfg.max_campaign_answer_rate)})
        SELECT caller, comp FROM m SEMI JOIN q USING (comp)
        """
    )
    con.unregister("cw_comp_src")
