"""Reading a case's sources: a hand-made scan folder, CDR file and store (tests/evidence/world)."""

from __future__ import annotations

from pathlib import Path

import pytest

from callwarden.errors import InputError
from callwarden.evidence import CaseNotFoundError, campaign_case, number_case, to_json, verify
from callwarden.evidence.sources import gather, sha256_file
from callwarden.store import Store
from tests.evidence import world
from tests.evidence.world import COURIER, NOBODY, ROBO1, ROBO2

NOW = 1_793_000_000.0  # the store's fixed clock (2026-10-26 UTC)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    return world.scan_dir(tmp_path), world.cdrs(tmp_path)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store.open(str(tmp_path / "cw.db"), clock=lambda: NOW)
    s.import_received([("+8613700000001", ROBO1, NOW - 3600, NOW - 3600, 1)])
    s.add_report("+8613700000001", ROBO1, "insurance", "sip607", actor="network")
    aid = s.create_appeal(ROBO1, "ACME Insurance", "legal@acme.example", "we are legit", "operator")
    s.review_appeal(aid, accept=False, reviewer="op1", note="campaign member")
    s.log_blocks(
        [
            {"subscriber": "+8613700000001", "caller": ROBO1, "at": NOW, "action": "reject",
             "sip_code": 608, "category": "insurance", "reasons": "[]"},
            {"subscriber": "+8613700000002", "caller": ROBO1, "at": NOW, "action": "label",
             "sip_code": None, "category": "insurance", "reasons": "[]"},
        ]
    )  # fmt: skip
    return s


def test_a_number_case_from_files_and_store(files: tuple[Path, Path], store: Store) -> None:
    scan, cdrs = files
    case = number_case(ROBO1, gather([ROBO1], scan, cdrs, store), "t")
    calls = case["calls"]
    assert calls["day"] == "2026-11-02" and calls["calls"] == 20  # not the call of the day before
    assert calls["answered"] == 5 and calls["distinct_callees"] == 20
    assert sum(h["calls"] for h in calls["by_hour"]) == 20
    assert [h["hour"] for h in calls["by_hour"]] == list(range(9, 16))  # local hours
    assert {i["ingress"]: i["calls"] for i in calls["by_ingress"]} == {"SIPT-1": 15, "SIPT-2": 5}
    assert {c["release_cause"]: c["calls"] for c in calls["by_release_cause"]} == {
        "16": 5,
        "19": 15,
    }
    sample = calls["sample"]["rows"]
    assert len(sample) == 20 and sample[0]["call_id"] == "c000000"
    assert sample[0]["callee"] == "+86139****0000" and sample[0]["start_time"].startswith(
        "2026-11-02T01:00:00"
    )
    assert case["verdict"]["reasons"]["items"][0]["code"] == "HIGH_INTERVAL_CV"
    assert case["campaign"]["id"] == "C1"
    assert case["spoofing"]["calls"] == 1
    assert case["reports"]["count"] == 1 and case["reports"]["items"][0]["source"] == "sip607"
    appeal = case["appeals"]["items"][0]
    assert appeal["status"] == "rejected" and appeal["reviewer"] == "op1"
    assert case["block_log"]["by_action"] == {"label": 1, "reject": 1}
    assert {e["action"] for e in case["audit"]["items"]} >= {"report", "appeal", "appeal_rejected"}
    names = {(i["role"], i["name"]) for i in case["scan"]["inputs"]}
    assert ("verdicts", "verdicts.csv") in names and ("cdrs", "cdrs.parquet") in names
    digest = {i["name"]: i["sha256"] for i in case["scan"]["inputs"]}
    assert digest["cdrs.parquet"] == sha256_file(cdrs)
    assert verify(case) and case["notes"] == []


def test_same_files_give_the_same_bytes(files: tuple[Path, Path], store: Store) -> None:
    scan, cdrs = files
    a = to_json(number_case(ROBO1, gather([ROBO1], scan, cdrs, store), "t"))
    b = to_json(number_case(ROBO1, gather([ROBO1], scan, cdrs, store), "t"))
    assert a == b


def test_a_campaign_case_covers_every_member(files: tuple[Path, Path], store: Store) -> None:
    scan, cdrs = files
    case = campaign_case("C1", gather([], scan, cdrs, store, campaign="C1"), "t")
    assert [m["number"] for m in case["members"]["items"]] == [ROBO1, ROBO2]
    assert case["calls"]["calls"] == 25 and "caller" in case["calls"]["sample"]["rows"][0]
    assert case["reports"]["count"] == 1


def test_an_unknown_campaign_names_the_known_ones(files: tuple[Path, Path]) -> None:
    scan, cdrs = files
    with pytest.raises(
        CaseNotFoundError, match=r"'C404' is not in .*campaigns.csv \(campaigns there: C1\)"
    ):
        gather([], scan, cdrs, None, campaign="C404")


def test_a_number_in_no_file(files: tuple[Path, Path]) -> None:
    scan, cdrs = files
    case = number_case(NOBODY, gather([NOBODY], scan, cdrs, None), "t")
    assert case["verdict"] is None and case["calls"]["calls"] == 0
    assert case["calls"]["sample"]["rows"] == []


def test_unreadable_cdrs_fail_the_cli_and_are_noted_by_a_server(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    scan, _ = files
    csv_cdrs = tmp_path / "cdrs.csv"
    csv_cdrs.write_text("start_time,caller,callee,duration_s\n", encoding="utf-8")
    with pytest.raises(InputError, match="not Parquet"):
        gather([COURIER], scan, csv_cdrs, None)
    sources = gather([COURIER], scan, csv_cdrs, None, strict=False)
    assert sources.calls is None and "CDRs not read" in sources.missing[0]
