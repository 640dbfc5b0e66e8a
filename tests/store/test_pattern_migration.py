"""Migration 0004: list and registration patterns saved before prefixes were normalised are
rewritten in the form that matches calls; duplicates of a normal form go; invalid ones stay."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from callwarden.store import Store
from callwarden.store.db import make_engine, migrate
from callwarden.store.schema import list_entries, registrations

SUB = "+8613800138000"


@pytest.fixture
def url(empty_url: str) -> str:
    return empty_url


def test_old_patterns_are_normalised_on_upgrade(url: str) -> None:
    engine = make_engine(url)
    migrate(engine, "0003")  # a store as the previous release left it
    entries = [
        ("block", "+86０７５５*"),  # full-width digits: never matched
        ("block", "+860755*"),  # a stray trunk 0: its normal form is the row above's too
        ("block", "+8617012345678"),  # already normal
        ("allow", "abc*"),  # not a pattern at all: left as it is
    ]
    with engine.begin() as conn:
        conn.execute(
            list_entries.insert(),
            [{"subscriber": SUB, "kind": k, "pattern": p, "note": "", "created_at": 0.0}
             for k, p in entries],
        )  # fmt: skip
        conn.execute(
            registrations.insert(),
            [
                {"pattern": "+86９５５３８*", "name": "顺丰", "category": "courier",
                 "callee_prefixes": json.dumps(["+86０10"]), "created_at": 0.0},
                {"pattern": "+8695338*", "name": "顺丰 (new)", "category": "courier",
                 "callee_prefixes": "[]", "created_at": 0.0},
                {"pattern": "+86４00*", "name": "400 line", "category": "bank",
                 "callee_prefixes": json.dumps(["+860755"]), "created_at": 0.0},
            ],
        )  # fmt: skip
    engine.dispose()

    store = Store.open(url)  # migrates to head
    with store.engine.connect() as conn:
        got = sorted(conn.execute(sa.select(list_entries.c.kind, list_entries.c.pattern)).all())
        regs = {
            r.pattern: (r.name, json.loads(r.callee_prefixes))
            for r in conn.execute(sa.select(registrations))
        }
    assert [tuple(r) for r in got] == [
        ("allow", "abc*"),
        ("block", "+8617012345678"),
        ("block", "+86755*"),
    ]
    assert regs == {
        "+8695538*": ("顺丰", ["+8610"]),
        "+8695338*": ("顺丰 (new)", []),
        "+86400*": ("400 line", ["+86755"]),
    }
    policy = store.load_policy(SUB)
    assert policy is not None and policy.block.match_length("+8675512345678") > 0
    store.close()
