"""The results page in Chromium: headings in both languages, campaign evidence rendered,
the model and day named, every flagged number reachable page by page, and the links to
case files (an operator key, given when the browser asks)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.web.conftest import PAGED_FLAGGED, PAGED_SUMMARY, Tab, paged_number


def _operator_key(run: Path) -> str:
    line = (run / "api-keys.txt").read_text(encoding="utf-8").split()
    assert line[0] == "operator"
    return line[1]


def test_headings_are_chinese_and_english(tab: Tab, site: dict[str, str]) -> None:
    response = tab.page.goto(site["paged"] + "/")
    assert response is not None and response.status == 200
    page = tab.page
    assert page.locator("html").get_attribute("lang") == "zh"
    headings = [h.strip() for h in page.locator("h2").all_inner_texts()]
    for zh, en in (("团伙", "Campaigns"), ("被标记号码", "Flagged numbers")):
        assert any(h.startswith(zh) and en in h for h in headings), (zh, en, headings)
    for zh, en in (("号码", "number"), ("理由", "reasons"), ("日呼叫量", "daily calls")):
        assert page.locator("th", has_text=zh).filter(has_text=en).count() >= 1, (zh, en)
    assert page.locator("[lang=en]").count() > 10  # English marked as English
    assert page.locator("#flagged td.harassment").first.inner_text().split() == [
        "骚扰",
        "harassment",
    ]
    assert page.locator("#campaigns td", has_text="休眠").first.is_visible()  # dormant
    page.wait_for_load_state("networkidle")
    assert tab.errors == [] and tab.off_machine() == []


def test_campaign_evidence_is_rendered_and_counts_are_separated(
    tab: Tab, site: dict[str, str]
) -> None:
    tab.page.goto(site["paged"] + "/")
    row = tab.page.locator("#campaigns tr", has_text="Caed057bd")
    assert row.get_by_text("按同一号码清单的相同号段拨号（2,216 条关联）").is_visible()
    assert row.get_by_text("dialled the same blocks of one purchased number list (2,216 links)")
    assert row.locator("td.num", has_text="17,225").is_visible()  # daily calls
    assert row.locator("td.num", has_text="21.20%").is_visible()  # answer rate
    assert "links=2216" not in row.inner_text()


def test_the_page_names_the_model_and_the_scan_day(tab: Tab, site: dict[str, str]) -> None:
    tab.page.goto(site["paged"] + "/")
    line = tab.page.locator("#scan").inner_text()
    assert PAGED_SUMMARY["model_version"] in line and PAGED_SUMMARY["day"] in line
    assert "模型版本" in line and "scan day" in line and "42,722" in line


def test_paging_reaches_every_flagged_number_once(tab: Tab, site: dict[str, str]) -> None:
    page = tab.page
    page.goto(site["paged"] + "/")
    seen: list[str] = []
    visited = 0
    while True:
        visited += 1
        cells = page.locator("#flagged tr td:nth-child(2)").all_inner_texts()
        assert 0 < len(cells) <= 50
        seen += [c.strip() for c in cells]
        nxt = page.locator("#flagged nav").first.locator("a[rel=next]")
        if nxt.count() == 0:
            break
        nxt.click()
        page.wait_for_url(re.compile(r"\?page=\d+$"))
    assert visited == 4
    assert len(seen) == len(set(seen)) == PAGED_FLAGGED
    assert set(seen) == {paged_number(i) for i in range(PAGED_FLAGGED)}
    assert "+8613900139000" not in seen  # benign: not listed
    assert page.locator("#flagged nav").first.get_by_text("page 4 of 4").is_visible()
    # the pager jumps straight to any page, and past the last shows the last
    page.goto(site["paged"] + "/?page=2")
    assert page.locator("#flagged tr td:nth-child(1)").first.inner_text() == "51"
    page.goto(site["paged"] + "/?page=99")
    assert page.locator("#flagged tr td:nth-child(1)").first.inner_text() == "151"
    assert tab.errors == []


def test_a_bad_page_is_the_error_shape(tab: Tab, site: dict[str, str]) -> None:
    response = tab.page.goto(site["paged"] + "/?page=0")
    assert response is not None and response.status == 422
    assert '"validation_error"' in tab.page.content()


def test_the_case_file_links_open_with_an_operator_key(
    browser: Any, site: dict[str, str], runs: dict[str, Path]
) -> None:
    key = _operator_key(runs["paged"])
    context = browser.new_context(http_credentials={"username": "regulator-desk", "password": key})
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(site["paged"] + "/?page=2")
        number = paged_number(50)
        page.locator("#flagged").get_by_role("link", name=number, exact=True).click()
        page.wait_for_url(re.compile(r"/v1/case-files/numbers/"))
        assert page.title() == f"号码案卷 {number}"
        assert page.get_by_role("heading", name="号码案卷 Case file: number").is_visible()
        assert page.get_by_text("高频呼叫").count() + page.get_by_text("最忙60分钟").count() >= 1
        assert page.get_by_text("fingerprint").first.is_visible()
        page.goto(site["paged"] + "/")
        page.locator("#campaigns").get_by_role("link", name="Caed057bd").click()
        page.wait_for_url(re.compile(r"/v1/case-files/campaigns/Caed057bd"))
        assert page.get_by_text("按同一号码清单的相同号段拨号（2,216 条关联）").is_visible()
    finally:
        context.close()


def test_the_case_file_link_asks_for_a_key(tab: Tab, site: dict[str, str]) -> None:
    response = tab.page.request.get(site["paged"] + f"/v1/case-files/numbers/{paged_number(0)}")
    assert response.status == 401
    assert "Basic" in response.headers["www-authenticate"]
