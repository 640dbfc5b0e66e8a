"""``callwarden replay --db``: subscribers' own lists and numbers cleared on appeal, read from
the reputation store, change what the replay decides (before, every callee had the standard
policy and no number was ever protected on the stream path)."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from typer.testing import CliRunner

from callwarden.cli.main import app
from callwarden.policy import ListKind
from callwarden.store import Store
from callwarden.store.schema import verdicts


def _replay(world: Path, out: Path, *extra: str) -> tuple[Any, dict[str, Any]]:
    s2 = world / "s2"
    res = CliRunner().invoke(
        app,
        [
            "replay", "--cdrs", str(s2), "--model", str(world / "model"),
            "--registry", str(s2 / "registry.csv"), "--labels", str(s2 / "labels.csv"),
            "--out", str(out), "--batch-s", "60", "--campaign-every-s", "0", *extra,
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    return res, json.loads(out.read_text(encoding="utf-8"))


def test_replay_applies_the_stores_lists_and_appeals(world: Path, tmp_path: Path) -> None:
    s2 = world / "s2"
    with (s2 / "labels.csv").open(encoding="utf-8") as f:
        bad = sorted(r["number"] for r in csv.DictReader(f) if r["label"] != "benign")
    cdrs = pq.read_table(s2 / "cdrs.parquet", columns=["caller", "callee"]).to_pylist()
    benign = [(r["callee"], r["caller"]) for r in cdrs if r["caller"] not in set(bad)]
    callee, caller = max(set(benign), key=benign.count)  # a benign caller a subscriber hears often

    db = tmp_path / "cw.db"
    store = Store.open(str(db))
    now = time.time()
    with store.engine.begin() as conn:  # every bad number cleared on appeal (a worst case)
        conn.execute(
            verdicts.insert(),
            [{"number": n, "label": "benign", "score": 0.0, "category": "", "reasons": "[]",
              "campaign": "", "source": "appeal", "protected": True, "updated_at": now}
             for n in bad],
        )  # fmt: skip
    store.add_pattern(callee, ListKind.BLOCK, caller, note="", actor="test")
    store.close()

    _, plain = _replay(world, tmp_path / "plain.json")
    res, mine = _replay(world, tmp_path / "mine.json", "--db", str(db))
    assert "1 subscribers with their own settings or lists" in res.output
    assert mine["store"] == {
        "subscribers_with_own_policy": 1,
        "registered_businesses": 0,
        "protected_numbers": len(bad),
    }
    # Protected numbers are no longer stopped by the model nor as unallocated (an asserted
    # other identity still labels them) ...
    p, m = plain["summary"], mine["summary"]
    assert m["unwanted_stopped_share"] < p["unwanted_stopped_share"] - 0.1  # 0.885 -> 0.286
    # ... and that subscriber's own block list rejects the benign caller's calls to them.
    assert p["benign_rejected_share"] == 0.0 < m["benign_rejected_share"]


def test_replay_refuses_a_store_that_does_not_exist(world: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(
        app,
        ["replay", "--cdrs", str(world / "s2"), "--model", str(world / "model"),
         "--db", str(tmp_path / "none.db")],
    )  # fmt: skip
    assert res.exit_code == 2 and "no such store file" in res.output
    assert not (tmp_path / "none.db").exists()
