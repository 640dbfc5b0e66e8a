"""A caller's routes and main ingress when one stream update spans local midnight (audit 24
L8b): the route counts on the latest day it was used, with that day's calls, as the batch
query's ``routes_day`` (it counted on the day of its first CDR in the update, leaving the new
day without it: ``ingresses_by_caller_1d`` 0 and the ingress features missing)."""

from __future__ import annotations

import pytest

from tests.features.conftest import cdrs, features_of
from tests.features.test_self_calls import check
from tests.stream.test_self_calls import stream_features

F = "+8613800000301"
G = "+8613800000302"


def _day() -> object:
    """F: GW1 at 23:50 the day before, 00:10 and 00:15. G: GW2 at 23:55 the day before, GW3
    at 00:20. (t: seconds after the local day's start.)"""
    rows = [
        dict(t=-600, caller=F, callee="+8613900000001", ingress="GW1"),
        dict(t=-300, caller=G, callee="+8613900000002", ingress="GW2"),
        dict(t=600, caller=F, callee="+8613900000003", ingress="GW1"),
        dict(t=900, caller=F, callee="+8613900000004", ingress="GW1"),
        dict(t=1200, caller=G, callee="+8613900000005", ingress="GW3"),
    ]
    return cdrs(rows)


EXPECTED = {
    F: {"ingresses_by_caller_1d": 1, "attempts_by_ingress_1d": 2, "attempts_by_caller_1d": 2},
    G: {"ingresses_by_caller_1d": 1, "attempts_by_ingress_1d": 1, "attempts_by_caller_1d": 1},
}


@pytest.mark.parametrize("batch", [1, 2, 5])
def test_an_update_across_midnight_keeps_the_days_routes(batch: int) -> None:
    check(stream_features(_day(), batch), EXPECTED)  # type: ignore[arg-type]


def test_the_expected_values_are_the_batch_querys() -> None:
    batch = features_of(_day())  # type: ignore[arg-type]
    check(batch, EXPECTED)
