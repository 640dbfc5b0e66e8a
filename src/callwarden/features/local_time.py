"""The carrier's local time for feature days and hours: a zone name or a fixed UTC offset.

Features are computed per local day with one fixed offset east of UTC (``AsOf.tz_hours``):
the day's window, the local hour of night calls. ``scan`` and ``train`` take ``--tz`` as
``ingest`` does, an IANA zone name (``Asia/Shanghai``, ``America/New_York``) or a fixed offset
(``UTC+8``, ``UTC-5``, ``+05``, ``-05:00``, ``UTC``); a zone is turned into the fixed offset it
has at noon of each local day (a zone with daylight saving time has one offset a day: on the
two days a year it changes, the hours before the change are an hour off). Offsets must be
whole hours: the feature SQL and the day listings add whole hours.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache

from callwarden.errors import InputError

#: The offset every feature used before ``--tz`` (and what ``AsOf`` still defaults to).
DEFAULT_TZ = "Asia/Shanghai"

_FIXED = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


@lru_cache(maxsize=64)
def zone(tz: str) -> tzinfo:
    """The ``tzinfo`` of ``tz`` (a zone name or a fixed offset); an ``InputError`` if neither."""
    text = tz.strip()
    if text.upper() in ("UTC", "GMT", "Z"):
        return UTC
    if (m := _FIXED.match(text)) is not None:
        sign = -1 if m.group(1) == "-" else 1
        hours, minutes = int(m.group(2)), int(m.group(3) or 0)
        if hours > 14 or minutes >= 60:
            raise InputError(f"--tz {tz!r}: an offset is at most 14 hours (e.g. UTC+8, -05:00)")
        return timezone(sign * timedelta(hours=hours, minutes=minutes))
    try:
        return zoneinfo.ZoneInfo(text)
    # OSError: a name of a tz folder (America, Etc) opens a directory (IsADirectoryError)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise InputError(
            f"--tz {tz!r} is neither a time zone name (e.g. Asia/Shanghai, America/New_York) "
            "nor a UTC offset (e.g. UTC+8, -05:00)"
        ) from exc


#: Names of the zero offset besides UTC and GMT (``zone`` reads those two as UTC itself).
_ZERO_NAMES = frozenset({"UCT", "GMT0", "GMT+0", "GMT-0", "Greenwich", "Universal", "Zulu"})


def same_zone(a: str, b: str) -> bool:
    """``a`` and ``b`` spell one zone: ``UTC-5``, ``-05:00`` and ``Etc/GMT+5`` (one fixed
    offset); ``UTC`` and ``Etc/UTC``; a zone and its alias (``US/Eastern`` is a link to
    ``America/New_York``: the same rules). A named zone is not a fixed offset, even one it
    has all year (``Asia/Shanghai`` is not ``UTC+8``): a command that needs one zone for
    several inputs compares their offsets on the data's days instead (``cli._zone``)."""
    try:
        return _canonical(a) == _canonical(b)
    except InputError:
        return a.strip() == b.strip()


@lru_cache(maxsize=64)
def _canonical(tz: str) -> object:
    """What two spellings of one zone have in common: a fixed offset as a ``timezone``, a
    named zone as the digest of its tz file (an alias is a link to, or a copy of, its
    target's file), else its key."""
    got = zone(tz)
    if not isinstance(got, zoneinfo.ZoneInfo):
        return got
    key = got.key
    if key.startswith("Etc/") or key in _ZERO_NAMES:  # fixed offsets (Etc/GMT+5 is UTC-5)
        off = got.utcoffset(datetime(2000, 1, 1))
        assert off is not None
        return timezone(off) if off else UTC
    return _tzfile_digest(key) or key


def _tzfile_digest(key: str) -> str | None:
    """The SHA-256 of ``key``'s tz file, where zoneinfo finds it (TZPATH, else tzdata)."""
    import hashlib
    from importlib import resources
    from pathlib import Path

    for root in zoneinfo.TZPATH:
        if (file := Path(root) / key).is_file():
            return hashlib.sha256(file.read_bytes()).hexdigest()
    try:
        data = resources.files("tzdata.zoneinfo").joinpath(*key.split("/")).read_bytes()
    except (ModuleNotFoundError, OSError):
        return None
    return hashlib.sha256(data).hexdigest()


def iana_name(tz: str) -> str:
    """``tz`` as an IANA name, for the readers that parse naive times with Arrow and DuckDB
    (``ingest``, ``serve --cdrs`` CSV): a zone name as it is, ``UTC`` for a zero offset, a
    whole-hour offset as ``Etc/GMT`` with the POSIX sign (``UTC-5`` is ``Etc/GMT+5``). An
    offset that is not whole hours is an ``InputError``: no IANA name holds one fixed (name
    the zone instead, e.g. Asia/Kolkata)."""
    got = zone(tz)
    if isinstance(got, zoneinfo.ZoneInfo):
        return got.key
    off = got.utcoffset(None)
    assert off is not None
    seconds = int(off.total_seconds())
    if seconds == 0:
        return "UTC"
    if seconds % 3600:
        raise InputError(
            f"--tz {tz!r}: times are read here through IANA zone names, and none holds an "
            "offset that is not whole hours; give the zone's name instead (e.g. Asia/Kolkata)"
        )
    name = f"Etc/GMT{-seconds // 3600:+d}"
    try:
        zoneinfo.ZoneInfo(name)
    except zoneinfo.ZoneInfoNotFoundError as exc:  # (UTC-13, UTC-14: no zone is that far west)
        raise InputError(f"--tz {tz!r}: no time zone has that offset") from exc
    return name


