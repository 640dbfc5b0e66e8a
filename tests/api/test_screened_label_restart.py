"""A restart of ``serve --verdicts`` re-imports its scan: a screener's live label given after
that scan's day is kept (rule 4) and the start line says so; ``POST /v1/verdicts`` takes the
scan day's zone (``tz``) and counts the rows held for it (``held_screened_label``)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app
from callwarden.store import Store
from tests.store.conftest import Clock, record_screened

from .conftest import Api

BOT = "+8617000010001"
SUBS = ["+8613800000001", "+8613800000002"]
T0 = 1_800_000_000.0  # 2027-01-15 16:00 in Shanghai


def _label(store: Store, at: float) -> None:
    for k, callee in enumerate(SUBS):
        record_screened(store, k, BOT, callee, "bot", at - 60, "insurance")
    v = store.get_verdict(BOT)
    assert v is not None and v.source == "screening"


def _scan(root: Path, day: str, tz: str) -> Path:
    folder = root / f"scan-{day}"
    folder.mkdir()
    (folder / "verdicts.csv").write_text(
        f"number,label,score,category,reasons,campaign\n{BOT},benign,0.1,,[],\n"
    )
    summary = {"day": day, "model_version": "m1", "tz": tz}
    (folder / "scan-summary.json").write_text(json.dumps(summary))
    return folder / "verdicts.csv"


def test_a_restart_keeps_a_label_given_since_its_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda a, **kw: None)
    db = str(tmp_path / "s.db")
    store = Store.open(db, clock=Clock(T0))
    try:
        _label(store, T0)
    finally:
        store.close()
    verdicts = _scan(tmp_path, "2027-01-14", "Asia/Shanghai")  # ended 16 hours before
    runner = CliRunner()
    for _ in range(2):  # a start, then a restart with the same --verdicts
        r = runner.invoke(app, ["serve", "--db", db, "--verdicts", str(verdicts)])
        assert r.exit_code == 0, r.output
        assert (
            f"imported 1 verdicts from {verdicts} (0 written, 1 held back by the verdict "
            "precedence, 0 of them for a later scan day's verdict, 1 for a screener's label "
            "given after the scan day)"
        ) in r.output
    store = Store.open(db)
    try:
        v = store.get_verdict(BOT)
        assert v is not None and (v.source, v.label) == ("screening", "harassment")
        held = [e for e in store.audit_trail(BOT, 100) if e["action"] == "model_verdict_held"]
        assert len(held) == 1 and held[0]["detail"]["rule"] == "screened_label_newer"
    finally:
        store.close()
    # the scan of the label's own day replaces it, as any scan did before
    later = _scan(tmp_path, "2027-01-15", "Asia/Shanghai")
    r = runner.invoke(app, ["serve", "--db", db, "--verdicts", str(later)])
    assert r.exit_code == 0, r.output
    assert "held back" not in r.output
    store = Store.open(db)
    try:
        assert store.get_verdict(BOT).source == "model"  # type: ignore[union-attr]
    finally:
        store.close()


@pytest.mark.parametrize("tz", ["Mars/Olympus", "America"])
def test_a_scan_zone_that_does_not_read_is_said_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tz: str
) -> None:
    """The scan's day then ends in UTC-12 (2027-01-15 12:00 UTC): the label, given at 08:00
    UTC after the day's end in Shanghai, is replaced, and the start says why. ``America``
    (a folder of zones) stopped serve with a traceback before."""
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda a, **kw: None)
    db = str(tmp_path / "s.db")
    store = Store.open(db, clock=Clock(T0))
    try:
        _label(store, T0)
    finally:
        store.close()
    verdicts = _scan(tmp_path, "2027-01-14", tz)
    r = CliRunner().invoke(app, ["serve", "--db", db, "--verdicts", str(verdicts)])
    assert r.exit_code == 0, r.output
    assert (
        f"warning: {verdicts.parent / 'scan-summary.json'} names tz {tz!r}, neither a zone "
        "name nor a UTC offset: the end of its day 2027-01-14 is taken in UTC-12, where the "
        "date ends last (2027-01-15 12:00 UTC); a screener's live label given before then is "
        "replaced by its import (verdict precedence rule 4)"
    ) in r.output
    assert "held back" not in r.output
    store = Store.open(db)
    try:
        assert store.get_verdict(BOT).source == "model"  # type: ignore[union-attr]
    finally:
        store.close()


def _body(day: str, tz: str | None) -> dict[str, object]:
    body: dict[str, object] = {
        "verdicts": [{"number": BOT, "label": "benign", "score": 0.1}],
        "scan_day": day,
    }
    if tz is not None:
        body["tz"] = tz
    return body


def test_post_takes_the_scan_days_zone(api: Api) -> None:
    _label(api.store, time.time())  # the api's store keeps the real clock: given now,
    # after the end of 2 Nov 2026 in any zone
    for tz in ("Mars/Olympus", "America", "Etc"):  # (America, Etc: folders of zones: a 500)
        r = api.post("/v1/verdicts", "operator", json=_body("2026-11-02", tz))
        assert r.status_code == 422, (tz, r.text)
        err = r.json()["error"]
        assert err["code"] == "validation_error" and err["details"][0]["loc"] == ["body", "tz"]
    r = api.post("/v1/verdicts", "operator", json=_body("2026-11-02", "Asia/Shanghai"))
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["written"], out["held"], out["held_screened_label"]) == (0, 1, 1)
    assert api.store.get_verdict(BOT).source == "screening"  # type: ignore[union-attr]
    # no scan day: an operator's explicit import replaces the label
    r = api.post("/v1/verdicts", "operator", json=_body("", None))
    assert r.json()["held_screened_label"] == 0 and r.json()["written"] == 1
    assert api.store.get_verdict(BOT).source == "model"  # type: ignore[union-attr]
