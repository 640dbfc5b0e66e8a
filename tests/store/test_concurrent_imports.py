"""Verdict imports that run at the same time leave what they would one after the other
(store.db.import_lock). Before, two PostgreSQL imports of different scan days each read the
verdict in force before the other committed, so the older day could overwrite the newer one
(rule 3 of the verdict precedence): with two processes released together by a barrier, 21
of 50 rounds of 200 numbers ended with the older day's verdicts (docs/api.md, "Concurrent
imports"). SQLite's BEGIN IMMEDIATE chunks already kept rule 3."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import sqlalchemy as sa

import callwarden.store.verdict_import as verdict_import
from callwarden.policy import Verdict
from callwarden.store import Store
from callwarden.store.campaign_continuity import CampaignContinuityMixin
from callwarden.store.schema import imports, verdicts
from callwarden.store.verdict_import import Provenance

NEWER, OLDER, OLDEST = "2026-11-05", "2026-11-04", "2026-11-03"


def _items(numbers: list[str], label: str, score: float, campaign: str) -> list[Verdict]:
    return [Verdict(n, label, score, "loans", (), campaign) for n in numbers]


def _days(store: Store, numbers: list[str]) -> dict[str, tuple[str, str]]:
    """Each number's (scan day of the verdict in force, campaign)."""
    q = (
        sa.select(verdicts.c.number, imports.c.scan_day, verdicts.c.campaign)
        .select_from(verdicts.join(imports, imports.c.id == verdicts.c.import_id))
        .where(verdicts.c.number.in_(numbers))
    )
    with store.read() as conn:
        return {r.number: (r.scan_day, r.campaign) for r in conn.execute(q)}


def test_an_older_day_paused_after_its_read_does_not_overwrite_a_newer_one(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The older day's import reads the verdict in force, then stops (here: up to 3 s) while
    the newer day's import runs; before, on PostgreSQL, it then wrote over the newer day."""
    n = "+8615580588750"
    store.import_verdicts(
        _items([n], "harassment", 0.9, ""), provenance=Provenance("", "m", OLDEST)
    )
    newer_done = threading.Event()
    paused = threading.Event()
    real = verdict_import.scan_day_of

    def slow_scan_day_of(text: str | None) -> str:
        # called on the stored verdict's day between the chunk's read and its write
        if text == OLDEST and threading.current_thread().name == "older" and not paused.is_set():
            paused.set()
            newer_done.wait(3)
        return real(text)

    monkeypatch.setattr(verdict_import, "scan_day_of", slow_scan_day_of)
    errors: list[BaseException] = []

    def older() -> None:
        try:
            store.import_verdicts(
                _items([n], "fraud", 0.97, ""), provenance=Provenance("", "m", OLDER)
            )
        except BaseException as exc:  # reported below
            errors.append(exc)

    t = threading.Thread(target=older, name="older")
    t.start()
    assert paused.wait(30)
    store.import_verdicts(_items([n], "benign", 0.08, ""), provenance=Provenance("", "m", NEWER))
    newer_done.set()
    t.join(60)
    assert not errors and not t.is_alive()
    kept = store.get_verdict(n)
    assert kept is not None and (kept.label, kept.score) == ("benign", 0.08)
    assert store.verdict_provenance(n)["scan_day"] == NEWER  # type: ignore[index]


def test_a_rescan_imported_during_another_continues_its_campaign(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two imports of one day naming one operation differently (a rescan): the first reads
    the stored campaigns, then stops (up to 3 s) while the second runs. Before, the second
    continued nothing (the first had not written) and the first then wrote its own id over
    every member: the second's id led nowhere (404). Now the second waits and continues the
    first's id, as it would after it."""
    members = [f"+861701234{i:04d}" for i in range(20)]
    second_done = threading.Event()
    first_read = threading.Event()
    real = CampaignContinuityMixin._continued_campaigns

    def slow_continued(self: Store, rows: list[dict[str, Any]], *more: Any) -> Any:
        out = real(self, rows, *more)
        if threading.current_thread().name == "first":
            first_read.set()
            second_done.wait(3)
        return out

    monkeypatch.setattr(CampaignContinuityMixin, "_continued_campaigns", slow_continued)
    errors: list[BaseException] = []

    def first() -> None:
        try:
            store.import_verdicts(
                _items(members, "fraud", 0.97, "first-id"), provenance=Provenance("", "m", OLDER)
            )
        except BaseException as exc:  # reported below
            errors.append(exc)

    t = threading.Thread(target=first, name="first")
    t.start()
    assert first_read.wait(30)
    store.import_verdicts(
        _items(members, "fraud", 0.96, "second-id"), provenance=Provenance("", "m", OLDER)
    )
    second_done.set()
    t.join(60)
    assert not errors and not t.is_alive()
    assert {c for _, c in _days(store, members).values()} == {"first-id"}
    assert store.get_campaign("second-id")["campaign"] == "first-id"
    assert store.campaign_names("second-id") == ("first-id", ["second-id"])


def _race(url: str, rounds: int, size: int) -> list[dict[str, Any]]:
    """Two threads, each with its own Store (its own connections), import the newer and the
    older day of the same numbers at once, ``rounds`` times; each round's outcome. On
    PostgreSQL the two URLs differ (``application_name``), so this process's lock does not
    order them and only the server's does, as for two processes."""
    if url.startswith("postgresql"):
        urls = [f"{url}?application_name=race-{who}" for who in "ab"]
    else:
        urls = [url, url]
    stores = [Store.open(u) for u in urls]
    barrier = threading.Barrier(2)
    results: dict[tuple[int, str], Any] = {}
    errors: list[BaseException] = []
    days = {"a": (NEWER, "benign", 0.08), "b": (OLDER, "fraud", 0.97)}

    def numbers(r: int) -> list[str]:
        return [f"+86170{r:04d}{i:04d}" for i in range(size)]

    def run(who: str, st: Store) -> None:
        day, label, score = days[who]
        try:
            for r in range(rounds):
                items = _items(numbers(r), label, score, f"{who}{r}")
                barrier.wait(60)
                results[r, who] = st.import_verdicts_result(
                    items, provenance=Provenance("race", "m", day)
                )
        except BaseException as exc:  # reported below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(w, s)) for w, s in zip("ab", stores, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    try:
        assert not errors, errors
        return [
            {"days": _days(stores[0], numbers(r)), "older": results[r, "b"], "size": size}
            for r in range(rounds)
        ]
    finally:
        for st in stores:
            st.close()


@pytest.mark.service
def test_two_days_imported_at_once_on_postgresql_keep_the_newer(pg_database: str) -> None:
    """Before: 12 of 30 such rounds (threads) ended with the older day's verdicts."""
    for outcome in _race(pg_database, rounds=20, size=200):
        found = outcome["days"]
        assert len(found) == outcome["size"]
        assert {day for day, _ in found.values()} == {NEWER}
        # one id for the round's numbers: the newer import's own, or the older one's that it
        # continued when the older import ran first
        assert len({campaign for _, campaign in found.values()}) == 1
        older = outcome["older"]  # ran first (wrote all) or second (held back whole)
        assert (len(older.written), older.held_newer_scan) in {
            (outcome["size"], 0),
            (0, outcome["size"]),
        }


def test_two_days_imported_at_once_on_sqlite_keep_the_newer(tmp_path: Any) -> None:
    for outcome in _race(str(tmp_path / "race.db"), rounds=5, size=200):
        assert {day for day, _ in outcome["days"].values()} == {NEWER}
        assert len({campaign for _, campaign in outcome["days"].values()}) == 1
