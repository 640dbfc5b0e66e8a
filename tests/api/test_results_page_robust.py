"""The results page renders whatever odd cells a run folder holds (never a 500)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from callwarden.api.results_page import render_results_page


def _write(run: Path, score: str, verdict_reasons: str, campaign_reasons: str) -> None:
    scan = run / "scan"
    scan.mkdir(parents=True, exist_ok=True)
    with (scan / "verdicts.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["number", "label", "score", "campaign", "reasons"])
        w.writerow(["+8613800138000", "fraud", score, "C1", verdict_reasons])
    with (scan / "campaigns.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["campaign_id", "numbers", "reasons"])
        w.writerow(["C1", "+8613800138000", campaign_reasons])


@pytest.mark.parametrize(
    ("score", "verdict_reasons", "campaign_reasons"),
    [
        ("0.9", "[]", "not json"),
        ("0.9", "[]", '{"code": "X"}'),
        ("0.9", "[]", '[{"code": "X", "evidence": [1, 2]}]'),
        ("0.9", '{"code": "X"}', "[]"),
        ("0.9", "[1, 2]", "[]"),
        ("abc", "[]", "[]"),
        ("nan", "[]", "[]"),
    ],
)
def test_odd_cells_render(
    tmp_path: Path, score: str, verdict_reasons: str, campaign_reasons: str
) -> None:
    _write(tmp_path, score, verdict_reasons, campaign_reasons)
    page = render_results_page(tmp_path)
    assert "+8613800138000" in page and "C1" in page


def test_text_reasons_are_shown_escaped(tmp_path: Path) -> None:
    _write(tmp_path, "0.9", "[]", "<b>not json</b>")
    page = render_results_page(tmp_path)
    assert "&lt;b&gt;not json&lt;/b&gt;" in page


@pytest.mark.parametrize(
    ("evaluation", "replay"),
    [
        ('{"scanned": {"flagged_vs_benign": {"precision": "high", "recall": null}}}', "{}"),
        ('{"legitimate_heavy_callers": {"rate": [1], "population": "many"}}', "[]"),
        ('{"scanned": [1, 2]}', '{"summary": "x", "by_category": {"fraud": {"calls": "12"}}}'),
        ("[1, 2]", '{"by_category": {"fraud": 3, "benign": {"stopped": true}}}'),
        ("not json", '{"by_category": [1]}'),
    ],
)
def test_odd_reports_render(tmp_path: Path, evaluation: str, replay: str) -> None:
    """Text, lists or null where the reports hold figures show as n/a: the demo rendered
    the page with a TypeError or AttributeError before."""
    _write(tmp_path, "0.9", "[]", "[]")
    (tmp_path / "scan" / "evaluation.json").write_text(evaluation, encoding="utf-8")
    (tmp_path / "replay.json").write_text(replay, encoding="utf-8")
    page = render_results_page(tmp_path)
    assert "+8613800138000" in page
