from pathlib import Path

import numpy as np
import pytest

from callwarden.errors import ModelError
from callwarden.screening.io import load_model, save_model
from callwarden.screening.textmodel import (
    TextClassifier,
    cross_validate,
    dialogue_text,
    opening,
)

TEXTS = {
    "police": [
        "这里是公安局，您的身份证涉嫌洗钱，请把资金转到安全账户。",
        "我是派出所民警，你的银行卡涉嫌犯罪，需要配合调查，不要告诉家人。",
        "检察院通知，您涉嫌一起案件，账户将被冻结，请配合核查资金。",
        "公安局反诈中心，您名下账户涉案，请下载软件配合调查。",
    ],
    "service": [
        "我是淘宝客服，您购买的商品有质量问题，可以办理退款理赔。",
        "您好，我是快递客服，您的包裹丢失了，我们给您双倍赔偿。",
        "支付宝客服，您的会员即将自动扣费，请按提示关闭服务。",
        "我是京东客服，您开通了百万保障，需要关闭否则每月扣费。",
    ],
}


def _data() -> tuple[list[str], list[str]]:
    texts = [t for v in TEXTS.values() for t in v]
    labels = [k for k, v in TEXTS.items() for _ in v]
    return texts, labels


@pytest.mark.parametrize("kind", ["baseline", "wordchar"])
def test_fit_predict_and_round_trip(kind: str, tmp_path: Path) -> None:
    texts, labels = _data()
    model = TextClassifier(kind=kind).fit(texts, labels)
    pred, score = model.predict_with_score(
        ["公安局说我涉嫌洗钱，要转到安全账户", "客服说可以退款理赔"]
    )
    assert pred.tolist() == ["police", "service"]
    assert ((score > 0.5) & (score <= 1)).all()
    save_model(model, tmp_path / "m")
    again = load_model(tmp_path / "m")
    assert np.allclose(again.decision_function(texts), model.decision_function(texts))


def test_same_seed_same_model() -> None:
    texts, labels = _data()
    a = TextClassifier(seed=3).fit(texts, labels).decision_function(texts)
    b = TextClassifier(seed=3).fit(texts, labels).decision_function(texts)
    assert np.array_equal(a, b)


def test_unknown_kind_and_unfitted_model_fail_clearly() -> None:
    with pytest.raises(ValueError, match="kind"):
        TextClassifier(kind="bert")
    with pytest.raises(ValueError, match="not fitted"):
        TextClassifier().predict(["x"])
    with pytest.raises(ValueError, match="two distinct"):
        TextClassifier().fit(["a", "b"], ["x", "x"])


def test_model_folder_checks(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not a text model folder"):
        load_model(tmp_path)
    texts, labels = _data()
    save_model(TextClassifier(kind="baseline").fit(texts, labels), tmp_path / "m")
    meta = tmp_path / "m" / "meta.json"
    meta.write_text(
        meta.read_text(encoding="utf-8").replace('"format": 1', '"format": 99'), encoding="utf-8"
    )
    with pytest.raises(ModelError, match="format"):
        load_model(tmp_path / "m")


def test_opening_of_a_dialogue_is_the_first_caller_turn() -> None:
    text = dialogue_text(
        [
            {"speaker": "callee", "text": "喂？"},
            {"speaker": "caller", "text": "我是公安局的"},
            {"speaker": "caller", "text": "第二句"},
        ]
    )
    assert text.startswith("callee: 喂？")
    assert opening(text) == "我是公安局的"
    assert opening("x" * 100) == "x" * 40


def test_cross_validate_reports_macro_over_chosen_labels() -> None:
    texts, labels = _data()
    texts, labels = texts + ["短信通知：您的话费余额不足。"] * 4, labels + ["normal"] * 4
    rep = cross_validate(texts, labels, kind="baseline", folds=2, exclude_from_macro=["normal"])
    assert rep.macro_labels == ("police", "service")
    assert set(rep.per_class_f1) == {"normal", "police", "service"}
    assert sum(map(sum, rep.confusion)) == len(texts)
    assert 0.0 <= rep.macro_f1 <= 1.0


def test_svm_c_is_picked_inside_the_training_data() -> None:
    from callwarden.screening.textmodel import C_GRID

    texts, labels = _data()
    picked = TextClassifier(kind="wordchar").fit(texts, labels).c_
    assert picked in C_GRID
    assert TextClassifier(kind="wordchar").fit(texts, labels).c_ == picked  # deterministic
    assert TextClassifier(kind="wordchar", c=0.7).fit(texts, labels).c_ == 0.7
    assert TextClassifier(kind="baseline").fit(texts, labels).c_ == 1.0
    # too few rows of a class for an inner split: the default C
    few = TextClassifier(kind="wordchar").fit(texts[:2] + texts[4:], labels[:2] + labels[4:])
    assert few.c_ == 1.0
    rep = cross_validate(texts * 3, labels * 3, kind="wordchar", folds=2)
    assert len(rep.c_per_fold) == 2 and set(rep.c_per_fold) <= set(C_GRID)


def test_class_offsets_are_chosen_inside_training_and_applied() -> None:
    from callwarden.screening.offsets import RULES

    texts, labels = _data()
    model = TextClassifier(kind="wordchar").fit(texts * 3, labels * 3)
    assert model.offset_rule_ in RULES
    assert model.offsets_ is not None and model.offsets_.shape == (2,)
    raw = model.model_.decision_function(model.vectorizer_.transform(texts))
    assert np.allclose(model.decision_function(texts)[:, 1], raw + model.offsets_[1])
    assert TextClassifier(kind="baseline").fit(texts, labels).offsets_ is None
    rep = cross_validate(texts * 3, labels * 3, kind="wordchar", folds=2)
    assert len(rep.offset_rule_per_fold) == 2 and set(rep.offset_rule_per_fold) <= set(RULES)


def test_a_null_turn_text_or_speaker_is_empty_not_none() -> None:
    """JSON ``null`` in a turn read as the word "None" in the text the models see."""
    text = dialogue_text(
        [{"speaker": "caller", "text": None}, {"speaker": None, "text": "好"}, {"text": 0}]
    )
    assert text == "caller: \n: 好\n: 0"
    assert "None" not in text
