"""A second way for an import's campaign to keep a stored campaign's id: the same ingresses
and an asserted identity in common, seen on consecutive scan days.

``scan`` names a campaign by its day's callee list, so one operation gets a new id each day,
and the store keeps the stored id when at least half of the new campaign's members are
already the stored campaign's (``campaign_continuity.CAMPAIGN_CONTINUES``). An operation
that renews most of its numbers daily fails that rule (on the four-day audit 31-41 % of the
largest operation's day-(d+1) campaign were the day-d campaign's members: 38/123, 47/130, 36/88;
36-41 % of the smaller of the two) though it enters by the same trunks and its calls carry the same asserted identity (PAI) every day. Hence: a new
campaign whose set of ingresses equals a stored campaign's, and which shares with it an
asserted identity that the campaign's own calls carry (``scan``'s campaigns.csv
``asserted``: at least ``LinkConfig.exclusive_asserted_share``, 80 %, of that identity's
calls), continues that campaign, when

* the stored traits are of the import's scan day or the day before (continuity in time: a
  campaign last seen 200 days ago, or an import without a scan day, continues nothing
  this way);
* neither has another such match in the import (two candidates: none is taken);
* no other stored campaign holds 2 or more of the new campaign's members (member evidence
  pointing elsewhere wins, from the member rule's own minimum, ``CAMPAIGN_MIN_SHARED``: one
  stray number says nothing about the operation).

Both traits must hold: one vendor's trunks serve several operations. A platform resold from
one day to the next (same trunks, same PAI, another merchant) is still one campaign here:
the carrier's trunk customer is the same party. Pure: values in, values out (the store
reads and writes the traits, ``store.traits_db``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

#: The reason codes of a continued campaign (audit entry ``campaign_continued``, ``reason``).
SHARED_MEMBERS = "shared_members"
SAME_INGRESSES_AND_ASSERTED_IDENTITY = "same_ingresses_and_asserted_identity"

#: Why traits that match did not continue a campaign (the import's audit entry,
#: ``traits_refused``): no scan day to compare, the stored traits older than the day before,
#: several candidates, members in another stored campaign.
NO_SCAN_DAY = "no_scan_day"
TRAITS_NOT_RECENT = "traits_not_recent"
AMBIGUOUS = "ambiguous"
MEMBERS_ELSEWHERE = "members_in_another_campaign"

#: The API's bounds, which campaigns.csv's rows are held to as well.
MAX_ITEMS = 100
MAX_ITEM_CHARS = 200
#: Text a spreadsheet reads as a formula (the ingest rule, ``cdr.parse.UNSAFE_TEXT``).
_FORMULA = re.compile(r'^[=@]|^[-+].*[(|!&" ]')


def item_problem(text: str) -> str | None:
    """Why an ingress or asserted identity (already stripped) is refused, or None: blank,
    longer than ``MAX_ITEM_CHARS``, a character not printable (control, bidi, NUL), a ``;``
    (the store joins them) or formula-looking text."""
    if not text:
        return "must be non-blank"
    if len(text) > MAX_ITEM_CHARS:
        return f"must be at most {MAX_ITEM_CHARS} characters"
    if not text.isprintable():
        bad = next(c for c in text if not c.isprintable())
        return f"must hold printable characters only (found U+{ord(bad):04X})"
    if ";" in text:
        return "must hold no ';'"
    if _FORMULA.search(text):
        return 'must not read as a spreadsheet formula (= or @ first, or + or - with ( | ! & " or space)'
    return None


@dataclass(frozen=True)
class CampaignTraits:
    """A campaign's ingresses and the asserted identities its members' calls carry."""

    ingresses: frozenset[str] = field(default_factory=frozenset)
    asserted: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def parse(cls, ingresses: str, asserted: str) -> CampaignTraits:
        """From ``;``-joined lists (campaigns.csv, the store's columns)."""
        return cls(
            frozenset(i for i in (s.strip() for s in ingresses.split(";")) if i),
            frozenset(a for a in (s.strip() for s in asserted.split(";")) if a),
        )

    def problem(self) -> str | None:
        """Why these traits break the API's bounds (``item_problem``, ``MAX_ITEMS``)."""
        for name, items in (("ingresses", self.ingresses), ("asserted", self.asserted)):
            if len(items) > MAX_ITEMS:
                return f"{name}: more than {MAX_ITEMS} items"
            for i in sorted(items):
                if (why := item_problem(i)) is not None:
                    return f"{name}: {why}"
        return None

    def joined(self) -> tuple[str, str]:
        """The two ``;``-joined lists, sorted (the store's columns)."""
        return ";".join(sorted(self.ingresses)), ";".join(sorted(self.asserted))

    @property
    def usable(self) -> bool:
        return bool(self.ingresses) and bool(self.asserted)


@dataclass(frozen=True)
class StoredTraits:
    """A stored campaign's traits and the scan day of the import they came from ("" when
    none: recorded before revision 0011, never continued)."""

    traits: CampaignTraits
    scan_day: str


@dataclass(frozen=True)
class TraitMatch:
    """An import's campaign ``alias`` matched to the stored ``campaign``, with the evidence."""

    alias: str
    campaign: str
    ingresses: tuple[str, ...]
    asserted: tuple[str, ...]  # the identities both carry
    scan_day: str  # of the stored traits

    def evidence(self) -> dict[str, Any]:
        return {
            "ingresses": list(self.ingresses),
            "asserted": list(self.asserted),
            "traits_scan_day": self.scan_day,
        }


@dataclass(frozen=True)
class Refusal:
    """Traits of ``alias`` matched ``campaign``'s, but did not continue it: ``reason`` (a code
    above) with its ``evidence``."""

    alias: str
    campaign: str
    reason: str
    evidence: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "alias": self.alias,
            "campaign": self.campaign,
            "reason": self.reason,
            "evidence": dict(self.evidence),
        }


