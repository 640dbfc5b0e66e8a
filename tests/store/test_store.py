"""The store on SQLite and PostgreSQL: migrations, verdicts, lists, reports, appeals, keys."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from callwarden.errors import InputError
from callwarden.policy import ListKind, Protection, Reason, Registration, Verdict
from callwarden.store import (
    ConflictError,
    NotEligibleError,
    NotFoundError,
    RateLimitedError,
    Role,
    Store,
)
from callwarden.store.change_feed import FEED_TABLE, has_feed
from callwarden.store.db import current_revision, head_revision, migrate
from callwarden.store.schema import metadata

from .conftest import Clock

SUB = "+8613800138000"
SPAM = "+8617012345678"
DAY = 86400.0


def test_migrated_schema_matches_the_metadata_and_migrate_is_idempotent(store: Store) -> None:
    migrate(store.engine)  # second run: no-op
    assert current_revision(store.engine) == head_revision() == "0017"
    with store.engine.connect() as conn:
        # (the change feed is SQLite's alone, outside the shared metadata: test_change_feed)
        opts = {"include_name": lambda name, kind, _parent: name != FEED_TABLE}
        diff = compare_metadata(MigrationContext.configure(conn, opts=opts), metadata)
        assert has_feed(conn) == (store.dialect == "sqlite")
    assert diff == []


def test_verdicts_upsert_and_campaigns(store: Store) -> None:
    r = Reason("low_answer_rate", {"answer_rate_by_caller_1d": 0.11})
    store.import_verdicts(
        [
            Verdict(SPAM, "harassment", 0.7, "loans", (r,), "c1"),
            Verdict("+8617012345679", "harassment", 0.9, "insurance", (), "c1"),
            Verdict("+8617012345680", "fraud", 0.95, "", (), "c2"),
        ]
    )
    store.import_verdicts([Verdict(SPAM, "harassment", 0.8, "loans", (r,), "c1")])
    got = store.load_verdicts()
    assert len(got) == 3 and got[SPAM].score == 0.8 and got[SPAM].reasons == (r,)
    assert got[SPAM].reasons[0].evidence == {"answer_rate_by_caller_1d": 0.11}
    camps = {c["campaign"]: c for c in store.list_campaigns()}
    assert camps["c1"]["numbers"] == 2 and camps["c1"]["category"] == "insurance"
    assert camps["c1"]["max_score"] == 0.9 and camps["c2"]["label"] == "fraud"
    assert [m["number"] for m in store.get_campaign("c1")["members"]] == ["+8617012345679", SPAM]
    with pytest.raises(NotFoundError):
        store.get_campaign("nope")


def test_a_campaigns_label_and_category_come_from_one_member(store: Store) -> None:
    """The top score's member; at equal score the more severe label, then the smallest
    category (bytewise, on both databases), then the smallest number. Never a label of one
    member with the category of another (the audit's c1: fraud with insurance)."""
    v = [
        ("c1", "+8617000000011", "fraud", 0.97, "investment"),
        ("c1", "+8617000000012", "harassment", 0.97, "insurance"),
        ("c1", "+8617000000013", "harassment", 0.5, "aaa"),
        ("c2", "+8617000000021", "benign", 0.9, ""),
        ("c2", "+8617000000022", "harassment", 0.9, "loans"),
        ("c3", "+8617000000031", "harassment", 0.8, "alpha"),
        ("c3", "+8617000000032", "harassment", 0.8, "Zeta"),  # "Z" < "a" bytewise
        ("c4", "+8617000000042", "fraud", 0.6, "loans"),
        ("c4", "+8617000000041", "fraud", 0.6, "loans"),
        ("c5", "+8617000000051", "benign", 0.99, "courier"),
        ("c5", "+8617000000052", "fraud", 0.98, "investment"),
    ]
    store.import_verdicts([Verdict(n, lab, s, cat, (), c) for c, n, lab, s, cat in v])
    camps = {c["campaign"]: (c["label"], c["category"]) for c in store.list_campaigns()}
    assert camps == {
        "c1": ("fraud", "investment"),
        "c2": ("harassment", "loans"),
        "c3": ("harassment", "Zeta"),
        "c4": ("fraud", "loans"),
        "c5": ("benign", "courier"),  # the top score wins over severity
    }
    for c, pair in camps.items():  # each pair is one member's
        assert pair in {(lab, cat) for cc, _, lab, _, cat in v if cc == c}
    assert store.get_campaign("c1")["max_score"] == 0.97


def test_settings_lists_and_policy(store: Store) -> None:
    assert store.load_policy(SUB) is None
    store.put_settings(SUB, Protection.STRICT, ["loans", "insurance", "loans"], "t")
    store.add_pattern(SUB, ListKind.BLOCK, "+86170*", "", "t")
    store.add_pattern(SUB, ListKind.ALLOW, SPAM, "courier", "t")
    store.add_pattern(SUB, ListKind.ALLOW, SPAM, "courier Zhang", "t")  # upsert, not a duplicate
    pol = store.load_policy(SUB)
    assert pol is not None and pol.protection is Protection.STRICT
    assert pol.refused_categories == {"loans", "insurance"}
    assert pol.allow.match_length(SPAM) > pol.block.match_length(SPAM) > 0
    assert [e["note"] for e in store.list_patterns(SUB, ListKind.ALLOW)] == ["courier Zhang"]
    store.remove_pattern(SUB, ListKind.BLOCK, "+86170*", "t")
    with pytest.raises(NotFoundError):
        store.remove_pattern(SUB, ListKind.BLOCK, "+86170*", "t")
    assert [a["action"] for a in store.audit_trail(SUB)][:2] == ["remove_block", "add_allow"]


def test_block_log_and_rescue(store: Store, clock: Clock) -> None:
    store.log_blocks(
        [
            {
                "subscriber": SUB,
                "caller": SPAM,
                "at": clock(),
                "action": "reject",
                "sip_code": 608,
                "category": "courier",
                "reasons": "[]",
            },
            {
                "subscriber": "+8613900000000",
                "caller": SPAM,
                "at": clock(),
                "action": "reject",
                "sip_code": 608,
                "category": "",
                "reasons": "[]",
            },
        ]
    )
    log = store.block_log(SUB)
    assert len(log) == 1 and log[0]["caller"] == SPAM and log[0]["rescued_at"] is None
    with pytest.raises(NotFoundError):  # another subscriber's entry
        store.rescue(SUB, log[0]["id"] + 1, "t")
    assert store.rescue(SUB, log[0]["id"], "t") == SPAM
    assert store.block_log(SUB)[0]["rescued_at"] == clock()
    pol = store.load_policy(SUB)
    assert pol is not None and pol.allow.match_length(SPAM)


def test_received_calls_merge(store: Store, clock: Clock) -> None:
    store.record_calls([(SUB, SPAM, clock() - 10), (SUB, SPAM, clock() - 5)])
    store.record_calls([(SUB, SPAM, clock() - 20)])
    with store.engine.connect() as conn:
        assert store.received_since(conn, SUB, SPAM, clock() - 6)
        assert not store.received_since(conn, SUB, SPAM, clock() - 4)
        assert store.recipients_since(conn, SPAM, clock() - 100) == 1
        row = conn.execute(sa.text("SELECT first_at, last_at, calls FROM received_calls")).one()
    assert tuple(row) == (clock() - 20, clock() - 5, 3)


def test_report_rules(store: Store, clock: Clock) -> None:
    with pytest.raises(NotEligibleError):
        store.add_report(SUB, SPAM, "loans", "app", "t")
    store.record_calls([(SUB, SPAM, clock() - 8 * DAY)])  # too long ago
    with pytest.raises(NotEligibleError):
        store.add_report(SUB, SPAM, "loans", "app", "t")
    store.record_calls([(SUB, SPAM, clock() - DAY)])
    out = store.add_report(SUB, SPAM, "loans", "app", "t")
    assert out.weight == pytest.approx(0.3) and out.verdict is None
    with pytest.raises(ConflictError):
        store.add_report(SUB, SPAM, "loans", "app", "t")
    with pytest.raises(InputError):
        store.add_report(SPAM, SPAM, "", "app", "t")
    # rate limit: 20 a day, then the window slides
    callers = [f"+86170000{i:05d}" for i in range(25)]
    store.record_calls([(SUB, c, clock() - 60) for c in callers])
    for c in callers[:19]:
        store.add_report(SUB, c, "", "app", "t")
    with pytest.raises(RateLimitedError):
        store.add_report(SUB, callers[19], "", "app", "t")
    clock.t += DAY + 1
    store.record_calls([(SUB, callers[19], clock())])
    store.add_report(SUB, callers[19], "", "app", "t")


def test_reporter_weight_follows_history(store: Store, clock: Clock) -> None:
    good, bad = "+8613900000001", "+8613900000002"
    spams = [f"+86170000{i:05d}" for i in range(6)]
    store.import_verdicts([Verdict(spams[5], "benign", 0.1)])
    store.record_calls(
        [(r, n, clock()) for r in (good, bad) for n in spams]
        + [(good, SPAM, clock()), (bad, SPAM, clock())]
    )
    for n in spams[:5]:  # reported before the detectors flag them
        store.add_report(good, n, "", "app", "t")
    store.import_verdicts([Verdict(n, "fraud", 0.95) for n in spams[:5]])  # later confirmed
    store.add_report(bad, spams[5], "", "app", "t")
    w_good = store.add_report(good, SPAM, "", "app", "t").weight
    w_bad = store.add_report(bad, SPAM, "", "app", "t").weight
    assert w_good > 0.8 > 0.3 > w_bad


def test_reporting_numbers_already_labelled_earns_no_weight(store: Store, clock: Clock) -> None:
    """A label the reporter could already see confirms nothing (API audit: four fresh
    accounts that each reported two flagged numbers labelled a benign one, 4 x 0.77)."""
    flagged = ["+8617000000101", "+8617000000102"]
    courier = "+8613469024758"
    store.import_verdicts([Verdict(n, "harassment", 0.99) for n in flagged])
    store.import_verdicts([Verdict(courier, "benign", 0.05)])
    accounts = [f"+86139000001{i:02d}" for i in range(4)]
    store.record_calls([(a, n, clock()) for a in accounts for n in [*flagged, courier]])
    weights = []
    for a in accounts:
        for n in flagged:
            store.add_report(a, n, "", "app", "t")
        weights.append(store.add_report(a, courier, "loans", "app", "t").weight)
    assert weights == [0.3] * 4
    assert store.get_verdict(courier).label == "benign"  # type: ignore[union-attr]


def test_appeal_lifecycle_protects_and_audits(store: Store) -> None:
    store.import_verdicts([Verdict(SPAM, "fraud", 0.97, "loans", (), "c9")])
    aid = store.create_appeal(SPAM, "某快递站", "010-1234", "we deliver parcels", "key:1")
    with pytest.raises(ConflictError):
        store.create_appeal(SPAM, "again", "", "", "key:1")
    assert [a["id"] for a in store.list_appeals("pending")] == [aid]
    cleared = store.review_appeal(aid, True, "key:op", "checked the courier licence")
    assert cleared is not None and cleared.protected and cleared.label == "benign"
    with pytest.raises(ConflictError):
        store.review_appeal(aid, False, "key:op", "")
    # a later model verdict does not undo the appeal: its verdict stays whole
    store.import_verdicts([Verdict(SPAM, "fraud", 0.99, "loans")])
    v = store.load_verdicts()[SPAM]
    assert v == cleared and v.protected and v.label == "benign" and v.source == "appeal"
    trail = store.audit_trail(SPAM)
    accepted = next(a for a in trail if a["action"] == "appeal_accepted")
    assert accepted["detail"]["verdict_before"]["score"] == 0.97
    assert accepted["actor"] == "key:op"
    # the database itself refuses a second pending appeal (a race the check above cannot see)
    with store.engine.begin() as conn, pytest.raises(sa.exc.IntegrityError):
        conn.execute(
            sa.text(
                "INSERT INTO appeals (number, owner, contact, statement, filed_by, status, created_at)"
                " VALUES ('+8617099999999', 'a', '', '', 't', 'pending', 0), "
                "('+8617099999999', 'b', '', '', 't', 'pending', 0)"
            )
        )
    aid2 = store.create_appeal("+8617099999999", "x", "", "", "t")
    assert store.review_appeal(aid2, False, "op", "no") is None
    assert store.get_appeal(aid2)["status"] == "rejected"


def test_registry(store: Store) -> None:
    store.put_registration(Registration("+8695338", "顺丰", "courier"), "t")
    store.put_registration(Registration("+86106*", "某银行", "bank", ("+8610",)), "t")
    reg = store.load_registry()
    assert reg.lookup("+8695338") is not None
    found = reg.lookup("+861065550000")
    assert found is not None and found.covers("+861012345678") and not found.covers(SUB)
    store.delete_registration("+8695338", "t")
    assert store.load_registry().lookup("+8695338") is None


def test_api_keys(store: Store) -> None:
    key, secret = store.create_key(Role.SUBSCRIBER, SUB, "app")
    assert store.lookup_key(secret) == key and store.lookup_key(secret + "x") is None
    with pytest.raises(InputError):
        store.create_key(Role.SUBSCRIBER)
    with pytest.raises(InputError):
        store.create_key(Role.OPERATOR, SUB)
    store.revoke_key(key.id, "t")
    assert store.lookup_key(secret) is None
    with pytest.raises(NotFoundError):
        store.revoke_key(key.id, "t")
    with store.engine.connect() as conn:  # only the hash is stored
        assert secret not in str(conn.execute(sa.text("SELECT * FROM api_keys")).all())
