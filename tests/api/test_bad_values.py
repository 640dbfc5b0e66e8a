"""Values the store cannot keep are refused at the edge with the one JSON error shape (422):
non-finite numbers (``NaN``, ``Infinity``: Python's JSON reader accepts them) in any float
of any request body, and malformed verdict reasons; never a 500, never a stored row."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel

from callwarden.api import models

from .conftest import ALICE, Api
from .test_errors import assert_error

SPAM = "+8617012345678"
NON_FINITE = ["NaN", "Infinity", "-Infinity", "1e999"]  # the last overflows to inf


def _post_raw(api: Api, path: str, who: str, body: str) -> Any:
    """JSON as a client may send it (``json=`` would refuse to write NaN)."""
    return api.client.post(
        path, content=body, headers={**api.h(who), "content-type": "application/json"}
    )


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        return ([ref.rsplit("/", 1)[-1]] if ref else []) + [
            r for v in node.values() for r in _refs(v)
        ]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_every_request_model_refuses_non_finite_numbers(api: Api) -> None:
    """Every model a request body is made of (read from the OpenAPI schema, so a body added
    later, or one nested in a body, is checked too) refuses NaN and Infinity."""
    spec = api.get("/openapi.json").json()
    bodies = [op.get("requestBody") for ops in spec["paths"].values() for op in ops.values()]
    todo = _refs([b for b in bodies if b])
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += _refs(spec["components"]["schemas"][name])
    found = [getattr(models, name) for name in sorted(seen)]
    request_models = [m for m in found if issubclass(m, BaseModel)]  # the rest are enums
    assert {m.__name__ for m in request_models} >= {"DecideRequest", "CallIn", "ReasonIn"}
    assert [
        m.__name__ for m in request_models if m.model_config.get("allow_inf_nan") is not False
    ] == []


@pytest.mark.parametrize("bad", NON_FINITE)
def test_decide_refuses_a_non_finite_time_and_books_nothing(api: Api, bad: str) -> None:
    state = api.client.app.state.cw  # type: ignore[attr-defined]
    state.writes.flush()
    body = f'{{"caller": "{SPAM}", "callee": "{ALICE}", "at": {bad}}}'
    err = assert_error(_post_raw(api, "/v1/decide", "network", body), 422)
    assert err["code"] == "validation_error"
    assert err["details"][0]["loc"] == ["body", "at"]
    assert err["details"][0]["type"] == "finite_number"
    assert state.writes.pending == 0  # nothing queued for the store
    ok = _post_raw(api, "/v1/decide", "network", f'{{"caller": "{SPAM}", "callee": "{ALICE}"}}')
    assert ok.status_code == 200


BAD = "<non-finite>"  # replaced by the bare token NaN, Infinity or -Infinity


@pytest.mark.parametrize("bad", NON_FINITE)
@pytest.mark.parametrize(
    ("path", "who", "body", "loc"),
    [
        (
            "/v1/calls",
            "network",
            {"calls": [{"caller": SPAM, "callee": ALICE, "at": BAD}]},
            ["body", "calls", 0, "at"],
        ),
        (
            "/v1/verdicts",
            "operator",
            {"verdicts": [{"number": SPAM, "label": "fraud", "score": BAD}]},
            ["body", "verdicts", 0, "score"],
        ),
        (
            "/v1/verdicts",
            "operator",
            {
                "verdicts": [
                    {
                        "number": SPAM,
                        "label": "fraud",
                        "score": 0.9,
                        "reasons": [{"code": "x", "weight": BAD, "source": "model"}],
                    }
                ]
            },
            ["body", "verdicts", 0, "reasons", 0, "weight"],
        ),
        (
            "/v1/verdicts",
            "operator",
            {
                "verdicts": [
                    {
                        "number": SPAM,
                        "label": "fraud",
                        "score": 0.9,
                        "reasons": [{"code": "x", "evidence": {"rate": [0.1, {"deep": BAD}]}}],
                    }
                ]
            },
            ["body", "verdicts", 0, "reasons", 0, "evidence"],
        ),
    ],
)
def test_non_finite_numbers_anywhere_in_a_body_get_422(
    api: Api, path: str, who: str, body: dict[str, Any], loc: list[Any], bad: str
) -> None:
    raw = json.dumps(body).replace(json.dumps(BAD), bad)
    err = assert_error(_post_raw(api, path, who, raw), 422)
    assert err["code"] == "validation_error" and err["details"][0]["loc"] == loc
    assert api.store.load_verdicts() == {}
    with api.store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM received_calls").scalar() == 0


@pytest.mark.parametrize(
    ("reason", "loc"),
    [
        ({"code": "x", "evidence": "abc"}, ["evidence"]),  # the audit's case: was a 500
        ({"code": "x", "evidence": [1, 2]}, ["evidence"]),
        ({"code": "x", "evidence": None}, ["evidence"]),
        ({"code": "x", "weight": "abc", "source": "model"}, ["weight"]),
        ({"code": "x", "weight": [1], "source": "model"}, ["weight"]),
        ({"code": "x", "source": 5}, ["source"]),
        ({"code": 5}, ["code"]),
        ({"evidence": {"rate": 0.3}}, ["code"]),
        ({"code": ""}, ["code"]),
        ("low_answer_rate", []),
    ],
)
def test_a_malformed_reason_gets_422_not_500(api: Api, reason: Any, loc: list[Any]) -> None:
    body = {"verdicts": [{"number": SPAM, "label": "fraud", "score": 0.9, "reasons": [reason]}]}
    err = assert_error(api.post("/v1/verdicts", "operator", json=body), 422)
    assert err["code"] == "validation_error"
    assert err["details"][0]["loc"] == ["body", "verdicts", 0, "reasons", 0, *loc]
    assert api.store.load_verdicts() == {}


def test_well_formed_reasons_are_stored_as_sent(api: Api) -> None:
    """The forms ``Reason.to_dict`` writes, plus a reason read back from the API (its
    ``text`` is ignored, as ``Reason.from_dict`` ignores unknown keys)."""
    reasons = [
        {"code": "low_answer_rate", "evidence": {"answer_rate_by_caller_1d": 0.11}},
        {"code": "high_calls", "evidence": {"calls": 40}, "weight": 1.25, "source": "model"},
        {"code": "campaign_list_match", "evidence": {"hits": [1, 2], "ok": True, "x": None}},
        {"code": "no_evidence"},
        {"code": "shown", "evidence": {}, "text": {"zh": "…", "en": "…"}},
    ]
    body = {"verdicts": [{"number": SPAM, "label": "fraud", "score": 0.9, "reasons": reasons}]}
    r = api.post("/v1/verdicts", "operator", json=body)
    assert r.status_code == 200, r.text
    got = [(r.code, dict(r.evidence)) for r in api.store.load_verdicts()[SPAM].reasons]
    assert got == [
        ("low_answer_rate", {"answer_rate_by_caller_1d": 0.11}),
        ("high_calls", {"calls": 40}),
        ("campaign_list_match", {"hits": [1, 2], "ok": True, "x": None}),
        ("no_evidence", {}),
        ("shown", {}),
    ]
    shown = api.get(f"/v1/numbers/{SPAM}", "operator").json()["verdict"]["reasons"]
    assert [x["code"] for x in shown] == [x["code"] for x in reasons]
    json.dumps(shown, allow_nan=False)  # what is stored can always be shown
