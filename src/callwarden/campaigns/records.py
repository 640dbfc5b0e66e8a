"""Domain values of campaign intelligence: reasons, members, campaigns and findings.

A campaign is the set of caller IDs that one operation uses, linked by what outlives each
caller ID (its ingress, its callee list, its timing, its script). Every campaign and every
flag carries reasons as stable codes with their evidence; text is rendered at the edge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from callwarden.reasons import Reason


class ReasonCode(StrEnum):
    """Stable codes for why numbers were linked, flagged or judged."""

    SHARED_CALLEES = "shared_callees"  # numbers dialled the same callees through one ingress
    SHARED_LIST_RANGES = "shared_list_ranges"  # ... the same blocks of a sequential list
    SYNCHRONISED_TIMING = "synchronised_timing"  # one number takes over as the other stops
    SHARED_SCRIPT = "shared_script"  # transcripts play one script
    SHARED_AUDIO = "shared_audio"  # recordings share an audio fingerprint
    SHARED_ASSERTED_IDENTITY = "shared_asserted_identity"  # one PAI under many displayed numbers
    ROTATION_POOL = "rotation_pool"  # many young numbers, one list, one ingress
    UNALLOCATED_CALLEES = "unallocated_callees"  # the list holds dead numbers (cause 1)
    LOW_ANSWER_RATE = "low_answer_rate"
    CAMPAIGN_LIST_MATCH = "campaign_list_match"  # a fresh number dials a known campaign list
    CAMPAIGN_MEMBER = "campaign_member"  # the number is a known member of a campaign
    # scan: flagged because most of its campaign's numbers are (detect.campaign_verdicts)
    CAMPAIGN_FLAGGED_MEMBERS = "campaign_flagged_members"
    BRIDGED_CALLBACK = "bridged_callback"  # 双向回呼: platform rings the agent, then the customer
    REGISTERED_BRIDGE = "registered_bridge"  # a registered AXB privacy-number platform
    SPOOF_UNALLOCATED = "spoof_unallocated"  # the displayed number is not allocated (空号)
    SPOOF_ASSERTED_MISMATCH = "spoof_asserted_mismatch"  # displayed differs from asserted
    SPOOF_REGION_IMPLAUSIBLE = "spoof_region_implausible"  # displayed region vs ingress
    # a domestic number on a call through an international gateway, its owner not roaming
    SPOOF_INTERNATIONAL_DOMESTIC = "spoof_international_domestic"


class CampaignStatus(StrEnum):
    """Where a campaign stands: active while its numbers keep calling."""

    ACTIVE = "active"  # a member called in the last ``active_window`` of the data
    DORMANT = "dormant"  # no member called recently


@dataclass(frozen=True, slots=True)
class CampaignMember:
    """One caller ID of a campaign, as seen in the data."""

    number: str
    first_seen: datetime
    last_seen: datetime
    calls: int


@dataclass(frozen=True, slots=True)
class Campaign:
    """One operation's campaign: its numbers and what links them."""

    campaign_id: str
    members: tuple[CampaignMember, ...]
    ingresses: tuple[str, ...]
    callee_signature: str  # MinHash of the callee list, hex; stable across runs on same data
    script_signature: str  # the script cluster its transcripts fall into ('' when none)
    category: str  # from the script classifier when one is given ('' when unknown)
    daily_volume: float  # calls per day over the data's span
    answer_rate: float
    list_size: int  # distinct callees
    complaint_count: int
    status: CampaignStatus
    reasons: tuple[Reason, ...]

    @property
    def numbers(self) -> tuple[str, ...]:
        return tuple(m.number for m in self.members)


@dataclass(frozen=True, slots=True)
class CampaignFlag:
    """The online index's answer for one call: which campaign, and why."""

    campaign_id: str
    reason: Reason
