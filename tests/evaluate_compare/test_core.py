"""``evaluate.compare`` on hand-made verdict tables: every count and guard checked by hand."""

from __future__ import annotations

import pyarrow as pa
import pytest

from callwarden.errors import InputError
from callwarden.evaluate.compare import (
    StoreFacts,
    align,
    changed_numbers,
    compare,
    verdict_table,
)
from callwarden.policy import Thresholds

from ._scans import NEW, OLD, A, B, C, D, E, F, G, H, Z, reasons, table


def _aligned() -> pa.Table:
    return align(verdict_table(table(OLD), "old"), verdict_table(table(NEW), "new"))


def test_counts_and_changes() -> None:
    got = compare(_aligned(), top=20)
    # both: A, B; cleared: C, F (F is not in the new scan); newly: D, G; neither: E, H
    assert got["numbers"] == {
        "either": 8,
        "both": 5,
        "only_old": 1,
        "only_new": 2,
        "not_e164": 0,
        "not_e164_examples": [],
    }
    assert got["counts"] == {
        "flagged_by_both": 2,
        "cleared": 2,
        "newly_flagged": 2,
        "neither": 2,
        "old_flagged": 4,
        "new_flagged": 4,
    }
    assert got["label_changes"] == {"harassment->fraud": 1}  # A
    assert got["category_changes"] == {"count": 1, "top": {"insurance->loan_fraud": 1}}
    assert [r["number"] for r in got["top_newly_flagged"]] == [D, G]  # 0.97, 0.93
    assert got["top_newly_flagged"][0] == {
        "number": D,
        "written": D,
        "old_label": "benign",
        "new_label": "harassment",
        "old_score": 0.10,
        "new_score": 0.97,
        "category": "real_estate",
        "campaign": "C2",
        "reason_codes": ["HIGH_SEQUENTIAL_DIALING_SHARE"],
    }
    g = got["top_newly_flagged"][1]
    assert (g["old_label"], g["old_score"], g["new_label"]) == (None, None, "fraud")
    assert [r["number"] for r in got["top_cleared"]] == [C, F]  # by the old score
    c = got["top_cleared"][0]
    assert (c["category"], c["campaign"], c["reason_codes"]) == (
        "insurance",
        "C1",
        ["LOW_ANSWER_RATE", "HIGH_ATTEMPTS"],
    )
    assert got["newly_flagged_by_campaign"] == {"": 1, "C2": 1}
    assert got["cleared_by_campaign"] == {"": 1, "C1": 1}
    assert got["guards"] == [] and got["strict_guards_fired"] == []
    assert "labels" not in got


def test_top_limits_the_lists() -> None:
    got = compare(_aligned(), top=1)
    assert [r["number"] for r in got["top_newly_flagged"]] == [D]
    assert [r["number"] for r in got["top_cleared"]] == [C]
    assert compare(_aligned(), top=0)["top_cleared"] == []


def test_changed_numbers() -> None:
    assert changed_numbers(_aligned()) == (sorted([D, G]), sorted([C, F]))


def test_guards() -> None:
    facts = StoreFacts(
        registered={G: [{"pattern": "+86139000000*", "name": "Shop", "category": "retail"}]},
        appealed={D: 1},
        reported={C: {"reports": 2, "reporters": 2, "weight": 0.6}},
        community={F: {"label": "harassment", "category": "insurance"}},
    )
    got = compare(_aligned(), heavy={D, E, Z}, heavy_attempts=50, store=facts)
    by = {g["code"]: g for g in got["guards"]}
    heavy = by["NEWLY_FLAGGED_HEAVY_CALLER"]
    assert heavy["fired"] and heavy["strict"]
    assert heavy["evidence"] == {"count": 1, "numbers": [D], "min_attempts_per_day": 50}
    reg = by["NEWLY_FLAGGED_REGISTERED"]
    assert reg["evidence"]["numbers"] == [G]
    assert reg["evidence"]["registrations"][G][0]["pattern"] == "+86139000000*"
    app = by["NEWLY_FLAGGED_APPEALED"]
    assert app["evidence"] == {"count": 1, "numbers": [D], "accepted_appeals": {D: 1}}
    said = by["CLEARED_REPORTED"]
    assert said["fired"] and not said["strict"]
    assert said["evidence"]["numbers"] == [C, F]  # by the old score
    assert said["evidence"]["community_labelled"] == 1 and said["evidence"]["reported"] == 1
    assert said["evidence"]["facts"][F] == {
        "community": {"label": "harassment", "category": "insurance"}
    }
    assert got["strict_guards_fired"] == [
        "NEWLY_FLAGGED_HEAVY_CALLER",
        "NEWLY_FLAGGED_REGISTERED",
        "NEWLY_FLAGGED_APPEALED",
    ]


