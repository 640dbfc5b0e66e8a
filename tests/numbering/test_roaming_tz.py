"""roaming.csv's times without an offset are read in the command's zone (``--tz``, default
Asia/Shanghai), as the CDR contract reads ``start_time``: they were read as UTC, so an HLR
export in Beijing time beside CDRs in Beijing time put every trip 8 hours late (a roamer's
calls home rejected as spoofed for the first 8 hours of each trip). Offsets and Z unchanged."""

from __future__ import annotations

import datetime as dt
import inspect
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from callwarden.cdr import parse
from callwarden.errors import InputError
from callwarden.numbers.roaming import read_roaming

T0 = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC).timestamp()  # 16:00 in Beijing
H = 3600.0
ROAMER = "+8613800138000"


def _file(tmp_path: Path, rows: str) -> Path:
    p = tmp_path / "roaming.csv"
    p.write_text("number,from,until\n" + rows, encoding="utf-8")
    return p


def test_a_naive_time_is_read_in_the_commands_zone(tmp_path: Path) -> None:
    p = _file(tmp_path, "13800138000,2026-11-30 16:00:00,2026-11-30T18:00:00\n")
    sh = read_roaming(p, tz="Asia/Shanghai")
    assert (sh.start.tolist(), sh.end.tolist()) == ([T0], [T0 + 2 * H])
    # a call home at 16:30 Beijing time is on the trip; at 08:30 Beijing time it is not
    assert sh.at([ROAMER, ROAMER], np.array([T0 + H / 2, T0 - 7.5 * H])).tolist() == [
        True,
        False,
    ]
    ny = read_roaming(p, tz="America/New_York")  # UTC-5 on 30 Nov
    assert (ny.start.tolist(), ny.end.tolist()) == ([T0 + 13 * H], [T0 + 15 * H])
    assert read_roaming(p, tz="UTC+3").start.tolist() == [T0 + 5 * H]  # an offset, as --tz takes
    assert read_roaming(p, tz="UTC").start.tolist() == [T0 + 8 * H]


def test_explicit_offsets_are_the_same_in_every_zone(tmp_path: Path) -> None:
    p = _file(
        tmp_path,
        "13800138000,2026-11-30T08:00:00Z,2026-11-30T18:00:00+08:00\n"
        "13900139000,2026-11-30T13:30:00+05:30,\n",
    )
    got = {
        tz: (tuple(r.start.tolist()), tuple(r.end.tolist()))
        for tz in ("Asia/Shanghai", "America/New_York", "UTC", "UTC-11")
        for r in [read_roaming(p, tz=tz)]
    }
    assert set(got.values()) == {((T0, T0), (T0 + 2 * H, float("inf")))}


@pytest.mark.parametrize("tz", ["America/New_York", "Europe/London", "Australia/Lord_Howe"])
def test_naive_times_at_clock_changes_follow_ingests_rule(tmp_path: Path, tz: str) -> None:
    """As ingest reads a naive CDR time (``cdr.parse.times``): an ambiguous time is the
    earlier instant, one in the spring-forward gap the first instant after the gap."""
    texts = [
        "2026-03-08T02:30:00",  # New York's gap
        "2026-11-01T01:30:00",  # New York's repeated hour
        "2026-03-29T01:30:00",  # London's gap
        "2026-10-25T01:30:00",  # London's repeated hour
        "2026-10-04T02:15:00",  # Lord Howe's half-hour gap
        "2026-04-05T01:45:00",  # Lord Howe's repeated half hour
        "2026-06-01T12:00:00.250000",
    ]
    p = _file(tmp_path, "".join(f"+861380013800{i},{t},\n" for i, t in enumerate(texts)))
    got = read_roaming(p, tz=tz)
    ingest, failed = parse.times(pa.array(texts), tz)
    assert not failed.any()
    want = (pc.cast(ingest, pa.int64()).to_numpy() / 1e6).tolist()
    by_number = dict(zip(got.numbers.to_pylist(), got.start[got.index].tolist(), strict=True))
    assert [by_number[f"+861380013800{i}"] for i in range(len(texts))] == want


def test_a_bad_time_says_how_naive_times_are_read(tmp_path: Path) -> None:
    p = _file(tmp_path, "13800138000,30/11/2026 16:00,\n")
    with pytest.raises(InputError, match="line 2: 'from' '30/11/2026 16:00' is not a time") as e:
        read_roaming(p, tz="America/New_York")
    assert "one without an offset read in America/New_York as the CDRs' times are" in str(e.value)
    assert "\n" not in str(e.value)
    p = _file(tmp_path, "13800138000,2026-11-30T08:00:00Z,soon\n")
    with pytest.raises(InputError, match="'until' 'soon' is not a time") as e:
        read_roaming(p, tz="Asia/Shanghai")
    assert "without an offset read in Asia/Shanghai" in str(e.value)
    with pytest.raises(InputError, match="--tz 'Mars/Olympus' is neither"):
        read_roaming(p, tz="Mars/Olympus")


def test_the_zone_is_the_callers_to_give() -> None:
    """No default zone inside the reader: each command passes its own."""
    assert inspect.signature(read_roaming).parameters["tz"].default is inspect.Parameter.empty
