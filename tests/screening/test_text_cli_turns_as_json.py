"""Turns written as JSON text, the model's kind of input, empty texts, ids (audit 29 Nov).

- A CSV cell (classify-text's own CSV output among them) or a JSON-lines string field that
  holds a JSON list of turns was read as plain text: a dialogue model gave macro-F1 0.65
  instead of 0.85 on the held-out dialogues, exit 0.
- classify-text never compared the column with the model's meta.json ``text_input``.
- An empty or null text, or an empty list of turns, was labelled as the model scores an
  empty text ("normal", 0.56 for the cn texts' model): now no label, and a warning.
- cluster-scripts took duplicate and blank ids without a word.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from callwarden.cli.main import app

FRAUD = [
    "您好，我是银行客服，您的账户有异常，请提供验证码",
    "我是公安局的，你涉嫌洗钱，转账到安全账户",
]
NORMAL = ["您好，您的快递到了，放在驿站了", "明天下午三点开会，记得带材料"]


def _run(*args: object) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def _dialogue(i: int) -> list[dict[str, str]]:
    text = (FRAUD if i % 2 else NORMAL)[i // 2 % 2]
    return [
        {"speaker": "caller", "text": f"{text} {i}"},
        {"speaker": "callee", "text": "什么？" if i % 3 else "好的"},
    ]


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """calls.jsonl (turns as lists), a model trained on it and one trained on plain text."""
    root = tmp_path_factory.mktemp("turns_json")
    rows = [
        {"id": i, "label": "fraud" if i % 2 else "normal", "turns": _dialogue(i)} for i in range(16)
    ]
    (root / "calls.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8"
    )
    res = _run("train-text", "--input", root / "calls.jsonl", "--text-column", "turns",
               "--label-column", "label", "--kind", "baseline", "--out", root / "turns_model")  # fmt: skip
    assert res.exit_code == 0, res.output
    texts = pd.DataFrame(
        {"text": [r["turns"][0]["text"] for r in rows], "label": [r["label"] for r in rows]}
    )
    texts.to_csv(root / "texts.csv", index=False)
    res = _run("train-text", "--input", root / "texts.csv", "--text-column", "text",
               "--label-column", "label", "--kind", "baseline", "--out", root / "text_model")  # fmt: skip
    assert res.exit_code == 0, res.output
    return root


def _classify(inp: Path, column: str, model: Path, out: Path) -> Result:
    return _run("classify-text", "--input", inp, "--text-column", column, "--model", model,
                "--out", out)  # fmt: skip


def test_turns_as_json_text_read_as_turns(work: Path, tmp_path: Path) -> None:
    """The same predictions and scores from lists (JSON lines), JSON text in a CSV cell, and
    a JSON-lines string field."""
    ref = tmp_path / "ref.csv"
    assert _classify(work / "calls.jsonl", "turns", work / "turns_model", ref).exit_code == 0
    want = pd.read_csv(ref)
    df = pd.read_json(work / "calls.jsonl", lines=True)
    df["turns"] = df["turns"].map(lambda t: json.dumps(t, ensure_ascii=False))
    df.to_csv(tmp_path / "calls.csv", index=False)
    (tmp_path / "strings.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in df.to_dict("records")), "utf-8"
    )
    for inp in (tmp_path / "calls.csv", tmp_path / "strings.jsonl"):
        out = tmp_path / f"p_{inp.stem}.csv"
        res = _classify(inp, "turns", work / "turns_model", out)
        assert res.exit_code == 0, res.output
        assert "warning" not in res.output
        got = pd.read_csv(out)
        assert got["predicted"].tolist() == want["predicted"].tolist()
        assert got["score"].tolist() == want["score"].tolist()


def test_classify_texts_own_csv_output_is_read_back_as_turns(work: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.csv"
    assert _classify(work / "calls.jsonl", "turns", work / "turns_model", out).exit_code == 0
    res = _run("train-text", "--input", out, "--text-column", "turns", "--label-column",
               "label", "--kind", "baseline", "--out", tmp_path / "again")  # fmt: skip
    assert res.exit_code == 0, res.output
    meta = json.loads((tmp_path / "again" / "meta.json").read_text(encoding="utf-8"))
    assert meta["text_input"] == "turns"
    clusters = tmp_path / "cl.csv"
    res = _run("cluster-scripts", "--input", out, "--text-column", "turns", "--id-column", "id",
               "--out", clusters)  # fmt: skip
    assert res.exit_code == 0, res.output


def test_a_text_that_only_looks_like_a_list_stays_text(work: Path, tmp_path: Path) -> None:
    inp = tmp_path / "t.csv"
    pd.DataFrame({"text": ["[广告] 您的快递到了", "[1, 2] 转账", '["a"]']}).to_csv(inp, index=False)
    res = _classify(inp, "text", work / "text_model", tmp_path / "p.csv")
    assert res.exit_code == 0, res.output
    assert pd.read_csv(tmp_path / "p.csv")["predicted"].notna().all()


def test_a_turns_model_given_plain_text_is_refused(work: Path, tmp_path: Path) -> None:
    res = _classify(work / "texts.csv", "text", work / "turns_model", tmp_path / "p.csv")
    assert res.exit_code == 2, res.output
    assert "was trained on lists of turns (meta.json text_input: turns)" in res.output
    assert "holds plain text in 16 of 16 rows" in res.output
    assert not (tmp_path / "p.csv").exists()
    res = _classify(work / "calls.jsonl", "turns", work / "text_model", tmp_path / "p.csv")
    assert res.exit_code == 2 and "was trained on plain text" in res.output, res.output


def test_a_few_rows_of_the_other_kind_are_a_warning(work: Path, tmp_path: Path) -> None:
    df = pd.read_json(work / "calls.jsonl", lines=True)
    df["turns"] = df["turns"].astype(object)
    df.at[3, "turns"] = "您好，我是银行客服"
    df.to_json(tmp_path / "mixed.jsonl", orient="records", lines=True, force_ascii=False)
    res = _classify(tmp_path / "mixed.jsonl", "turns", work / "turns_model", tmp_path / "p.csv")
    assert res.exit_code == 0, res.output
    assert "warning:" in res.output and "plain text in 1 of 16 rows" in res.output


def test_empty_texts_get_no_label(work: Path, tmp_path: Path) -> None:
    inp = tmp_path / "t.jsonl"
    rows = [{"id": 0, "text": FRAUD[0]}, {"id": 1, "text": ""}, {"id": 2, "text": None},
            {"id": 3, "text": "   "}, {"id": 4, "text": NORMAL[0]}]  # fmt: skip
    inp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    out = tmp_path / "p.jsonl"
    res = _classify(inp, "text", work / "text_model", out)
    assert res.exit_code == 0, res.output
    assert "warning: 3 of 5 rows have no text" in res.output
    got = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["predicted"] for r in got][1:4] == ["", "", ""]
    assert [r["score"] for r in got][1:4] == [None, None, None]
    assert got[0]["predicted"] and got[4]["predicted"] and got[0]["score"] is not None


def test_empty_turns_get_no_label(work: Path, tmp_path: Path) -> None:
    rows = [{"id": 0, "turns": _dialogue(1)}, {"id": 1, "turns": []}, {"id": 2, "turns": None},
            {"id": 3, "turns": [{"speaker": "caller", "text": ""}]}]  # fmt: skip
    inp = tmp_path / "t.jsonl"
    inp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    out = tmp_path / "p.csv"
    res = _classify(inp, "turns", work / "turns_model", out)
    assert res.exit_code == 0, res.output
    assert "warning: 3 of 4 rows have no text" in res.output
    got = pd.read_csv(out, keep_default_na=False)
    assert got["predicted"].tolist()[1:] == ["", "", ""]
    assert got["score"].tolist()[1:] == ["", "", ""] and got["predicted"][0] == "fraud"


def test_screen_gives_a_call_without_words_no_text_label(work: Path, tmp_path: Path) -> None:
    calls = tmp_path / "calls.jsonl"
    rows = [
        {"call_id": "a", "turns": _dialogue(1)},
        {"call_id": "b", "turns": [{"speaker": "assistant", "text": "请问您找谁？"}]},
    ]
    calls.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    for model in ("text_model", "turns_model"):
        out = tmp_path / f"v_{model}.csv"
        res = _run("screen", "--transcripts", calls, "--text-model", work / model, "--out", out)
        assert res.exit_code == 0, res.output
        got = pd.read_csv(out, keep_default_na=False)
        if model == "text_model":  # (the turns model sees the assistant's question)
            assert got["text_label"].tolist() == ["fraud", ""], model
            assert got["text_score"][1] == "" and "1 of 2 calls have no text" in res.output
        else:
            assert got["text_label"][0] == "fraud"


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        (["a", "b", "a"], "row 3 repeats 'id' 'a' of row 1"),
        (["a", "", "c"], "row 2 has a blank 'id'"),
        (["a", " ", "c"], "row 2 has a blank 'id'"),
    ],
)
def test_cluster_scripts_refuses_duplicate_and_blank_ids(
    tmp_path: Path, ids: list[str], message: str
) -> None:
    inp = tmp_path / "s.csv"
    pd.DataFrame({"id": ids, "text": FRAUD + NORMAL[:1]}).to_csv(inp, index=False)
    out = tmp_path / "cl.csv"
    res = _run("cluster-scripts", "--input", inp, "--text-column", "text", "--id-column", "id",
               "--out", out)  # fmt: skip
    assert res.exit_code == 2, res.output
    assert message in res.output and not out.exists()
