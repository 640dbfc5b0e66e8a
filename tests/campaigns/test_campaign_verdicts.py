"""Campaign verdicts in scan (detect.campaign_verdicts): the members of a campaign that its
other numbers condemn are flagged, within the limits the module states."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from callwarden.detect.campaign_verdicts import (
    CAMPAIGN_FLAGGED_MEMBERS,
    CampaignVerdictConfig,
    flag_campaign_members,
)
from callwarden.detect.reasons import Reason
from callwarden.detect.verdicts import ScanResult, filled
from callwarden.reasons import render

from .conftest import Day, campaign, ordinary

T = 0.94  # the model's flag threshold in these cases


def _result(
    labels: list[str],
    scores: list[float],
    campaigns: list[str],
    scored: list[bool] | None = None,
) -> ScanResult:
    n = len(labels)
    reasons: list[list[Reason]] = [
        [Reason("HIGH_ATTEMPTS", {"attempts_by_caller_1d": 90}, 1.0, "model")]
        if lab != "benign"
        else []
        for lab in labels
    ]
    return ScanResult(
        numbers=np.array([f"+86138000000{i:02d}" for i in range(n)], dtype=object),
        labels=np.array(labels, dtype=object),
        scores=np.array(scores, dtype=float),
        categories=filled(n, ""),
        reasons=reasons,
        campaigns=np.array(campaigns, dtype=object),
        threshold=T,
        scored=None if scored is None else np.array(scored, dtype=bool),
    )


def test_members_of_a_condemned_campaign_are_flagged_at_the_threshold() -> None:
    r = _result(
        ["harassment", "harassment", "benign", "benign", "benign"],
        [0.99, 0.97, 0.62, 0.0, 0.3],
        ["C1", "C1", "C1", "C1", ""],
        scored=[True, True, True, False, True],
    )
    assert flag_campaign_members(r) == 2
    assert list(r.labels) == ["harassment"] * 4 + ["benign"]
    # the model's own score where it is higher, else the threshold: the policy's label band
    assert r.scores[2] == T and r.scores[3] == T and r.scores[0] == 0.99
    code = r.reasons[2][0]
    assert code.code == CAMPAIGN_FLAGGED_MEMBERS
    assert dict(code.evidence) == {
        "campaign": "C1",
        "members": 4,
        "flagged_members": 2,
        "own_score": 0.62,
    }
    assert r.reasons[3][0].evidence["own_score"] is None  # not scored by the model
    assert r.reasons[4] == []  # not linked: untouched
    assert r.meta["campaign_flagged"] == 2
    # the model's flags keep their own reasons, first
    assert r.reasons[0][0].code == "HIGH_ATTEMPTS"


def test_a_member_the_model_finds_clearly_benign_keeps_its_verdict() -> None:
    # a salesman linked by the households both dial: scored on his own calls, 0.0002
    r = _result(
        ["harassment", "harassment", "harassment", "benign"],
        [0.99, 0.99, 0.99, 0.0002],
        ["C1"] * 4,
        scored=[True] * 4,
    )
    assert flag_campaign_members(r) == 0
    assert r.labels[3] == "benign" and r.reasons[3] == []
    # the same number unscored (too few calls to judge) takes its campaign's verdict
    r = _result(
        ["harassment", "harassment", "harassment", "benign"],
        [0.99, 0.99, 0.99, 0.0],
        ["C1"] * 4,
        scored=[True, True, True, False],
    )
    assert flag_campaign_members(r) == 1


def test_campaigns_short_of_two_or_half_flagged_change_nothing() -> None:
    one = _result(["harassment", "benign", "benign"], [0.99, 0.5, 0.5], ["C1"] * 3)
    assert flag_campaign_members(one) == 0  # 1 flagged: fewer than 2
    few = _result(
        ["harassment", "harassment", "benign", "benign", "benign"],
        [0.99, 0.99, 0.5, 0.5, 0.5],
        ["C2"] * 5,
    )
    assert flag_campaign_members(few) == 0  # 2 of 5: under half
    assert list(few.labels).count("benign") == 3
    none = _result(["benign", "benign"], [0.5, 0.5], ["C3", "C3"])
    assert flag_campaign_members(none) == 0  # linking alone labels nobody
    # exactly half is enough
    half = _result(
        ["harassment", "harassment", "benign", "benign"], [0.99, 0.99, 0.5, 0.5], ["C4"] * 4
    )
    assert flag_campaign_members(half) == 2


def test_campaigns_are_judged_apart_and_take_their_most_common_label() -> None:
    r = _result(
        ["fraud", "fraud", "harassment", "benign", "harassment", "harassment", "benign"],
        [0.99, 0.99, 0.99, 0.5, 0.99, 0.99, 0.02],
        ["A", "A", "A", "A", "B", "B", "B"],
    )
    assert flag_campaign_members(r) == 1  # B's member is below the floor
    assert r.labels[3] == "fraud" and r.labels[6] == "benign"
    tie = _result(["fraud", "harassment", "benign"], [0.99, 0.99, 0.5], ["A"] * 3)
    flag_campaign_members(tie)
    assert tie.labels[2] == "harassment"  # a tie: the milder label, for less evidence


def test_the_floor_and_shares_are_configurable() -> None:
    r = _result(["harassment", "harassment", "benign"], [0.99, 0.99, 0.05], ["C1"] * 3)
    assert flag_campaign_members(r, CampaignVerdictConfig(own_score_floor=0.01)) == 1
    r = _result(["harassment", "benign", "benign"], [0.99, 0.5, 0.5], ["C1"] * 3)
    assert flag_campaign_members(r, CampaignVerdictConfig(min_flagged=1, min_flagged_share=0.3))


def test_the_reason_reads_in_both_languages() -> None:
    reason = Reason(
        CAMPAIGN_FLAGGED_MEMBERS,
        {"campaign": "C56de0e33", "members": 361, "flagged_members": 310, "own_score": 0.39},
    )
    zh, en = render(reason, "zh"), render(reason, "en")
    assert "C56de0e33" in zh and "310" in zh and "361" in zh and "0.39" in zh
    assert en == (
        "member of campaign C56de0e33, 310 of whose 361 numbers are flagged (its own score 0.39)"
    )
    unscored = Reason(reason.code, {**reason.evidence, "own_score": None})
    assert "模型未评分" in render(unscored, "zh")
    assert render(unscored, "en").endswith("(too few calls of its own to be scored)")


def test_a_real_line_the_campaign_also_displays_is_spared() -> None:
    import pyarrow as pa

    from callwarden.detect.campaign_verdicts import spoofed_lines

    # +8613800000002: its owner's call on the home switch, 3 spoofed ones on the trunk (a
    # real line the operation displays); ...03: every call spoofed; ...04: one trunk, some
    # calls spoofed (a trunk asserting its identity on some calls only: the operation's own)
    a, b, c = "+8613800000002", "+8613800000003", "+8613800000004"
    calls = pa.table(
        {
            "call_id": [f"k{i}" for i in range(10)],
            "caller": [a, a, a, a, b, b, c, c, c, c],
            "ingress": ["MSC-1"] + ["TRUNK"] * 9,
        }
    )
    spoofed = pa.table({"call_id": ["k1", "k2", "k3", "k4", "k5", "k6"]})
    lines = spoofed_lines(calls, spoofed, [a, b, c])
    assert lines == {a}
    assert spoofed_lines(calls, spoofed.slice(0, 0), [a]) == set()
    assert spoofed_lines(calls, spoofed, []) == set()
    assert spoofed_lines(calls.drop_columns(["ingress"]), spoofed, [a]) == set()

    r = _result(
        ["harassment", "harassment", "benign", "benign"], [0.99, 0.99, 0.6, 0.6], ["C1"] * 4
    )
    assert flag_campaign_members(r, spared=lines) == 1
    assert r.labels[2] == "benign" and r.labels[3] == "harassment"
    assert r.meta["campaign_spared_spoofed"] == 1


def test_a_flagged_score_is_never_written_below_the_threshold() -> None:
    r = _result(["harassment", "benign"], [0.9400004, 0.9400004], ["", ""])
    r.threshold = 0.9400003  # rounding to 6 decimals would write 0.94, under it
    written = r.written_scores()
    assert written[0] >= r.threshold and written[0] == 0.940001
    assert written[1] == 0.94  # a benign score is only rounded
    assert r.to_arrow()["score"][0].as_py() >= r.threshold


def test_scan_hook_flags_the_members_and_can_be_turned_off(tmp_path: Path) -> None:
    from callwarden.cli.campaigns import scan_hook

    day = Day()
    people = ordinary(day)
    pool = campaign(
        day, list_start=0, list_len=600, numbers=12, calls_per_number=10, ingress="trunk-ai"
    )
    pq.write_table(day.table(), tmp_path / "cdrs.parquet")

    def scan() -> ScanResult:
        n = len(pool) + len(people)
        labels = filled(n, "benign")
        labels[:8] = "harassment"  # the model flagged 8 of the 12 rotated numbers
        scores = np.zeros(n)
        scores[:8], scores[8:12] = 0.99, 0.6
        return ScanResult(
            numbers=np.array(pool + people, dtype=object),
            labels=labels,
            scores=scores,
            categories=filled(n, ""),
            reasons=[[] for _ in range(n)],
            campaigns=filled(n, ""),
            threshold=T,
        )

    on = scan()
    summary = scan_hook(on, tmp_path, tmp_path / "on")
    assert summary["members_flagged"] == 4
    assert list(on.labels[:12]) == ["harassment"] * 12
    assert set(on.labels[12:]) == {"benign"}  # ordinary subscribers are in no campaign
    assert json.loads(json.dumps(on.reasons[9][0].to_dict()))["code"] == CAMPAIGN_FLAGGED_MEMBERS

    off = scan()
    summary = scan_hook(off, tmp_path, tmp_path / "off", member_verdicts=False)
    assert summary["members_flagged"] == 0
    assert list(off.labels[8:12]) == ["benign"] * 4


def test_a_member_flagged_for_its_campaign_carries_no_benign_reasons() -> None:
    # scan --explain-benign gives benign numbers the reasons they were *not* flagged; kept
    # after the campaign's reason they read as the flag's own (session 23's audit: /v1/decide
    # showed "当日与被叫有过往联系占比偏低" under campaign_flagged_members)
    r = _result(["harassment", "harassment", "benign"], [0.99, 0.97, 0.62], ["C1", "C1", "C1"])
    r.reasons[2] = [
        Reason("BELOW_FLAG_THRESHOLD", {"score": 0.62, "threshold": T}, 0.0, "model"),
        Reason("HIGH_PRIOR_CONTACT_SHARE", {"prior_contact_share_by_caller_1d": 0.8}, 0.4, "model"),
    ]
    assert flag_campaign_members(r) == 1
    assert [x.code for x in r.reasons[2]] == [CAMPAIGN_FLAGGED_MEMBERS]
