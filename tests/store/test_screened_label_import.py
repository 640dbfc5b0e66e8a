"""The verdict import's rule 4 (SQLite and PostgreSQL): a screener's live label given after
the end of the import's scan day (in the scan's zone) is held back, counted and audited; one
given before or during that day, or met by an import without a scan day, is replaced as
before; ``override_newer_scans`` does not lift it; on PostgreSQL a label given between a
chunk's read and its write is held by the upsert's own condition."""

from __future__ import annotations

import threading
from typing import Any

import pytest

import callwarden.store.verdict_import as verdict_import
from callwarden.policy import Verdict
from callwarden.store import Store
from callwarden.store.verdict_import import Provenance

from .conftest import Clock, record_screened

BOT = "+8617000010001"
OTHER = "+8617000010002"  # a model verdict only: never rule 4's
SUBS = ["+8613800000001", "+8613800000002"]
# the store's clock: 2027-01-15 08:00 UTC, 16:00 of 15 Jan in Shanghai
T0 = 1_800_000_000.0
IMPORTED = [Verdict(BOT, "benign", 0.1, ""), Verdict(OTHER, "benign", 0.2, "")]


def _label(store: Store, who: str = BOT) -> None:
    """The screener labels ``who`` at the store's clock: two callees heard it judged a bot."""
    for k, callee in enumerate(SUBS):
        record_screened(store, k, who, callee, "bot", T0 - 60, "insurance")
    v = store.get_verdict(who)
    assert v is not None and v.source == "screening"


def _scan(day: str, tz: str = "Asia/Shanghai") -> Provenance:
    return Provenance(f"scan-{day}/verdicts.csv", "m1", day, tz)


def _held(store: Store, number: str) -> list[dict[str, Any]]:
    return [
        e["detail"] for e in store.audit_trail(number, 100) if e["action"] == "model_verdict_held"
    ]


def test_a_label_given_after_the_scan_day_survives_its_import(store: Store) -> None:
    _label(store)
    # 14 Jan in Shanghai ended at 16:00 UTC on the 14th, 16 hours before the label
    result = store.import_verdicts_result(IMPORTED, provenance=_scan("2027-01-14"))
    v = store.get_verdict(BOT)
    assert v is not None and (v.source, v.label) == ("screening", "harassment")
    assert store.get_verdict(OTHER) == Verdict(OTHER, "benign", 0.2, "", (), "", "model")
    assert (result.rows, result.held, result.held_screened_label) == (2, 1, 1)
    assert (result.held_newer_scan, [w.number for w in result.written]) == (0, [OTHER])
    assert _held(store, BOT) == [
        {
            "label": "benign",
            "score": 0.1,
            "category": "",
            "kept": "screening",
            "rule": "screened_label_newer",
            "scan_day": "2027-01-14",
            "scan_tz": "Asia/Shanghai",
            "scan_day_end": "2027-01-14T16:00:00+00:00",
            "labelled_at": "2027-01-15T08:00:00+00:00",
        }
    ]
    entry = store.audit_trail("verdicts", 1)[0]["detail"]
    assert (entry["held"], entry["held_screened_label"], entry["held_recorded"]) == (1, 1, 1)
    assert entry["scan_tz"] == "Asia/Shanghai"
    # serve --verdicts re-imports the same scan at every start: the label stays, and the
    # held row is not recorded again
    again = store.import_verdicts_result(IMPORTED, provenance=_scan("2027-01-14"))
    assert (again.held, again.held_screened_label) == (1, 1)
    assert store.get_verdict(BOT).source == "screening"  # type: ignore[union-attr]
    assert len(_held(store, BOT)) == 1


