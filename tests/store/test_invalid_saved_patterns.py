"""Saved patterns that migration 0004 left as they were (not valid) match nothing, as
docs/policy.md says; before, a short but well-formed one still matched as a prefix, so an
allow-list ``+86*`` let every +86 call through and a ``+86*`` registration allowed every
caller. They stay listed, so the API can show and delete them."""

from __future__ import annotations

import json

import sqlalchemy as sa

from callwarden.policy import ListKind
from callwarden.store import Store
from callwarden.store.schema import list_entries, registrations

SUB = "+8613800138000"
CALLER = "+8613912345678"


def _insert_raw(store: Store, kind: str, pattern: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            sa.insert(list_entries).values(
                subscriber=SUB, kind=kind, pattern=pattern, note="", created_at=0.0
            )
        )


def test_an_invalid_old_allow_prefix_allows_nothing(store: Store) -> None:
    _insert_raw(store, "allow", "+86*")
    _insert_raw(store, "allow", "+86139*")  # valid: still used
    policy = store.load_policy(SUB)
    assert policy is not None
    assert not policy.allow.match_length("+8618612345678")
    assert policy.allow.match_length(CALLER)
    assert "+86*" in [e["pattern"] for e in store.list_patterns(SUB, ListKind.ALLOW)]
    assert not store.load_policies()[SUB].allow.match_length("+8618612345678")


def test_a_country_block_saved_by_the_api_is_used(store: Store) -> None:
    store.add_pattern(SUB, ListKind.BLOCK, "+44*", "", "test")
    _insert_raw(store, "block", "+8*")  # no country code: invalid, matches nothing
    policy = store.load_policy(SUB)
    assert policy is not None
    assert policy.block.match_length("+442079460000")
    assert not policy.block.match_length(CALLER)


def test_an_invalid_old_registration_protects_nobody(store: Store) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            sa.insert(registrations).values(
                pattern="+86*", name="old", category="courier",
                callee_prefixes=json.dumps([]), created_at=0.0,
            )
        )  # fmt: skip
    assert store.load_registry().lookup(CALLER) is None
    assert [r.pattern for r in store.list_registrations()] == ["+86*"]
