"""PUT .../settings takes only refusable categories (422 otherwise), each short, and at
most one of each: a subscriber could store a 1 MB string before."""

from __future__ import annotations

import pytest

from callwarden.policy import REFUSABLE_CATEGORIES

from .conftest import ALICE, Api
from .test_errors import assert_error

PATH = f"/v1/subscribers/{ALICE}/settings"


@pytest.mark.parametrize(
    "refused",
    [
        ["x" * 60_000],  # a 1 MB one is over the body limit (413) now
        ["x" * 65],
        ["loans", "not_a_category"],
        [""],
        list(REFUSABLE_CATEGORIES) + ["loans"],
    ],
    ids=["60KB", "65 chars", "unknown", "empty", "too many"],
)
def test_unknown_long_or_too_many_categories_get_422(api: Api, refused: list[str]) -> None:
    r = api.put(PATH, "alice", json={"protection": "strict", "refused_categories": refused})
    assert assert_error(r, 422)["code"] == "validation_error"
    assert api.get(PATH, "alice").json()["refused_categories"] == []


def test_every_refusable_category_is_accepted(api: Api) -> None:
    listed = api.get(PATH, "alice").json()["refusable_categories"]
    assert listed == list(REFUSABLE_CATEGORIES)
    r = api.put(PATH, "alice", json={"refused_categories": listed})
    assert r.status_code == 200
    assert sorted(r.json()["refused_categories"]) == sorted(listed)
