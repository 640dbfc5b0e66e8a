"""The ``joint`` text model: wordchar's SVM scores read together by a logistic regression
fitted on the training rows' inner out-of-fold scores (docs/screening.md, "Sixth round")."""

from pathlib import Path

import numpy as np

from callwarden.screening.io import load_model, save_model
from callwarden.screening.textmodel import TextClassifier, cross_validate

from .test_textmodel import _data


def test_joint_reads_the_svm_scores_with_its_logistic_regression(tmp_path: Path) -> None:
    texts, labels = _data()
    model = TextClassifier(kind="joint").fit(texts * 3, labels * 3)
    plain = TextClassifier(kind="wordchar").fit(texts * 3, labels * 3)
    assert model.joint_ is not None and plain.joint_ is None
    assert model.c_ == plain.c_  # C chosen as wordchar chooses it
    assert model.offset_rule_ == "none" and model.offsets_ is None
    svm = model.model_.decision_function(model.vectorizer_.transform(texts))
    svm = np.stack([-svm, svm], axis=1)
    want = model.joint_.predict_log_proba(svm)
    assert np.allclose(model.decision_function(texts), want)
    pred, score = model.predict_with_score(
        ["公安局说我涉嫌洗钱，要转到安全账户", "客服说可以退款理赔"]
    )
    assert pred.tolist() == ["police", "service"]
    assert ((score > 0.5) & (score <= 1)).all()
    save_model(model, tmp_path / "m")
    assert np.allclose(load_model(tmp_path / "m").decision_function(texts), want)


def test_joint_with_a_given_c_or_tiny_classes_is_the_plain_svm() -> None:
    texts, labels = _data()
    for model in (
        TextClassifier(kind="joint", c=0.5).fit(texts * 3, labels * 3),
        TextClassifier(kind="joint").fit(texts[:2] + texts[4:6], labels[:2] + labels[4:6]),
    ):  # (no inner out-of-fold scores to fit it on)
        assert model.joint_ is None
        raw = model.model_.decision_function(model.vectorizer_.transform(texts))
        assert np.allclose(model.decision_function(texts)[:, 1], raw)


def test_joint_cross_validates() -> None:
    texts, labels = _data()
    rep = cross_validate(texts * 3, labels * 3, kind="joint", folds=2)
    assert rep.kind == "joint" and len(rep.c_per_fold) == 2 and rep.macro_f1 > 0.5


def test_joint_learns_on_the_inner_out_of_fold_scores() -> None:
    """The regression is fitted on scores of rows the SVM did not see (``_pick_c``'s inner
    out-of-fold scores at the chosen C), not on the final SVM's own training scores."""
    from sklearn.linear_model import LogisticRegression

    from callwarden.screening.textmodel import _pick_c

    texts, labels = _data()
    model = TextClassifier(kind="joint").fit(texts * 3, labels * 3)
    y = np.asarray(labels * 3)
    x = model.vectorizer_.transform(texts * 3)
    c, _, oof = _pick_c(x, y, 0)
    assert c == model.c_ and oof is not None
    want = LogisticRegression(C=1.0, max_iter=2000).fit(oof, np.searchsorted(model.classes_, y))
    assert np.allclose(model.joint_.coef_, want.coef_)
    assert np.allclose(model.joint_.intercept_, want.intercept_)


def test_a_model_pickled_before_joint_still_classifies(tmp_path: Path) -> None:
    """A wordchar model folder written before the joint kind has no ``joint_`` attribute:
    it loads and gives its scores as before (the class default, None, stands in)."""
    texts, labels = _data()
    model = TextClassifier(kind="wordchar").fit(texts * 3, labels * 3)
    before = model.decision_function(texts)
    del model.joint_  # as an older pickle holds it
    assert "joint_" not in vars(model)
    save_model(model, tmp_path / "m")
    assert np.allclose(load_model(tmp_path / "m").decision_function(texts), before)


def test_train_text_kind_joint(tmp_path: Path) -> None:
    """``train-text --kind joint``: cross-validation says how the scores are read, the model
    folder records the kind, classify-text uses it."""
    import json

    from typer.testing import CliRunner

    from callwarden.cli.main import app

    texts, labels = _data()
    data = tmp_path / "texts.csv"
    rows = "".join(f"{t},{lab}\n" for t, lab in zip(texts * 3, labels * 3, strict=True))
    data.write_text("text,label\n" + rows, encoding="utf-8")
    model = tmp_path / "model"
    res = CliRunner().invoke(
        app,
        ["train-text", "--input", str(data), "--text-column", "text", "--label-column",
         "label", "--kind", "joint", "--cv", "2", "--out", str(model)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "joint: 2-fold macro-F1" in res.output and "logistic regression" in res.output
    assert "class offsets chosen" not in res.output
    assert json.loads((model / "meta.json").read_text(encoding="utf-8"))["kind"] == "joint"
    out = tmp_path / "pred.csv"
    res = CliRunner().invoke(
        app,
        ["classify-text", "--input", str(data), "--text-column", "text", "--model",
         str(model), "--out", str(out)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert out.read_text(encoding="utf-8").count("\n") == len(texts) * 3 + 1


def test_train_text_kind_auto_is_joint_for_turns_and_wordchar_for_texts(tmp_path: Path) -> None:
    """``--kind auto`` (the default) fits joint on a column of dialogue turns and wordchar on
    plain texts (docs/screening.md, "Seventh round"); meta.json records the kind fitted;
    an explicit --kind is kept; a model folder of either loads and classifies."""
    import json

    from typer.testing import CliRunner

    from callwarden.cli.main import app
    from callwarden.screening.textmodel import resolve_kind

    assert resolve_kind("auto", "turns") == "joint" and resolve_kind("auto", "text") == "wordchar"
    assert resolve_kind("wordchar", "turns") == "wordchar"
    texts, labels = _data()
    rows = list(zip(texts * 3, labels * 3, strict=True))
    plain = tmp_path / "texts.jsonl"
    plain.write_text(
        "".join(
            json.dumps({"text": t, "label": lab}, ensure_ascii=False) + "\n" for t, lab in rows
        ),
        encoding="utf-8",
    )
    turns = tmp_path / "calls.jsonl"
    turns.write_text(
        "".join(
            json.dumps(
                {"turns": [{"speaker": "caller", "text": t}, {"speaker": "callee", "text": "嗯"}],
                 "label": lab}, ensure_ascii=False,
            ) + "\n"
            for t, lab in rows
        ),
        encoding="utf-8",
    )  # fmt: skip
    for data, column, extra, want in (
        (turns, "turns", [], "joint"),
        (plain, "text", [], "wordchar"),
        (turns, "turns", ["--kind", "wordchar"], "wordchar"),
    ):
        model = tmp_path / f"m-{column}-{want}"
        res = CliRunner().invoke(
            app,
            ["train-text", "--input", str(data), "--text-column", column, "--label-column",
             "label", "--out", str(model), *extra],
        )  # fmt: skip
        assert res.exit_code == 0, res.output
        assert f"trained {want} on" in res.output
        meta = json.loads((model / "meta.json").read_text(encoding="utf-8"))
        assert meta["kind"] == want
        assert load_model(model).kind == want
        res = CliRunner().invoke(
            app,
            ["classify-text", "--input", str(data), "--text-column", column, "--model",
             str(model), "--out", str(tmp_path / f"p-{column}-{want}.csv")],
        )  # fmt: skip
        assert res.exit_code == 0, res.output
