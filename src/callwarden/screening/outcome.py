"""A screened call's outcome: the bot test's result and what the caller talked about.

``callwarden screen`` (a file of calls) and ``POST /v1/screenings`` (one call the screener
sends back) both call :func:`screen_calls`, so the CLI and the live service never judge the
same transcript two ways (a test compares them).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from callwarden.screening.categories import CategoryResult, categorise
from callwarden.screening.judge import ScreeningResult, batch_evidence, judge, screen_batch
from callwarden.screening.normalise import simplified_transcript
from callwarden.screening.scripts import ScriptLibrary
from callwarden.screening.transcript import Speaker, Transcript


@dataclass(frozen=True, slots=True)
class ScreenOutcome:
    """The bot test's verdict and reasons, and the category of the caller's words."""

    result: ScreeningResult
    category: CategoryResult


def screen_calls(
    transcripts: Sequence[Transcript],
    *,
    library: ScriptLibrary | None = None,
    use_batch_scripts: bool = True,
) -> list[ScreenOutcome]:
    """Judge each call (``judge.screen_batch``) and name what its caller talked about
    (``categories.categorise`` of the caller's words), in the order given. With
    ``use_batch_scripts`` a caller script heard on several calls of ``transcripts`` counts as
    evidence; one call alone, as the service judges it, has none to share."""
    results = screen_batch(transcripts, library=library, use_batch_scripts=use_batch_scripts)
    return [
        ScreenOutcome(res, categorise(tr.text_of(Speaker.CALLER)))
        for tr, res in zip(transcripts, results, strict=True)
    ]


def screen_with_recent(
    new: Transcript,
    recent: Sequence[Transcript],
    *,
    library: ScriptLibrary | None = None,
) -> ScreenOutcome:
    """``new``'s outcome when judged in one batch with the ``recent`` calls before it:
    ``screen_calls([*recent, new])[-1]`` (batch evidence on: a caller script or a
    campaign's templated replies shared with recent calls counts), without judging the
    recent calls again. With no recent calls it is ``new`` judged alone, as
    ``screen_calls([new], use_batch_scripts=False)``. The recent calls may be given as a
    screening row keeps them (:func:`kept_turns`, without the callee's words): the batch
    evidence reads caller turns and the replies to the other side's challenges, so it loses
    only a challenge the callee asked, and two caller turns either side of a callee turn
    are then read as one reply (docs/screening.md, "Recent screenings as batch evidence")."""
    batch = [simplified_transcript(t) for t in [*recent, new]]
    shared, camps = batch_evidence(batch)
    res = judge(batch[-1], library=library, shared_script_calls=shared[-1], campaign=camps[-1])
    return ScreenOutcome(res, categorise(new.text_of(Speaker.CALLER)))


def judged_turns(tr: Transcript) -> list[dict[str, Any]]:
    """The turns as judged (in the order they started), each speaker, text, start_s, end_s:
    what the transcript's sha256 covers (a screening row keeps :func:`kept_turns`)."""
    return [
        {"speaker": t.speaker.value, "text": t.text, "start_s": t.start_s, "end_s": t.end_s}
        for t in tr.turns
    ]


def kept_turns(tr: Transcript) -> list[dict[str, Any]]:
    """The turns a screening row keeps: the caller's and the assistant's (``judged_turns``
    without the callee's own words, which the bot test never reads and are the subscriber's
    private words)."""
    return [t for t in judged_turns(tr) if t["speaker"] != Speaker.CALLEE.value]


def transcript_sha256(tr: Transcript) -> str:
    """The sha256 (hex) of a transcript as judged: its call_id, caller, callee, start_time
    and turns as canonical JSON (sorted keys, no spaces, UTF-8; the start in UTC, so one
    instant written two ways is one call). Other keys of the record
    (truth fields) are not part of it: the same call sent again has the same digest."""
    doc = {
        "call_id": tr.call_id,
        "caller": tr.caller,
        "callee": tr.callee,
        "start_time": tr.start_time.astimezone(UTC).isoformat() if tr.start_time else None,
        "turns": judged_turns(tr),
    }
    text = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
