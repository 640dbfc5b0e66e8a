"""``screen --text-model``: a train-text model's label and score for every screened call, fed
the kind of text it was trained on (a call's turns or the caller's words), exactly as
classify-text predicts them; without the option the columns are unchanged; a bad model
folder is classify-text's one clear error line (exit 2)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from callwarden.cli._text_io import SCREEN_COLUMNS
from callwarden.cli.main import app

runner = CliRunner()

# Three kinds of short calls, hand-written: a fake refund (customer service), a loan offer and
# an ordinary delivery or family call.
REFUND = [
    "您好，我是淘宝客服，您买的衣服有质量问题，我们给您退款。",
    "这里是京东客服，您的订单异常，需要您打开支付宝操作退款。",
    "您好，快递丢件了，我们理赔三倍运费，请加一下客服微信。",
    "我是拼多多客服，您的会员即将自动扣费，需要您关闭一下。",
    "您的包裹出了问题，我们要给您退款，请提供银行卡号。",
    "客服这边给您办理退款，请把收到的验证码告诉我。",
    "您好，抖音客服，您开通的百万保障每月扣费，我教您取消。",
    "您购买的商品被召回，退款需要您在备用金里操作一下。",
    "我们是快递公司理赔部，请下载这个应用领取退款。",
    "淘宝店铺客服通知您，订单退款失败，需要重新验证账户。",
    "您好，您的网购订单重复扣款，客服帮您退回多扣的钱。",
    "售后客服来电，您的商品质量不合格，可以申请双倍赔偿。",
]
LOAN = [
    "您好，我们是正规贷款平台，无抵押低利息，最快当天放款。",
    "需要资金周转吗？我们这边可以办理信用贷款，额度二十万。",
    "您的征信良好，可以申请无息贷款，先交一点保证金就行。",
    "贷款已经审批通过，请先缴纳解冻费，钱马上到账。",
    "我们银行推出低息贷款，不看征信，手续简单。",
    "您之前申请的网贷额度已经批下来了，要不要提现？",
    "小额贷款一天就能到账，需要您先刷一下流水。",
    "您好，这边是金融公司，给您推荐一款低息分期贷款。",
    "贷款放款前要交一笔工本费，交完就给您打款。",
    "额度已经提升到五万元，按照提示操作就可以借款。",
    "您的贷款账户被冻结了，需要转一笔钱证明还款能力。",
    "我们公司可以帮您办理大额贷款，利息比银行还低。",
]
NORMAL = [
    "妈，我今天晚上回家吃饭，你不用等我了。",
    "您好，您的快递放在小区门口的快递柜了，记得取一下。",
    "明天上午的会议改到下午三点，请准时参加。",
    "老王，周末一起去钓鱼吗？天气预报说是晴天。",
    "您好，您预约的体检在下周二早上八点，请空腹前来。",
    "我是楼下的邻居，你家的水管好像漏水了。",
    "孩子的家长会在周五下午，请家长准时到校。",
    "您好，外卖到了，我在楼下等您。",
    "爸，车子已经修好了，明天可以去取。",
    "您好，您的包裹已经签收，感谢使用我们的快递服务。",
    "今天加班，晚饭你们先吃，我九点左右到家。",
    "您好，物业通知明天停水一天，请提前储水。",
]
KINDS = {"refund": REFUND, "loan": LOAN, "normal": NORMAL}
CALLEE_LINE = {"refund": "退款要怎么操作？", "loan": "利息是多少？", "normal": "好的，知道了。"}

ASK = "请问您找谁？"  # (the screening assistant)

# Screened calls: the caller's lines (two each) and the screening assistant's questions.
CALLS = [
    ("c-refund", ["您好，我是淘宝客服，您的订单有问题需要退款。", "请您打开支付宝备用金操作一下。"]),
    ("c-loan", ["您好，我们可以办理无抵押贷款，额度很高。", "先交一点保证金，当天放款。"]),
    ("c-normal", ["您好，您的快递到了，放在门口快递柜。", "记得今天取一下，谢谢。"]),
    ("c-mixed", ["您好，客服这边给您退款，", "退款前需要先申请一笔贷款。"]),
    ("c-family", ["妈，我今晚回家吃饭。", "你不用等我了。"]),
]  # fmt: skip


def _write_jsonl(path: Path, records: Sequence[Mapping[str, object]]) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return path


def _invoke(*args: str) -> str:
    res = runner.invoke(app, list(args))
    assert res.exit_code == 0, res.output
    return res.output


def _caller_words(lines: list[str]) -> str:
    return "\n".join(lines)  # (as Transcript.text_of joins the caller's turns)


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The training sets, two models (plain text, turns) and the calls to screen."""
    d = tmp_path_factory.mktemp("stm")
    rows = [(text, label) for label, texts in KINDS.items() for text in texts]
    pd.DataFrame(rows, columns=["text", "label"]).to_csv(d / "texts.csv", index=False)
    dialogues = [
        {
            "turns": [
                {"speaker": "caller", "text": text},
                {"speaker": "callee", "text": CALLEE_LINE[label]},
            ],
            "label": label,
        }
        for text, label in rows
    ]
    _write_jsonl(d / "dialogues.jsonl", dialogues)
    for name, src, column in [("text", "texts.csv", "text"), ("turns", "dialogues.jsonl", "turns")]:
        _invoke("train-text", "--input", str(d / src), "--text-column", column,
                "--label-column", "label", "--out", str(d / f"model-{name}"))  # fmt: skip
    calls = []
    for call_id, lines in CALLS:
        turns: list[dict[str, object]] = []
        for i, line in enumerate(lines):
            t = 6.0 * i
            turns.append({"speaker": "caller", "text": line, "start_s": t, "end_s": t + 3})
            turns.append({"speaker": "assistant", "text": ASK, "start_s": t + 3.5, "end_s": t + 5})
        calls.append({"call_id": call_id, "caller": "+8613800000000", "turns": turns})
    _write_jsonl(d / "transcripts.jsonl", calls)
    # the same calls as a model of caller/callee turns reads them in screen: the assistant
    # answers in the callee's place
    _write_jsonl(
        d / "transcripts_as_callee.jsonl",
        [
            {
                **c,
                "turns": [
                    {**t, "speaker": "callee"} if t["speaker"] == "assistant" else t
                    for t in c["turns"]
                ],
            }  # fmt: skip
            for c in calls
        ],
    )
    # the same calls as classify-text reads plain text: the caller's words
    _write_jsonl(
        d / "caller_words.jsonl",
        [{"call_id": c, "text": _caller_words(lines)} for c, lines in CALLS],
    )
    return d


