"""The pure assembly of case files, on hand-made values (no files, no store)."""

from __future__ import annotations

import ast
import copy
import hashlib
import json
from pathlib import Path

import pytest

from callwarden.evidence import (
    CaseNotFoundError,
    campaign_case,
    fingerprint,
    number_case,
    render_html,
    to_json,
    verify,
)
from callwarden.evidence.assemble import (
    SAMPLE_ROWS,
    CallFacts,
    InputFile,
    ScanFacts,
    Sources,
    StoreFacts,
    canonical_json,
    mask,
)
from tests.evidence.world import CAMPAIGN_REASONS, COURIER, MODEL_REASON, NOBODY, ROBO1, ROBO2

SRC = Path(__file__).resolve().parents[2] / "src" / "callwarden" / "evidence"
NUMBER_SECTIONS = [
    "case_file", "who", "scan", "verdict", "verdict_in_force", "campaign", "calls", "spoofing",
    "bridging", "reports", "appeals", "block_log", "screenings", "audit", "notes",
]  # fmt: skip
CAMPAIGN_SECTIONS = [
    "case_file", "scan", "campaign", "members", "calls", "spoofing", "bridging", "reports",
    "appeals", "block_log", "screenings", "audit", "notes",
]  # fmt: skip


def _scan() -> ScanFacts:
    verdict = {
        "number": ROBO1,
        "label": "harassment",
        "score": "0.9931",
        "category": "insurance",
        "reasons": json.dumps([MODEL_REASON]),
        "campaign": "C1",
    }
    campaign = {
        "campaign_id": "C1",
        "status": "active",
        "category": "insurance",
        "members": "2",
        "numbers": f"{ROBO1};{ROBO2}",
        "ingresses": "SIPT-1",
        "daily_volume": "4000",
        "answer_rate": "0.2",
        "reasons": json.dumps(CAMPAIGN_REASONS),
    }
    members = [
        {"campaign_id": "C1", "number": ROBO2, "calls": "5"},
        {"campaign_id": "C1", "number": ROBO1, "calls": "20"},
    ]
    return ScanFacts(
        summary={"day": "2026-11-02", "model_version": "m0001", "threshold": 0.84},
        verdicts={ROBO1: verdict, ROBO2: {**verdict, "number": ROBO2, "reasons": "[]"}},
        campaigns={"C1": campaign},
        members={"C1": members},
        spoofed=[{"call_id": "c1", "caller": ROBO1, "asserted_mismatch": "true"}],
    )


def _calls() -> CallFacts:
    return CallFacts(
        day="2026-11-02",
        tz_hours=8,
        calls=20,
        answered=5,
        callees=20,
        duration_s=150.0,
        by_hour={9: (3, 1), 10: (17, 4)},
        by_ingress={"SIPT-1": (15, 4), "SIPT-2": (5, 1)},
        by_release_cause={"16": 5, "19": 15},
        sample=[
            {"call_id": "c000001", "start_time": "2026-11-02T01:00:00Z", "callee": "+8613912345678"}
        ],
    )


def _store() -> StoreFacts:
    return StoreFacts(
        verdicts={ROBO1: {"number": ROBO1, "label": "harassment", "score": 0.9931,
                          "category": "insurance", "reasons": json.dumps([MODEL_REASON]),
                          "campaign": "C1", "source": "model", "protected": False,
                          "updated_at": 1_793_000_000.0}},
        reports=[{"id": 2, "number": ROBO1, "reporter": "+8613700000002", "category": "insurance",
                  "source": "sip607", "weight": 1.0, "created_at": 1_793_000_100.0},
                 {"id": 1, "number": ROBO1, "reporter": "+8613700000001", "category": "",
                  "source": "app", "weight": 0.5, "created_at": 1_793_000_000.0}],
        appeals=[{"id": 7, "number": ROBO1, "owner": "ACME Insurance", "statement": "we are legit",
                  "filed_by": "operator", "status": "rejected", "created_at": 1_793_000_200.0,
                  "reviewed_at": 1_793_000_300.0, "reviewer": "op1", "review_note": "campaign member"}],
        blocks={"reject": 12, "label": 30},
        rescued=1,
        audit=[{"id": 5, "at": 1_793_000_300.0, "actor": "op1", "action": "appeal_rejected",
                "target": ROBO1, "detail": '{"appeal_id": 7}'}],
    )  # fmt: skip


def _sources(**kw: object) -> Sources:
    base: dict[str, object] = {
        "scan": _scan(),
        "calls": _calls(),
        "store": _store(),
        "inputs": [InputFile("verdicts", "verdicts.csv", "ab" * 32, 123)],
    }
    base.update(kw)
    return Sources(**base)  # type: ignore[arg-type]