def _matches(new: CampaignTraits, old: CampaignTraits) -> bool:
    return (
        new.usable
        and old.usable
        and new.ingresses == old.ingresses
        and bool(new.asserted & old.asserted)
    )


def recent(stored_day: str, scan_day: str) -> bool:
    """Traits of ``stored_day`` may continue a campaign of ``scan_day``: the same day or the
    day before (both YYYY-MM-DD; "" never)."""
    if not stored_day or not scan_day:
        return False
    return stored_day in (scan_day, str(date.fromisoformat(scan_day) - timedelta(days=1)))


def match_by_traits(
    fresh: Mapping[str, CampaignTraits],
    stored: Mapping[str, StoredTraits],
    scan_day: str,
    elsewhere: Mapping[str, Mapping[str, int]] | None = None,
) -> tuple[dict[str, TraitMatch], list[Refusal]]:
    """The import's campaigns (``fresh``: id -> traits, those no other rule continued) that
    continue a stored campaign (``stored``: the live stored campaigns still free to
    continue), by alias, and the matches refused. A pair continues when its stored traits
    are ``recent`` for the import's ``scan_day``, it is the only recent pair of both, and
    the alias has no member in another stored campaign (``elsewhere``: alias -> stored
    campaign -> members shared; the store passes only counts of ``CAMPAIGN_MIN_SHARED``
    or more)."""
    # Indexed by ingress set (a match needs the same set): linear in the campaigns, where
    # every pair cost 78 s under the import lock at 10,000 x 10,000.
    by_ingresses: dict[frozenset[str], list[str]] = {}
    for c, s in stored.items():
        if s.traits.usable:
            by_ingresses.setdefault(s.traits.ingresses, []).append(c)
    pairs = sorted(
        (a, c)
        for a, t in fresh.items()
        if t.usable
        for c in by_ingresses.get(t.ingresses, ())
        if _matches(t, stored[c].traits)
    )
    refused: list[Refusal] = []
    timely = []
    for a, c in pairs:
        day = stored[c].scan_day
        if recent(day, scan_day):
            timely.append((a, c))
        else:
            code = NO_SCAN_DAY if not scan_day else TRAITS_NOT_RECENT
            refused.append(Refusal(a, c, code, {"scan_day": scan_day, "traits_scan_day": day}))
    per_alias: dict[str, int] = {}
    per_campaign: dict[str, int] = {}
    for a, c in timely:
        per_alias[a] = per_alias.get(a, 0) + 1
        per_campaign[c] = per_campaign.get(c, 0) + 1
    out: dict[str, TraitMatch] = {}
    for a, c in timely:
        if per_alias[a] > 1 or per_campaign[c] > 1:
            refused.append(
                Refusal(a, c, AMBIGUOUS, {"candidates": per_alias[a], "claimants": per_campaign[c]})
            )
            continue
        other = {k: n for k, n in (elsewhere or {}).get(a, {}).items() if k != c and n}
        if other:
            refused.append(
                Refusal(a, c, MEMBERS_ELSEWHERE, {"shared": dict(sorted(other.items()))})
            )
            continue
        out[a] = TraitMatch(
            a,
            c,
            tuple(sorted(fresh[a].ingresses)),
            tuple(sorted(fresh[a].asserted & stored[c].traits.asserted)),
            stored[c].scan_day,
        )
    return out, refused


def keep_stored(new: CampaignTraits, new_day: str, old: StoredTraits | None) -> bool:
    """Whether the stored traits stay over an import's: the import has no scan day, or an
    older one than the stored traits', or its traits are unusable (an old scan folder
    without ``asserted``) where the stored ones are usable."""
    if not new_day:
        return True
    if old is None:
        return False
    if old.scan_day and new_day < old.scan_day:
        return True
    return not new.usable and old.traits.usable