def _screen(work: Path, out: Path, *extra: str) -> pd.DataFrame:
    _invoke("screen", "--transcripts", str(work / "transcripts.jsonl"), "--out", str(out), *extra)
    return pd.read_csv(out, dtype=str, keep_default_na=False)


def _classify(work: Path, model: str, src: str, column: str, out: Path) -> pd.DataFrame:
    _invoke("classify-text", "--input", str(work / src), "--text-column", column,
            "--model", str(work / model), "--out", str(out))  # fmt: skip
    return pd.read_csv(out, dtype=str, keep_default_na=False)


def _with_model_columns() -> list[str]:
    cols = list(SCREEN_COLUMNS)
    at = cols.index("category_keywords") + 1
    return [*cols[:at], "text_label", "text_score", *cols[at:]]


def test_train_text_records_what_the_model_read(work: Path) -> None:
    for name in ("text", "turns"):
        meta = json.loads((work / f"model-{name}" / "meta.json").read_text(encoding="utf-8"))
        assert meta["text_input"] == name


def test_a_plain_text_model_reads_the_callers_words(work: Path, tmp_path: Path) -> None:
    df = _screen(work, tmp_path / "v.csv", "--text-model", str(work / "model-text"))
    assert list(df.columns) == _with_model_columns()
    ref = _classify(work, "model-text", "caller_words.jsonl", "text", tmp_path / "c.csv")
    assert list(df["call_id"]) == list(ref["call_id"])
    assert list(df["text_label"]) == list(ref["predicted"])
    assert list(df["text_score"]) == list(ref["score"])
    assert set(df["text_label"]) <= set(KINDS)
    got = dict(zip(df["call_id"], df["text_label"], strict=True))
    assert (got["c-refund"], got["c-loan"], got["c-family"]) == ("refund", "loan", "normal")


