"""Findings of a second audit of the store, each reproduced before it was fixed, on SQLite and
PostgreSQL:

* two operators reviewing one appeal at once on PostgreSQL both succeeded: the appeal read
  'rejected' while the number was cleared and protected, with both reviews in the audit log
  (SQLite's BEGIN IMMEDIATE serialised them; PostgreSQL's READ COMMITTED did not);
* a verdicts.csv category or campaign longer than the store's 64 characters was kept on
  SQLite and stopped PostgreSQL's import with a driver traceback (StringDataRightTruncation);
* reports counted for ever against the recipients of the last 28 days, so a courier's old
  mass-report came to label it once its calls slowed down;
* a verdicts.csv reasons cell holding a lone surrogate (JSON "\\ud800") passed the reader and
  stopped the import with a UnicodeEncodeError traceback instead of its line number;
* received calls read from a CSV kept numbers as written: a nationally written CDR
  (13900139000, 010...) made no report eligible, and its E.164 twin was a second pair;
* a NUL character in any stored text of a request (a list note, an appeal's owner, a key's
  name, a registration's name, a verdict's category, the bands' note) was a 500 on
  PostgreSQL, which cannot store it, and was stored on SQLite;
* concurrent reports from one reporter on PostgreSQL each counted the reporter's reports of
  the day before any was written: 32 of 40 were taken against a limit of 20;
* score bands saved before bands were checked for order (label above a reject band) would
  keep the server from starting now that such bands are refused: they read as none saved.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from callwarden.api import ApiSettings, create_app
from callwarden.errors import InputError
from callwarden.policy import ListKind, Verdict
from callwarden.store import ConflictError, RateLimitedError, Role, Store
from callwarden.store.io import read_received_calls, read_verdicts_csv
from callwarden.store.schema import list_entries, operator_settings
from callwarden.store.subscribers import MAX_LIST_ENTRIES

from .conftest import Clock

SPAM = "+8617012345678"
DAY = 86400.0


def test_one_appeal_reviewed_twice_at_once_is_reviewed_once(store: Store) -> None:
    store.import_verdicts([Verdict(SPAM, "fraud", 0.99)])
    aid = store.create_appeal(SPAM, "某快递站", "", "", "key:1")
    read = store.get_verdict
    both_inside = threading.Barrier(2, timeout=1.0)

    def get_verdict(number: str, conn: object = None) -> Verdict | None:
        v = read(number, conn)  # type: ignore[arg-type]
        # hold the first review's transaction open while the second one runs
        with contextlib.suppress(threading.BrokenBarrierError):
            both_inside.wait()
        return v

    store.get_verdict = get_verdict  # type: ignore[method-assign]
    outcome: dict[str, object] = {}

    def review(accept: bool) -> None:
        try:
            outcome[str(accept)] = store.review_appeal(aid, accept, f"op{accept}", "")
        except ConflictError as exc:
            outcome[str(accept)] = exc

    threads = [threading.Thread(target=review, args=(a,)) for a in (True, False)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.get_verdict = read  # type: ignore[method-assign]

    conflicts = [o for o in outcome.values() if isinstance(o, ConflictError)]
    assert len(conflicts) == 1, outcome  # one review wins, the other is told it was too late
    status = store.get_appeal(aid)["status"]
    verdict = store.get_verdict(SPAM)
    assert verdict is not None
    assert (status == "accepted") == verdict.protected  # never 'rejected' yet cleared
    reviews = [a for a in store.audit_trail(SPAM) if a["action"].startswith("appeal_")]
    assert [a["action"] for a in reviews] == [f"appeal_{status}"]


@pytest.mark.parametrize("column", ["category", "campaign"])
def test_a_verdicts_csv_field_longer_than_the_store_takes_stops_the_import(
    store: Store, tmp_path: Path, column: str
) -> None:
    p = tmp_path / "verdicts.csv"
    row = {"category": "insurance", "campaign": "c1", column: "x" * 65}
    p.write_text(
        "number,label,score,category,reasons,campaign\n"
        "+8617012345679,harassment,0.9,insurance,,c1\n"
        f"{SPAM},harassment,0.9,{row['category']},,{row['campaign']}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=f"line 3: {column} .* 64 characters"):
        read_verdicts_csv(p)
    nul = {"category": "insurance", "campaign": "c1", column: "a\x00b"}
    p.write_text(
        f"number,label,score,category,reasons,campaign\n{SPAM},fraud,0.9,insurance,,c1\n"
        f"+8617012345679,fraud,0.9,{nul['category']},,{nul['campaign']}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=f"line 3: {column} .* NUL"):
        read_verdicts_csv(p)  # was read; PostgreSQL then refused the import (DataError)
    p.write_text(  # 64 characters, Chinese ones too, are taken on both databases
        "number,label,score,category,reasons,campaign\n"
        f"{SPAM},harassment,0.9,{'保' * 64},,{'c' * 64}\n",
        encoding="utf-8",
    )
    store.import_verdicts(read_verdicts_csv(p))
    v = store.get_verdict(SPAM)
    assert v is not None and v.category == "保" * 64 and v.campaign == "c" * 64


def test_bands_saved_out_of_order_read_as_none_saved(store: Store) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            operator_settings.insert().values(
                key="thresholds",
                value='{"label_at": 0.97, "reject_fraud_at": 0.9, "reject_harassment_at": 0.98}',
                source="operator key:1",
                actor="key:1",
                updated_at=1.0,
            )
        )
    assert store.load_thresholds() is None  # raised ValueError: the server did not start


def test_a_list_over_its_cap_is_a_conflict_but_a_known_pattern_is_renoted(store: Store) -> None:
    sub = "+8613800138000"
    with store.engine.begin() as conn:
        conn.execute(
            list_entries.insert(),
            [
                {"subscriber": sub, "kind": "block", "pattern": f"+86170{i:08d}",
                 "note": "", "created_at": 1.0}
                for i in range(MAX_LIST_ENTRIES)
            ],
        )  # fmt: skip
    with pytest.raises(ConflictError, match="the most it can"):
        store.add_pattern(sub, ListKind.BLOCK, "+8617199999999", "", "key:1")
    store.add_pattern(sub, ListKind.BLOCK, "+8617000000000", "note", "key:1")
    store.add_pattern(sub, ListKind.ALLOW, "+8617199999999", "", "key:1")
    policy = store.load_policy(sub)
    assert policy is not None and "+8617199999999" in policy.allow.exact


def test_old_reports_do_not_count_against_a_month_of_fewer_calls(
    store: Store, clock: Clock
) -> None:
    """Reports counted for ever against the recipients of the last 28 days: 30 reports that
    were 9.0 of the 20.0 a courier with 400 customers needs labelled it a month later, when
    its calls that month reached one subscriber who reported too (recipients 1)."""
    courier = "+8695338"
    customers = [f"+86139{i:08d}" for i in range(400)]
    store.record_calls([(c, courier, clock.t) for c in customers])
    for c in customers[:30]:
        assert store.add_report(c, courier, "", "app", "t").verdict is None
    clock.t += 30 * DAY
    store.record_calls([(customers[30], courier, clock.t)])
    outcome = store.add_report(customers[30], courier, "", "app", "t")
    assert outcome.verdict is None  # was labelled: 9.3 weighted against 1 recipient
    assert (outcome.tally.reporters, outcome.tally.recipients) == (1, 1)
    summary = store.report_summary(courier)
    assert (summary["reports"], summary["recipients"]) == (1, 1)


def test_recent_reports_still_label_a_spammer(store: Store, clock: Clock) -> None:
    spammer = "+8617055550000"
    victims = [f"+86139{i:08d}" for i in range(12)]
    store.record_calls([(v, spammer, clock.t) for v in victims])
    outcomes = [store.add_report(v, spammer, "loans", "app", "t") for v in victims]
    labelled = [o.verdict for o in outcomes if o.verdict is not None]
    assert len(labelled) == 1 and labelled[0].category == "loans"


def test_a_reasons_cell_the_store_cannot_write_names_its_line(tmp_path: Path) -> None:
    p = tmp_path / "verdicts.csv"
    cell = '"[{""code"": ""x"", ""evidence"": {""a"": ""\\ud800""}}]"'
    p.write_text(
        f"number,label,score,category,reasons,campaign\n{SPAM},fraud,0.99,,[],\n"
        f"+8617012345679,fraud,0.99,,{cell},\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="line 3: reasons"):
        read_verdicts_csv(p)  # was read, then store.import_verdicts raised UnicodeEncodeError


def test_received_calls_from_a_csv_are_normalised_and_merged(store: Store, tmp_path: Path) -> None:
    p = tmp_path / "cdrs.csv"
    p.write_text(
        "start_time,caller,callee,duration_s\n"
        "2026-11-02T00:00:00Z,01012345678,13900139000,30\n"
        "2026-11-03T00:00:00Z,+861012345678,+8613900139000,30\n"
        "2026-11-03T00:00:00Z,anonymous,13900139000,30\n",
        encoding="utf-8",
    )
    rows = read_received_calls(p)
    assert rows == [("+8613900139000", "+861012345678", 1793577600.0, 1793664000.0, 2)]
    only_national = tmp_path / "national.csv"  # all integers: DuckDB would read BIGINT
    only_national.write_text(
        "start_time,caller,callee,duration_s\n2026-11-02T00:00:00Z,01012345678,13900139000,30\n",
        encoding="utf-8",
    )
    assert [r[:2] for r in read_received_calls(only_national)] == [
        ("+8613900139000", "+861012345678")
    ]
    store.import_received(rows)
    with store.engine.connect() as conn:
        assert store.received_since(conn, "+8613900139000", "+861012345678", 0.0)


NUL = "a\u0000b"
NUL_REQUESTS = [
    ("POST", "/v1/subscribers/+8613800138000/lists/block", {"pattern": SPAM, "note": NUL}),
    ("POST", "/v1/appeals", {"number": SPAM, "owner": NUL}),
    ("POST", "/v1/registry", {"pattern": "+8695338", "name": NUL, "category": "courier"}),
    ("POST", "/v1/registry", {"pattern": "+8695338", "name": "x", "category": "courier",
                              "callee_prefixes": ["+8610", NUL]}),
    ("POST", "/v1/keys", {"role": "network", "name": NUL}),
    ("PUT", "/v1/thresholds", {"label_at": 0.5, "reject_fraud_at": 0.9,
                               "reject_harassment_at": 0.8, "note": NUL}),
    ("POST", "/v1/verdicts", {"verdicts": [{"number": SPAM, "label": "fraud", "score": 0.9,
                                            "category": NUL}]}),
    ("POST", "/v1/verdicts", {"verdicts": [{"number": SPAM, "label": "fraud", "score": 0.9,
                                            "campaign": NUL}]}),
]  # fmt: skip


def test_a_nul_character_in_stored_text_is_a_validation_error(store: Store) -> None:
    op = {"Authorization": f"Bearer {store.create_key(Role.OPERATOR)[1]}"}
    trail = len(store.audit_trail(limit=1000))
    with TestClient(create_app(ApiSettings(), store), raise_server_exceptions=False) as c:
        for method, path, body in NUL_REQUESTS:
            r = c.request(method, path, headers=op, json=body)
            assert r.status_code == 422, (path, r.text)  # was 500 on PostgreSQL
            assert r.json()["error"]["code"] == "validation_error"
            assert "NUL" in r.json()["error"]["message"]
        ok = c.post("/v1/appeals", headers=op, json={"number": SPAM, "owner": "顺丰\t北京"})
        assert ok.status_code == 201, ok.text  # other control characters are kept
    assert len(store.audit_trail(limit=1000)) == trail + 1  # only the last appeal was stored


def test_concurrent_reports_keep_the_daily_limit(store: Store) -> None:
    reporter = "+8613800138000"
    numbers = [f"+86170{i:08d}" for i in range(25)]
    store.record_calls([(reporter, n, store.clock()) for n in numbers])
    history = store._history
    all_counted = threading.Barrier(len(numbers), timeout=1.0)

    def slow_history(conn: object, who: str) -> object:
        h = history(conn, who)  # type: ignore[arg-type]
        with contextlib.suppress(threading.BrokenBarrierError):
            all_counted.wait()  # every report has counted the day's reports before any writes
        return h

    store._history = slow_history  # type: ignore[method-assign,assignment]
    taken: list[str] = []

    def report(number: str) -> None:
        with contextlib.suppress(RateLimitedError):
            store.add_report(reporter, number, "", "app", "t")
            taken.append(number)

    threads = [threading.Thread(target=report, args=(n,)) for n in numbers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store._history = history  # type: ignore[method-assign]
    assert len(taken) == 20  # PostgreSQL took more than the limit
    assert len(store.reports_by(reporter, limit=100)) == 20
