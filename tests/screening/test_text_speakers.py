"""Speakers of dialogue turns read as ``screen`` reads them (evaluator-path audit, 30 Nov).

``dialogue_text`` kept a turn's speaker word for word ("Caller: ..."), and ``opening`` looks
for "caller: ", so ``Caller``/``Callee`` changed 144 of 1,635 dialogue labels (macro-F1
0.8355 -> 0.8036), exit 0; ``screen`` lowercased them.
"""

from __future__ import annotations

import pytest

from callwarden.errors import InputError
from callwarden.screening.textmodel import dialogue_text, opening
from callwarden.screening.transcript import Speaker, transcript_from_dict

TURNS = [
    {"speaker": "caller", "text": "我是公安局的，你涉嫌洗钱"},
    {"speaker": "callee", "text": "什么？"},
]


@pytest.mark.parametrize("caller", ["Caller", "CALLER", " caller ", "caller"])
def test_a_capitalised_or_padded_speaker_is_the_same_text(caller: str) -> None:
    turns = [
        {**TURNS[0], "speaker": caller},
        {**TURNS[1], "speaker": caller.replace("aller", "allee").replace("ALLER", "ALLEE")},
    ]
    assert dialogue_text(turns) == dialogue_text(TURNS)
    assert opening(dialogue_text(turns)) == "我是公安局的，你涉嫌洗钱"


def test_screen_and_the_text_models_read_one_speaker_name() -> None:
    from callwarden.screening.transcript import speaker_name

    assert speaker_name(" Assistant\t") == "assistant" and speaker_name(None) == ""
    tr = transcript_from_dict({"turns": [{"speaker": " Caller ", "text": "喂"}]}, index=1)
    assert tr.turns[0].speaker is Speaker.CALLER
    with pytest.raises(InputError, match="speaker must be caller, callee or assistant"):
        transcript_from_dict({"turns": [{"speaker": "主叫", "text": "喂"}]}, index=1)
