"""When a scan's day ends, and whether an import of that scan keeps a screener's live label
(the verdict import's rule 4, ``store.verdict_import``; ``compare --db``'s
``CLEARED_SCREENED`` asks the same function).

A scan day (``scan-summary.json``'s ``day``, YYYY-MM-DD) is a day in the scan's zone (its
``tz``): it ends at the next day's 00:00 there. Without a zone that reads, the end is taken
in ``LATEST_TZ`` (UTC-12), the last zone on Earth to finish a date: a label is then kept only
when it is surely newer than the whole day, wherever the scan was made (a scan summary
written before ``scan --tz`` took UTC+8, so its labels are kept 20 hours later than they
could be: they are replaced, as before rule 4, and the next bot screening labels again)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from callwarden.errors import InputError
from callwarden.features.local_time import zone
from callwarden.policy.screened_verdict import SCREENING_SOURCE

#: The zone a scan day without a readable zone is taken in: the date ends there last.
LATEST_TZ = "UTC-12"

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def scan_day_of(text: str | None) -> str:
    """``text`` when it is a calendar day written YYYY-MM-DD (as ``scan-summary.json``'s
    ``day`` is), else "" (a day that cannot be compared: an import without one, or one sent
    in another form, is never held back for its day, nor holds another import back, and
    keeps no label)."""
    if not text or not _DAY.fullmatch(text):
        return ""
    try:
        date.fromisoformat(text)
    except ValueError:
        return ""
    return text


def zone_read(tz: str) -> bool:
    """Whether ``tz`` reads as a zone name or UTC offset (``scan_day_end`` takes the day's
    end in ``LATEST_TZ`` when it does not, or when it is "")."""
    if not tz.strip():
        return False
    try:
        zone(tz)
    except InputError:
        return False
    return True


def scan_day_end(day: str, tz: str = "") -> float | None:
    """The end of the scan day ``day`` (YYYY-MM-DD) in ``tz`` (a zone name or UTC offset, as
    ``scan --tz`` takes it; "" or one that does not read: ``LATEST_TZ``), as epoch seconds:
    the next day's 00:00 in that zone. None when ``day`` is not such a day (an import without
    a usable scan day is an operator's explicit import: it keeps no label)."""
    if not scan_day_of(day):
        return None
    where = zone(tz if zone_read(tz) else LATEST_TZ)
    nxt = date.fromisoformat(day) + timedelta(days=1)
    return datetime(nxt.year, nxt.month, nxt.day, tzinfo=where).timestamp()


def keeps_screened_label(source: str, labelled_at: float, scan_end: float | None) -> bool:
    """Whether an import of a scan whose day ends at ``scan_end`` (``scan_day_end``) keeps
    the verdict in force of ``source`` written at ``labelled_at`` (epoch seconds, the
    verdicts row's ``updated_at``): a screener's live label given at or after the end of the
    scan day rests on screened calls newer than the scan, as a later scan day's verdict does
    (rule 3), so the scan does not undo it."""
    return source == SCREENING_SOURCE and scan_end is not None and labelled_at >= scan_end
