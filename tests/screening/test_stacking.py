"""The ``stacked`` text model (screening/stacking.py): round trip, determinism, the
small-class fallback, and that the booster learns on out-of-fold SVM scores only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from callwarden.screening import stacking
from callwarden.screening.io import load_model, save_model
from callwarden.screening.stacking import MIN_CLASS_ROWS, StackedText, out_of_fold_scores
from callwarden.screening.textmodel import TextClassifier, cross_validate

WORDS = {
    "police": ["公安局", "民警", "涉嫌洗钱", "安全账户", "配合调查", "冻结", "检察院", "通缉"],
    "service": ["淘宝客服", "退款", "理赔", "快递丢失", "双倍赔偿", "会员扣费", "关闭服务"],
    "normal": ["话费余额", "快递已到", "会议改期", "周末聚餐", "验证码", "天气预报", "账单"],
}
FILLER = ["您好", "请", "现在", "马上", "我们", "这边", "一下", "已经", "今天"]


def _texts(n: int, seed: int = 0, classes: tuple[str, ...] = ("police", "service", "normal")):
    """``n`` synthetic texts per class: three of its cue words among filler, shuffled."""
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for c in classes:
        for _ in range(n):
            parts = list(rng.choice(WORDS[c], 3, replace=False)) + list(rng.choice(FILLER, 3))
            rng.shuffle(parts)
            texts.append("，".join(parts) + "。")
            labels.append(c)
    return texts, labels


def test_fit_predict_and_round_trip_through_the_model_folder(tmp_path: Path) -> None:
    texts, labels = _texts(MIN_CLASS_ROWS)
    model = TextClassifier(kind="stacked").fit(texts, labels)
    assert model.model_.stacked_ and len(model.model_.boosters_) == stacking.INNER_SEEDS
    new = ["公安局民警说涉嫌洗钱，要转到安全账户", "淘宝客服说可以退款理赔", "您的话费余额不足"]
    pred, score = model.predict_with_score(new)
    assert pred.tolist() == ["police", "service", "normal"]
    assert ((score > 1 / 3) & (score <= 1)).all()
    # the softmax of decision_function is the boosters' mean probability
    p = model.model_.probabilities(new)
    assert np.allclose(p.sum(axis=1), 1) and np.allclose(p.max(axis=1), score)
    save_model(model, tmp_path / "m")
    assert json.loads((tmp_path / "m" / "meta.json").read_text())["kind"] == "stacked"
    again = load_model(tmp_path / "m")
    assert np.array_equal(again.decision_function(new), model.decision_function(new))


def test_same_rows_and_seed_give_identical_predictions() -> None:
    texts, labels = _texts(MIN_CLASS_ROWS, seed=1, classes=("police", "service"))
    probe, _ = _texts(10, seed=2)
    a = StackedText(seed=4).fit(texts, labels).probabilities(probe)
    b = StackedText(seed=4).fit(texts, labels).probabilities(probe)
    assert np.array_equal(a, b)
    # the seed reaches the inner folds and the boosters (row order is not promised: the
    # SVMs' coordinate order and the inner folds follow it)
    assert not np.array_equal(a, StackedText(seed=5).fit(texts, labels).probabilities(probe))


def test_a_class_too_small_for_the_stack_falls_back_to_the_all_svm() -> None:
    from callwarden.screening.stacking import _scores

    texts, labels = _texts(MIN_CLASS_ROWS, classes=("police", "service"))
    small_t, small_l = texts[1:], labels[1:]  # police: one row short
    few = StackedText().fit(small_t, small_l)
    assert not few.stacked_ and few.boosters_ == [] and set(few.svms_) == {"all"}
    probe = ["公安局民警说涉嫌洗钱", "淘宝客服说可以退款理赔"]
    groups = few._groups(few._blocks(probe, fit=False))
    d = _scores(few.svms_["all"], groups["all"])
    assert np.array_equal(few.probabilities(probe).argmax(axis=1), d.argmax(axis=1))
    assert few.classes_[few.probabilities(probe).argmax(axis=1)].tolist() == ["police", "service"]
    assert StackedText().fit(texts, labels).stacked_  # exactly MIN_CLASS_ROWS: stacked
    # tiny sets train and predict too (a class of one row)
    tiny = TextClassifier(kind="stacked").fit(
        ["公安局通缉", "淘宝退款", "淘宝理赔"], ["p", "s", "s"]
    )
    assert tiny.predict(["淘宝退款理赔"]).tolist() == ["s"]
    with pytest.raises(ValueError, match="two distinct"):
        StackedText().fit(["a", "b"], ["x", "x"])
    with pytest.raises(ValueError, match="not fitted"):
        StackedText().probabilities(["x"])


def _noise(n: int) -> tuple[Any, np.ndarray]:
    """Distinct random texts with random labels: nothing to learn, much to memorise."""
    rng = np.random.default_rng(0)
    chars = np.array(
        list("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动")
    )
    texts = ["".join(rng.choice(chars, 30)) for _ in range(n)]
    labels = rng.choice(["a", "b"], n)
    m = StackedText()
    return m._groups(m._blocks(texts, fit=True))["all"], labels


def test_out_of_fold_scores_never_score_a_row_the_svm_was_fitted_on() -> None:
    x, y = _noise(200)
    yi = np.searchsorted(np.unique(y), y)
    oof = out_of_fold_scores(x, y, 2, inner_seed=0, c=1.0, svm_seed=0)
    own = stacking._scores(stacking._svm(x, y, 1.0, 0), x)
    assert (own.argmax(axis=1) == yi).mean() > 0.95  # its own rows: memorised
    assert abs((oof.argmax(axis=1) == yi).mean() - 0.5) < 0.15  # held out: chance


def test_the_booster_learns_on_out_of_fold_scores(monkeypatch: pytest.MonkeyPatch) -> None:
    """The booster's SVM columns for the training rows are the inner out-of-fold scores, not
    the scores of the SVMs fitted on all the rows (which would read the labels back)."""
    seen: list[np.ndarray] = []
    make = stacking._booster

    class Spy:
        def __init__(self, seed: int) -> None:
            self.inner = make(seed)

        def fit(self, x: np.ndarray, y: np.ndarray) -> Any:
            seen.append(x)
            self.inner.fit(x, y)
            return self.inner

    monkeypatch.setattr(stacking, "_booster", Spy)
    rng = np.random.default_rng(0)
    chars = list("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动")
    texts = ["".join(rng.choice(chars, 30)) for _ in range(120)]
    labels = rng.choice(["a", "b"], 120)
    model = StackedText().fit(texts, labels)
    assert len(seen) == stacking.INNER_SEEDS
    yi = np.searchsorted(model.classes_, labels)
    k = len(model.classes_)
    groups = model._groups(model._blocks(texts, fit=False))
    for x in seen:
        svm_cols = x[:, -k * len(stacking.BASES) :]
        all_cols = svm_cols[:, :k]  # the "all" SVM comes first
        own = stacking._scores(model.svms_["all"], groups["all"])
        assert (own.argmax(axis=1) == yi).mean() > 0.95
        assert abs((all_cols.argmax(axis=1) == yi).mean() - 0.5) < 0.2
        assert x.shape[1] == min(stacking.N_CHI2, groups["all"].shape[1]) + k * 5
    assert not np.array_equal(seen[0], seen[1])  # the inner seeds differ


def test_chi2_columns_skip_the_background_label() -> None:
    import scipy.sparse as sp

    # column 0 separates normal from the rest; column 1 separates the two fraud kinds
    y = np.array(["normal"] * 6 + ["p"] * 3 + ["s"] * 3)
    x = np.zeros((12, 2))
    x[:6, 0] = 5.0  # larger values: the better chi2 over all rows
    x[6:9, 1] = 1.0
    x = sp.csr_matrix(x)
    assert stacking.chi2_columns(x, y, ("normal",), 1).tolist() == [1]
    assert stacking.chi2_columns(x, y, (), 1).tolist() == [0]
    # one label left after skipping: all rows are used
    both = stacking.chi2_columns(x, y, (), 2).tolist()
    assert stacking.chi2_columns(x, y, ("p", "s"), 2).tolist() == both


def test_the_cli_trains_cross_validates_and_reports_the_stacked_kind(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from callwarden.cli.main import app

    texts, labels = _texts(MIN_CLASS_ROWS + 5)
    csv = tmp_path / "t.csv"
    pd.DataFrame({"text": texts, "label": labels}).to_csv(csv, index=False)
    model, report = tmp_path / "m", tmp_path / "r.json"
    args = ["--input", str(csv), "--text-column", "text", "--label-column", "label"]
    res = CliRunner().invoke(
        app,
        ["train-text", *args, "--kind", "stacked", "--out", str(model), "--cv", "2"]
        + ["--exclude-from-macro", "normal", "--report", str(report)],
    )
    assert res.exit_code == 0, res.output
    # 2 folds leave 12-13 rows a class in training: below MIN_CLASS_ROWS, so no stack there
    assert "model in each training fold: all SVM (a class too small)" in res.output
    assert json.loads(report.read_text())["stacked"]["stacked_per_fold"] == [False, False]
    assert "trained stacked" in res.output  # all 25 rows a class: stacked
    clf = load_model(model)
    assert clf.kind == "stacked" and clf.model_.stacked_
    assert clf.predict(["公安局民警说涉嫌洗钱"]).tolist() == ["police"]
    assert cross_validate(texts, labels, kind="baseline", folds=2).stacked_per_fold == ()
