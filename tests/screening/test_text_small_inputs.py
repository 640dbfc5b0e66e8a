"""Small and empty inputs to the text commands give an output or one clear error, not a
traceback (audit B): a batch of texts shorter than four characters in all made the hashed
character n-grams raise a broadcast ValueError (train-text on short texts, classify-text of
one two-letter text with a wordchar model); classify-text of a header-only file raised
sklearn's "0 sample(s)"; train-text --cv where one label's rows all fall in one fold gave
"need at least two distinct labels" as a traceback; screen of an empty transcripts file
wrote a CSV without a header."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app
from callwarden.errors import InputError
from callwarden.screening.textmodel import TextClassifier, cross_validate
from callwarden.screening.vectorize import HashedCharTfidf


@pytest.mark.parametrize("texts", [["a"], ["ok"], ["a", "b"], ["", "好"], ["abc"]])
def test_char_ngrams_of_a_batch_shorter_than_n(texts: list[str]) -> None:
    v = HashedCharTfidf(max_n=4, min_df=1)
    m = v.fit_transform(texts)
    assert m.shape == (len(texts), 1 << v.bits)
    # each text's own n-grams, the same as when it is hashed beside a longer text
    longer = v.transform([*texts, "a much longer text"])
    assert (abs(longer[: len(texts)] - m)).sum() == 0


def _fitted(kind: str) -> TextClassifier:
    texts = ["请立即转账到安全账户", "您的快递已到", "涉嫌洗钱请配合调查", "明天下午开会"] * 3
    labels = ["fraud", "normal", "fraud", "normal"] * 3
    return TextClassifier(kind=kind).fit(texts, labels)


@pytest.mark.parametrize("kind", ["wordchar", "baseline"])
def test_one_short_text_and_no_text_are_classified(kind: str) -> None:
    model = _fitted(kind)
    pred, score = model.predict_with_score(["ok"])
    assert pred.tolist()[0] in ("fraud", "normal") and 0 < score[0] <= 1
    pred, score = model.predict_with_score([])
    assert pred.shape == (0,) and score.shape == (0,)


def test_cross_validation_with_a_label_in_one_fold_only_is_an_input_error() -> None:
    texts = [f"这是正常短信编号{i}号请查收账单" for i in range(10)] + ["请立即转账到安全账户"]
    labels = ["normal"] * 10 + ["fraud"]
    with pytest.raises(InputError, match=r"training part of fold \d holds only label 'normal' "
                       r"\(all rows of 'fraud' are in its test part\)"):  # fmt: skip
        cross_validate(texts, labels, kind="baseline", folds=5)


def test_the_commands_on_small_inputs(tmp_path: Path) -> None:
    runner = CliRunner()
    tiny = tmp_path / "tiny.csv"
    tiny.write_text("text,label\na,x\nb,y\n", encoding="utf-8")
    res = runner.invoke(app, ["train-text", "--input", str(tiny), "--text-column", "text",
                              "--label-column", "label", "--out", str(tmp_path / "m")])  # fmt: skip
    assert res.exit_code == 0, res.output
    empty = tmp_path / "empty.csv"
    empty.write_text("text\n", encoding="utf-8")
    out = tmp_path / "classified.csv"
    res = runner.invoke(app, ["classify-text", "--input", str(empty), "--text-column", "text",
                              "--model", str(tmp_path / "m"), "--out", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert out.read_text(encoding="utf-8").splitlines() == ["text,predicted,score"]
    rows = tmp_path / "imbalanced.csv"
    rows.write_text("text,label\n" + "正常短信请查收,normal\n" * 10 + "请转账,fraud\n", "utf-8")
    res = runner.invoke(app, ["train-text", "--input", str(rows), "--text-column", "text",
                              "--label-column", "label", "--cv", "5", "--kind", "baseline"])  # fmt: skip
    assert res.exit_code == 2 and "give more rows of each label or fewer folds" in res.output
    transcripts = tmp_path / "none.jsonl"
    transcripts.write_text("", encoding="utf-8")
    out = tmp_path / "screened.csv"
    res = runner.invoke(app, ["screen", "--transcripts", str(transcripts), "--out", str(out)])
    assert res.exit_code == 0, res.output
    header = out.read_text(encoding="utf-8").splitlines()
    assert header[0].startswith("call_id,caller,verdict,bot_score") and len(header) == 1


def test_cross_validation_names_labels_rarer_than_the_folds(tmp_path: Path) -> None:
    """Said once by the command, not as scikit-learn's warning from every fold split."""
    import warnings

    rows = tmp_path / "rare.csv"
    normal = [f"正常短信第{i}条请查收账单" for i in range(20)]
    fraud = ["请立即转账到安全账户", "您涉嫌洗钱请配合调查", "把验证码告诉我"]
    rows.write_text(
        "text,label\n" + "".join(f"{t},normal\n" for t in normal)
        + "".join(f"{t},fraud\n" for t in fraud), "utf-8",
    )  # fmt: skip
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = CliRunner().invoke(app, ["train-text", "--input", str(rows), "--text-column", "text",
                                       "--label-column", "label", "--cv", "5", "--kind", "baseline"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "note: 1 label(s) have fewer rows than the 5 folds ('fraud': 3)" in res.output
    assert not [w for w in caught if "least populated" in str(w.message)]
