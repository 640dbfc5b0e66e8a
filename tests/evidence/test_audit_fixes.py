"""Case-file audit fixes: masking everywhere, the registry rule's spoofing finding, the
import that wrote a verdict, the inputs scan recorded, the even sample and the notes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from callwarden.evidence import number_case, render_html
from callwarden.evidence.assemble import (
    SAMPLE_ROWS,
    CallFacts,
    ScanFacts,
    Sources,
    StoreFacts,
    mask,
    mask_text,
    spoofing_section,
)
from callwarden.evidence.sources import gather, sha256_file
from callwarden.policy import Verdict
from callwarden.store import Role, Store
from callwarden.store.verdict_import import Provenance
from tests.evidence import world
from tests.evidence.world import COURIER, DAY, ROBO1, ROBO2

NOW = 1_793_000_000.0
REPORTER = "+8613786585817"
UNALLOCATED = {
    "code": "UNALLOCATED_CALLER",
    "evidence": {"unallocated_by_caller_1d": 1, "attempts_by_caller_1d": 59},
    "weight": 0.0,
    "source": "rule",
}


def _hidden(masked: str) -> int:
    return masked.count("*")


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("+8613786585817", "+86137****5817"),  # mobile: 11-digit national number
        ("+861012345678", "+86101*****78"),  # Beijing fixed line: 10 digits
        ("+12025550100", "+1202*****00"),  # NANP
        ("+85212345678", "+85212****78"),  # Hong Kong: 8 digits
        ("13786585817", "137****5817"),  # no country code
    ],
)
def test_mask_hides_at_least_four_digits(number: str, expected: str) -> None:
    assert mask(number) == expected
    assert _hidden(mask(number)) >= 4


def test_mask_text_masks_numbers_but_the_cases_own() -> None:
    keep = frozenset({ROBO1})
    detail = {
        "reporter": REPORTER,
        "note": f"called back {REPORTER} about {ROBO1}",
        "subscriber": 8613786585817,
        "rows": 42722,
        "at": 1_793_000_000,
        "nested": [{"callee": "+8613900000001"}],
    }
    out = mask_text(detail, keep)
    assert out["reporter"] == "+86137****5817"
    assert out["note"] == f"called back +86137****5817 about {ROBO1}"
    assert out["subscriber"] != 8613786585817 and "6585" not in str(out["subscriber"])
    assert out["rows"] == 42722 and out["at"] == 1_793_000_000
    assert out["nested"][0]["callee"] == "+86139****0001"


def _store(tmp_path: Path) -> Store:
    s = Store.open(str(tmp_path / "cw.db"), clock=lambda: NOW)
    s.import_verdicts(
        [Verdict(ROBO1, "harassment", 0.99, "insurance", (), "C1")],
        actor="op-import",
        provenance=Provenance("/data/scan/verdicts.csv", "m0001", DAY),
    )
    s.create_key(Role.SUBSCRIBER, subscriber=REPORTER)
    s.import_received([(REPORTER, ROBO1, NOW - 3600, NOW - 3600, 1)])
    s.add_report(REPORTER, ROBO1, "insurance", "app", actor="key:5")
    return s


def test_the_audit_trail_masks_the_reporter_in_json_and_html(tmp_path: Path) -> None:
    scan, cdrs = world.scan_dir(tmp_path), world.cdrs(tmp_path)
    store = _store(tmp_path)
    case = number_case(ROBO1, gather([ROBO1], scan, cdrs, store), "t")
    text, page = json.dumps(case, ensure_ascii=False), render_html(case)
    assert REPORTER not in text and REPORTER not in page
    report = next(e for e in case["audit"]["items"] if e["action"] == "report")
    assert report["detail"]["reporter"] == "+86137****5817"
    assert report["target"] == ROBO1  # the case's own number stays readable


def test_the_import_that_wrote_the_verdict_is_in_the_case(tmp_path: Path) -> None:
    scan, cdrs = world.scan_dir(tmp_path), world.cdrs(tmp_path)
    case = number_case(ROBO1, gather([ROBO1], scan, cdrs, _store(tmp_path)), "t")
    imp = case["verdict_in_force"]["import"]
    assert imp["source_file"] == "/data/scan/verdicts.csv"
    assert imp["model_version"] == "m0001" and imp["scan_day"] == DAY
    assert imp["actor"] == "op-import" and imp["at"].endswith("Z") and imp["import_id"] >= 1
    page = render_html(case)
    assert "写入该判定的导入" in page and "/data/scan/verdicts.csv" in page
    assert "申诉保护" in page and "更新时间" in page and "来源" in page


def test_the_scans_recorded_inputs_are_copied_and_hashed(tmp_path: Path) -> None:
    scan, cdrs = world.scan_dir(tmp_path), world.cdrs(tmp_path)
    registry = tmp_path / "registry.csv"
    registry.write_text("prefix,carrier\n86138,cm\n", encoding="utf-8")
    summary = json.loads((scan / "scan-summary.json").read_text(encoding="utf-8"))
    summary["inputs"] = {
        "model": str(tmp_path / "gone-model"),
        "cdrs": str(cdrs),
        "features": None,
        "registry": str(registry),
        "transcripts": None,
        "callwarden": "0.1.0",
    }
    (scan / "scan-summary.json").write_text(json.dumps(summary), encoding="utf-8")
    case = number_case(ROBO1, gather([ROBO1], scan, cdrs, None), "t")
    sec = case["scan"]
    assert sec["recorded_inputs"]["registry"] == str(registry)
    assert sec["callwarden_version"] == "0.1.0"
    hashed = {(i["role"], i["name"]): i["sha256"] for i in sec["inputs"]}
    assert hashed[("scan input: registry", "registry.csv")] == sha256_file(registry)
    assert ("scan input: cdrs", "cdrs.parquet") in hashed
    assert sec["recorded_inputs_not_hashed"] == ["model"]
    assert "registry.csv" in render_html(case)


def _scan(reasons: list[dict[str, object]], spoofed: int = 0) -> ScanFacts:
    row = {"number": ROBO1, "label": "fraud", "score": "0.99", "category": "loans",
           "reasons": json.dumps(reasons), "campaign": "C1"}  # fmt: skip
    members = {"C1": [{"campaign_id": "C1", "number": n} for n in (ROBO1, ROBO2, COURIER)]}
    camp = {"C1": {"campaign_id": "C1", "members": "3", "numbers": f"{ROBO1};{ROBO2};{COURIER}"}}
    verdicts = {ROBO1: row, ROBO2: {**row, "number": ROBO2}, COURIER: {"number": COURIER,
                "label": "benign", "score": "0.01", "reasons": "[]"}}  # fmt: skip
    spoofed_rows = [
        {"call_id": f"c{i}", "caller": ROBO1, "unallocated": "true"} for i in range(spoofed)
    ]
    return ScanFacts({"day": DAY}, verdicts, camp, members, spoofed_rows)


def test_the_registry_rule_shows_in_the_spoofing_section() -> None:
    case = number_case(ROBO1, Sources(_scan([UNALLOCATED]), None, None))
    spoof = case["spoofing"]
    assert spoof["calls"] == 0  # the campaign check's per-call list judged none
    rule = spoof["registry_rule"]
    assert rule["unallocated"] is True and rule["calls"] == 59
    assert "10,000-number block" in rule["note"]
    assert "59" in rule["text"]["zh"] and "unallocated" in rule["text"]["en"]
    assert "not allocated" in case["who"]["note"]
    assert "号码资源登记规则" in render_html(case)


def test_no_registry_rule_without_the_reason() -> None:
    case = number_case(ROBO1, Sources(_scan([]), None, None))
    assert "registry_rule" not in case["spoofing"] and "note" not in case["who"]
    assert spoofing_section(_scan([], 2))["calls"] == 2


def test_member_list_carries_each_members_label() -> None:
    case = number_case(ROBO1, Sources(_scan([UNALLOCATED]), None, None))
    labels = {m["number"]: m["label"] for m in case["campaign"]["member_list"]}
    assert labels == {ROBO1: "fraud", ROBO2: "fraud", COURIER: "benign"}
    assert "benign" in render_html(case)


def _calls(day: str) -> CallFacts:
    return CallFacts(day, 8, 1, 0, 1, 0.0, {}, {}, {}, [])


def test_another_day_than_the_scans_is_noted() -> None:
    case = number_case(ROBO1, Sources(_scan([]), _calls("2026-11-03"), None))
    assert any("verdict" in n and DAY in n and "2026-11-03" in n for n in case["notes"])
    same = number_case(ROBO1, Sources(_scan([]), _calls(DAY), None))
    assert not any("--day" in n for n in same["notes"])


@pytest.mark.parametrize("n", [1, 20, 50, 51, 74, 99, 101, 149])
def test_the_sample_is_exactly_min_n_50_rows_evenly_spread(tmp_path: Path, n: int) -> None:
    from datetime import timedelta

    import pyarrow as pa
    import pyarrow.parquet as pq

    from callwarden.cdr.schema import CANONICAL_SCHEMA

    rows = [
        {f.name: None for f in CANONICAL_SCHEMA}
        | {"call_id": f"c{i:06d}", "start_time": world.START + timedelta(hours=1, seconds=i),
           "caller": ROBO1, "callee": f"+86139{i:08d}", "duration_s": 0.0, "answered": False}
        for i in range(n)
    ]  # fmt: skip
    path = tmp_path / "cdrs.parquet"
    pq.write_table(
        pa.table({f.name: [r[f.name] for r in rows] for f in CANONICAL_SCHEMA},
                 schema=CANONICAL_SCHEMA), path,
    )  # fmt: skip
    case = number_case(ROBO1, gather([ROBO1], None, path, None, day=DAY), "t")
    sample = case["calls"]["sample"]["rows"]
    k = min(n, SAMPLE_ROWS)
    assert len(sample) == k
    assert [r["call_id"] for r in sample] == [f"c{(i * n) // k:06d}" for i in range(k)]


def test_store_facts_default_has_no_imports() -> None:
    case = number_case(ROBO1, Sources(_scan([]), None, StoreFacts(verdicts={ROBO1: {
        "number": ROBO1, "label": "benign", "score": 0.0, "source": "appeal"}})))  # fmt: skip
    assert case["verdict_in_force"]["import"] is None