def test_a_turns_model_reads_the_calls_turns(work: Path, tmp_path: Path) -> None:
    df = _screen(work, tmp_path / "v.csv", "--text-model", str(work / "model-turns"))
    assert list(df.columns) == _with_model_columns()
    ref = _classify(work, "model-turns", "transcripts_as_callee.jsonl", "turns", tmp_path / "c.csv")
    assert list(df["text_label"]) == list(ref["predicted"])
    assert list(df["text_score"]) == list(ref["score"])
    # (fed as 'assistant:' lines, a speaker the model never saw, the scores differ: session
    # 18's audit 4 found 40 of 100 simulated calls' labels moved so)
    raw = _classify(work, "model-turns", "transcripts.jsonl", "turns", tmp_path / "r.csv")
    assert list(df["text_score"]) != list(raw["score"])
    # ... and not the caller's words, which the model scores otherwise (classify-text
    # refuses them since 29 Nov: the model's meta.json says turns)
    from callwarden.screening.io import load_model

    words = [_caller_words(lines) for _, lines in CALLS]
    _, scores = load_model(work / "model-turns").predict_with_score(words)
    assert [float(x) for x in df["text_score"]] != scores.round(4).tolist()
    res = runner.invoke(app, ["classify-text", "--input", str(work / "caller_words.jsonl"),
                              "--text-column", "text", "--model", str(work / "model-turns"),
                              "--out", str(tmp_path / "w.csv")])  # fmt: skip
    assert res.exit_code == 2 and "holds plain text in 5 of 5 rows" in res.output, res.output


def test_without_the_option_the_columns_are_unchanged(work: Path, tmp_path: Path) -> None:
    plain = _screen(work, tmp_path / "plain.csv")
    assert list(plain.columns) == list(SCREEN_COLUMNS)
    with_model = _screen(work, tmp_path / "m.csv", "--text-model", str(work / "model-text"))
    pd.testing.assert_frame_equal(with_model.drop(columns=["text_label", "text_score"]), plain)


