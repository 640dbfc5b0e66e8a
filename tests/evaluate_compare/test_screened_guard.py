"""``compare --db``'s ``CLEARED_SCREENED`` on SQLite and PostgreSQL: the screener's live
labels as stored screenings write them (``store.screened_label``), read whether or not
either scan changes the number, and named when the new scan would replace one with a
weaker verdict under the store's bands in force; an import then does replace them. A label
given after the end of the new scan's day is kept by the import (its rule 4), so the guard
counts it as kept and names it not."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app
from callwarden.evaluate.compare import StoreFacts
from callwarden.policy import Thresholds, Verdict
from callwarden.store import Store
from callwarden.store.compare_facts import read_compare_facts
from callwarden.store.db import open_existing_store
from callwarden.store.io import read_verdicts_csv
from tests.store.conftest import record_screened

from ._scans import write_scan

SUBS = [f"+8613800{i:06d}" for i in range(4)]
# labelled by the screener: to benign, over a model's weak flag, as fraud, in no scan
BENIGN, WEAK, STRONG, ABSENT = (f"+861700001{i:04d}" for i in range(4))
PLAIN = "+8617000020001"  # a model verdict: never this guard's
T0 = 1_800_000_000.0  # 2027-01-15 16:00 in Shanghai, the scans' zone
#: the scans' day: the labels were given during it, so an import of them replaces them
DAY = "2027-01-15"
LABELLED_AT = datetime.fromtimestamp(T0, UTC).isoformat(timespec="seconds")


class Clock:
    def __call__(self) -> float:
        return T0


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.service)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A store whose screener labelled four numbers live, one of them over a model's
    harassment at 0.6 (kept, the label's reason first); its URL."""
    url = (
        str(tmp_path / "store.db")
        if request.param == "sqlite"
        else request.getfixturevalue("pg_database")
    )
    store = Store.open(url, clock=Clock())
    try:
        store.import_verdicts(
            [Verdict(WEAK, "harassment", 0.6, "loans"), Verdict(PLAIN, "harassment", 0.6, "")]
        )
        for i, number in enumerate([BENIGN, WEAK, STRONG, ABSENT]):
            words = "impersonation_police" if number == STRONG else "insurance"
            for k in range(2):  # two callees heard it judged a bot: the bar
                record_screened(store, 10 * i + k, number, SUBS[k], "bot", T0 - 60, words)
            v = store.get_verdict(number)
            assert v is not None and v.source == "screening", number
    finally:
        store.close()
    yield url


def _facts(url: str, newly: list[str], cleared: list[str]) -> StoreFacts:
    engine = open_existing_store(url, "compare")
    try:
        return read_compare_facts(engine, newly, cleared)
    finally:
        engine.dispose()


def test_facts_hold_every_screener_label_whatever_is_asked(store_url: str) -> None:
    facts = _facts(store_url, [], [])
    screened = facts.screened
    assert sorted(screened) == sorted([BENIGN, WEAK, STRONG, ABSENT])  # PLAIN: the model's
    assert screened[BENIGN] == {
        "label": "harassment",
        "category": "insurance",
        "score": 0.99,
        "labelled_at": LABELLED_AT,
        "bot_callees": 2,
        "judged_callees": 2,
        "share": 1.0,
        "window_days": 28,
    }
    assert screened[WEAK]["label"] == "harassment" and screened[WEAK]["category"] == "loans"
    assert screened[STRONG]["label"] == "fraud"
    assert facts.thresholds == Thresholds()  # none saved: the defaults


def _row(n: str, label: str, score: str) -> tuple[str, ...]:
    return (n, label, score, "", "[]", "")


def _scans(tmp_path: Path, day: str = DAY) -> tuple[Path, Path]:
    """BENIGN is in --new only (benign); WEAK and STRONG are flagged by both scans (changed
    in neither set); ABSENT is in neither scan. Both scans are of ``day`` in Shanghai."""
    old = write_scan(
        tmp_path / "old",
        [
            _row(WEAK, "harassment", "0.7"),
            _row(STRONG, "fraud", "0.95"),
            _row(PLAIN, "benign", "0.1"),
        ],
        day=day,
    )
    new = write_scan(
        tmp_path / "new",
        [
            _row(BENIGN, "benign", "0.1"),
            _row(WEAK, "harassment", "0.7"),
            _row(STRONG, "fraud", "0.95"),
            _row(PLAIN, "benign", "0.1"),
        ],
        day=day,
    )
    return old, new


