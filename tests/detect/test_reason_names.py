"""A carrier table's column named like ``calls_by_month`` keeps its name in its reason
(audit B: it was read as a CDR feature of entity "month", so the code claimed an ingress,
HIGH_INGRESS_CALLS, and the text said "high calls: 46", the "by month" gone; likewise
``sms_by_caller_hour`` read "high sms")."""

from __future__ import annotations

import numpy as np

from callwarden.detect.reasons import Direction, code_for, family_of, top_reasons
from callwarden.reasons import render


def test_cdr_feature_names_split_as_before() -> None:
    assert family_of("answer_rate_by_caller_1d") == ("answer_rate", "caller", "1d")
    assert family_of("attest_c_share_by_ingress_7d") == ("attest_c_share", "ingress", "7d")
    assert code_for("attest_c_share_by_ingress_1h", Direction.HIGH) == "HIGH_INGRESS_ATTEST_C_SHARE"
    assert code_for("attempts_by_caller_1h", Direction.HIGH) == "HIGH_ATTEMPTS"


def test_other_names_with_by_are_kept_whole() -> None:
    names = ("calls_by_month", "sms_by_caller_hour")
    assert [family_of(n) for n in names] == [(n, None, None) for n in names]
    X = np.array([[46.0, 5.0]])
    (reasons,) = top_reasons(np.array([[2.0, 1.0]]), X, names, {n: 3.0 for n in names})
    assert [r.code for r in reasons] == ["HIGH_CALLS_BY_MONTH", "HIGH_SMS_BY_CALLER_HOUR"]
    assert render(reasons[0], "en") == "high calls by month: 46 (benign median 3)"
    assert render(reasons[1], "zh") == "sms_by_caller_hour偏高：5（正常号码中位数 3）"


def test_a_missing_feature_value_reads_as_no_data_not_none() -> None:
    """A ratio over no calls has no value and can still weigh in the model (docs audit: scan
    printed '当日呼入呼出比异常：None（正常号码中位数 1）')."""
    name = "in_out_ratio_by_caller_1d"
    X = np.array([[np.nan]])
    (reasons,) = top_reasons(np.array([[0.7]]), X, (name,), {name: 1.0})
    (r,) = reasons
    assert r.code == "UNUSUAL_IN_OUT_RATIO" and r.evidence[name] is None
    zh, en = render(r, "zh"), render(r, "en")
    # (what no value means for this ratio: nothing received; audit 3, item 13a)
    assert zh == "当日呼入呼出比异常：当日未接到来电（正常号码中位数 1）"
    assert en.startswith("unusual received/placed ratio") and en.endswith(
        ": received no calls that day (benign median 1)"
    )
    assert "None" not in zh + en
    other = "calls_per_callee_by_caller_1d"  # a feature without such words: 'no data'
    (reasons,) = top_reasons(np.array([[0.7]]), X, (other,), {other: 1.0})
    assert render(reasons[0], "en").endswith(": no data (benign median 1)")
    assert "：无数据（" in render(reasons[0], "zh")
