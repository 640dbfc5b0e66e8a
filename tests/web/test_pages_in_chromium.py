"""What a person sees in Chromium: the results page at ``/``, and the OpenAPI docs at
``/docs`` and ``/redoc`` served offline (nothing asked of any host but 127.0.0.1)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.web.conftest import HOSTILE, HOSTILE_FOLDER, Tab, launch

#: Han characters of ``el``'s text that Chromium draws exactly as it draws U+F0000 (a private
#: code point no font has): the "tofu" box. Drawn on a canvas in the element's own font stack,
#: so it holds whatever the stack is and whichever CJK font the machine has.
TOFU_JS = r"""(el) => {
  const c = document.createElement('canvas'); c.width = 48; c.height = 48;
  const g = c.getContext('2d', {willReadFrequently: true});
  g.font = `32px ${getComputedStyle(el).fontFamily}`;
  const px = (ch) => { g.clearRect(0, 0, 48, 48); g.fillText(ch, 4, 36);
    return Array.from(g.getImageData(0, 0, 48, 48).data).join(); };
  const tofu = px('\u{F0000}');
  const han = [...new Set(el.textContent.match(/\p{Script=Han}/gu) || [])];
  return {han: han.length, tofu: han.filter((ch) => px(ch) === tofu)};
}"""

ZH_REASON = "最忙60分钟呼叫次数偏高"  # HIGH_ATTEMPTS in Chinese
EN_REASON = "high call attempts"


def _open(tab: Tab, url: str) -> Any:
    response = tab.page.goto(url)
    assert response is not None and response.status == 200, url
    return response


def test_results_page_shows_the_run(tab: Tab, site: dict[str, str]) -> None:
    _open(tab, site["results"] + "/")
    page = tab.page
    assert page.title() == "callwarden results"
    assert page.get_by_role("heading", name="callwarden", exact=True).is_visible()
    for figure in ("99.50%", "90.00%", "93.10%", "12.00%"):  # evaluation and replay cards
        assert page.locator(".card b", has_text=figure).first.is_visible(), figure
    row = page.locator("tr", has_text="+8613800138000").last  # the flagged-numbers row
    assert row.is_visible()
    for text in ("harassment", "0.9900", ZH_REASON, EN_REASON, "HIGH_ATTEMPTS"):
        assert row.get_by_text(text).first.is_visible(), text
    assert page.get_by_text("+8617012345678").first.is_visible()  # the fraud number
    assert page.get_by_text("+8613900139000").count() == 0  # benign: not listed
    campaign = page.locator("tr", has_text="SIPT-1").first
    assert campaign.get_by_text("C1", exact=True).is_visible()
    assert campaign.get_by_text("SHARED_INGRESS", exact=True).is_visible()
    assert page.locator("tr", has_text="harassment/insurance").get_by_text("90.00%").is_visible()
    page.wait_for_load_state("networkidle")
    assert tab.errors == []
    assert tab.off_machine() == []


def test_chinese_is_drawn_with_a_cjk_font(tab: Tab, site: dict[str, str]) -> None:
    _open(tab, site["results"] + "/")
    cell = tab.page.get_by_text(ZH_REASON).first
    drawn = cell.evaluate(TOFU_JS)
    assert drawn["han"] >= 8 and drawn["tofu"] == [], (
        f"Chinese drawn as boxes: {drawn} (install fonts-wqy-microhei)"
    )


def test_the_font_check_sees_boxes_without_a_cjk_font(chromium: Any, tmp_path: Path) -> None:
    """The check above can fail: with every font that covers Chinese hidden from Chromium
    (fontconfig's rejectfont), the same text is found drawn as boxes."""
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<cachedir>{tmp_path / 'cache'}</cachedir><selectfont><rejectfont><pattern>"
        '<patelt name="lang"><string>zh-cn</string></patelt></pattern></rejectfont>'
        "</selectfont></fontconfig>",
        encoding="utf-8",
    )
    browser = launch(chromium, {**os.environ, "FONTCONFIG_FILE": str(conf)})
    try:
        page = browser.new_page()
        page.set_content(
            "<p style=\"font-family:'WenQuanYi Micro Hei','Noto Sans CJK SC',sans-serif\">"
            f"{ZH_REASON}</p>"
        )
        drawn = page.locator("p").evaluate(TOFU_JS)
    finally:
        browser.close()
    han = [ch for ch in dict.fromkeys(ZH_REASON) if not ch.isascii()]  # (not the "60")
    assert drawn == {"han": len(han), "tofu": han}


def test_swagger_ui_renders_offline_from_the_results_page(tab: Tab, site: dict[str, str]) -> None:
    _open(tab, site["results"] + "/")
    page = tab.page
    page.get_by_role("link", name="/docs").click()
    page.wait_for_url(site["results"] + "/docs")
    op = page.locator('.opblock-summary-path[data-path="/v1/decide"]')
    op.wait_for(state="visible")
    assert page.get_by_text("/v1/decide", exact=True).is_visible()
    assert page.locator(".opblock").count() >= 20  # every route, not just one
    page.wait_for_load_state("networkidle")
    assert tab.errors == []
    assert tab.off_machine() == []
    assert any(u.endswith("/openapi.json") for u in tab.urls)


def test_redoc_renders_offline(tab: Tab, site: dict[str, str]) -> None:
    _open(tab, site["results"] + "/redoc")
    page = tab.page
    page.get_by_role("heading", name="callwarden").first.wait_for(state="visible")
    page.get_by_text("/v1/decide", exact=True).first.wait_for(state="visible")
    page.get_by_text("API docs by Redocly").wait_for(state="visible")  # the sidebar's footer
    page.wait_for_load_state("networkidle")
    assert tab.off_machine() == []
    # Redocly's logo came from its CDN, which the docs' Content-Security-Policy refused and
    # Chromium reported as an error: the bundle is served with an inline logo instead.
    assert tab.errors == []


def test_markup_in_run_files_is_shown_as_text(tab: Tab, site: dict[str, str]) -> None:
    response = _open(tab, site["hostile"] + "/")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    page = tab.page
    for name, text in HOSTILE.items():
        assert page.get_by_text(text).first.is_visible(), name
    assert page.get_by_text(HOSTILE_FOLDER).first.is_visible()  # in Chinese and in English
    page.wait_for_load_state("networkidle")
    ran = page.evaluate(
        "() => ({ran: window.ran ?? null, elements: document.querySelectorAll("
        "'script, img, iframe, i, b[onmouseover]').length, h1: document.querySelectorAll('h1').length})"
    )
    assert ran == {"ran": None, "elements": 0, "h1": 1}
    assert tab.dialogs == []
    assert tab.errors == []
    assert tab.off_machine() == []
    # Escaping is the first line; the page's policy is the second: a script that got into
    # the page anyway does not run.
    injected = page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
        " document.body.appendChild(s); return window.ran ?? null }"
    )
    assert injected is None


def test_an_empty_run_folder_says_so(tab: Tab, site: dict[str, str]) -> None:
    _open(tab, site["empty"] + "/")
    page = tab.page
    assert page.title() == "callwarden results"
    assert page.get_by_text("No results in this run folder").is_visible()
    assert page.get_by_text("Flagged numbers").is_visible()
    assert tab.errors == []
