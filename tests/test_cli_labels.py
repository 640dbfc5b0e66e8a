"""``callwarden labels``: training labels from a SQLite store end to end, read back as
``train`` reads a labels file, and one clear error for a missing or unmigrated store and for
bad days (docs/detection.md, "Labels from the store")."""

from __future__ import annotations

import csv
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from callwarden.cli._detect_io import read_csv_strings
from callwarden.cli.main import app
from callwarden.detect.dataset import CDR_CLASSES, cdr_dataset
from callwarden.policy import Registration, Verdict
from callwarden.store import Store
from callwarden.store.db import make_engine, migrate

T0 = datetime(2026, 11, 10, 12, tzinfo=UTC).timestamp()  # 20:00 in Shanghai
SUBS = [f"+8613800{i:06d}" for i in range(12)]
LONE, PAIR, BANK, FLAGGED, QUIET = (f"+861700000{i:04d}" for i in range(5))


def _store(path: Path) -> Path:
    t = [T0]
    s = Store.open(str(path), clock=lambda: t[0])
    s.import_verdicts(
        [Verdict(FLAGGED, "fraud", 0.97, "loan_fraud"), Verdict(QUIET, "benign", 0.1)]
    )
    s.put_registration(Registration(BANK, "Bank", "bank"), "op")
    s.record_calls([(x, n, T0 - 60) for x in SUBS for n in (LONE, PAIR, BANK)])
    s.add_report(SUBS[0], LONE, "insurance", "app", "t")
    for x in SUBS[:5]:  # five new reporters, 1.5 weighted
        s.add_report(x, PAIR, "insurance", "app", "t")
    t[0] += 86400.0  # the next day: five more, 3.0 in all, the community's bar
    for x in SUBS[5:10]:
        s.add_report(x, PAIR, "loans", "app", "t")
    s.add_report(SUBS[1], BANK, "insurance", "app", "t")
    s.close()
    return path


def _run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, ["labels", *args])
    return res.exit_code, res.output


def test_labels_end_to_end_on_sqlite(tmp_path: Path) -> None:
    db = _store(tmp_path / "s.db")
    out = tmp_path / "labels.csv"
    code, text = _run("--db", str(db), "--out", str(out))
    assert code == 0, text
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["number"] for r in rows] == sorted([LONE, PAIR, BANK, FLAGGED])
    said = {r["number"]: (r["label"], r["source"], r["category"]) for r in rows}
    assert said == {
        LONE: ("unknown", "reports_below_threshold", ""),
        PAIR: ("harassment", "reports", "insurance"),  # 1.5 each: a tie, by name
        BANK: ("benign", "registered", "bank"),
        FLAGGED: ("unknown", "model", ""),
    }
    assert json.loads(next(r for r in rows if r["number"] == PAIR)["evidence"])["reporters"] == 10
    assert "4 numbers" in text
    assert "harassment reports" in " ".join(text.split())
    # what train reads: the unknown rows are out, the registered number benign
    feats = pa.table({"number": [LONE, PAIR, BANK, QUIET], "day": ["2026-11-10"] * 4,
                      "f": [1.0, 2.0, 3.0, 4.0]})  # fmt: skip
    data = cdr_dataset(feats, read_csv_strings(out, "labels"))
    assert [(i.split("@")[0], CDR_CLASSES[y]) for i, y in zip(data.ids, data.y, strict=True)] == [
        (PAIR, "harassment"), (BANK, "benign"), (QUIET, "benign")
    ]  # fmt: skip
    # deterministic: the same store gives the same bytes
    again = tmp_path / "again.csv"
    assert _run("--db", str(db), "--out", str(again))[0] == 0
    assert again.read_bytes() == out.read_bytes()


