"""``compare --db``: the store's facts on the changed numbers (``store.compare_facts``) on
SQLite and PostgreSQL, as the API writes them, and the guards the CLI reports from them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from callwarden.cli.main import app
from callwarden.policy import Registration, Verdict
from callwarden.store import Store
from callwarden.store.compare_facts import read_compare_facts
from callwarden.store.schema import verdicts

from ._scans import write_scan

SUBS = [f"+8613800{i:06d}" for i in range(12)]
BANK, APPEALED, PLAIN, PAIR, LONE, QUIET, REPORTED_NEW = (f"+861700000{i:04d}" for i in range(7))
SHOP = "+8617100000001"  # a line of a registered prefix
T0 = 1_800_000_000.0


class Clock:
    def __init__(self) -> None:
        self.t = T0

    def __call__(self) -> float:
        return self.t


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.service)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A store (at this version's schema) holding registrations, an accepted appeal, reports
    and a community label; its URL (a SQLite path, or PostgreSQL's)."""
    url = (
        str(tmp_path / "store.db")
        if request.param == "sqlite"
        else request.getfixturevalue("pg_database")
    )
    store = Store.open(url, clock=Clock())
    try:
        store.import_verdicts(
            [Verdict(APPEALED, "fraud", 0.97, "loan_fraud"), Verdict(PAIR, "benign", 0.1, "")]
        )
        store.put_registration(Registration(BANK, "Bank call-back", "bank"), "op")
        store.put_registration(Registration("+861710000*", "Shop", "retail", ("+8613",)), "op")
        store.put_registration(Registration(PAIR, "Cleared, registered", "retail"), "op")
        aid = store.create_appeal(APPEALED, "Owner", "", "my shop", "owner")
        store.review_appeal(aid, True, "op", "checked")
        numbers = [PAIR, LONE, REPORTED_NEW, BANK]
        store.record_calls([(s, n, T0 - 60) for s in SUBS for n in numbers])
        for s in SUBS[:10]:  # ten new reporters: the community bar, a community label
            store.add_report(s, PAIR, "insurance", "app", "t")
        store.add_report(SUBS[0], LONE, "", "sip607", "t")
        store.add_report(SUBS[1], REPORTED_NEW, "", "app", "t")  # newly flagged: no guard
        store.add_report(SUBS[2], BANK, "", "app", "t")
        with store.engine.connect() as conn:  # the world is as the test says
            source = conn.execute(
                sa.select(verdicts.c.source, verdicts.c.label).where(verdicts.c.number == PAIR)
            ).one()
        assert tuple(source) == ("reports", "harassment")
    finally:
        store.close()
    yield url


NEWLY = [APPEALED, BANK, PLAIN, REPORTED_NEW, SHOP]
CLEARED = [BANK, LONE, PAIR, QUIET]  # BANK: cleared as well, in another test's eyes


def test_facts_restricted_to_the_numbers_in_question(store_url: str) -> None:
    from callwarden.store.db import open_existing_store

    engine = open_existing_store(store_url, "compare")
    try:
        facts = read_compare_facts(engine, NEWLY, CLEARED)
    finally:
        engine.dispose()
    assert facts.registered == {
        BANK: [
            {
                "pattern": BANK,
                "name": "Bank call-back",
                "category": "bank",
                "callee_prefixes": [],
            }
        ],
        SHOP: [
            {
                "pattern": "+861710000*",
                "name": "Shop",
                "category": "retail",
                "callee_prefixes": ["+8613"],
            }
        ],
    }  # PAIR is registered too, but only cleared: not asked
    assert facts.appealed == {APPEALED: 1}
    assert facts.reported == {
        PAIR: {"reports": 10, "reporters": 10, "weight": pytest.approx(3.0, abs=1e-3)},
        LONE: {"reports": 1, "reporters": 1, "weight": facts.reported[LONE]["weight"]},
        BANK: {"reports": 1, "reporters": 1, "weight": facts.reported[BANK]["weight"]},
    }  # REPORTED_NEW's report: it is newly flagged, not cleared
    assert facts.community == {PAIR: {"label": "harassment", "category": "insurance"}}


def test_nothing_to_ask(store_url: str) -> None:
    from callwarden.store.db import open_existing_store

    engine = open_existing_store(store_url, "compare")
    try:
        facts = read_compare_facts(engine, [], [])
    finally:
        engine.dispose()
    assert (facts.registered, facts.appealed, facts.reported, facts.community) == ({}, {}, {}, {})


