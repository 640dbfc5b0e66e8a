"""The stream engine applies a country-wide block-list entry (``+44*``) like any other: both
paths match a prefix of a country calling code's length, not only 4 digits and more."""

from __future__ import annotations

from callwarden.policy import Action, PatternSet, SubscriberPolicy
from callwarden.store.io import PatternUse, pattern
from callwarden.stream import StreamEngine

from .test_audit_fixes import ALICE, BOB, _batch

UK, US, CHINA = "+447911123456", "+12024561111", "+8617012345678"


def test_a_country_block_declines_that_countrys_calls_on_both_paths() -> None:
    block = PatternSet.of([pattern("+44*", PatternUse.BLOCK), pattern("+1*", PatternUse.BLOCK)])
    eng = StreamEngine(None, policies={ALICE: SubscriberPolicy(ALICE, block=block)})
    rows = [
        dict(caller=UK, callee=ALICE, t=100),
        dict(caller=US, callee=ALICE, t=101),
        dict(caller=CHINA, callee=ALICE, t=102),
        dict(caller=UK, callee=BOB, t=103),
    ]
    assert _batch(eng, rows) == ["reject", "reject", "allow", "allow"]
    assert [eng.decide(r["caller"], r["callee"]).sip_code for r in rows] == [603, 603, None, None]
    assert eng.decide(CHINA, ALICE).action is Action.ALLOW
