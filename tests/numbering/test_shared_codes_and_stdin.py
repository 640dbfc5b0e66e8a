"""Held-out audit (30 Nov), on the FTC complaint numbers: with ``--region US`` the numbers of
other regions of +1 (Canada, Jamaica...) were ``invalid`` (and the vectorised path lost their
country), and ``number -`` dropped blank lines, so its output no longer lined up with its
input."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app
from callwarden.numbers import classify, classify_array, describe, describe_array

OTHER_NANP = {"+14165550123": "CA", "+18765550123": "JM"}


def test_another_region_of_a_shared_code_is_foreign() -> None:
    for e164, country in OTHER_NANP.items():
        assert classify(e164, "US") == "foreign"
        assert describe(e164, region="US").country == country
    assert classify("+14155552671", "US") != "foreign"  # the home region's own
    values = [*OTHER_NANP] * 600 + ["+14155552671", "+10005550000"]  # > 1,000: vectorised
    classes = classify_array(values, "US").to_pylist()
    assert classes[:2] == ["foreign", "foreign"] and classes[-1] == "invalid"
    table = describe_array(values, region="US")
    assert table["country"].to_pylist()[:2] == ["CA", "JM"]
    # a single-region code is unchanged: an invalid +86 number stays invalid
    assert classify("+86999", "CN") == "invalid"


@pytest.mark.parametrize("n", [3, 1500])
def test_stdin_gives_one_line_per_input_line(n: int) -> None:
    lines = ["13800138000", "", "95588"] * (n // 3)
    r = CliRunner().invoke(app, ["number", "-"], input="\n".join(lines) + "\n")
    assert r.exit_code == 0, r.output
    docs = [json.loads(x) for x in r.output.splitlines()]
    assert [d["input"] for d in docs] == lines
    assert docs[1]["class"] == "invalid" and docs[1]["e164"] is None
