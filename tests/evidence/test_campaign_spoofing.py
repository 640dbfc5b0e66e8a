"""A campaign case's spoofing section counts, per member, the calls the scan's registry rule
judged unallocated (as the member's own number case counts them) and its spoofed_calls.csv
rows."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from callwarden.evidence import campaign_case, number_case, render_html
from callwarden.evidence.assemble import CallFacts, ScanFacts, Sources, StoreFacts
from callwarden.evidence.sources import gather
from tests.evidence import world
from tests.evidence.world import COURIER, DAY, ROBO1, ROBO2


def _unallocated(calls: int) -> dict[str, object]:
    return {
        "code": "UNALLOCATED_CALLER",
        "evidence": {"unallocated_by_caller_1d": 1, "attempts_by_caller_1d": calls},
        "weight": 0.0,
        "source": "rule",
    }


def _scan() -> ScanFacts:
    """C1: ROBO1 and ROBO2 judged unallocated by the registry rule (59 and 7 calls), COURIER
    benign; spoofed_calls.csv holds two rows of ROBO1 (one unallocated) and none of ROBO2."""

    def row(number: str, reasons: list[dict[str, object]], label: str) -> dict[str, str]:
        return {"number": number, "label": label, "score": "0.99", "category": "loans",
                "reasons": json.dumps(reasons), "campaign": "C1"}  # fmt: skip

    verdicts = {
        ROBO1: row(ROBO1, [_unallocated(59)], "fraud"),
        ROBO2: row(ROBO2, [_unallocated(7)], "fraud"),
        COURIER: row(COURIER, [], "benign"),
    }
    members = {"C1": [{"campaign_id": "C1", "number": n} for n in (ROBO1, ROBO2, COURIER)]}
    camp = {"C1": {"campaign_id": "C1", "members": "3", "numbers": f"{ROBO1};{ROBO2};{COURIER}"}}
    spoofed = [
        {"call_id": "c1", "caller": ROBO1, "unallocated": "true", "asserted_mismatch": "false"},
        {"call_id": "c2", "caller": ROBO1, "unallocated": "false", "asserted_mismatch": "true"},
    ]
    return ScanFacts({"day": DAY}, verdicts, camp, members, spoofed)


def test_the_campaign_counts_the_registry_rules_calls_per_member() -> None:
    scan = _scan()
    spoof = campaign_case("C1", Sources(scan, None, None))["spoofing"]
    rule = spoof["registry_rule"]
    assert rule["members"] == 2 and rule["calls"] == 66
    assert rule["by_member"] == [
        {
            "number": ROBO1,
            "code": "UNALLOCATED_CALLER",
            "calls": 59,
            "spoofed_calls_unallocated": 1,
        },
        {"number": ROBO2, "code": "UNALLOCATED_CALLER", "calls": 7, "spoofed_calls_unallocated": 0},
    ]
    assert "2 of the campaign's 3 members" in rule["text"]["en"] and "66" in rule["text"]["zh"]
    assert "10,000-number block" in rule["note"]
    # the same count as each member's own case file
    for m in rule["by_member"]:
        own = number_case(m["number"], Sources(scan, None, None))["spoofing"]["registry_rule"]
        assert own["calls"] == m["calls"] and own["code"] == m["code"]
    assert spoof["by_member"] == [{"number": ROBO1, "calls": 2, "unallocated": 1}]
    assert spoof["calls"] == 2 and spoof["by_flag"]["unallocated"] == 1


def test_no_registry_rule_when_no_member_carries_the_reason() -> None:
    scan = _scan()
    plain = {n: {**v, "reasons": "[]"} for n, v in scan.verdicts.items()}
    spoof = campaign_case("C1", Sources(ScanFacts(scan.summary, plain, scan.campaigns,
                                                  scan.members, ()), None, None))["spoofing"]  # fmt: skip
    assert "registry_rule" not in spoof and spoof["by_member"] == []


def test_a_verdict_in_force_without_a_count_takes_the_members_calls_that_day() -> None:
    """The store's spoof_unallocated (no attempts in its evidence): the member's calls in the
    day's CDRs, as a number case takes the number's calls."""
    scan = _scan()
    plain = {n: {**v, "reasons": "[]"} for n, v in scan.verdicts.items()}
    scan = ScanFacts(scan.summary, plain, scan.campaigns, scan.members, ())
    stored = {COURIER: {"number": COURIER, "label": "fraud", "score": 1.0,
                        "reasons": json.dumps([{"code": "spoof_unallocated"}])}}  # fmt: skip
    calls = CallFacts(DAY, 8, 9, 0, 9, 0.0, {}, {}, {}, [], by_caller={COURIER: 4, ROBO1: 5})
    store = StoreFacts(verdicts=stored)
    rule = campaign_case("C1", Sources(scan, calls, store))["spoofing"]["registry_rule"]
    assert rule["by_member"] == [
        {"number": COURIER, "code": "spoof_unallocated", "calls": 4, "spoofed_calls_unallocated": 0}
    ]
    assert rule["members"] == 1 and rule["calls"] == 4


def test_the_page_lists_the_members_the_rule_judged() -> None:
    page = render_html(campaign_case("C1", Sources(_scan(), None, None)))
    assert "号码资源登记规则" in page and "calls that day" in page
    assert ROBO2 in page.split("号码资源登记规则", 1)[1]


def test_files_and_cdrs_give_the_same_counts_as_the_number_case(tmp_path: Path) -> None:
    """On files: ROBO2's verdict carries the rule with 5 calls; its calls that day are 5."""
    scan, cdrs = world.scan_dir(tmp_path), world.cdrs(tmp_path)
    path = scan / "verdicts.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        if r["number"] == ROBO2:
            r["reasons"] = json.dumps([_unallocated(5)])
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), quoting=csv.QUOTE_NONNUMERIC)
        w.writeheader()
        w.writerows(rows)
    case = campaign_case("C1", gather([], scan, cdrs, None, campaign="C1"), "t")
    rule = case["spoofing"]["registry_rule"]
    assert [(m["number"], m["calls"]) for m in rule["by_member"]] == [(ROBO2, 5)]
    own = number_case(ROBO2, gather([ROBO2], scan, cdrs, None), "t")
    assert own["spoofing"]["registry_rule"]["calls"] == 5 == own["calls"]["calls"]
    assert case["spoofing"]["by_member"] == [{"number": ROBO1, "calls": 1, "unallocated": 0}]


def test_the_case_file_counts_calls_from_abroad() -> None:
    """spoofed_calls.csv's fourth check (international_domestic, since 1 Dec) is counted in
    the case file's by_flag, as the other three are (it was left out)."""
    scan = _scan()
    rows = [*scan.spoofed, {"call_id": "c3", "caller": ROBO1, "unallocated": "false",
                            "international_domestic": "true"}]  # fmt: skip
    scan = ScanFacts(scan.summary, scan.verdicts, scan.campaigns, scan.members, rows)
    flags = number_case(ROBO1, Sources(scan, None, None))["spoofing"]["by_flag"]
    assert flags == {
        "unallocated": 1, "asserted_mismatch": 1, "region_implausible": 0,
        "international_domestic": 1,
    }  # fmt: skip
    assert campaign_case("C1", Sources(scan, None, None))["spoofing"]["by_flag"] == flags
