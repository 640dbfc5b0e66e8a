"""Campaign intelligence: link rotating caller IDs into campaigns; bridging and spoofing.

Public API (names load lazily, so importing the package stays cheap)::

    build_campaigns(cdrs, allocated=..., scripts=..., config=...) -> CampaignResult   # batch
    CampaignIndex(config).load(result); index.observe(caller, callee, ingress, asserted, t)
    evaluate_campaigns(train_cdrs, test_cdrs, test_labels, ...) -> dict               # figures
    script_clusters(transcripts) -> pa.Table                                          # seam

See ``docs/campaigns.md`` for the signals, the thresholds and the measured figures.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .bridging import BridgeConfig
    from .build import CampaignConfig, CampaignList, CampaignResult, build_campaigns
    from .evaluation import evaluate_campaigns, replay_fresh_numbers
    from .index import CampaignIndex, IndexConfig
    from .linking import LinkConfig
    from .records import Campaign, CampaignFlag, CampaignMember, CampaignStatus, Reason, ReasonCode
    from .scripts import fingerprint_clusters, script_clusters
    from .spoofing import SpoofConfig

_WHERE = {
    "BridgeConfig": "bridging",
    "CampaignConfig": "build",
    "CampaignList": "build",
    "CampaignResult": "build",
    "build_campaigns": "build",
    "evaluate_campaigns": "evaluation",
    "replay_fresh_numbers": "evaluation",
    "CampaignIndex": "index",
    "IndexConfig": "index",
    "LinkConfig": "linking",
    "Campaign": "records",
    "CampaignFlag": "records",
    "CampaignMember": "records",
    "CampaignStatus": "records",
    "Reason": "records",
    "ReasonCode": "records",
    "fingerprint_clusters": "scripts",
    "script_clusters": "scripts",
    "SpoofConfig": "spoofing",
}

__all__ = [
    "BridgeConfig",
    "Campaign",
    "CampaignConfig",
    "CampaignFlag",
    "CampaignIndex",
    "CampaignList",
    "CampaignMember",
    "CampaignResult",
    "CampaignStatus",
    "IndexConfig",
    "LinkConfig",
    "Reason",
    "ReasonCode",
    "SpoofConfig",
    "build_campaigns",
    "evaluate_campaigns",
    "fingerprint_clusters",
    "replay_fresh_numbers",
    "script_clusters",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(name)