@pytest.mark.parametrize(("column", "fed"), [("turns", "turns"), ("dialogue", "text")])
def test_a_folder_that_records_nothing_goes_by_its_text_column(
    work: Path, tmp_path: Path, column: str, fed: str
) -> None:
    """A folder from before train-text recorded text_input: turns when its text_column was
    ``turns``, else plain text (the caller's words)."""
    model = tmp_path / "old"
    shutil.copytree(work / "model-turns", model)
    meta = json.loads((model / "meta.json").read_text(encoding="utf-8"))
    del meta["text_input"]
    meta["text_column"] = column
    (model / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    df = _screen(work, tmp_path / "v.csv", "--text-model", str(model))
    src, col = (
        ("transcripts_as_callee.jsonl", "turns")
        if fed == "turns"
        else ("caller_words.jsonl", "text")
    )  # (the folder records caller and callee: the assistant's turns are read as the callee's)
    ref = _classify(work, str(model), src, col, tmp_path / "c.csv")  # (reads it alike)
    assert list(df["text_score"]) == list(ref["score"])


def test_no_calls_still_has_the_model_columns(work: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    out = tmp_path / "v.csv"
    _invoke("screen", "--transcripts", str(empty), "--out", str(out),
            "--text-model", str(work / "model-text"))  # fmt: skip
    assert out.read_text(encoding="utf-8").strip() == ",".join(_with_model_columns())


@pytest.mark.parametrize(
    "damage", ["no folder", "no model.pkl", "truncated pickle", "meta not json", "text_input"]
)
def test_a_bad_model_folder_is_classify_texts_error(
    work: Path, tmp_path: Path, damage: str
) -> None:
    model = tmp_path / "m"
    if damage != "no folder":
        shutil.copytree(work / "model-text", model)
    pkl, meta = model / "model.pkl", model / "meta.json"
    if damage == "no model.pkl":
        pkl.unlink()
    elif damage == "truncated pickle":
        pkl.write_bytes(pkl.read_bytes()[: pkl.stat().st_size // 2])
    elif damage == "meta not json":
        meta.write_text("{format: 1", encoding="utf-8")
    elif damage == "text_input":
        m = json.loads(meta.read_text(encoding="utf-8"))
        meta.write_text(json.dumps({**m, "text_input": "audio"}), encoding="utf-8")
    out = tmp_path / "v.csv"
    res = runner.invoke(app, ["screen", "--transcripts", str(work / "transcripts.jsonl"),
                              "--out", str(out), "--text-model", str(model)])  # fmt: skip
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and "Aborted" not in res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and str(model) in lines[0]
    assert not out.exists()
    if damage != "text_input":  # (classify-text does not read what a model was trained on)
        ref = runner.invoke(app, ["classify-text", "--input", str(work / "caller_words.jsonl"),
                                  "--text-column", "text", "--model", str(model),
                                  "--out", str(tmp_path / "c.csv")])  # fmt: skip
        assert ref.exit_code == 2 and ref.output == res.output


def _retrained(work: Path, tmp_path: Path, speakers: tuple[str, str]) -> Path:
    """The turns model trained on the same dialogues with the speakers renamed."""
    rows = [json.loads(line) for line in (work / "dialogues.jsonl").read_text("utf-8").split("\n")
            if line]  # fmt: skip
    names = dict(zip(("caller", "callee"), speakers, strict=True))
    for r in rows:
        r["turns"] = [{**t, "speaker": names[t["speaker"]]} for t in r["turns"]]
    src = _write_jsonl(tmp_path / "renamed.jsonl", rows)
    _invoke("train-text", "--input", str(src), "--text-column", "turns",
            "--label-column", "label", "--out", str(tmp_path / "renamed"))  # fmt: skip
    return tmp_path / "renamed"


def test_a_turns_model_trained_on_other_speaker_names_is_refused(
    work: Path, tmp_path: Path
) -> None:
    """A model trained on 主叫/被叫 reads every screened turn as a speaker it never saw
    (classify-text refuses that column; screen labelled the calls all the same, exit 0)."""
    model = _retrained(work, tmp_path, ("主叫", "被叫"))
    out = tmp_path / "v.csv"
    res = runner.invoke(app, ["screen", "--transcripts", str(work / "transcripts.jsonl"),
                              "--out", str(out), "--text-model", str(model)])  # fmt: skip
    assert res.exit_code == 2, res.output
    assert "主叫" in res.output and "'caller'" in res.output and "Traceback" not in res.output
    assert not out.exists()


def test_the_assistants_turns_count_as_the_callees(work: Path, tmp_path: Path) -> None:
    """Every screened call has the assistant's turns; a model trained on caller and callee
    turns takes them without a warning, one trained on caller and 被叫 warns of them."""
    res = runner.invoke(app, ["screen", "--transcripts", str(work / "transcripts.jsonl"),
                              "--out", str(tmp_path / "a.csv"),
                              "--text-model", str(work / "model-turns")])  # fmt: skip
    assert res.exit_code == 0 and "warning" not in res.output, res.output
    model = _retrained(work, tmp_path, ("caller", "被叫"))
    res = runner.invoke(app, ["screen", "--transcripts", str(work / "transcripts.jsonl"),
                              "--out", str(tmp_path / "b.csv"), "--text-model", str(model)])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "warning: 10 of 20 turns" in res.output and "'assistant' 10" in res.output
