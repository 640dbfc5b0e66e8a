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


def days_without_calls(cdrs: Path, days: list[str], tz: str | None = None) -> list[str]:
    """Those of ``days`` (checked as YYYY-MM-DD) with no call in ``cdrs`` on that local day,
    the day of ``tz`` (``features.local_time``; None: UTC+8, as the features take it)."""
    from callwarden.cdr import cdr_relation_sql
    from callwarden.features.duckdb_backend import connection
    from callwarden.features.local_time import offset_hours
    from callwarden.features.sql import AsOf, day_range_sql

    for day in days:
        check_day(day)
    relation = cdr_relation_sql(cdrs)
    with connection() as con:
        # A range on start_time lets the reader skip row groups: one cheap query per day.
        return [
            d
            for d in days
            if not con.execute(
                f"SELECT 1 FROM {relation} WHERE "
                f"{day_range_sql(AsOf(d, 8 if tz is None else offset_hours(tz, d)))} LIMIT 1"
            ).fetchall()
        ]


def check_days_in_cdrs(
    cdrs: Path, days: list[str], option: str = "--day", tz: str | None = None
) -> None:
    """Every one of ``days`` has calls in ``cdrs`` on that local day: the day of ``tz``
    (``features.local_time``; None: UTC+8, as the features take it by default); otherwise one
    error naming the days the CDRs cover."""
    for day in days:
        check_day(day, option)
    missing = days_without_calls(cdrs, days, tz)
    if missing:
        raise InputError(days_error(cdrs, missing, option, tz, days))


def days_error(
    cdrs: Path, missing: list[str], option: str, tz: str | None, asked: list[str] | None = None
) -> str:
    """The error for ``missing`` days of ``option``, naming the days ``cdrs`` covers (in
    ``tz``'s local days when any day ``asked`` is away from UTC+8)."""
    from callwarden.cdr import cdr_relation_sql
    from callwarden.features.duckdb_backend import connection, local_days, local_days_in
    from callwarden.features.local_time import offset_hours

    zoned = tz is not None and any(offset_hours(tz, d) != 8 for d in (asked or missing))
    relation = cdr_relation_sql(cdrs)
    with connection() as con:
        if not zoned:
            return (
                f"{option} {', '.join(missing)}: no calls that day in the CDRs at {cdrs}, "
                f"{_covered(local_days(con, relation))}"
            )
        assert tz is not None
        covered = local_days_in(con, relation, tz)
    said = f"{covered[0]} to {covered[-1]}" if covered else "no calls"
    return (
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
