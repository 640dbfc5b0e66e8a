"""The demo's results page renders a run's artefacts for people, reasons in zh and en."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from callwarden.api.results_page import render_results_page


def test_results_page_shows_figures_campaigns_and_reasons(tmp_path: Path) -> None:
    scan = tmp_path / "scan"
    scan.mkdir()
    reasons = json.dumps([{"code": "HIGH_ATTEMPTS", "evidence": {"attempts_by_caller_1h": 22}}])
    (scan / "verdicts.csv").write_text(
        "number,label,score,category,reasons,campaign\n"
        f'+8613800138000,harassment,0.99,,"{reasons.replace(chr(34), chr(34) * 2)}",C1\n'
        "+8613900139000,benign,0.01,,[],\n",
        encoding="utf-8",
    )
    (scan / "campaigns.csv").write_text(
        "campaign_id,status,members,numbers,ingresses,daily_volume,answer_rate,reasons\n"
        'C1,active,2,+8613800138000;+8613800138001,SIPT-1,4000,0.2,"[]"\n',
        encoding="utf-8",
    )
    (scan / "evaluation.json").write_text(
        json.dumps(
            {
                "scanned": {"flagged_vs_benign": {"precision": 0.995, "recall": 0.9}},
                "legitimate_heavy_callers": {"rate": 0.0, "population": 12},
            }
        ),
        encoding="utf-8",
    )
    (tmp_path / "replay.json").write_text(
        json.dumps(
            {
                "summary": {"unwanted_stopped_share": 0.931, "benign_rejected_share": 0.0},
                "by_category": {"harassment/insurance": {"calls": 10, "stopped": 0.9}},
            }
        ),
        encoding="utf-8",
    )
    page = render_results_page(tmp_path)
    assert "99.50%" in page and "93.10%" in page
    assert "harassment/insurance" in page and "C1" in page
    assert "最忙60分钟呼叫次数偏高" in page and "high call attempts" in page
    assert "+8613900139000" not in page  # benign numbers are not listed as flagged


def test_results_page_without_artefacts_still_renders(tmp_path: Path) -> None:
    page = render_results_page(tmp_path)
    assert page.startswith("<!doctype html>") and "Flagged numbers" in page


def test_results_page_names_the_categories_of_numbers_and_campaigns(tmp_path: Path) -> None:
    scan = tmp_path / "scan"
    scan.mkdir()
    (scan / "verdicts.csv").write_text(
        "number,label,score,category,reasons,campaign\n"
        "+8613800138000,harassment,0.99,education,[],C1\n"
        "+8613800138001,fraud,0.99,odd<kind>,[],\n",
        encoding="utf-8",
    )
    (scan / "campaigns.csv").write_text(
        "campaign_id,status,category,members,numbers,ingresses,daily_volume,answer_rate,reasons\n"
        'C1,active,fake_customer_service,1,+8613800138000,SIPT-1,40,0.2,"[]"\n',
        encoding="utf-8",
    )
    page = render_results_page(tmp_path)
    assert "教育培训推销" in page and "education telemarketing" in page
    assert "冒充客服诈骗" in page  # the campaign's
    assert "odd&lt;kind&gt;" in page  # a category callwarden does not name: as written, escaped


def test_every_flagged_number_is_on_some_page_and_links_its_case_file(tmp_path: Path) -> None:
    from callwarden.api.results_page import ResultsPages

    scan = tmp_path / "scan"
    scan.mkdir()
    with (scan / "verdicts.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["number", "label", "score", "reasons", "campaign"])
        w.writerows([f"+86139{i:08d}", "harassment", "0.99", "[]", ""] for i in range(120))
    (scan / "scan-summary.json").write_text(
        json.dumps({"day": "2026-11-02", "model_version": "abc123", "numbers": 12345}),
        encoding="utf-8",
    )
    site = ResultsPages(tmp_path, per_page=50)
    assert site.pages == 3
    listed = [n for p in (1, 2, 3) for n in re.findall(r"numbers/(%2B86139\d{8})", site.page(p))]
    assert len(listed) == len(set(listed)) == 120
    last = site.page(3)
    assert "page 3 of 3" in last and "rel=next" not in last and "?page=2" in last
    assert "abc123" in last and "2026-11-02" in last and "12,345" in last