class NotWholeHours(InputError):
    """A zone whose offset on a local day is not whole hours (Asia/Kolkata, UTC+5:30): the
    feature days and hours are whole hours from UTC. ``tz``, ``day`` and ``seconds`` (the
    offset) let the command name where the zone came from (``cli._zone``)."""

    def __init__(self, tz: str, day: str, seconds: int, said: str | None = None) -> None:
        self.tz, self.day, self.seconds = tz, day, seconds
        where = f"--tz {tz!r}" if said is None else f"{tz} ({said})"
        super().__init__(
            f"{where} is {utc_label(seconds)} on {day}: the local days and hours of scan, "
            "train, replay, evaluate and compare are whole hours from UTC; pass "
            f"{neighbours(seconds)} (the nearest whole-hour offsets: each day then starts "
            "that much off local midnight)"
        )


def utc_label(seconds: int) -> str:
    """``UTC+5:30``, ``UTC-5``, ``UTC+0``: an offset east of UTC, as people write it."""
    sign = "-" if seconds < 0 else "+"
    h, m = divmod(abs(seconds) // 60, 60)
    return f"UTC{sign}{h}" + (f":{m:02d}" if m else "")


def neighbours(seconds: int) -> str:
    """``--tz UTC+5 or --tz UTC+6``: the whole-hour offsets either side of ``seconds``."""
    lo = seconds // 3600
    return f"--tz {utc_label(lo * 3600)} or --tz {utc_label((lo + 1) * 3600)}"


def offset_seconds(tz: str, day: str) -> int:
    """Seconds east of UTC that ``tz`` has at noon of the local ``day`` (YYYY-MM-DD)."""
    noon = datetime.strptime(day, "%Y-%m-%d").replace(hour=12, tzinfo=zone(tz))
    off = noon.utcoffset()
    assert off is not None
    return int(off.total_seconds())


def offset_hours(tz: str, day: str) -> int:
    """Hours east of UTC that ``tz`` has at noon of the local ``day`` (YYYY-MM-DD); a
    ``NotWholeHours`` error when they are not whole (naming the nearest whole-hour
    offsets)."""
    seconds = offset_seconds(tz, day)
    if seconds % 3600:
        raise NotWholeHours(tz, day, seconds)
    return seconds // 3600


def not_whole_hours(tz: str, days: list[str]) -> tuple[str, int] | None:
    """The first of ``days`` (and its offset in seconds) on which ``tz`` is not whole hours
    from UTC, or None."""
    for day in days:
        if (seconds := offset_seconds(tz, day)) % 3600:
            return day, seconds
    return None


def local_day_of(tz: str, when: datetime) -> str:
    """The local day (YYYY-MM-DD) of the UTC instant ``when`` in ``tz``."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(zone(tz)).date().isoformat()


def describe(tz: str, offsets: list[int], source: str | None = None) -> str:
    """``'America/New_York (UTC-5)'``: a zone and the offsets it was used with (not
    repeated when the zone is that offset: ``'UTC-5'``), and where the zone came from in
    the same parentheses (``'America/New_York (UTC-5, recorded in DIR/dataset.json)'``)."""
    said = ", ".join(f"UTC{h:+d}" for h in sorted(set(offsets)))
    parts = [p for p in (said if said != tz else "", source or "") if p]
    return f"{tz} ({', '.join(parts)})" if parts else tz


def naive_instant(text: str, tz: tzinfo) -> float:
    """ISO 8601 time as seconds since 1970 UTC; one without an offset is local to ``tz`` (a
    roaming list's times, a screened call's start_time), by
    ingest's rule for naive CDR times (``cdr.parse._local``): an ambiguous time (clocks set
    back) is the earlier instant, one in a spring-forward gap the first instant after it.
    ValueError if it is no time."""
    s = text.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    when = datetime.fromisoformat(s)
    if when.tzinfo is not None:
        return when.timestamp()
    first, second = when.replace(tzinfo=tz), when.replace(tzinfo=tz, fold=1)
    before, after = first.utcoffset(), second.utcoffset()
    if before is None or after is None or before >= after:
        return first.timestamp()  # fold 0: the earlier of two instants when clocks go back
    # in a gap: fold 0 reads it at the offset before the change (an instant after the change),
    # fold 1 at the offset after it (an instant before): the change, whole seconds, between
    lo, hi = int(second.timestamp()), int(first.timestamp()) + 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, tz).utcoffset() == after:
            hi = mid
        else:
            lo = mid
    return float(hi)
