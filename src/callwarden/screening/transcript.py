"""The transcript model: a call's turns, each with a speaker and its timing.

Transcripts come from the simulator, an ASR or the screening assistant. The format on disk is
one JSON object per call (``transcripts.jsonl``); :func:`transcript_from_dict` maps one such
object onto these values and ignores the truth fields (label, category, campaign,
caller_kind), which only evaluation reads.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from callwarden.errors import InputError


class Speaker(StrEnum):
    """Who speaks a turn. ``ASSISTANT`` is the screening assistant answering for the callee."""

    CALLER = "caller"
    CALLEE = "callee"
    ASSISTANT = "assistant"


@dataclass(frozen=True, slots=True)
class Turn:
    """One stretch of speech; times in seconds from the start of the call (may be unknown)."""

    speaker: Speaker
    text: str
    start_s: float | None = None
    end_s: float | None = None

    @property
    def duration_s(self) -> float | None:
        if self.start_s is None or self.end_s is None:
            return None
        return self.end_s - self.start_s


@dataclass(frozen=True, slots=True)
class Transcript:
    """A call's turns in the order they started, plus what identifies the call."""

    call_id: str
    turns: tuple[Turn, ...]
    caller: str = ""
    callee: str = ""
    start_time: datetime | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    def by(self, speaker: Speaker) -> tuple[Turn, ...]:
        return tuple(t for t in self.turns if t.speaker is speaker)

    def text_of(self, speaker: Speaker) -> str:
        """All the text one party said, joined in order (what script recognition looks at)."""
        return "\n".join(t.text for t in self.turns if t.speaker is speaker)

    @property
    def has_timing(self) -> bool:
        return bool(self.turns) and all(
            t.start_s is not None and t.end_s is not None for t in self.turns
        )


TRUTH_FIELDS = ("label", "category", "campaign", "caller_kind")

#: The keys of a turn that :func:`transcript_from_dict` reads (times in seconds); any other
#: key of a turn (``start_ms``, ``role``) is ignored, so ``screen`` names the ones it met.
TURN_KEYS = ("speaker", "text", "start_s", "end_s")


def speaker_name(value: Any) -> str:
    """A turn's speaker as every reader of turns takes it: trimmed and lowercased (``Caller``
    and ``caller`` are one speaker); None is empty. ``screen`` then accepts only the
    ``Speaker`` names (no aliases: ``agent``, ``主叫`` are refused); the text models'
    ``dialogue_text`` writes it before each turn."""
    return "" if value is None else str(value).strip().lower()


def parse_time(value: Any) -> datetime | None:
    """A transcript's start_time: ISO 8601 (UTC without an offset) or epoch seconds; None when
    absent, an InputError when unreadable (`transcribe-audio --start-times` reads the same)."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, int | float):
            # A number out of the platform's range (1e20) or not finite is no time either.
            return datetime.fromtimestamp(float(value), tz=UTC)
        ts = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError) as exc:
        raise InputError(f"unreadable start_time {value!r}") from exc
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def _opt_float(value: Any) -> float | None:
    """A turn time in seconds; NaN and infinities ("NaN" included) are refused, not read as
    times: every comparison with NaN is false, so it would pass as any latency."""
    if value is None or value == "":
        return None
    out = float(value)
    if not math.isfinite(out):
        raise ValueError(f"not a finite number: {value!r}")
    return out


def transcript_from_dict(obj: Mapping[str, Any], *, index: int = 0) -> Transcript:
    """Build a transcript from one JSON object; raises InputError naming what is wrong."""
    turns_raw = obj.get("turns")
    if not isinstance(turns_raw, list):
        raise InputError(f"record {index}: 'turns' must be a list of turns")
    turns: list[Turn] = []
    for j, t in enumerate(turns_raw):
        if not isinstance(t, Mapping):
            raise InputError(f"record {index}, turn {j}: a turn must be an object")
        try:
            speaker = Speaker(speaker_name(t.get("speaker")))
        except ValueError as exc:
            raise InputError(
                f"record {index}, turn {j}: speaker must be caller, callee or assistant, "
                f"not {t.get('speaker')!r}"
            ) from exc
        text = t.get("text")
        if text is not None and not isinstance(text, str):
            raise InputError(
                f"record {index}, turn {j}: text must be a string, not {type(text).__name__}"
            )
        try:
            turns.append(
                Turn(
                    speaker,
                    text or "",
                    _opt_float(t.get("start_s")),
                    _opt_float(t.get("end_s")),
                )
            )
        except (TypeError, ValueError) as exc:
            raise InputError(
                f"record {index}, turn {j}: start_s/end_s must be finite numbers"
            ) from exc
    if all(t.start_s is not None for t in turns):
        turns.sort(key=lambda t: t.start_s or 0.0)
    call_id = str(obj.get("call_id") or obj.get("id") or f"call-{index}")
    meta = {
        k: v
        for k, v in obj.items()
        if k not in {"turns", "call_id", "caller", "callee", "start_time"}
    }
    return Transcript(
        call_id=call_id,
        turns=tuple(turns),
        caller=str(obj.get("caller") or ""),
        callee=str(obj.get("callee") or ""),
        start_time=parse_time(obj.get("start_time")),
        meta=meta,
    )


def transcript_to_dict(tr: Transcript) -> dict[str, Any]:
    """The inverse of :func:`transcript_from_dict` (meta fields are written back as they were)."""
    out: dict[str, Any] = {
        "call_id": tr.call_id,
        "caller": tr.caller,
        "callee": tr.callee,
        "start_time": tr.start_time.isoformat() if tr.start_time else None,
    }
    out.update(tr.meta)
    out["turns"] = [
        {"speaker": t.speaker.value, "text": t.text, "start_s": t.start_s, "end_s": t.end_s}
        for t in tr.turns
    ]
    return out
