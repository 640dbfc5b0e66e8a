"""A campaign's case file follows the scan of the import that wrote it, as a number's does:
another day's stored campaign is read from that day's folder (its reasons, members, calls,
spoofed and bridged calls), not from the store alone (until 30 Nov it was the store's
members and verdicts only, with no reasons or calls)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from callwarden.cli.main import app
from callwarden.evidence import campaign_case, verify
from callwarden.evidence.sources import gather
from callwarden.store import Store
from callwarden.store.io import read_verdicts_csv
from tests.evidence import world
from tests.evidence.world import ROBO1, ROBO2


def test_another_days_campaign_is_read_from_its_import_folder(days: dict[str, Path]) -> None:
    store = Store.open(str(days["db"]))
    sources = gather([], days["second"], days["cdrs"], store, campaign="C1", strict=False)
    case = campaign_case("C1", sources, "2026-11-04T00:00:00Z")
    assert verify(case)
    assert case["scan"]["day"] == "2026-11-02"
    assert [r["code"] for r in case["campaign"]["reasons"]["items"]] == [
        "shared_list_ranges",
        "low_answer_rate",
    ]
    assert sorted(m["number"] for m in case["members"]["items"]) == [ROBO1, ROBO2]
    assert case["calls"]["day"] == "2026-11-02" and case["calls"]["calls"] == 25
    assert case["spoofing"]["calls"] == 1
    (note,) = [n for n in case["notes"] if "latest import" in n]
    assert str(days["first"]) in note and "scan day 2026-11-02" in note
    assert not [n for n in case["notes"] if "store's members and verdicts only" in n]
    # no later day's import: nothing added (the case file's bytes as before)
    assert not [n for n in case["notes"] if "later scan day" in n]
    assert all("in_force_later" not in m for m in case["members"]["items"])
    # a server started without a scan folder reads it too
    alone = campaign_case("C1", gather([], None, days["cdrs"], store, campaign="C1"), "t")
    assert alone["scan"]["day"] == "2026-11-02" and alone["calls"]["calls"] == 25


def test_a_folder_gone_leaves_the_store_alone_and_says_why(days: dict[str, Path]) -> None:
    shutil.rmtree(days["first"])
    store = Store.open(str(days["db"]))
    case = campaign_case(
        "C1", gather([], days["second"], days["cdrs"], store, campaign="C1", strict=False), "t"
    )
    assert case["calls"] is None
    assert any("store's members and verdicts only" in n for n in case["notes"])
    assert any("not on disk here" in n for n in case["notes"])


def test_the_cli_reads_the_campaigns_folder(days: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "c1.json"
    r = CliRunner().invoke(
        app,
        ["case-file", "--campaign", "C1", "--scan-dir", str(days["second"]), "--cdrs",
         str(days["cdrs"]), "--db", str(days["db"]), "--out", str(out)],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    case = json.loads(out.read_text(encoding="utf-8"))
    assert case["scan"]["day"] == "2026-11-02" and case["calls"]["calls"] == 25
    assert "note: the campaign's latest import was imported from" in r.output


def test_members_whose_verdict_in_force_is_of_a_later_day_are_shown(
    days: dict[str, Path], tmp_path: Path
) -> None:
    """An operation seen again the next day under another campaign: the older day's case
    file lists its members as that scan saw them and says which verdicts in force are now
    a later day's (second audit, 30 Nov: 37 of 105 members had moved, unsaid)."""
    third = world.later_day(tmp_path / "d04", "2026-11-04", f"{ROBO2},fraud,0.97,,[],C7")
    store = Store.open(str(days["db"]))
    store.import_verdicts(read_verdicts_csv(third / "verdicts.csv"), actor="cli:serve")
    case = campaign_case("C1", gather([], days["first"], days["cdrs"], store, campaign="C1"), "t")
    assert verify(case)
    items = {m["number"]: m for m in case["members"]["items"]}
    assert items[ROBO2]["label"] == "harassment"  # as the 2026-11-02 scan saw it
    assert items[ROBO2]["in_force_later"] == {
        "scan_day": "2026-11-04",
        "label": "fraud",
        "campaign": "C7",
    }
    assert "in_force_later" not in items[ROBO1]
    (note,) = [n for n in case["notes"] if "later scan day" in n]
    assert note.startswith("1 of 2 members") and "2026-11-04" in note and "C7" in note
