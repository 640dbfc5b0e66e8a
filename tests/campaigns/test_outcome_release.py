"""The online index lets a number go when its own earlier calls look like a business's
(answered and talked through, called back), never a dialer or a short-call human seat."""

from __future__ import annotations

import numpy as np

from callwarden.campaigns.build import CampaignList
from callwarden.campaigns.index import (
    RELEASED_ANSWERED,
    RELEASED_CALLED_BACK,
    CampaignIndex,
    IndexConfig,
    Outcomes,
)
from callwarden.policy.render import reason_text
from callwarden.reasons import Reason

from .conftest import mobile

LIST = [mobile(i) for i in range(200)]
TRUNK = "trunk-ai"

# a courier: 60 deliveries announced, 38 answered and talked through (63 %), 15 of 58
# customers called back after a missed call
COURIER = Outcomes(calls=60, conversations=38, callees=58, called_back=15)
# a clinic: reminders, nearly all answered, few call-backs
CLINIC = Outcomes(calls=80, conversations=64, callees=78, called_back=4)
# a robocall number: a fifth answered, one callee in fifty calls back
ROBOCALL = Outcomes(calls=120, conversations=24, callees=118, called_back=2)
# a human seat: calls answered but cut short (under 10 s), some missed calls returned
SEAT = Outcomes(calls=150, conversations=25, callees=140, called_back=12)
# a seat whose answered calls are long but answered only 40 % of the time, 7 % called back
LONG_SEAT = Outcomes(calls=200, conversations=80, callees=190, called_back=14)


def _index(history: dict[str, Outcomes], config: IndexConfig | None = None) -> CampaignIndex:
    callees = np.array([int(n[1:]) for n in LIST], dtype=np.int64)
    cl = CampaignList(
        "C1", (TRUNK,), callees, ("+8607318000001",), ("+864001234567",), (1.0,), (0.0,)
    )
    index = CampaignIndex(config, outcomes_of=lambda number, t: history.get(number))
    index.add_campaign(cl)
    return index


def _dial(index: CampaignIndex, caller: str, n: int, t0: float = 0.0) -> list[object]:
    return [index.observe(caller, LIST[i], TRUNK, t=t0 + 20.0 * i) for i in range(n)]


def test_courier_like_history_is_not_flagged() -> None:
    courier = "+8618152889010"
    index = _index({courier: COURIER})
    assert not any(_dial(index, courier, 6))
    assert index.campaign_of(courier) is None
    reason = index.releases[courier]
    assert reason.code == RELEASED_CALLED_BACK
    assert reason.evidence["called_back"] == 15 and reason.evidence["campaign"] == "C1"
    assert index.stats()["spared_on_outcomes"] >= 1


def test_well_answered_history_is_not_flagged_without_call_backs() -> None:
    clinic = "+867314571831"
    index = _index({clinic: CLINIC})
    assert not any(_dial(index, clinic, 4))
    assert index.releases[clinic].code == RELEASED_ANSWERED


def test_robocall_and_short_call_seat_are_flagged() -> None:
    robo, seat, long_seat = "+8617100000001", "+8617100000002", "+8617100000003"
    index = _index({robo: ROBOCALL, seat: SEAT, long_seat: LONG_SEAT})
    for number in (robo, seat, long_seat):
        assert any(_dial(index, number, 3)), number
        assert index.campaign_of(number) == "C1"
    assert not index.releases


def test_too_few_calls_are_no_evidence() -> None:
    new = "+8617100000004"
    few = Outcomes(calls=12, conversations=12, callees=12, called_back=6)
    index = _index({new: few})
    assert any(_dial(index, new, 3))


def test_a_number_flagged_online_is_released_once_its_outcomes_arrive() -> None:
    courier = "+8618152889011"
    history: dict[str, Outcomes] = {}
    index = _index(history)
    assert any(_dial(index, courier, 2))  # no completed call yet: flagged
    assert index.observe(courier, mobile(9000), TRUNK, t=100.0) is not None  # a member
    history[courier] = COURIER  # its calls ended: answered, called back
    assert index.observe(courier, mobile(9001), TRUNK, t=4000.0) is None
    assert index.campaign_of(courier) is None
    assert index.stats()["released_on_outcomes"] == 1
    history[courier] = ROBOCALL  # and a number whose outcomes turn is flagged again
    assert any(_dial(index, courier, 3, t0=8000.0))


def test_a_call_with_the_campaigns_asserted_identity_is_never_released() -> None:
    number = "+8618152889012"
    index = _index({number: COURIER})
    flag = index.observe(number, mobile(5000), TRUNK, asserted="+864001234567", t=0.0)
    assert flag is not None
    member = index.observe(number, mobile(5001), TRUNK, asserted="+864001234567", t=30.0)
    assert member is not None


def test_without_outcomes_or_switched_off_nothing_is_released() -> None:
    courier = "+8618152889013"
    assert any(_dial(_index({}), courier, 3))
    index = _index({courier: COURIER}, IndexConfig(release_on_outcomes=False))
    assert any(_dial(index, courier, 3))


def test_release_reasons_render_in_both_languages() -> None:
    for code in (RELEASED_ANSWERED, RELEASED_CALLED_BACK):
        ev = {"calls": 60, "conversations": 38, "callees": 58, "called_back": 15, "campaign": "C1"}
        zh, en = reason_text(Reason(code, ev))
        assert "60" in zh and "C1" in zh and "60" in en and "C1" in en, (zh, en)
        assert "{" not in zh + en


def test_a_member_from_a_batch_build_is_released_too_and_stops_teaching_the_list() -> None:
    member = "+8607318000001"  # the campaign's member in ``_index``
    history: dict[str, Outcomes] = {}
    index = _index(history)
    assert index.observe(member, mobile(7000), TRUNK, t=0.0) is not None
    history[member] = CLINIC
    assert index.observe(member, mobile(7001), TRUNK, t=60.0) is None
    assert index.campaign_of(member) is None
    assert int(mobile(7001)[1:]) not in index._callee[TRUNK]
