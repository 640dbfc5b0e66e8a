"""Campaign ids across days (SQLite and PostgreSQL): scan names a campaign by its day's
callee list, so one operation gets a new id each day; the store keeps the stored id when the
new campaign is mostly the stored one's members, records the new id as its alias (audited)
and answers it."""

from __future__ import annotations

import pytest

from callwarden.policy import Verdict
from callwarden.store import Store
from callwarden.store.base import NotFoundError
from callwarden.store.verdicts import Provenance


def _members(prefix: str, first: int, last: int) -> list[str]:
    return [f"+86170{prefix}{i:05d}" for i in range(first, last)]


def _import(store: Store, day: str, campaigns: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    rows = [
        Verdict(n, "harassment", 0.95, "loans", (), cid)
        for cid, numbers in campaigns.items()
        for n in numbers
    ]
    return store.import_verdicts_result(rows, provenance=Provenance("f", "m", day))


def test_a_campaign_keeps_its_id_across_days(store: Store) -> None:
    _import(store, "2026-11-02", {"Caaa": _members("1", 0, 10), "Cbbb": _members("2", 0, 10)})
    # the next day: Caaa's operation dials on as Cnew1 (6 of its 10 numbers, 4 new ones);
    # Cnew2 shares 2 of its 10 numbers with Cbbb (20 %: a different operation)
    second = _import(
        store,
        "2026-11-03",
        {
            "Cnew1": _members("1", 4, 14),
            "Cnew2": _members("2", 8, 10) + _members("3", 0, 8),
        },
    )
    listed = {c["campaign"]: c["numbers"] for c in store.list_campaigns()}
    assert listed == {"Caaa": 14, "Cbbb": 8, "Cnew2": 10}
    assert second.continued == {"Cnew1": "Caaa"}
    new_member = store.get_verdict(_members("1", 13, 14)[0])
    assert new_member is not None and new_member.campaign == "Caaa"
    assert [v.campaign for v in second.written if v.number == _members("1", 13, 14)[0]] == ["Caaa"]
    by_alias = store.get_campaign("Cnew1")
    assert by_alias["campaign"] == "Caaa" and by_alias["numbers"] == 14
    entry = store.audit_trail("verdicts", 5)
    continued = [e for e in entry if e["action"] == "campaign_continued"]
    assert len(continued) == 1
    assert continued[0]["detail"]["alias"] == "Cnew1"
    assert continued[0]["detail"]["campaign"] == "Caaa"
    assert continued[0]["detail"]["shared"] == 6
    assert (
        entry[0]["action"] == "import_verdicts" and entry[0]["detail"]["campaigns_continued"] == 1
    )
    # a restart re-importing the same file: the same ids, no second alias entry
    again = _import(
        store,
        "2026-11-03",
        {
            "Cnew1": _members("1", 4, 14),
            "Cnew2": _members("2", 8, 10) + _members("3", 0, 8),
        },
    )
    assert again.continued == {"Cnew1": "Caaa"}
    assert {c["campaign"] for c in store.list_campaigns()} == {"Caaa", "Cbbb", "Cnew2"}
    trail = store.audit_trail("verdicts", 20)
    assert len([e for e in trail if e["action"] == "campaign_continued"]) == 1


def test_an_id_the_store_holds_stays_and_is_not_taken_over(store: Store) -> None:
    _import(store, "2026-11-02", {"Caaa": _members("1", 0, 10)})
    # the scan names Caaa itself (the same list) and a new campaign of Caaa's members
    result = _import(
        store, "2026-11-03", {"Caaa": _members("1", 0, 4), "Cnew": _members("1", 4, 10)}
    )
    assert not result.continued
    assert {c["campaign"]: c["numbers"] for c in store.list_campaigns()} == {"Caaa": 4, "Cnew": 6}


def test_a_large_campaign_does_not_take_over_a_small_one(store: Store) -> None:
    """Two numbers of a stored 4-number operation inside another operation's 300 (resold SIMs)
    are half of the smaller campaign but not of the import's: the ids stay apart."""
    _import(store, "2026-11-02", {"CsA": _members("1", 0, 4)})
    result = _import(store, "2026-11-03", {"CxB": _members("1", 2, 4) + _members("2", 0, 300)})
    assert not result.continued
    assert {c["campaign"]: c["numbers"] for c in store.list_campaigns()} == {
        "CsA": 2,
        "CxB": 302,
    }


def test_an_import_held_back_records_no_alias(store: Store) -> None:
    """An older day's import that precedence rule 3 holds back entirely writes nothing, so it
    records no alias and no campaign_continued entry."""
    _import(store, "2026-11-05", {"C05": _members("1", 0, 10)})
    result = _import(store, "2026-11-02", {"C02": _members("1", 0, 10)})
    assert result.held_newer_scan == 10 and not result.written and not result.continued
    assert not [e for e in store.audit_trail("verdicts", 20) if e["action"] == "campaign_continued"]
    with pytest.raises(NotFoundError):
        store.get_campaign("C02")