def test_quiet_guards_do_not_fire() -> None:
    # a heavy caller that was flagged before (A) or stays benign (E), a registration of a
    # cleared number (C): none of it is a change the guards look for
    facts = StoreFacts(registered={C: [{"pattern": C}]}, appealed={A: 1}, reported={D: {}})
    got = compare(_aligned(), heavy={A, E}, store=facts)
    assert [g["fired"] for g in got["guards"]] == [False] * 5
    assert got["strict_guards_fired"] == []


def _screener_label(score: float) -> dict[str, object]:
    return {
        "label": "harassment",
        "category": "insurance",
        "score": score,
        "labelled_at": "2026-11-01T09:00:00+00:00",
        "bot_callees": 3,
        "judged_callees": 4,
        "share": 0.75,
        "window_days": 28,
    }


def test_cleared_screened_names_labels_the_new_scan_would_weaken() -> None:
    # a screener's label comes from screening, not a scan: the guard asks each one the new
    # scan lists, changed or not. C cleared (benign), E and H benign (never flagged by a scan,
    # H only in --new), D newly flagged harassment 0.97 and A fraud 0.96 (as strong: in the
    # reject bands), B fraud 0.98 (as strong), F only in --old and Z in neither (an import
    # leaves them); with bands that put harassment's reject at 0.98, D is weaker
    labelled = {n: _screener_label(0.9 - i / 100) for i, n in enumerate([A, B, C, D, E, F, H, Z])}
    facts = StoreFacts(screened=labelled)
    by = {g["code"]: g for g in compare(_aligned(), store=facts)["guards"]}
    got = by["CLEARED_SCREENED"]
    assert got["fired"] and not got["strict"]
    e = got["evidence"]
    assert e["numbers"] == [C, E, H]  # by the stored score, highest first
    assert (e["count"], e["to_benign"], e["weaker"]) == (3, 3, 0)
    assert (e["screener_labels"], e["not_in_new"], e["replaced_as_strong"]) == (8, 2, 3)
    assert e["facts"][E] == {
        "stored": _screener_label(0.86),
        "new": {"label": "benign", "score": 0.1, "category": ""},
    }
    assert e["thresholds"] == {"label_at": 0.5, "reject_fraud_at": 0.9, "reject_harassment_at": 0.8}
    strict_bands = Thresholds(reject_harassment_at=0.98)
    stricter = StoreFacts(screened=labelled, thresholds=strict_bands)
    e = {g["code"]: g for g in compare(_aligned(), store=stricter)["guards"]}["CLEARED_SCREENED"][
        "evidence"
    ]
    assert e["numbers"] == [C, D, E, H] and (e["to_benign"], e["weaker"]) == (3, 1)
    assert e["facts"][D]["new"] == {"label": "harassment", "score": 0.97, "category": "real_estate"}
    # with labels, how many of them are truly bad
    truth = pa.table({"number": [C, E], "truth": ["fraud", "benign"]})
    got = compare(_aligned(), store=stricter, truth=truth)
    said = {g["code"]: g for g in got["guards"]}["CLEARED_SCREENED"]["evidence"]["labels"]
    assert said == {"bad": 1, "benign": 1, "unknown": 0, "unlabelled": 2}
    assert got["strict_guards_fired"] == []


def test_cleared_screened_a_rejecting_rules_reason_is_as_strong() -> None:
    # harassment 0.3 in the new scan with an unallocated-caller reason is rejected by the
    # rule whatever its score: as strong as the label, not listed
    old = verdict_table(table([(A, "benign", "0.1", "", "[]", "")]), "old")
    new = verdict_table(
        table([(A, "harassment", "0.3", "", reasons("UNALLOCATED_CALLER"), "")]), "new"
    )
    facts = StoreFacts(screened={A: _screener_label(0.99)})
    e = {g["code"]: g for g in compare(align(old, new), store=facts)["guards"]}["CLEARED_SCREENED"][
        "evidence"
    ]
    assert (e["count"], e["replaced_as_strong"]) == (0, 1)