def test_every_section_of_a_number_case_is_present_and_filled() -> None:
    case = number_case(ROBO1, _sources(), "2026-11-29T00:00:00Z")
    assert list(case) == NUMBER_SECTIONS
    assert case["case_file"]["kind"] == "number" and case["case_file"]["subject"] == ROBO1
    who = case["who"]
    assert who["class"] == "mobile" and who["zh"]["location"] == "北京市"
    assert who["zh"]["carrier"] == "中国移动" and who["en"]["carrier"] == "China Mobile"
    assert case["scan"]["model_version"] == "m0001" and case["scan"]["day"] == "2026-11-02"
    assert case["scan"]["inputs"] == [
        {"role": "verdicts", "name": "verdicts.csv", "sha256": "ab" * 32, "bytes": 123}
    ]
    v = case["verdict"]
    assert v["label"] == "harassment" and v["score"] == 0.9931
    assert v["tag"] == {"zh": "疑似保险推销", "en": "Suspected insurance telemarketing"}
    assert case["verdict_in_force"]["source"] == "model"
    assert case["verdict_in_force"]["updated_at"].endswith("Z")
    camp = case["campaign"]
    assert camp["id"] == "C1" and [m["number"] for m in camp["member_list"]] == sorted(
        [ROBO1, ROBO2]
    )
    assert [r["code"] for r in camp["reasons"]["items"]] == [
        "shared_list_ranges",
        "low_answer_rate",
    ]
    calls = case["calls"]
    assert calls["calls"] == 20 and calls["answer_rate"] == 0.25
    assert calls["by_hour"] == [
        {"hour": 9, "calls": 3, "answered": 1},
        {"hour": 10, "calls": 17, "answered": 4},
    ]
    assert calls["sample"]["rows"][0] == {
        "call_id": "c000001", "start_time": "2026-11-02T01:00:00Z", "callee": "+86139****5678",
    }  # fmt: skip
    assert case["spoofing"]["by_flag"]["asserted_mismatch"] == 1
    reports = case["reports"]
    assert reports["count"] == 2 and reports["weighted"] == 1.5
    assert [r["id"] for r in reports["items"]] == [1, 2]  # by id, whatever the read order
    assert reports["items"][0]["reporter"] == "+86137****0001"  # reporters are masked
    assert reports["by_source"] == {"app": 1, "sip607": 1}
    assert case["appeals"]["by_status"] == {"rejected": 1}
    assert case["appeals"]["items"][0]["review_note"] == "campaign member"
    assert "contact" not in case["appeals"]["items"][0]
    assert case["block_log"] == {
        "decisions": 42,
        "by_action": {"label": 30, "reject": 12},
        "rescued": 1,
    }
    assert case["audit"]["items"][0]["detail"] == {"appeal_id": 7}
    assert case["notes"] == []


def test_reasons_carry_code_evidence_and_both_languages() -> None:
    case = number_case(ROBO1, _sources())
    (reason,) = case["verdict"]["reasons"]["items"]
    assert reason["code"] == "HIGH_INTERVAL_CV"
    assert reason["evidence"] == MODEL_REASON["evidence"]
    assert reason["weight"] == 7.5 and reason["source"] == "model"
    assert "3.8" in reason["text"]["zh"] and "离散" in reason["text"]["zh"]
    assert reason["text"]["en"].startswith("high call-interval variation")
    ranges = case["campaign"]["reasons"]["items"][0]
    assert ranges["text"] == {
        "zh": "按同一号码清单的相同号段拨号（2,216 条关联）",
        "en": "dialled the same blocks of one purchased number list (2,216 links)",
    }


def test_unreadable_reasons_are_kept_as_written() -> None:
    scan = _scan()
    bad = {**scan.verdicts[ROBO1], "reasons": "not json"}
    case = number_case(ROBO1, _sources(scan=ScanFacts(scan.summary, {ROBO1: bad})))
    assert case["verdict"]["reasons"] == {"items": [], "unreadable": "not json"}


def test_same_inputs_give_the_same_bytes_but_for_generated_at() -> None:
    a = to_json(number_case(ROBO1, _sources(), "2026-11-29T00:00:00Z"))
    b = to_json(number_case(ROBO1, _sources(), "2026-11-29T00:00:00Z"))
    c = to_json(number_case(ROBO1, _sources(), "2030-01-01T12:00:00Z"))
    assert a == b
    assert a.replace("2026-11-29T00:00:00Z", "2030-01-01T12:00:00Z") == c
    # the store's rows in another order: the same case
    s = _store()
    shuffled = StoreFacts(
        s.verdicts, list(reversed(s.reports)), s.appeals, s.blocks, s.rescued, s.audit
    )
    assert to_json(number_case(ROBO1, _sources(store=shuffled), "2026-11-29T00:00:00Z")) == a


