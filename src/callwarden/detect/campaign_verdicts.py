"""Campaign verdicts: a member of a campaign its other numbers condemn is flagged too.

The model judges each number on its own calls; campaign linking says which numbers are one
operation (shared list, hand-overs, one trunk identity, one script). When most of a
campaign's numbers are flagged on their own behaviour, the members the model let pass are
the same operation's numbers with fewer or milder calls: the demo's education operation
(361 numbers, 310 flagged by the model) left 51 members benign at scores 0.30-0.94 under a
0.94 threshold. The stream's campaign index already treats a known member as the campaign's
(``campaign_member``); this is the batch verdict's counterpart, kept deliberately narrower:

- a campaign is *condemned* when at least ``min_flagged`` of its members and at least
  ``min_flagged_share`` of them are flagged (model or hard rules). A campaign that linking
  found but whose numbers the model does not flag changes no label: linking alone groups
  some salesmen too (2 on one of the exploration days);
- a member of a condemned campaign is flagged unless the model scored it on its own calls
  and gave it less than ``own_score_floor``: a number whose own behaviour the model finds
  clearly benign keeps its verdict (a salesman linked into an education campaign by the
  households both dial scored 0.0002). Members the activity cascade did not score (too few
  calls to judge) take the campaign's verdict: rotated numbers with a handful of calls are
  what campaigns are linked to catch;
- a member with spoofed calls (campaign linking's spoofing check: unallocated, asserted
  identity not the displayed number, implausible region) through one ingress and only clean
  calls through another is a real line that an operation also displays: its owner's own
  calls are the clean ones, so the campaign's verdict does not reach it (the decision at call
  time still treats a call whose asserted identity is another number as spoofed). Members
  whose calls all enter through ingresses with spoofed calls (lines only the operation uses;
  a trunk asserting its identity on some calls only) are judged as above;
- the member takes the campaign's most common flagged label (harassment on a tie: the milder,
  for a number with less evidence of its own) at the model's flag threshold as its score,
  which the policy labels when it uses the model's bands (``serve --model``), with reason
  ``campaign_flagged_members`` naming the campaign, how many of its members were flagged and
  the number's own score.

Pure: reads and writes a :class:`ScanResult`'s arrays; no I/O.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from callwarden.campaigns.records import ReasonCode
from callwarden.detect.verdicts import Label, ScanResult
from callwarden.reasons import Reason

#: Reason code of a number flagged for its campaign (wording: ``campaigns.reason_text``).
CAMPAIGN_FLAGGED_MEMBERS = ReasonCode.CAMPAIGN_FLAGGED_MEMBERS.value


@dataclass(frozen=True, slots=True)
class CampaignVerdictConfig:
    """When a campaign's verdict reaches its members (module docstring)."""

    min_flagged: int = 2
    min_flagged_share: float = 0.5
    own_score_floor: float = 0.1


def spoofed_lines(calls: pa.Table, spoofed: pa.Table, numbers: Iterable[str]) -> set[str]:
    """Those of ``numbers`` that are real lines an operation also displays: through some
    ingress every call of theirs in ``calls`` (``call_id``, ``caller``, ``ingress``) is clean,
    through another some are in ``spoofed`` (campaign linking's spoofed calls, by
    ``call_id``). The clean ingress carries the owner's own calls (a mobile's home switch);
    a number whose calls all enter where some are spoofed is the operation's (a trunk that
    asserts its identity on some calls only), and one without an ingress column is not told
    apart."""
    wanted = pa.array(list(numbers), pa.string())
    if not len(wanted) or not spoofed.num_rows or "ingress" not in calls.column_names:
        return set()
    mine = calls.select(["call_id", "caller", "ingress"])
    mine = mine.filter(pc.is_in(mine["caller"].cast(pa.string()), value_set=wanted))
    faked = pc.is_in(mine["call_id"], value_set=spoofed["call_id"].combine_chunks())
    mine = mine.append_column("faked", pc.cast(faked, pa.int64()))
    per = mine.group_by(["caller", "ingress"]).aggregate([("faked", "sum")])
    callers = per["caller"].to_pylist()
    faked_calls = per["faked_sum"].to_pylist()
    clean = {c for c, k in zip(callers, faked_calls, strict=True) if k == 0}
    dirty = {c for c, k in zip(callers, faked_calls, strict=True) if k > 0}
    return clean & dirty


def flag_campaign_members(
    result: ScanResult,
    config: CampaignVerdictConfig = CampaignVerdictConfig(),
    spared: Collection[str] = (),
) -> int:
    """Flag the members of condemned campaigns (module docstring) in place; how many.

    ``result.campaigns`` must be filled (``ScanResult.link_campaigns``); ``spared``: numbers
    the campaign's verdict does not reach (:func:`spoofed_lines`). Vectorised over the linked
    numbers; only the numbers it flags are visited one by one (their reasons).
    """
    linked = np.flatnonzero(result.campaigns != "")
    if not len(linked):
        return 0
    ids, inverse = np.unique(result.campaigns[linked].astype(str), return_inverse=True)
    labels = result.labels[linked]
    flagged = labels != Label.BENIGN.value
    members = np.bincount(inverse, minlength=len(ids))
    n_flagged = np.bincount(inverse, weights=flagged, minlength=len(ids))
    n_fraud = np.bincount(inverse, weights=labels == Label.FRAUD.value, minlength=len(ids))
    condemned = (n_flagged >= config.min_flagged) & (
        n_flagged >= config.min_flagged_share * members
    )
    scored = result.scored[linked] if result.scored is not None else np.ones(len(linked), bool)
    own = result.scores[linked]
    take = condemned[inverse] & ~flagged & (~scored | (own >= config.own_score_floor))
    if spared:
        line = np.isin(result.numbers[linked].astype(str), np.array(list(spared), dtype=str))
        result.meta["campaign_spared_spoofed"] = int((take & line).sum())
        take &= ~line
    if not take.any():
        return 0
    fraud_wins = 2 * n_fraud > n_flagged  # the campaign's most common flagged label
    for k in np.flatnonzero(take):
        row, c = int(linked[k]), int(inverse[k])
        label = Label.FRAUD if fraud_wins[c] else Label.HARASSMENT
        result.labels[row] = label.value
        evidence = {
            "campaign": str(ids[c]),
            "members": int(members[c]),
            "flagged_members": int(n_flagged[c]),
            # the model's own score, or None where the cascade did not score the number
            "own_score": round(float(own[k]), 4) if scored[k] else None,
        }
        # The member was benign: reasons it had (``scan --explain-benign``) say why it was
        # not flagged, and read after this one they would pass for the flag's own.
        result.reasons[row] = [Reason(CAMPAIGN_FLAGGED_MEMBERS, evidence, 0.0, "campaign")]
        result.scores[row] = max(float(own[k]), result.threshold)
    count = int(take.sum())
    result.meta["campaign_flagged"] = count
    return count
