"""Callee-list MinHash signatures: stable, and their agreement tracks list overlap."""

from __future__ import annotations

import numpy as np

from callwarden.campaigns.signature import campaign_id, jaccard_estimate, signature_hex


def test_signature_is_stable_and_tracks_overlap() -> None:
    a = np.arange(8613800000000, 8613800020000, dtype=np.int64)
    b = np.arange(8613900000000, 8613900020000, dtype=np.int64)
    assert signature_hex(a) == signature_hex(a[::-1].copy())
    assert jaccard_estimate(signature_hex(a), signature_hex(a)) == 1.0
    assert jaccard_estimate(signature_hex(a), signature_hex(b)) <= 0.25
    half = np.concatenate([a[:10000], b[:10000]])
    assert 0.1 <= jaccard_estimate(signature_hex(a), signature_hex(half)) <= 0.7


def test_campaign_ids_are_unique_even_for_one_list() -> None:
    taken: set[str] = set()
    sig = signature_hex(np.arange(10, dtype=np.int64))
    first, second = campaign_id(sig, taken), campaign_id(sig, taken)
    assert first != second and second.startswith(first)
