"""Signature tables of a run: what each population looks like in its CDRs.

``callwarden simulate ... --summary`` prints them; docs/simulator.md quotes them. Figures are
per population (by the truth of each call) and per operation, computed with DuckDB over the
in-memory tables.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np

from callwarden.sim.engine import SimResult

POPULATION_SQL = """
with calls as (
  select c.*, t.population, l.label, l.category, t.spoofed
  from cdrs c join truth t using (call_id) join labels l on l.number = c.caller
  where t.bridge_leg is distinct from 'agent'          -- one row per bridged conversation
),
pairs as (select distinct caller, callee from cdrs),
group_pairs as (                                       -- a group's own (caller, callee) pairs
  select distinct label, category, population, caller, callee from calls
),
reciprocated as (                                      -- share of them whose callee called back
  select label, category, population,
         avg((q.caller is not null)::int) reciprocated
  from group_pairs g left join pairs q on q.caller = g.callee and q.callee = g.caller
  group by all
),
per_number as (
  select label, category, population, caller, count(*) n from calls group by all
),
per_group as (
  select label, category, population, median(per_number.n) calls_per_number_p50,
         quantile_cont(per_number.n, 0.9) calls_per_number_p90
  from per_number group by all
)
select c.label, c.category, c.population,
       count(*) as calls,
       count(distinct c.caller) as numbers,
       any_value(g.calls_per_number_p50) as per_number_p50,
       any_value(g.calls_per_number_p90) as per_number_p90,
       avg(c.answered::int) as answer_rate,
       median(c.duration_s) filter (where c.answered) as talk_p50_s,
       avg((c.release_cause = 21)::int) as rejected,
       avg((c.release_cause = 1)::int) as dead_callee,
       avg(c.spoofed::int) as spoofed,
       any_value(r.reciprocated) as reciprocated
from calls c join per_group g using (label, category, population)
  join reciprocated r using (label, category, population)
group by all having count(*) >= 20 order by c.label, calls desc, c.category, c.population
"""

OPERATION_SQL = """
select t.operation_id, any_value(t.population) population, any_value(l.category) category,
       count(*) attempts, count(distinct c.caller) caller_ids,
       avg(c.answered::int) answer_rate, median(c.duration_s) filter (where c.answered) talk_p50_s,
       avg((c.release_cause = 1)::int) unallocated_callee
from cdrs c join truth t using (call_id) join labels l on l.number = c.caller
where t.operation_id is not null and t.bridge_leg is distinct from 'agent'
group by 1 order by 1
"""


def _query(result: SimResult, sql: str) -> list[dict[str, Any]]:
    con = duckdb.connect()
    con.register("cdrs", result.cdrs)
    con.register("truth", result.call_truth)
    con.register("labels", result.labels)
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def population_table(result: SimResult) -> list[dict[str, Any]]:
    """One row per kind of caller (label, category, population; 20 calls or more): volume,
    answer and talk, rejections, calls to 空号, spoofing, reciprocated callees."""
    return _query(result, POPULATION_SQL)


def operation_table(result: SimResult) -> list[dict[str, Any]]:
    """One row per harassment or fraud operation: attempts, caller IDs, answer rate."""
    return _query(result, OPERATION_SQL)


FEATURE_SQL = """
with per as (
  select caller, count(*) n, median(duration_s) filter (where answered) talk,
         avg(answered::int) answer_rate, count(distinct callee) callees
  from cdrs c join truth t using (call_id)
  where t.bridge_leg is distinct from 'agent' group by 1 having count(*) >= $min_calls),
pairs as (select distinct caller, callee from cdrs)
select l.label <> 'benign' as unwanted, per.n, per.talk, per.answer_rate,
       (select count(*) from pairs q where q.callee = per.caller) / per.callees as called_back
from per join labels l on l.number = per.caller
"""


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    """Probability that a random unwanted number scores above a random benign one (ties 1/2)."""
    order = np.argsort(score, kind="stable")
    ranks = np.empty(len(score))
    ranks[order] = np.arange(1, len(score) + 1)
    for value in np.unique(score):  # average ranks of ties
        tied = score == value
        ranks[tied] = ranks[tied].mean()
    pos = int(y.sum())
    return float((ranks[y].sum() - pos * (pos + 1) / 2) / (pos * (len(y) - pos)))


def feature_auc_table(result: SimResult, min_calls: int = 20) -> list[dict[str, Any]]:
    """How well one feature alone separates harassment and fraud numbers from benign ones,
    among numbers with at least ``min_calls`` calls: the AUC of volume (more is worse), talk
    time, answer rate and callees calling back (less is worse)."""
    con = duckdb.connect()
    con.register("cdrs", result.cdrs)
    con.register("truth", result.call_truth)
    con.register("labels", result.labels)
    rows = con.execute(FEATURE_SQL, {"min_calls": min_calls}).fetchall()
    if not rows:
        return []
    y = np.array([r[0] for r in rows], dtype=bool)
    if y.all() or not y.any():
        return []
    cols = np.array([[np.nan if v is None else float(v) for v in r[1:]] for r in rows])
    out = []
    for j, (name, sign) in enumerate(
        (("calls", 1.0), ("talk_p50", -1.0), ("answer_rate", -1.0), ("called_back", -1.0))
    ):
        score = np.nan_to_num(sign * cols[:, j], nan=0.0)
        out.append(
            {
                "feature": name,
                "auc": _auc(y, score),
                "unwanted": int(y.sum()),
                "benign": int((~y).sum()),
            }
        )
    return out


def render(rows: list[dict[str, Any]]) -> str:
    """A fixed-width text table."""
    if not rows:
        return "(none)"
    cols = list(rows[0])

    def fmt(v: Any) -> str:
        if v is None:
            return "-"
        if isinstance(v, float):
            return f"{v:.3f}" if abs(v) < 10 else f"{v:,.0f}"
        if isinstance(v, int):
            return f"{v:,}"
        return str(v)

    cells = [[fmt(r[c]) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    lines = ["  ".join(c.rjust(w) for c, w in zip(cols, widths, strict=True))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines)