def test_labels() -> None:
    truth = pa.table(
        {
            "number": [A, B, C, D, E, F, G, Z],
            "truth": [
                "fraud",
                "fraud",
                "benign",
                "harassment",
                "benign",
                "fraud",
                "unknown",
                "fraud",
            ],
        }
    )
    got = compare(_aligned(), truth=truth, heavy={D, G, H})
    lab = got["labels"]
    assert (lab["labelled_numbers"], lab["unknown_numbers"], lab["unlabelled_numbers"]) == (6, 1, 1)
    assert lab["bad_numbers_not_scanned"] == 1  # Z
    # Each scan measured on its own numbers, as evaluate measures it (audit 22c: the new
    # scan's recall counted F, which only the old scan lists, as missed).
    # old lists A-F and flags A, B, C, F: right A, B, F; wrong C; missed D
    assert lab["old"] == {
        "measured": 6,
        "flagged": 4,
        "true_positives": 3,
        "false_positives": 1,
        "missed": 1,
        "precision": 0.75,
        "recall": 0.75,
        "recall_all_labelled": 0.6,  # 3 of the 5 bad numbers, Z among them
        "unlabelled_numbers": 0,
        "unknown_numbers": 0,
    }
    # new lists A-E, G, H and flags A, B, D, G: G is unknown (left out), H unlabelled
    # (benign); F is not in the new scan: missed only in recall over every labelled number
    assert lab["new"] == {
        "measured": 6,
        "flagged": 3,
        "true_positives": 3,
        "false_positives": 0,
        "missed": 0,
        "precision": 1.0,
        "recall": 1.0,
        "recall_all_labelled": 0.6,  # 3 of A, B, D, F, Z
        "unlabelled_numbers": 1,
        "unknown_numbers": 1,
    }
    assert lab["newly_flagged"] == {"bad": 1, "benign": 0, "unknown": 1, "unlabelled": 0}
    assert lab["cleared"] == {"bad": 1, "benign": 1, "unknown": 0, "unlabelled": 0}
    heavy = got["guards"][0]["evidence"]
    assert heavy["numbers"] == [D, G]
    assert heavy["labels"] == {"bad": 1, "benign": 0, "unknown": 1, "unlabelled": 0}


@pytest.mark.parametrize(("unlabelled_as", "measured", "fp"), [("benign", 7, 1), ("skip", 5, 0)])
def test_incomplete_labels(unlabelled_as: str, measured: int, fp: int) -> None:
    # D (newly flagged) and H are not in the labels: evaluate's default counts them benign,
    # D a false positive of the new scan; --unlabelled skip leaves both out
    truth = pa.table(
        {
            "number": [A, B, C, E, F, G],
            "truth": ["fraud", "fraud", "benign", "benign"] + ["fraud"] * 2,
        }
    )
    lab = compare(_aligned(), truth=truth, unlabelled_as=unlabelled_as)["labels"]
    assert lab["unlabelled_taken_as"] == unlabelled_as
    new = lab["new"]
    assert (new["measured"], new["flagged"], new["false_positives"]) == (measured, 3 + fp, fp)
    assert new["precision"] == 3 / (3 + fp)
    with pytest.raises(InputError, match="--unlabelled must be"):
        compare(_aligned(), truth=truth, unlabelled_as="none")


def test_a_label_that_is_no_class_is_refused() -> None:
    with pytest.raises(InputError, match="unknown label"):
        compare(_aligned(), truth=pa.table({"number": [A], "truth": ["spam"]}))


@pytest.mark.parametrize(
    ("rows", "columns", "message"),
    [
        ([(A, "benign", "0.1")], ("number", "label"), "no 'score' column"),
        ([(A, "benign", "0.1"), (f" {A}", "fraud", "0.9")], None, "more than once"),
        ([(A, "spam", "0.1")], None, "data row 1 has label 'spam'"),
        ([(A, "benign", "0.1"), (B, "benign", "high")], None, "a score is not a number"),
        ([(A, "benign", "0.1"), (B, "benign", "")], None, "a score is not a number|no score"),
        ([(A, "benign", "0.1"), ("  ", "benign", "0.2")], None, "data row 2 has no number"),
    ],
)
def test_malformed_verdicts(
    rows: list[tuple[str, ...]], columns: tuple[str, ...] | None, message: str
) -> None:
    names = columns or ("number", "label", "score")
    t = pa.table({c: [r[i] for r in rows] for i, c in enumerate(names)})
    with pytest.raises(InputError, match=message):
        verdict_table(t, "--old x/verdicts.csv")


def test_labels_trimmed_and_lowered_and_optional_columns_blank() -> None:
    t = pa.table({"number": [f" {A} "], "label": [" Fraud "], "score": ["0.9"]})
    got = verdict_table(t, "x")
    assert got.to_pylist() == [
        {
            "number": A,
            "written": A,
            "parsed": True,
            "label": "fraud",
            "score": 0.9,
            "category": "",
            "reasons": "",
            "campaign": "",
        }
    ]