def test_the_fingerprint_covers_everything_but_generated_at() -> None:
    case = number_case(ROBO1, _sources(), "2026-11-29T00:00:00Z")
    fp = case["case_file"]["fingerprint"]
    assert fp["algorithm"] == "sha256" and verify(case)
    later = number_case(ROBO1, _sources(), "2031-01-01T00:00:00Z")
    assert later["case_file"]["fingerprint"] == fp
    # anyone can recompute it from the file alone
    body = json.loads(to_json(case))
    head = {k: v for k, v in body["case_file"].items() if k not in ("generated_at", "fingerprint")}
    raw = json.dumps(
        {**body, "case_file": head}, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    assert hashlib.sha256(raw.encode()).hexdigest() == fp["sha256"] == fingerprint(body)
    tampered = copy.deepcopy(case)
    tampered["verdict"]["score"] = 0.5
    assert not verify(tampered)
    assert canonical_json(case) == canonical_json(json.loads(to_json(case)))


def test_a_number_with_no_verdict_still_has_a_case() -> None:
    empty_calls = CallFacts("2026-11-02", 8, 0, 0, 0, 0.0, {}, {}, {}, [])
    case = number_case(NOBODY, _sources(calls=empty_calls, store=StoreFacts()))
    assert list(case) == NUMBER_SECTIONS
    assert case["verdict"] is None and case["verdict_in_force"] is None and case["campaign"] is None
    assert case["calls"]["calls"] == 0 and case["calls"]["answer_rate"] is None
    assert case["reports"]["count"] == 0 and case["appeals"]["items"] == []
    assert any("not in the scan's verdicts.csv" in n for n in case["notes"])
    assert verify(case)
    page = render_html(case)
    assert NOBODY in page and "无" in page


def test_missing_sources_are_named_not_invented() -> None:
    case = number_case(COURIER, Sources(None, None, None))
    assert case["verdict"] is None and case["calls"] is None and case["reports"] is None
    assert len(case["notes"]) == 3


def test_every_section_of_a_campaign_case_is_present() -> None:
    case = campaign_case("C1", _sources(), "2026-11-29T00:00:00Z")
    assert list(case) == CAMPAIGN_SECTIONS
    assert case["campaign"]["reasons"]["items"][1]["text"]["zh"] == "接通率低：0.2"
    members = case["members"]
    assert members["count"] == 2 and [m["number"] for m in members["items"]] == [ROBO1, ROBO2]
    assert members["items"][0]["calls"] == 20 and members["items"][0]["label"] == "harassment"
    assert members["by_label"] == {"harassment": 2}
    assert verify(case)


def test_an_unknown_campaign_is_a_clear_error() -> None:
    with pytest.raises(CaseNotFoundError, match="'C404' is not in the scan's campaigns.csv") as err:
        campaign_case("C404", _sources())
    assert err.value.status_hint == 404 and "C1" in err.value.message
    with pytest.raises(CaseNotFoundError, match="needs the scan's folder"):
        campaign_case("C1", Sources(None, None, None))


def test_the_page_is_bilingual_escaped_and_self_contained() -> None:
    scan = _scan()
    hostile = {**scan.verdicts[ROBO1], "category": "<script>alert(1)</script>"}
    case = number_case(
        ROBO1,
        _sources(scan=ScanFacts(scan.summary, {ROBO1: hostile}, scan.campaigns, scan.members)),
    )
    page = render_html(case)
    assert "<script>" not in page and "&lt;script&gt;" in page
    for zh, en in (
        ("号码信息", "Who"),
        ("扫描判定", "Verdict of the scan"),
        ("当日呼叫", "Calls on the day"),
        ("社区举报", "Community reports"),
        ("申诉及结果", "Appeals and outcomes"),
    ):
        assert zh in page and en in page, (zh, en)  # fmt: skip
    assert "当日呼叫间隔离散度偏高" in page and "high call-interval variation" in page
    assert case["case_file"]["fingerprint"]["sha256"] in page
    assert "http" not in page.replace("http-equiv", "")  # fetches nothing


def test_mask_hides_the_middle() -> None:
    assert mask("+8613812345678") == "+86138****5678"
    assert mask("+86110") == "+86***"  # a national number of 3 digits: all hidden
    assert mask(None) == ""


def test_sample_limit_is_documented_in_the_case() -> None:
    case = number_case(ROBO1, _sources())
    assert case["calls"]["sample"]["limit"] == SAMPLE_ROWS


@pytest.mark.parametrize("module", ["assemble.py", "html.py"])
def test_the_core_imports_no_edge(module: str) -> None:
    tree = ast.parse((SRC / module).read_text(encoding="utf-8"))
    names = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    names |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    edges = (
        "callwarden.store",
        "callwarden.api",
        "callwarden.cli",
        "sqlalchemy",
        "duckdb",
        "fastapi",
    )
    assert not {n for n in names if n.startswith(edges)}


def test_counts_cover_every_row_when_the_listing_is_bounded() -> None:
    s = _store()
    bounded = StoreFacts(s.verdicts, s.reports, s.appeals, s.blocks, s.rescued, s.audit, 500)
    case = number_case(ROBO1, _sources(store=bounded))
    assert case["audit"]["count"] == 500 and len(case["audit"]["items"]) == 1
