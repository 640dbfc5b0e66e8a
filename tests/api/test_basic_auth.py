"""HTTP Basic carries an API key too (the key as the password, or as the user name with none):
Kamailio's http_client keeps connections open only for named connections, which can send
Basic but not a Bearer header (docs/sip.md). Same keys, roles and 401s as Bearer."""

from __future__ import annotations

import base64

from .conftest import ALICE, Api

SPAM = "+8617012345678"


def _basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_basic_with_the_key_as_password_or_user(api: Api) -> None:
    for hdr in (_basic("kamailio", api.keys["network"]), _basic(api.keys["network"], "")):
        r = api.client.post("/v1/decide", headers=hdr, json={"caller": SPAM, "callee": ALICE})
        assert r.status_code == 200, r.text  # the decide fast path
        assert api.client.get(f"/v1/numbers/{SPAM}", headers=hdr).status_code == 200


def test_basic_keeps_roles_and_refusals(api: Api) -> None:
    alice = _basic("app", api.keys["alice"])
    r = api.client.post("/v1/decide", headers=alice, json={"caller": SPAM, "callee": ALICE})
    assert r.status_code == 403  # a subscriber key decides no call, whatever the scheme
    for hdr in (
        _basic("kamailio", "cw_nope"),
        _basic("", ""),
        {"Authorization": "Basic not-base64!"},
        {"Authorization": "Basic " + base64.b64encode(b"no colon").decode()},
    ):
        r = api.client.get(f"/v1/numbers/{SPAM}", headers=hdr)
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized", hdr