def test_cli_names_the_labels_an_import_would_weaken(store_url: str, tmp_path: Path) -> None:
    old, new = _scans(tmp_path)
    args = ["compare", "--old", str(old), "--new", str(new), "--db", store_url, "--strict"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output  # advisory: --strict passes
    got = json.loads((new / "compare.json").read_text(encoding="utf-8"))
    assert got["counts"]["cleared"] == 0 and got["counts"]["newly_flagged"] == 0
    g = {g["code"]: g for g in got["guards"]}["CLEARED_SCREENED"]
    assert g["fired"] and not g["strict"]
    e = g["evidence"]
    assert e["numbers"] == [BENIGN, WEAK]  # stored 0.99 each: by number
    assert (e["to_benign"], e["weaker"], e["replaced_as_strong"], e["not_in_new"]) == (1, 1, 1, 1)
    assert e["kept_newer_than_scan"] == 0
    assert e["facts"][WEAK] == {
        "stored": {
            "label": "harassment",
            "category": "loans",
            "score": 0.99,
            "labelled_at": LABELLED_AT,
            "bot_callees": 2,
            "judged_callees": 2,
            "share": 1.0,
            "window_days": 28,
        },
        "new": {"label": "harassment", "score": 0.7, "category": ""},
    }
    assert "CLEARED_SCREENED" in res.output and "FIRED (advisory)" in res.output
    assert "an import of --new would replace 1 with benign, 1 with a weaker flag" in res.output
    # without --db it is not run
    res = CliRunner().invoke(app, ["compare", "--old", str(old), "--new", str(new)])
    assert res.exit_code == 0, res.output
    assert "CLEARED_SCREENED" in json.loads((new / "compare.json").read_text())["guards_not_run"]
    # the guard's premise, on the store: an import of the new scan replaces the screener's
    # labels it lists (the named ones and the as strong one) and leaves the one it does not
    store = Store.open(store_url, clock=Clock())
    try:
        store.import_verdicts(read_verdicts_csv(new / "verdicts.csv"))
        after = {n: store.get_verdict(n) for n in (BENIGN, WEAK, STRONG, ABSENT)}
    finally:
        store.close()
    assert {n: (v.label, v.score, v.source) for n, v in after.items() if v is not None} == {
        BENIGN: ("benign", 0.1, "model"),
        WEAK: ("harassment", 0.7, "model"),
        STRONG: ("fraud", 0.95, "model"),
        ABSENT: ("harassment", 0.99, "screening"),
    }


def test_the_stores_bands_decide_what_is_weaker(store_url: str, tmp_path: Path) -> None:
    # fraud 0.95 rejects at the default bands (0.9) but not at bands saved at 0.97
    store = Store.open(store_url, clock=Clock())
    try:
        store.save_thresholds(Thresholds(0.5, 0.97, 0.8), "operator", "op")
    finally:
        store.close()
    old, new = _scans(tmp_path)
    res = CliRunner().invoke(
        app, ["compare", "--old", str(old), "--new", str(new), "--db", store_url]
    )
    assert res.exit_code == 0, res.output
    got = json.loads((new / "compare.json").read_text(encoding="utf-8"))
    e = {g["code"]: g for g in got["guards"]}["CLEARED_SCREENED"]["evidence"]
    assert e["numbers"] == [BENIGN, WEAK, STRONG] and e["weaker"] == 2
    assert e["thresholds"]["reject_fraud_at"] == 0.97


def test_labels_given_after_the_new_scan_day_are_kept_not_named(
    store_url: str, tmp_path: Path
) -> None:
    """Scans of 14 Jan (in Shanghai, ended 16 hours before the labels): the guard and the
    import agree, through one function (``policy.scan_day.keeps_screened_label``), that an
    import keeps the three labels the new scan lists."""
    old, new = _scans(tmp_path, "2027-01-14")
    res = CliRunner().invoke(
        app, ["compare", "--old", str(old), "--new", str(new), "--db", store_url]
    )
    assert res.exit_code == 0, res.output
    got = json.loads((new / "compare.json").read_text(encoding="utf-8"))
    g = {g["code"]: g for g in got["guards"]}["CLEARED_SCREENED"]
    e = g["evidence"]
    assert not g["fired"] and e["numbers"] == []
    assert (e["kept_newer_than_scan"], e["replaced_as_strong"], e["not_in_new"]) == (3, 0, 1)
    assert (e["to_benign"], e["weaker"]) == (0, 0)
    assert "3 given after --new's day kept" in res.output
    store = Store.open(store_url, clock=Clock())
    try:
        result = store.import_verdicts_result(read_verdicts_csv(new / "verdicts.csv"))
        after = {n: store.get_verdict(n) for n in (BENIGN, WEAK, STRONG, ABSENT)}
    finally:
        store.close()
    assert result.held_screened_label == 3
    assert {n: v.source for n, v in after.items() if v is not None} == dict.fromkeys(
        (BENIGN, WEAK, STRONG, ABSENT), "screening"
    )


@pytest.mark.parametrize("tz", ["Mars/Olympus", "America"])
def test_a_scan_zone_that_does_not_read_is_a_warning(
    store_url: str, tmp_path: Path, tz: str
) -> None:
    """Scans of 14 Jan whose tz does not read (``America``, a folder of zones, stopped
    compare with a traceback before): the day ends in UTC-12 (15 Jan 12:00 UTC), after the
    labels (08:00 UTC), so the guard names them as the import replaces them, and says why."""
    old = write_scan(tmp_path / "old", [_row(WEAK, "harassment", "0.7")], day="2027-01-14", tz=tz)
    new = write_scan(tmp_path / "new", [_row(WEAK, "benign", "0.1")], day="2027-01-14", tz=tz)
    res = CliRunner().invoke(
        app, ["compare", "--old", str(old), "--new", str(new), "--db", store_url]
    )
    assert res.exit_code == 0, res.output
    got = json.loads((new / "compare.json").read_text(encoding="utf-8"))
    e = {g["code"]: g for g in got["guards"]}["CLEARED_SCREENED"]["evidence"]
    assert (e["numbers"], e["kept_newer_than_scan"]) == ([WEAK], 0)
    said = (
        f"{new / 'scan-summary.json'} names tz {tz!r}, neither a zone name nor a UTC offset: "
        "the end of its day 2027-01-14 is taken in UTC-12, where the date ends last "
        "(2027-01-15 12:00 UTC); a screener's live label given before then is replaced by "
        "its import (verdict precedence rule 4)"
    )
    assert said in got["warnings"] and said in " ".join(res.output.split())
