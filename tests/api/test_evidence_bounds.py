"""A verdict reason's evidence is bounded at the edge (api/models.py): nesting at most
EVIDENCE_MAX_DEPTH, JSON at most EVIDENCE_MAX_BYTES, no lone surrogates in strings or keys.
Anything else is a 422, never a 500, and what is accepted reads back on every route."""

from __future__ import annotations

import json
from typing import Any

import pytest

from callwarden.api.models import EVIDENCE_MAX_BYTES, EVIDENCE_MAX_DEPTH

from .conftest import ALICE, Api
from .test_errors import assert_error

SPAM = "+8617012345678"


def _post(api: Api, evidence_json: str) -> Any:
    body = (
        f'{{"verdicts": [{{"number": "{SPAM}", "label": "fraud", "score": 0.9,'
        f' "reasons": [{{"code": "x", "evidence": {evidence_json}}}]}}]}}'
    )
    return api.client.post(
        "/v1/verdicts",
        content=body.encode(),
        headers={**api.h("operator"), "content-type": "application/json"},
    )


def _nested(depth: int) -> str:
    """An evidence object ``depth`` levels deep, alternating objects and lists."""
    inner = "1"
    for level in range(depth, 0, -1):
        inner = f'{{"a": {inner}}}' if level % 2 else f"[{inner}]"
    return inner


@pytest.mark.parametrize(
    "evidence",
    [
        '{"k": "\\ud800"}',
        '{"\\ud800": 1}',
        '{"k": ["ok", {"deep": "x\\udfffy"}]}',
        '{"k": "\\udc00\\ud800"}',  # reversed pair: two lone surrogates
    ],
)
def test_lone_surrogates_in_evidence_get_422(api: Api, evidence: str) -> None:
    err = assert_error(_post(api, evidence), 422)
    assert err["code"] == "validation_error"
    assert "surrogate" in err["message"] or "unicode" in err["message"]
    assert api.client.app.state.cw.store.get_verdict(SPAM) is None  # type: ignore[attr-defined]


def test_a_valid_surrogate_pair_is_one_character_and_accepted(api: Api) -> None:
    assert _post(api, '{"k": "\\ud83d\\ude00"}').status_code == 200
    verdict = api.get(f"/v1/numbers/{SPAM}", "network").json()["verdict"]
    assert verdict["reasons"][0]["evidence"] == {"k": "😀"}


@pytest.mark.parametrize("depth", [EVIDENCE_MAX_DEPTH + 1, 260, 320, 900])
def test_evidence_nested_too_deep_gets_422(api: Api, depth: int) -> None:
    err = assert_error(_post(api, _nested(depth)), 422)
    assert err["code"] == "validation_error"
    assert "nest" in err["message"]


def test_a_body_too_deep_for_the_json_reader_gets_400(api: Api) -> None:
    """Deeper than Python's JSON reader goes: FastAPI cannot parse the body at all."""
    err = assert_error(_post(api, _nested(5000)), 400)
    assert err["code"] == "bad_request"


def test_evidence_at_the_depth_limit_is_stored_and_reads_back_everywhere(api: Api) -> None:
    assert _post(api, _nested(EVIDENCE_MAX_DEPTH)).status_code == 200
    r = api.get(f"/v1/numbers/{SPAM}", "network")
    assert r.status_code == 200
    assert r.json()["verdict"]["reasons"][0]["evidence"] == json.loads(_nested(EVIDENCE_MAX_DEPTH))
    api.put(f"/v1/subscribers/{ALICE}/settings", "alice", json={"protection": "strict"})
    r = api.post("/v1/decide", "network", json={"caller": SPAM, "callee": ALICE})
    assert r.status_code == 200 and r.json()["action"] == "reject"
    r = api.get(f"/v1/subscribers/{ALICE}/blocked", "alice")
    assert r.status_code == 200 and len(r.json()) == 1


def test_evidence_over_the_size_limit_gets_422(api: Api) -> None:
    just_fits = json.dumps({"k": "x" * (EVIDENCE_MAX_BYTES - 10)})
    assert len(just_fits) <= EVIDENCE_MAX_BYTES
    assert _post(api, just_fits).status_code == 200
    too_big = json.dumps({"k": "x" * EVIDENCE_MAX_BYTES})
    assert "bytes" in assert_error(_post(api, too_big), 422)["message"]
    many = json.dumps({f"k{i}": i for i in range(EVIDENCE_MAX_BYTES)})
    assert "bytes" in assert_error(_post(api, many), 422)["message"]
