"""One reason type for every part of callwarden, and one way to turn it into text.

A reason is a stable code plus the evidence behind it (house style). The behaviour model,
its hard rules, campaign linking, call screening, the stream and the subscriber policy all
produce this same :class:`Reason`; verdicts, campaigns and decisions carry it unchanged from
the detector that wrote it to the subscriber who sees it.

Text for people is rendered at the edge by :func:`render` (``zh`` or ``en``). Each domain
keeps the wording of its own codes next to the codes and registers it here
(:func:`register`, :func:`register_pattern`); :func:`render` loads those text modules on
first use, so a caller never needs to know which detector wrote a reason. A code nobody
registered renders as the code with its evidence, never as an error: a reason read back from
an older store must still be shown.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

LANGS = ("zh", "en")


@dataclass(frozen=True, slots=True)
class Reason:
    """A stable code and its evidence (numbers and short identifiers, never free text).

    ``weight`` is how much the reason moved a score (the model's log-odds contribution, a
    screening weight), 0 where nothing was summed. ``source`` names the kind of detector
    (``model``, ``rule``); empty where the code says enough. ``feature`` is the model
    feature behind a model reason, kept for rendering and not compared.
    """

    code: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    weight: float = 0.0
    source: str = ""
    feature: str | None = field(default=None, compare=False)

    def __hash__(self) -> int:  # evidence is a mapping: the code identifies the reason
        return hash((str(self.code), self.source))

    def to_dict(self) -> dict[str, Any]:
        """The stored form: code and evidence, plus weight and source when a detector set them."""
        out: dict[str, Any] = {"code": str(self.code), "evidence": dict(self.evidence)}
        if self.source:
            out["weight"] = round(self.weight, 4)
            out["source"] = self.source
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Reason:
        """Read a stored reason back (unknown keys are ignored)."""
        return cls(
            str(d.get("code", "")),
            dict(d.get("evidence") or {}),
            float(d.get("weight") or 0.0),
            str(d.get("source") or ""),
        )


#: renders one reason in one language
Renderer = Callable[[Reason, str], str]

_BY_CODE: dict[str, Renderer] = {}
_BY_PATTERN: list[tuple[re.Pattern[str], Renderer]] = []

#: modules that register the wording of their codes when imported
_TEXT_MODULES = (
    "callwarden.detect.reasons",
    "callwarden.campaigns.reason_text",
    "callwarden.screening.reasons",
    "callwarden.policy.render",
)
_loaded = False


def register(codes: Iterable[str], renderer: Renderer) -> None:
    """Render these codes with ``renderer``; a later registration of a code wins."""
    for code in codes:
        _BY_CODE[str(code)] = renderer


def register_pattern(pattern: str, renderer: Renderer) -> None:
    """Render every code matching ``pattern`` (for codes built from names, like ``HIGH_*``)."""
    _BY_PATTERN.append((re.compile(pattern), renderer))


def table_renderer(table: Mapping[str, tuple[str, str]]) -> Renderer:
    """A renderer from ``code -> (zh template, en template)``, filled from the evidence."""

    def render_from_table(reason: Reason, lang: str) -> str:
        zh, en = table[str(reason.code)]
        return fill(zh if lang == "zh" else en, reason.evidence)

    return render_from_table


#: Evidence fields compared with a threshold in the decision beside them: shown with up to six
#: significant digits, so a score of 0.89996 (below 0.9) does not read "0.9".
_PRECISE = frozenset({"score"})


def fill(template: str, evidence: Mapping[str, Any]) -> str:
    """``template`` with ``{name}`` fields from the evidence; a missing field shows ``?``."""
    try:
        fields = {k: fmt(v, 6 if k in _PRECISE else 4) for k, v in evidence.items()}
        return template.format_map(_Fields(fields))
    except (IndexError, ValueError):
        return template


class _Fields(dict[str, str]):
    """Evidence for a template; a field the evidence lacks shows as ``?``, not an error."""

    def __missing__(self, key: str) -> str:
        return "?"


def fmt(value: Any, digits: int = 4) -> str:
    """Numbers as people read them: thousands separators, ``digits`` significant digits; a
    missing value (None, NaN) as a dash, not "None" or "nan"."""
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:,.{digits}g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _load() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for name in _TEXT_MODULES:
            importlib.import_module(name)


def render(reason: Reason, lang: str = "en") -> str:
    """One sentence for people, in ``zh`` or ``en``; unknown codes show code and evidence."""
    _load()
    code = str(reason.code)
    renderer = _BY_CODE.get(code)
    if renderer is None:
        renderer = next((r for p, r in _BY_PATTERN if p.match(code)), None)
    if renderer is not None:
        return renderer(reason, lang)
    ev = ", ".join(f"{k}={fmt(v)}" for k, v in reason.evidence.items())
    return code + (f" ({ev})" if ev else "")


def render_both(reason: Reason) -> tuple[str, str]:
    """``(zh, en)``."""
    return render(reason, "zh"), render(reason, "en")
