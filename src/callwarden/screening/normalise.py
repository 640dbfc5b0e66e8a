"""Traditional Chinese and full-width forms to what the screening lexicons and models read.

Every cue of the screening package (the challenge words, the category lexicon, the hesitation
words) is written in Simplified Chinese, and the public texts the models learn from are
Simplified. A call transcribed in Traditional characters (Taiwan, Hong Kong, an ASR set to
``zh-TW``) matched almost none of them: "請問今天幾號" is not "请问今天几号". So text is
normalised once where it enters screening (:func:`callwarden.screening.categories.categorise`,
:func:`callwarden.screening.judge.judge` and ``screen_batch``, the text models' ``fit`` and
``decision_function``, script clustering):

- a text holding a Traditional character (one that OpenCC's ``t2s`` changes on its own) is
  converted with OpenCC ``t2s`` (the ``opencc`` wheel: its C++ library and dictionaries ship
  inside it, nothing is fetched). ``t2s`` converts characters and the phrases whose
  characters are ambiguous (乾/干, 著/着); it does not translate regional vocabulary (Taiwan's
  軟體 becomes 软体, not 软件): ``tw2sp``, which does, also rewrites mainland words that read
  as Taiwanese ones (程序 becomes 进程), so it would damage Simplified text;
- full-width letters and digits (Ａ, ０) become ASCII and the ideographic space a space.
  Full-width punctuation (，！？) is the ordinary punctuation of Chinese in both scripts and
  stays as it is.

The category lexicon also reads Taiwan's wording of its own words (:func:`regional_spellings`:
軟體 for 软件, 連結 for 链接) in a text that held Traditional characters.

A text with neither is returned as it is (the same object): Simplified input, which is what
every figure in docs/screening.md was measured on, reads exactly as before.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from callwarden.screening.transcript import Transcript

# Where a Traditional character can be: the CJK unified ideographs (with extensions A and
# B-F) and the compatibility ideographs.
_CJK_RANGES = (
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2EBEF),
    (0x2F800, 0x2FA1F),
)
_FULLWIDTH = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u3000]")
_FULLWIDTH_MAP = {
    **{c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)},
    **{c: c - 0xFEE0 for c in range(0xFF21, 0xFF3B)},
    **{c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)},
    0x3000: 0x20,
}
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


@functools.cache
def _opencc(config: str) -> Any:
    import opencc

    return opencc.OpenCC(config)


def _converter() -> Any:
    return _opencc("t2s")


@functools.cache
def _traditional() -> tuple[re.Pattern[str], frozenset[str]]:
    """The characters ``t2s`` changes on their own: a pattern of those in the BMP (a
    character class of single characters, which ``re`` tests by bitmap) and the set of the
    others (a character class of astral ones is far slower to search)."""
    chars = [chr(i) for lo, hi in _CJK_RANGES for i in range(lo, hi + 1)]
    converted = _converter().convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # (a dictionary that joins across lines: be safe)
        converted = [_converter().convert(c) for c in chars]
    trad = [c for c, s in zip(chars, converted, strict=True) if c != s]
    bmp = "".join(c for c in trad if ord(c) < 0x10000)
    return re.compile(f"[{bmp}]"), frozenset(c for c in trad if ord(c) >= 0x10000)


def has_traditional(text: str) -> bool:
    """Whether ``text`` holds a character that OpenCC's ``t2s`` would change."""
    bmp, astral = _traditional()
    if bmp.search(text):
        return True
    return bool(astral) and _ASTRAL.search(text) is not None and not astral.isdisjoint(text)


def to_simplified(text: str) -> str:
    """``text`` in Simplified characters with ASCII letters and digits (module doc); the
    same object when there is nothing to change."""
    if _FULLWIDTH.search(text):
        text = text.translate(_FULLWIDTH_MAP)
    if has_traditional(text):
        text = str(_converter().convert(text))
    return text


def regional_spellings(words: Iterable[str]) -> dict[str, str]:
    """Taiwan's wording of ``words`` (Simplified) as ``t2s`` leaves it -> the word: OpenCC's
    ``s2twp`` (Taiwan phrases) then ``t2s``, kept where it differs (软件 is 軟體 in Taiwan,
    软体 after ``t2s``). A lexicon looks these up in text that held Traditional characters."""
    tw, simp = _opencc("s2twp"), _converter()
    out: dict[str, str] = {}
    for w in words:
        back = str(simp.convert(tw.convert(w)))
        if back != w and back:
            out.setdefault(back, w)
    return out


def to_simplified_all(texts: list[str]) -> list[str]:
    return [to_simplified(t) for t in texts]


def simplified_transcript(tr: Transcript) -> Transcript:
    """``tr`` with every turn's text through :func:`to_simplified`; ``tr`` itself when no
    turn changes."""
    turns = tuple(
        t if (s := to_simplified(t.text)) is t.text else dataclasses.replace(t, text=s)
        for t in tr.turns
    )
    if all(a is b for a, b in zip(turns, tr.turns, strict=True)):
        return tr
    return dataclasses.replace(tr, turns=turns)