@pytest.mark.parametrize(
    ("day", "tz"),
    [
        ("2027-01-15", "Asia/Shanghai"),  # during the scan day (it ends 16:00 UTC)
        ("2027-01-16", "Asia/Shanghai"),  # before it
        # no zone: the day ends as in UTC-12 (12:00 UTC on the 15th), after the label
        ("2027-01-14", ""),
        ("2027-01-14", "Mars/Olympus"),  # a zone that does not read: the same
        ("", "Asia/Shanghai"),  # no scan day: an operator's explicit import
        ("14 Jan 2027", "Asia/Shanghai"),  # a day that cannot be compared: the same
    ],
)
def test_a_label_the_scan_day_does_not_predate_is_replaced(store: Store, day: str, tz: str) -> None:
    _label(store)
    result = store.import_verdicts_result(IMPORTED, provenance=_scan(day, tz))
    v = store.get_verdict(BOT)
    assert v is not None and (v.source, v.label, v.score) == ("model", "benign", 0.1)
    assert (result.held, result.held_screened_label) == (0, 0)
    assert _held(store, BOT) == []


def test_the_zone_places_the_end_of_the_day(store: Store) -> None:
    _label(store)
    # 14 Jan in UTC-8 ends at 08:00 UTC on the 15th: the label's very instant, kept
    result = store.import_verdicts_result(IMPORTED, provenance=_scan("2027-01-14", "UTC-8"))
    assert result.held_screened_label == 1
    # in UTC-9 it ends an hour after the label: replaced
    result = store.import_verdicts_result(IMPORTED, provenance=_scan("2027-01-14", "UTC-9"))
    assert result.held_screened_label == 0
    assert store.get_verdict(BOT).source == "model"  # type: ignore[union-attr]


def test_override_newer_scans_does_not_lift_it(store: Store) -> None:
    _label(store)
    result = store.import_verdicts_result(
        IMPORTED, provenance=_scan("2027-01-14"), override_newer_scans=True
    )
    assert (result.held, result.held_screened_label) == (1, 1)
    assert store.get_verdict(BOT).source == "screening"  # type: ignore[union-attr]
    assert store.audit_trail("verdicts", 1)[0]["detail"]["override_newer_scans"] is True


def test_a_later_scan_day_replaces_the_label(store: Store, clock: Clock) -> None:
    _label(store)
    store.import_verdicts_result(IMPORTED, provenance=_scan("2027-01-14"))
    clock.t = T0 + 2 * 86400  # two days on, the scan of the label's own day is imported
    result = store.import_verdicts_result(IMPORTED, provenance=_scan("2027-01-15"))
    assert result.held_screened_label == 0
    assert store.get_verdict(BOT).source == "model"  # type: ignore[union-attr]


@pytest.mark.service
def test_a_label_given_between_the_read_and_the_write_is_held(
    pg_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: the import reads a chunk's verdicts in force without a lock; the screener
    labels one of its numbers (committed) before the chunk is written; the upsert's own
    condition keeps the label, and the row is counted and audited under rule 4."""
    store = Store.open(pg_database, clock=Clock(T0))
    try:
        store.import_verdicts([Verdict(BOT, "benign", 0.05, "")], provenance=_scan("2027-01-10"))
        labelled = threading.Event()
        paused = threading.Event()
        real = verdict_import.scan_day_of

        def slow_scan_day_of(text: str | None) -> str:
            # called on the stored verdict's day between the chunk's read and its write
            here = threading.current_thread().name == "import"
            if text == "2027-01-10" and here and not paused.is_set():
                paused.set()
                labelled.wait()  # (set by the finally below, whatever happens there)
            return real(text)

        monkeypatch.setattr(verdict_import, "scan_day_of", slow_scan_day_of)
        out: list[Any] = []
        errors: list[BaseException] = []

        def run() -> None:
            try:
                out.append(store.import_verdicts_result(IMPORTED, provenance=_scan("2027-01-14")))
            except BaseException as exc:  # reported below
                errors.append(exc)

        t = threading.Thread(target=run, name="import")
        t.start()
        try:
            assert paused.wait(30)
            _label(store)
        finally:
            labelled.set()
            t.join(60)
        assert not errors and not t.is_alive()
        result = out[0]
        assert (result.held, result.held_screened_label) == (1, 1)
        assert [w.number for w in result.written] == [OTHER]
        v = store.get_verdict(BOT)
        assert v is not None and (v.source, v.label) == ("screening", "harassment")
        (held,) = _held(store, BOT)
        assert (held["kept"], held["rule"], held["labelled_at"]) == (
            "screening",
            "screened_label_newer",
            "2027-01-15T08:00:00+00:00",
        )
    finally:
        store.close()
