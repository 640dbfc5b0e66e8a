"""The zone a command takes the CDRs' local days (and a roaming list's naive times) in, and
where it came from: ``--tz``, else the zone ingest recorded with the CDRs
(``DIR/dataset.json``, ``cdr.dataset.ZoneRecord``), else the command's own default (Asia/
Shanghai; replay's: the model's manifest). One rule for every command that reads CDRs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from callwarden.cdr.dataset import ZoneRecord
    from callwarden.store.verdict_import import Provenance


@dataclass(frozen=True)
class CdrZone:
    """``tz`` (a zone name or UTC offset, as ``--tz`` takes it) and ``said``: where it came
    from, for the line the command prints (``--tz``, ``recorded in DIR/dataset.json``, ...)."""

    tz: str
    said: str

    def __str__(self) -> str:
        return f"{self.tz} ({self.said})"


#: Where a command's default stands when the CDRs record no zone.
DEFAULT_SAID = "the default; the CDRs record no zone"


def default_zone() -> CdrZone:
    from callwarden.features.local_time import DEFAULT_TZ

    return CdrZone(DEFAULT_TZ, DEFAULT_SAID)


def cdrs_zone(
    tz: str | None,
    cdrs: Path | Sequence[Path] | None,
    *,
    fallback: CdrZone | None = None,
    option: str = "--cdrs",
    days: bool = True,
    mixed_ok: bool = False,
) -> CdrZone:
    """The zone for the CDRs at ``cdrs`` (one path, or the sets of ``train``): ``tz`` when
    given (validated; a warning line when a set records another zone), else the zone the sets
    record (all the same, a set without a record counting as ``fallback``), else
    ``fallback`` (default Asia/Shanghai). A set whose ingests read naive times in different
    zones, or sets that disagree, are an InputError asking for ``--tz``, naming the zones.
    ``days``: the command takes local days in the zone (not campaigns and serve, which read
    the roaming list's times only): a recorded zone that is not whole hours from UTC on the
    folder's days (Asia/Kolkata) is an InputError naming the record and the whole-hour
    offsets to pass; an explicit whole-hour ``--tz`` within the hour of such a zone is that
    advice taken, not a warning. ``mixed_ok`` (serve without a roaming list: the zone reads
    only a screened call's start_time without an offset): a folder of several zones is a
    warning and ``fallback``, not an error."""
    from callwarden.cdr.dataset import read_zone_record
    from callwarden.errors import InputError
    from callwarden.features.local_time import same_zone, zone

    fallback = fallback or default_zone()
    paths = [] if cdrs is None else [cdrs] if isinstance(cdrs, Path) else list(cdrs)
    records = [(p, read_zone_record(p)) for p in paths]
    for _, rec in records:
        if rec is not None and rec.notes:
            from callwarden.cli._detect_io import warn

            for note in rec.notes:
                warn(f"{rec.path}: {note}")
    if tz is not None:
        zone(tz)  # an unknown zone fails before any work
        from callwarden.cli._detect_io import warn

        for p, rec in records:
            if rec is not None and rec.tz is not None and not same_zone(tz, rec.tz):
                if _neighbour(tz, rec):
                    continue
                warn(
                    f"--tz {tz} is not {rec.tz}, the zone the CDRs at {p} were ingested with "
                    f"({rec.path}): their days and naive times are taken in --tz {tz}"
                )
        return CdrZone(tz, "--tz")
    claims: list[tuple[Path, CdrZone]] = []
    for p, rec in records:
        if rec is None:
            claims.append((p, fallback))
        elif rec.tz is None:
            if mixed_ok:
                from callwarden.cli._detect_io import warn

                warn(
                    f"the CDRs at {p} hold {rec.mixed()}: times without an offset are read "
                    f"in {fallback.tz}; pass --tz to read them in another zone"
                )
                claims.append((p, CdrZone(fallback.tz, f"the default; {p} records no single zone")))
                continue
            if not days:  # (campaigns, serve: the zone reads the roaming list's times only)
                raise InputError(
                    f"the CDRs at {p} hold {rec.mixed()}: no single zone to read the roaming "
                    "list's times without an offset in; pass --tz (the zone the roaming list "
                    f"is written in){rec.fix()}"
                )
            raise InputError(
                f"the CDRs at {p} hold {rec.mixed()}: their local days have no single zone; "
                f"pass --tz (the zone of the days you mean){rec.fix()}"
            )
        else:
            claims.append((p, CdrZone(rec.tz, f"recorded in {rec.path}")))
            if days:
                _check_whole_hours(claims[-1][1], rec)
    if not claims:
        return fallback
    first = claims[0][1]
    if all(same_zone(c.tz, first.tz) for _, c in claims):
        return next((c for _, c in claims if c.said != fallback.said), first)
    if (agreed := _agree_on_days(claims, fallback)) is not None:
        return agreed
    said = "; ".join(f"{p}: {c}" for p, c in claims)
    raise InputError(
        f"the {option} sets take their days in different zones ({said}); pass --tz (one "
        "zone for every set's days)"
    )


def _check_whole_hours(got: CdrZone, rec: ZoneRecord) -> None:
    """A recorded zone that is not whole hours from UTC on a day of its folder's CDRs stops
    the command at once, naming the record and the whole-hour offsets to pass instead."""
    from callwarden.cdr.dataset import data_days
    from callwarden.features.local_time import NotWholeHours, not_whole_hours

    if (bad := not_whole_hours(got.tz, data_days(rec.path.parent))) is not None:
        raise NotWholeHours(got.tz, bad[0], bad[1], said=got.said)


def _neighbour(tz: str, rec: ZoneRecord) -> bool:
    """``tz`` is a whole-hour offset less than an hour from the recorded zone on every day
    of its folder, where the recorded zone is not whole hours (``--tz UTC+5`` or ``UTC+6``
    for CDRs ingested in Asia/Kolkata, as the commands advise)."""
    from datetime import UTC, datetime

    from callwarden.cdr.dataset import data_days
    from callwarden.errors import InputError
    from callwarden.features.local_time import offset_seconds

    assert rec.tz is not None
    days = data_days(rec.path.parent) or [datetime.now(UTC).date().isoformat()]
    try:
        mine = {offset_seconds(tz, d) for d in days}
        theirs = [offset_seconds(rec.tz, d) for d in days]
    except InputError:  # (a zone that does not resolve: the plain warning)
        return False
    if len(mine) != 1 or next(iter(mine)) % 3600 or all(t % 3600 == 0 for t in theirs):
        return False
    return all(abs(next(iter(mine)) - t) < 3600 for t in theirs)


def _agree_on_days(claims: list[tuple[Path, CdrZone]], fallback: CdrZone) -> CdrZone | None:
    """One zone for sets whose zones differ by name but have the same offset on every day
    their CDRs span, a day either side included (``America/New_York`` and ``UTC-5`` in
    November): the first set's zone, saying so; None when they differ on a day, or a set's
    days cannot be told from its partitions or footers."""
    from datetime import date, timedelta

    from callwarden.cdr.dataset import data_days
    from callwarden.features.local_time import offset_seconds

    days: set[str] = set()
    for p, _ in claims:
        if not (got := data_days(p)):
            return None
        for d in got:
            day = date.fromisoformat(d)
            days.update((day + timedelta(days=k)).isoformat() for k in (-1, 0, 1))
    for d in sorted(days):
        if len({offset_seconds(c.tz, d) for _, c in claims}) != 1:
            return None
    first = next((c for _, c in claims if c.said != fallback.said), claims[0][1])
    others = sorted({c.tz for _, c in claims if c.tz != first.tz})
    said = f"{first.said}; the same offsets as {', '.join(others)} on every day of the sets"
    return CdrZone(first.tz, said)


def scan_day_zone_warning(prov: Provenance, verdicts: Path) -> str | None:
    """The warning ``serve --verdicts`` and ``compare --db`` print when the scan beside
    ``verdicts`` has a day but no zone that reads: the day's end, where the import keeps a
    screener's label given since (rule 4), is then taken in UTC-12 (``policy.scan_day``), up
    to a day later than in the scan's own zone. None when the zone reads or no day is used."""
    from datetime import UTC, datetime

    from callwarden.policy.scan_day import LATEST_TZ, zone_read

    if (end := prov.day_end()) is None or zone_read(prov.tz):
        return None
    summary = verdicts.parent / "scan-summary.json"
    said = (
        f"names tz {prov.tz!r}, neither a zone name nor a UTC offset"
        if prov.tz.strip()
        else "names no tz"
    )
    at = datetime.fromtimestamp(end, UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{summary} {said}: the end of its day {prov.scan_day} is taken in {LATEST_TZ}, where "
        f"the date ends last ({at}); a screener's live label given before then is replaced "
        "by its import (verdict precedence rule 4)"
    )
