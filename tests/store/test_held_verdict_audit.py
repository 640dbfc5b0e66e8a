"""A model verdict held back by an accepted appeal is recorded in the audit log once, not at
every import of the same verdicts: ``serve --verdicts`` re-imports its file at each restart,
and wrote one more ``model_verdict_held`` entry per protected number every time (SQLite and
PostgreSQL)."""

from __future__ import annotations

from callwarden.policy import Reason, Verdict
from callwarden.store import Store

N = "+8617012345600"


def _model(label: str = "fraud", score: float = 0.95) -> Verdict:
    return Verdict(N, label, score, "impersonation", (Reason("low_answer_rate", {}),), "c1")


def _held(store: Store) -> list[dict[str, object]]:
    """The number's model_verdict_held entries, oldest first."""
    trail = store.audit_trail(N, 100)
    return [e["detail"] for e in reversed(trail) if e["action"] == "model_verdict_held"]


def _imports(store: Store) -> list[dict[str, object]]:
    trail = store.audit_trail("verdicts", 100)
    return [e["detail"] for e in reversed(trail) if e["action"] == "import_verdicts"]


def test_the_same_held_verdict_is_recorded_once(store: Store) -> None:
    store.import_verdicts([_model()])
    appeal = store.create_appeal(N, "shop", "", "", "op")
    assert store.review_appeal(appeal, True, "op", "") is not None
    for _ in range(3):  # three restarts of serve --verdicts with the same file
        store.import_verdicts([_model()], actor="cli:serve")
    held = _held(store)
    assert len(held) == 1 and held[0]["label"] == "fraud" and held[0]["kept"] == "appeal"
    assert [(d["held"], d["held_recorded"]) for d in _imports(store)[1:]] == [
        (1, 1),
        (1, 0),
        (1, 0),
    ]


def test_a_different_held_verdict_or_a_new_event_is_recorded_again(store: Store) -> None:
    store.import_verdicts([_model()])
    appeal = store.create_appeal(N, "shop", "", "", "op")
    assert store.review_appeal(appeal, True, "op", "") is not None
    store.import_verdicts([_model()])
    store.import_verdicts([_model(score=0.97)])  # the model's verdict changed
    store.import_verdicts([_model(score=0.97)])
    store.import_verdicts([_model()])  # and changed back
    assert [d["score"] for d in _held(store)] == [0.95, 0.97, 0.95]
    store.create_appeal(N, "shop", "", "", "op")  # another entry on the number
    store.import_verdicts([_model()])
    assert [d["score"] for d in _held(store)] == [0.95, 0.97, 0.95, 0.95]
    assert store.get_verdict(N).source == "appeal"  # type: ignore[union-attr]
