"""The order of the calls in a transcripts file changes nothing a call is told (audit B:
screen on 3,000 simulated calls and on the same file shuffled gave 86 calls another
bot_score, 1,051 other reasons and 319 another script-cluster size: LSH buckets linked and
compared their members in file order, and the templated-reply sample took a group's first
60 replies in file order)."""

from __future__ import annotations

import random

import pytest

from callwarden.screening.judge import screen_batch
from callwarden.screening.scripts import cluster_scripts, near_duplicate_counts
from callwarden.screening.transcript import Speaker, transcript_from_dict
from callwarden.sim.screening import simulate_screening

pytestmark = pytest.mark.slow


def _partition(ids: list[str], labels: list[int]) -> set[frozenset[str]]:
    groups: dict[int, set[str]] = {}
    for i, lab in zip(ids, labels, strict=True):
        groups.setdefault(lab, set()).add(i)
    return {frozenset(g) for g in groups.values()}


def test_screen_batch_is_the_same_for_any_order_of_the_calls() -> None:
    recs = simulate_screening(3000, seed=1)
    shuffled = recs[:]
    random.Random(3).shuffle(shuffled)
    outcome = []
    for rows in (recs, shuffled):
        trs = [transcript_from_dict(r, index=i) for i, r in enumerate(rows)]
        ids = [t.call_id for t in trs]
        texts = [t.text_of(Speaker.CALLER) for t in trs]
        results = screen_batch(trs)
        outcome.append(
            (
                {
                    r.call_id: (
                        r.verdict,
                        r.bot_score,
                        [(x.code, dict(x.evidence)) for x in r.reasons],
                    )
                    for r in results
                },
                _partition(ids, cluster_scripts(texts, 0.5, min_chars=30).tolist()),
                dict(zip(ids, near_duplicate_counts(texts, 0.7).tolist(), strict=True)),
            )
        )
    (verdicts, clusters, counts), (verdicts2, clusters2, counts2) = outcome
    assert clusters == clusters2
    assert counts == counts2
    assert [k for k in verdicts if verdicts[k] != verdicts2[k]] == []