def test_cli_guards_and_strict_exit(store_url: str, tmp_path: Path) -> None:
    def row(n: str, label: str, score: str) -> tuple[str, ...]:
        return (n, label, score, "", "[]", "")

    old = write_scan(
        tmp_path / "old",
        [row(n, "benign", "0.1") for n in NEWLY]
        + [row(n, "harassment", "0.9") for n in (LONE, PAIR, QUIET)],
    )
    new = write_scan(
        tmp_path / "new",
        [row(n, "fraud", "0.95") for n in NEWLY]
        + [row(n, "benign", "0.2") for n in (LONE, PAIR, QUIET)],
    )
    args = ["compare", "--old", str(old), "--new", str(new), "--db", store_url]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    got = json.loads((new / "compare.json").read_text(encoding="utf-8"))
    by = {g["code"]: g["evidence"] for g in got["guards"]}
    assert sorted(by["NEWLY_FLAGGED_REGISTERED"]["numbers"]) == [BANK, SHOP]
    assert by["NEWLY_FLAGGED_APPEALED"]["numbers"] == [APPEALED]
    assert sorted(by["CLEARED_REPORTED"]["numbers"]) == sorted([LONE, PAIR])
    assert "NEWLY_FLAGGED_HEAVY_CALLER" in got["guards_not_run"]  # no --cdrs
    assert "NEWLY_FLAGGED_REGISTERED" in res.output and "FIRED" in res.output
    res = CliRunner().invoke(app, [*args, "--strict"])
    assert res.exit_code == 1, res.output
    assert "NEWLY_FLAGGED_REGISTERED, NEWLY_FLAGGED_APPEALED fired" in res.stderr
    # only the advisory guard fires: --strict exits 0
    quiet_old = write_scan(tmp_path / "qold", [row(n, "harassment", "0.9") for n in (LONE, PAIR)])
    quiet_new = write_scan(tmp_path / "qnew", [row(n, "benign", "0.1") for n in (LONE, PAIR)])
    res = CliRunner().invoke(
        app,
        [
            "compare",
            "--old",
            str(quiet_old),
            "--new",
            str(quiet_new),
            "--db",
            store_url,
            "--strict",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "CLEARED_REPORTED" in res.output


def test_a_path_that_is_no_store_is_refused(tmp_path: Path) -> None:
    old = write_scan(tmp_path / "old", [("+8613900000001", "benign", "0.1", "", "[]", "")])
    new = write_scan(tmp_path / "new", [("+8613900000001", "fraud", "0.9", "", "[]", "")])
    res = CliRunner().invoke(
        app, ["compare", "--old", str(old), "--new", str(new), "--db", str(tmp_path / "none.db")]
    )
    assert res.exit_code == 2
    assert res.stderr.strip().splitlines()[-1].startswith("error: --db ")
    assert not (tmp_path / "none.db").exists()


def test_every_registration_listed_most_specific_first(store_url: str) -> None:
    from callwarden.store.db import open_existing_store

    store = Store.open(store_url, clock=Clock())
    try:  # a nationwide registration above the branch's narrow one, and the line itself
        store.put_registration(Registration("+86171000*", "Shop HQ", "retail"), "op")
        store.put_registration(Registration(SHOP, "Shop line", "retail", ("+8613",)), "op")
    finally:
        store.close()
    engine = open_existing_store(store_url, "compare")
    try:
        facts = read_compare_facts(engine, [SHOP], [])
    finally:
        engine.dispose()
    assert [(r["pattern"], r["name"]) for r in facts.registered[SHOP]] == [
        (SHOP, "Shop line"),
        ("+861710000*", "Shop"),
        ("+86171000*", "Shop HQ"),
    ]


def test_numbers_asked_in_e164_and_nul_not_asked(store_url: str, tmp_path: Path) -> None:
    # a feature-table scan's national and spaced ids are the store's E.164 numbers; an id
    # with a NUL byte is no number (PostgreSQL refused it in a query: a traceback, exit 1)
    def row(n: str, label: str, score: str) -> tuple[str, ...]:
        return (n, label, score, "", "[]", "")

    national = {BANK: BANK[3:], APPEALED: "+86 " + APPEALED[3:]}
    old = write_scan(
        tmp_path / "old",
        [row(national[n], "benign", "0.1") for n in national] + [row("1\x00", "benign", "0.1")],
    )
    new = write_scan(
        tmp_path / "new",
        [row(national[n], "fraud", "0.9") for n in national] + [row("1\x00", "fraud", "0.9")],
    )
    res = CliRunner().invoke(
        app, ["compare", "--old", str(old), "--new", str(new), "--db", store_url, "--strict"]
    )
    assert res.exit_code == 1, res.output  # the strict guards fire: exit 1, not a crash
    assert "Traceback" not in res.output and "not phone numbers" in res.stderr
    got = json.loads((new / "compare.json").read_text(encoding="utf-8"))
    by = {g["code"]: g["evidence"] for g in got["guards"]}
    assert by["NEWLY_FLAGGED_REGISTERED"]["numbers"] == [BANK]
    assert by["NEWLY_FLAGGED_APPEALED"]["numbers"] == [APPEALED]


def test_a_store_failing_while_read_is_one_error_line(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import callwarden.store.compare_facts as facts

    def broken(*_: object) -> None:
        raise sa.exc.OperationalError("SELECT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(facts, "read_compare_facts", broken)
    old = write_scan(tmp_path / "old", [(BANK, "benign", "0.1", "", "[]", "")])
    new = write_scan(tmp_path / "new", [(BANK, "fraud", "0.9", "", "[]", "")])
    res = CliRunner().invoke(
        app, ["compare", "--old", str(old), "--new", str(new), "--db", store_url]
    )
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: store "), res.stderr
    assert "could not be read: server closed the connection" in res.stderr
