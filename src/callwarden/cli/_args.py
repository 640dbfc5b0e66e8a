"""Argument checks shared by the commands, done before any long work.

Each raises :class:`~callwarden.errors.InputError`, which the CLI prints as one ``error:``
line with exit status 2.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from callwarden.errors import InputError

LANGS = ("zh", "en")


def check_day(value: str, option: str = "--day") -> str:
    """``value`` as a calendar day written YYYY-MM-DD."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise InputError(f"{option} {value!r} is not a day written YYYY-MM-DD")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} {value!r} is not a calendar day (YYYY-MM-DD)") from None
    return value


def _covered(days: list[str]) -> str:
    if not days:
        return "which hold no calls"
    if len(days) <= 7:
        return "which cover " + ", ".join(days)
    return f"which cover {len(days)} days, {days[0]} to {days[-1]}"


def check_days_in_cdrs(
    cdrs: Path, days: list[str], option: str = "--day", tz: str | None = None
) -> None:
    """Every one of ``days`` has calls in ``cdrs`` on that local day: the day of ``tz``
    (``features.local_time``; None: UTC+8, as the features take it by default); otherwise one
    error naming the days the CDRs cover."""
    from callwarden.cdr import cdr_relation_sql
    from callwarden.features.duckdb_backend import connection, local_days, local_days_in
    from callwarden.features.local_time import offset_hours
    from callwarden.features.sql import AsOf, day_range_sql

    for day in days:
        check_day(day, option)
    hours = {d: 8 if tz is None else offset_hours(tz, d) for d in days}
    zoned = tz is not None and any(h != 8 for h in hours.values())
    relation = cdr_relation_sql(cdrs)
    with connection() as con:
        # A range on start_time lets the reader skip row groups: one cheap query per day.
        missing = [
            d
            for d in days
            if not con.execute(
                f"SELECT 1 FROM {relation} WHERE {day_range_sql(AsOf(d, hours[d]))} LIMIT 1"
            ).fetchall()
        ]
        if not missing:
            return
        if not zoned:
            covered = local_days(con, relation)
        else:
            assert tz is not None
            covered = local_days_in(con, relation, tz)
    if not zoned:
        raise InputError(
            f"{option} {', '.join(missing)}: no calls that day in the CDRs at {cdrs}, "
            f"{_covered(covered)}"
        )
    said = f"{covered[0]} to {covered[-1]}" if covered else "no calls"
    raise InputError(
        f"{option} {', '.join(missing)}: no calls that day ({tz}) in the CDRs at {cdrs}, "
        f"which cover {said}"
    )


def check_threads(threads: int) -> int:
    """``--threads`` of train and scan: at least 1 (LightGBM reads 0 as "all cores", and for
    train that is a model that differs by machine)."""
    if threads < 1:
        raise InputError(f"--threads must be at least 1, not {threads}")
    return threads


def check_lang(value: str, option: str = "--lang") -> str:
    """``zh`` or ``en``."""
    if value not in LANGS:
        raise InputError(f"{option} must be zh or en, not {value!r}")
    return value
