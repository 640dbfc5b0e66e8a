import numpy as np
import pytest

from callwarden.screening.offsets import choose_rule, fit_offsets, macro_f1


def _starved(n: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three balanced classes; class 2's scores are biased down, so argmax starves it."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(3), n // 3)
    scores = rng.normal(0, 0.3, size=(len(y), 3))
    scores[np.arange(len(y)), y] += 0.5
    scores[:, 2] -= 0.35
    return scores, y


def test_macro_f1_matches_sklearn() -> None:
    from sklearn.metrics import f1_score

    rng = np.random.default_rng(1)
    y, p = rng.integers(0, 4, 200), rng.integers(0, 4, 200)
    assert macro_f1(y, p, 4) == pytest.approx(f1_score(y, p, average="macro"))


@pytest.mark.parametrize("rule", ["count", "f1"])
def test_offsets_give_back_a_starved_class(rule: str) -> None:
    scores, y = _starved()
    before = macro_f1(y, scores.argmax(axis=1), 3)
    b = fit_offsets(scores, y, rule)
    assert b[2] > b[0] and b[2] > b[1]
    assert macro_f1(y, (scores + b).argmax(axis=1), 3) > before + 0.05


def test_count_rule_matches_class_counts() -> None:
    scores, y = _starved()
    got = np.bincount((scores + fit_offsets(scores, y, "count")).argmax(axis=1), minlength=3)
    assert np.abs(got - np.bincount(y)).max() <= 5


def _chosen(scores: np.ndarray, y: np.ndarray) -> tuple[str, np.ndarray]:
    """What the text model does: the rule, then its offsets fitted on all the rows."""
    rule = choose_rule(scores, y)[0]
    return rule, fit_offsets(scores, y, rule)


def test_choose_uses_offsets_only_where_they_help_unseen_rows() -> None:
    scores, y = _starved()
    rule, b = _chosen(scores, y)
    assert rule in ("count", "f1") and b[2] > 0
    # unbiased, well separated scores: nothing to gain on held-out halves, so none
    clean = np.eye(3)[y] + np.random.default_rng(2).normal(0, 0.05, size=scores.shape)
    rule, b = _chosen(clean, y)
    assert rule == "none" and not b.any()


def test_rule_score_is_the_held_out_gain_the_model_compares_across_c() -> None:
    scores, y = _starved()
    rule, score = choose_rule(scores, y)
    assert rule in ("count", "f1")
    # scored on rows the offsets were not fitted on, and above the plain argmax
    assert macro_f1(y, scores.argmax(axis=1), 3) + 0.05 < score <= 1.0
    clean = np.eye(3)[y] + np.random.default_rng(2).normal(0, 0.05, size=scores.shape)
    assert choose_rule(clean, y) == ("none", pytest.approx(macro_f1(y, clean.argmax(axis=1), 3)))


def test_unknown_rule_fails() -> None:
    scores, y = _starved(30)
    with pytest.raises(ValueError, match="rule"):
        fit_offsets(scores, y, "platt")
