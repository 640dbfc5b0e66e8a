"""The bot test on simulated screening dialogues (a seed the thresholds were not set on)."""

import pytest

from callwarden.screening.judge import screen_batch
from callwarden.screening.reasons import Verdict
from callwarden.screening.transcript import Speaker, transcript_from_dict
from callwarden.sim.screening import simulate_screening


@pytest.fixture(scope="module")
def judged() -> list[tuple[dict, Verdict]]:
    recs = simulate_screening(1200, seed=11)
    res = screen_batch([transcript_from_dict(r) for r in recs])
    return [(r, x.verdict) for r, x in zip(recs, res, strict=True)]


def test_records_have_the_transcripts_format() -> None:
    rec = simulate_screening(3, seed=1)[0]
    assert {
        "call_id",
        "caller",
        "callee",
        "start_time",
        "label",
        "category",
        "campaign",
        "caller_kind",
        "turns",
    } <= set(rec)
    assert {t["speaker"] for t in rec["turns"]} <= {s.value for s in Speaker}
    assert all(t["end_s"] > t["start_s"] for t in rec["turns"])


def test_same_seed_same_dialogues() -> None:
    assert simulate_screening(20, seed=5) == simulate_screening(20, seed=5)


def test_scripted_bots_are_caught_and_people_pass(judged) -> None:  # type: ignore[no-untyped-def]
    bots = [v for r, v in judged if r["caller_kind"] == "bot" and r["bot_style"] != "agent"]
    humans = [v for r, v in judged if r["caller_kind"] == "human"]
    caught = sum(v is Verdict.BOT for v in bots) / len(bots)
    false_bot = sum(v is Verdict.BOT for v in humans) / len(humans)
    passed = sum(v is Verdict.HUMAN for v in humans) / len(humans)
    assert caught >= 0.97
    assert false_bot <= 0.015
    assert passed >= 0.85
