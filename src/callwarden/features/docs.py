"""Render ``docs/features.md`` from the definitions (``python -m callwarden.features.docs``).

A test checks the committed file equals this rendering, so the documentation cannot drift
from the SQL the engines run.
"""

from __future__ import annotations

from callwarden.features.definitions import AGGREGATES, CALL_COLUMNS, FEATURES, Source

HEADER = """# Behavioural features

Generated from `src/callwarden/features/definitions.py` by
`python -m callwarden.features.docs > docs/features.md`; do not edit by hand.

Every feature is one SQL aggregate over one source relation, for one entity and one window.
Its name is derived from the definition: `{base}_by_{entity}_{window}`. The batch backend
(`callwarden.features.sql`) compiles the definitions into one query per as-of day; DuckDB runs
it embedded, and the same query compiles for Spark SQL (`callwarden.features.dialect.SPARK`: only
`EPOCH_S`, `QUANTILE`, `INT_DIV`, `E164_KEY`, `STARTS_WITH`, the text type and timestamp
literals are spelt per engine). Spark runs it in any session time zone: the literals that bound
the windows carry `+00:00` (a bare one is read in the session's zone), and text is `STRING`
(Spark's `VARCHAR` needs a length). Checked once against Spark 3.5 (every variant gave DuckDB's
values in an `Asia/Shanghai` session), before `STARTS_WITH` (Spark's `startswith`, 3.3+)
replaced `SUBSTR(a, 1, LENGTH(b)) <> b` in `region_mismatch`; the tests only parse it.

## Windows

All windows end at the close of the *as-of day* D, in the carrier's local time
(`AsOf(day, tz_hours=8)`): a fixed whole-hour offset east of UTC that bounds the day and
gives the local hour of `night`. `callwarden train` and `scan` take it as `--tz`, the way
`ingest` takes its zone: a time zone name (`Asia/Shanghai`, UTC+8; `America/New_York`) or a
UTC offset (`UTC-5`, `-05:00`); by default the zone ingest recorded with the CDRs
(`DIR/dataset.json`, [ingest.md](ingest.md#the-zone-record-datasetjson); since 2 Dec), else
Asia/Shanghai, turned into the offset the zone has
at noon of each as-of day (`features/local_time.py`; a zone with daylight saving time gets
one offset per day, so on the two days a year it changes the hours before the change are an
hour off). A zone that is not whole hours from UTC on a day (`Asia/Kolkata`, UTC+5:30) is
refused for local days, naming where it came from and the nearest whole-hour offsets to pass
instead (`--tz UTC+5` or `--tz UTC+6`: each day then starts that much off local midnight);
ingest records such a zone (its naive times are read right in it) and warns then that the
readers will need one of them. A New York
carrier's 22:00 calls scanned at the default UTC+8 land on the next day at 11:00 with night
share 0; with `--tz America/New_York` they are the day's night calls. The model's manifest
records `tz` and the training days' `utc_offset_hours`; `scan-summary.json` records the
scan's `tz` and `utc_offset_hours`, and `scan` warns when its day's offset is not one the
model trained at (a model without the record trained at UTC+8). Campaign linking inside
`scan`, `evaluate --cdrs`'s heavy callers and the case files read the scan's local day (its
recorded `tz`); `replay` runs the stream engine at its `--tz`, else the CDRs' recorded zone,
else the model's `tz`, one
fixed offset, the zone's on the first replayed day, and `train --partial-days-s` replays the
stream at the training days' offset (refused when they have two, across a daylight saving
change). All of these took UTC+8 until 30 Nov.

| window | covers |
|---|---|
| `1h` | the busiest 60 consecutive minutes of day D (peak rate): a window sliding by one minute over the calls' start minutes, never crossing midnight (day D's calls only), in batch, in the pandas reference and in the stream alike. A burst from 10:40 to 11:20 counts whole (the clock hour, used until session 24, split it: an even burst across :00 counted as little as half, so a dialer pacing across the hour hid its rate). Minute resolution: the busiest window of exactly 3,600 s (any start second) holds at least as many calls and at most as many as the busiest 61 minutes; seconds would make the stream keep every call time of the last hour, minutes keep a ring of minute counts. Only `attempts` has this window. A model trained on the clock hour is refused until retrained (or scored with a warning under `CALLWARDEN_ACCEPT_CHANGED_FEATURES=1`; [detection.md](detection.md#a-sliding-60-minute-window-session-24)). |
| `1d` | the calls of day D (a call's `gap_s` and `overlap` look back at the caller's previous call, which may be on day D-1 when the input holds it, so the first call of D has a gap: interval and concurrency features then differ from a run on day D alone) |
| `7d` | days D-6 .. D: whatever history the input holds, up to seven days. With one day of input the 7-day values equal the 1-day ones. |

## Entities

- `caller`: the displayed calling number (one output row per number that placed a call on D).
- `ingress`: the trunk, gateway or switch the calls entered through. A number carries the
  ingress features of its *main ingress* (the one most of its calls on D used; ties go to
  the smallest name): rotating caller IDs hide the number, not the ingress.

## Sources

| source | one row per |
|---|---|
| `calls` | call attempt |
| `sequence` | call attempt, in the caller's time order (`gap_s`, `overlap`) |
| `hourly` | (entity, clock hour) with `n` calls |
| `minutes` | (entity, minute of day D with a call) with `n_60m`: the entity's calls that started in that minute or the 59 before it, on day D (SQL: a `RANGE BETWEEN 59 PRECEDING AND CURRENT ROW` frame over the integer minute, ANSI and Spark's) |
| `routes` | (caller, ingress) with `n` calls and the caller's `unallocated` |
| `pairs` | distinct (caller, callee) of two different numbers contacted in the window (a call to one's own number is none), with `called_back` (the callee called the number at or after the first call, within the data), `prior_contact` (any contact, either direction, before the first call in the window) and `sequential` (the callee is within 10 of the next-lower callee of the same caller, in number order) |
| `inbound` | call received by the number from another number |
| `number` | number (static facts) |
| `derived` | number; a ratio of two features of the same window |

A *self-call* (callee = caller: the same number, the same integer key; in real CDRs mostly
voicemail access) is a call attempt the number placed: `calls`, `sequence`, `hourly`,
`minutes`, `routes` and `devices` keep it. It is no contact between two numbers: `pairs` and `inbound`
leave it out (`definitions.OTHER_PARTY`, `caller <> callee`), so it is never a distinct
callee, a call-back, an earlier contact, a sequential-dialling neighbour or a received call,
and does not lift the in/out ratio. A number that only called itself has 0 distinct
callees and no call-back, prior-contact or sequential share. The pandas reference
(`features/reference.py`) and the streaming engine (`stream/state.py`) follow the same rule.

Rows whose caller or callee is not an E.164 string (`+` and 1-15 digits without a leading
zero, where the number keys are set) are skipped, never read as another number (`13800138000`
was read as `+3800138000`, `+0086...` as `+86...`): the canonical schema guarantees E.164, and numbers are grouped as integers, which is several
times faster than grouping strings. Canonical writers (ingest, the simulator) also store
those integers, `caller_key` and `callee_key` (`callwarden.cdr.schema.NUMBER_KEY_COLUMNS`;
`caller = '+' || caller_key` wherever the key is set): when every row has both,
`compute_features` reads them and never the number strings (`build_query(keyed=True)`; the
look-ups are then keyed by the same integers and the home province rides on the number's
registry row). Where `caller_s` appears below it is then `'+' || caller`. Same values.

## Scan's activity cascade

`build_query(..., min_attempts=N)` (what `callwarden scan` runs, N = 5 by default) still
returns one row per caller of the day, plus a `scored` column: callers with at least N
calls in the window the features read (the as-of day and the look-back days the CDRs hold:
`attempts_by_caller_7d`; with one day of CDRs, the day's calls), or an unallocated
displayed number. A caller with many calls on earlier days and one on the as-of day is
scored, since its 7-day features may flag it. Only scored callers get features, and
the caller-keyed sources (`calls` by caller, `sequence`, `hourly` and `minutes` by caller, `pairs`,
`inbound`) read only their calls and the calls to them (semi-joins on the integer number),
so their values are exactly those of the full query. Ingress, `routes` and `devices`
aggregates still read every call: they describe shared trunks and handsets. Unscored rows
carry `attempts_by_caller_1d` and `unallocated_by_caller_1d` (the hard rules' inputs) and
NULL elsewhere. Training never uses the cascade. DuckDB runs it as four statements
(`features/staged.py`, `build_staged`): the per-call relation and the day's callers are materialised as temporary
tables once, the features statement returns the scored callers' rows only, and a last one the
unscored callers' narrow rows, so the unscored majority never goes through the wide joins and
result. When scan's look-up pass has also counted each caller's calls of the day and of
the window (columns of the registry facts, `sql.day_calls_column` and
`sql.window_calls_column`), the per-call table carries a flag `act` on
every call of a number that may be scored, and the features statement reads the scored
callers' calls through that flag instead of copying them out by a semi-join; the flag may
take in a few more numbers (the count is an upper bound), which only adds rows that are
dropped, never changes a value. The same query as one statement (`build_query(min_attempts=N)`)
gives the same rows for Spark. Why N = 5 and what it saves:
[detection.md](detection.md#scan-throughput).

## Per-call columns

| column | SQL | meaning |
|---|---|---|
"""


def render_markdown() -> str:
    lines = [HEADER.rstrip("\n")]
    for c in CALL_COLUMNS:
        sql = c.sql.replace("|", "\\|")
        lines.append(f"| `{c.name}` | `{sql}` | {c.description} |")
    lines += [
        "",
        "## Feature families",
        "",
        "| family | source | SQL | entities | windows | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for a in AGGREGATES:
        ents = ", ".join(e.value for e in a.entities)
        wins = ", ".join(w.value for w in a.windows)
        sql = a.sql.replace("|", "\\|")
        lines.append(
            f"| `{a.base}` | {a.source.value} | `{sql}` | {ents} | {wins} | {a.description} |"
        )
    lines += ["", f"## All {len(FEATURES)} features, in model column order", ""]
    lines += ["| feature | source | meaning |", "|---|---|---|"]
    for f in FEATURES:
        src = f.source.value if f.source is not Source.DERIVED else f"derived: `{f.sql}`"
        lines.append(f"| `{f.name}` | {src} | {f.description} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_markdown(), end="")