def test_the_window_is_in_local_days(tmp_path: Path) -> None:
    db = _store(tmp_path / "s.db")
    out = tmp_path / "l.csv"
    # T0 is 2026-11-10 20:00 in Shanghai, the second reports 2026-11-11 20:00
    code, text = _run("--db", str(db), "--out", str(out), "--since", "2026-11-11")
    assert code == 0, text
    said = {r["number"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    # five reports in the window, but the community label they completed was set in it
    assert said[PAIR]["source"] == "reports" and LONE not in said
    assert json.loads(said[PAIR]["evidence"])["community_label"] == 1
    _run("--db", str(db), "--out", str(out), "--until", "2026-11-10", "--min-reporters", "1")
    said = {r["number"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    # --min-reporters 1 lowers the reporter bar, not the weight: 1.5 is short of 3.0
    assert said[PAIR]["label"] == said[LONE]["label"] == "unknown"
    assert json.loads(said[PAIR]["evidence"])["reporters"] == 5
    # in UTC the first reports fall on the 10th too, the second on the 11th
    _run("--db", str(db), "--out", str(out), "--until", "2026-11-10", "--tz", "UTC")
    said = {r["number"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert said[PAIR]["source"] == "reports_below_threshold"
    assert json.loads(said[PAIR]["evidence"])["reporters"] == 5


def test_detector_verdicts_only_with_the_flag(tmp_path: Path) -> None:
    db = _store(tmp_path / "s.db")
    out = tmp_path / "l.csv"
    assert _run("--db", str(db), "--out", str(out), "--with-detector-verdicts")[0] == 0
    said = {
        r["number"]: (r["label"], r["source"]) for r in csv.DictReader(out.open(encoding="utf-8"))
    }
    assert said[FLAGGED] == ("fraud", "model")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2026-11-31"], "--since '2026-11-31' is not a calendar day"),
        (["--until", "11/12/2026"], "--until '11/12/2026' is not a day written YYYY-MM-DD"),
        (
            ["--since", "2026-11-12", "--until", "2026-11-11"],
            "--until 2026-11-11 is before --since",
        ),
        (["--min-reporters", "0"], "--min-reporters must be at least 1"),
        (["--tz", "Mars/Olympus"], "is neither a time zone name"),
        (["--tz", "America"], "is neither a time zone name"),  # a folder of zones
    ],
)
def test_bad_options_are_one_clear_error(tmp_path: Path, args: list[str], message: str) -> None:
    db = _store(tmp_path / "s.db")
    code, text = _run("--db", str(db), "--out", str(tmp_path / "l.csv"), *args)
    assert code == 2 and message in text, text


def test_a_missing_or_unmigrated_store_is_one_clear_error(tmp_path: Path) -> None:
    out = str(tmp_path / "l.csv")
    code, text = _run("--db", str(tmp_path / "none.db"), "--out", out)
    assert code == 2 and "no store there" in text
    assert not (tmp_path / "none.db").exists()
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).execute("CREATE TABLE notes (x TEXT)").connection.close()
    code, text = _run("--db", str(empty), "--out", out)
    assert code == 2 and "is not a callwarden store" in text, text
    with sqlite3.connect(empty) as conn:  # nothing written into it
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["notes"]
    old = tmp_path / "old.db"
    engine = make_engine(str(old))
    migrate(engine, "0010")
    engine.dispose()
    code, text = _run("--db", str(old), "--out", out)
    assert code == 2 and "its schema is at revision 0010" in text and "serve" in text, text
    assert "Traceback" not in text


@pytest.mark.parametrize("suffix", ["", "-wal", "-journal", "-shm"])
def test_out_naming_the_store_is_refused(tmp_path: Path, suffix: str) -> None:
    """The audit's clobber: --out the store's own file overwrote the store with the CSV."""
    db = _store(tmp_path / "s.db")
    before = db.read_bytes()
    target = tmp_path / f"s.db{suffix}"
    existed = target.exists()
    code, text = _run("--db", str(db), "--out", str(target))
    assert code == 2 and "is the store's own file" in text, text
    assert len(text.strip().splitlines()) == 1
    assert db.read_bytes() == before and target.exists() == existed
    # the same file by another spelling
    code, text = _run("--db", str(db), "--out", str(tmp_path / "." / "x" / ".." / "s.db"))
    assert code == 2 and "is the store's own file" in text, text


def test_an_empty_export_warns_that_train_reads_every_number_as_benign(tmp_path: Path) -> None:
    db = tmp_path / "e.db"
    Store.open(str(db)).close()
    out = tmp_path / "l.csv"
    res = CliRunner().invoke(app, ["labels", "--db", str(db), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "train with these labels reads every number as benign" in res.stderr
    assert out.read_text(encoding="utf-8").strip() == "number,label,source,category,evidence"


def test_labels_resting_on_no_received_call_are_warned_about(tmp_path: Path) -> None:
    """Re-audit C: a store that lost its received calls (an import-only store, retention)
    passes the share-of-recipients bars at 0 recipients, as the live bar does; the export
    says so (fails on 2ab7187: no warning)."""
    import sqlalchemy as sa

    from callwarden.store.schema import received_calls

    db = tmp_path / "s.db"
    store = Store.open(str(db))
    bad = "+8613912345678"
    subs = [f"+86138{i:08d}" for i in range(10)]
    store.record_calls([(s, bad, store.clock() - 60) for s in subs])
    for s in subs:
        store.add_report(s, bad, "insurance", "app", "t")
    with store.engine.begin() as conn:
        conn.execute(sa.delete(received_calls))
    store.close()
    out = tmp_path / "l.csv"
    res = CliRunner().invoke(app, ["labels", "--db", str(db), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "1 harassment/fraud label(s) rest on reports with no received call" in res.stderr
    assert "+8613912345678,harassment,reports" in out.read_text(encoding="utf-8")
