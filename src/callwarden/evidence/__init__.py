"""Case files for regulators: one number or one campaign, with every reason in Chinese and
English, the calls behind it, community reports and appeals, and a sha256 fingerprint.

:mod:`.assemble` and :mod:`.html` are pure (values in, a dict or a page out);
:mod:`.sources` reads the scan's output folder, the CDRs and the store (docs/evidence.md).
"""

from __future__ import annotations

from callwarden.evidence.assemble import (
    CASE_FILE_VERSION,
    CaseNotFoundError,
    campaign_case,
    fingerprint,
    number_case,
    to_json,
    verify,
)
from callwarden.evidence.html import PAGE_POLICY, render_html

__all__ = [
    "CASE_FILE_VERSION",
    "PAGE_POLICY",
    "CaseNotFoundError",
    "campaign_case",
    "fingerprint",
    "number_case",
    "render_html",
    "to_json",
    "verify",
]
