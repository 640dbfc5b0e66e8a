"""Verdicts as the store keeps them: reasons as JSON text (read back tolerantly), the plain
row serve's verdict cache starts from, and a verdict as the row written for it."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from callwarden.policy import Reason, Verdict

log = logging.getLogger(__name__)


def reasons_json(reasons: Iterable[Reason]) -> str:
    return json.dumps(
        [{"code": r.code, "evidence": r.evidence} for r in reasons], ensure_ascii=False
    )


#: the reason that stands in for a stored reasons cell that cannot be read back
UNREADABLE_REASONS = "unreadable_reasons"


def reasons_from_json(text: str) -> tuple[Reason, ...]:
    """Stored reasons back as values. A damaged cell (not JSON, not a list of objects, or
    nested too deep for the decoder, as rows written before evidence was bounded can be)
    reads as one ``unreadable_reasons`` reason: one row must not keep the verdict cache,
    and so the server, from loading."""
    if not text or text == "[]":  # most stored verdicts (benign ones) have none: no decoder
        return ()
    try:
        items = json.loads(text)
        if not isinstance(items, list):
            raise TypeError(f"a {type(items).__name__}, not a list")
        return tuple(Reason.from_dict(r) for r in items)
    except (ValueError, TypeError, AttributeError, RecursionError) as exc:
        log.warning("stored reasons cannot be read (%s); shown as %s", exc, UNREADABLE_REASONS)
        return (Reason(UNREADABLE_REASONS, {"error": type(exc).__name__}),)


def reasons_list_from_json(text: str) -> list[dict[str, Any]]:
    """Stored reasons as JSON objects (``code``, ``evidence``), read as tolerantly."""
    return [{"code": r.code, "evidence": r.evidence} for r in reasons_from_json(text)]


#: A stored verdict as the cache reads it: number, label, score, category, reasons (JSON
#: text), campaign, source, protected (``VerdictStore.verdict_rows``).
VerdictRow = tuple[str, str, float, str, str, str, str, bool]


def verdict_from_tuple(t: VerdictRow) -> Verdict:
    """A ``VerdictRow`` as a value (its reasons parsed)."""
    n, lab, sc, cat, rs, camp, src, prot = t
    return Verdict(n, lab, float(sc), cat, reasons_from_json(rs), camp, src, bool(prot))


def verdict_from_row(r: Any) -> Verdict:
    return Verdict(
        number=r.number,
        label=r.label,
        score=float(r.score),
        category=r.category,
        reasons=reasons_from_json(r.reasons),
        campaign=r.campaign,
        source=r.source,
        protected=bool(r.protected),
    )


def verdict_to_row(v: Verdict, now: float) -> dict[str, Any]:
    """The row written for ``v`` at ``now`` (reasons as JSON text)."""
    return {
        "number": v.number,
        "label": v.label,
        "score": float(v.score),
        "category": v.category,
        "reasons": reasons_json(v.reasons),
        "campaign": v.campaign,
        "source": v.source,
        "protected": v.protected,
        "updated_at": now,
    }
