"""The screening and text commands, end to end on small golden files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app

DATA = Path(__file__).resolve().parents[1] / "data" / "screening"
runner = CliRunner()


def _run(*args: str) -> str:
    res = runner.invoke(app, list(args))
    assert res.exit_code == 0, res.output
    return res.output


def test_screen_reads_the_simulator_format_and_writes_verdicts(tmp_path: Path) -> None:
    out = tmp_path / "v.csv"
    _run(
        "screen", "--transcripts", str(DATA / "transcripts.jsonl"), "--out", str(out), "--evaluate"
    )
    df = pd.read_csv(out)
    truth = {
        json.loads(line)["call_id"]: json.loads(line)["caller_kind"]
        for line in (DATA / "transcripts.jsonl").read_text(encoding="utf-8").splitlines()
    }
    assert set(df["call_id"]) == set(truth)
    assert set(df["verdict"]) <= {"bot", "human", "unsure"}
    verdict = dict(zip(df["call_id"], df["verdict"], strict=True))
    assert all(verdict[c] == "bot" for c, k in truth.items() if k == "bot")
    assert all(verdict[c] != "bot" for c, k in truth.items() if k == "human")
    assert verdict["plain-1"] == "unsure"  # no challenge was asked
    reasons = json.loads(df.set_index("call_id").loc["plain-1", "reasons"])
    assert reasons[0]["code"] == "no_challenge"
    assert df["reasons_zh"].str.len().min() > 0


def test_screen_with_known_scripts(tmp_path: Path) -> None:
    first_bot = next(
        json.loads(line)
        for line in (DATA / "transcripts.jsonl").read_text(encoding="utf-8").splitlines()
        if json.loads(line)["caller_kind"] == "bot"
    )
    script = " ".join(t["text"] for t in first_bot["turns"] if t["speaker"] == "caller")
    scripts = tmp_path / "scripts.csv"
    pd.DataFrame({"script_id": ["s1"], "text": [script], "category": ["x"]}).to_csv(
        scripts, index=False
    )
    out = tmp_path / "v.csv"
    _run(
        "screen",
        "--transcripts",
        str(DATA / "transcripts.jsonl"),
        "--out",
        str(out),
        "--scripts",
        str(scripts),
        "--no-batch-scripts",
    )
    df = pd.read_csv(out).set_index("call_id")
    assert "known_campaign_script" in df.loc[first_bot["call_id"], "reasons"]


def test_train_and_classify_text(tmp_path: Path) -> None:
    model = tmp_path / "m"
    out = _run(
        "train-text",
        "--input",
        str(DATA / "texts.csv"),
        "--text-column",
        "text",
        "--label-column",
        "label",
        "--out",
        str(model),
        "--cv",
        "2",
        "--baseline",
        "--report",
        str(tmp_path / "r.json"),
    )
    assert "baseline: 2-fold" in out and "wordchar / baseline" in out
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert set(report) == {"baseline", "wordchar"}
    new = tmp_path / "new.csv"
    pd.DataFrame(
        {"text": ["百万医疗险，住院都能报销，保费很低。", "地铁口两居，首付低，周末看房。"]}
    ).to_csv(new, index=False)
    pred = tmp_path / "pred.csv"
    _run(
        "classify-text",
        "--input",
        str(new),
        "--text-column",
        "text",
        "--model",
        str(model),
        "--out",
        str(pred),
    )
    df = pd.read_csv(pred)
    assert df["predicted"].tolist() == ["insurance", "real_estate"]
    assert df["score"].between(0, 1).all()


def test_cluster_scripts_command(tmp_path: Path) -> None:
    out = tmp_path / "c.csv"
    _run(
        "cluster-scripts",
        "--input",
        str(DATA / "transcripts.jsonl"),
        "--text-column",
        "turns",
        "--id-column",
        "call_id",
        "--out",
        str(out),
    )
    df = pd.read_csv(out)
    assert {"call_id", "cluster", "cluster_size"} <= set(df.columns) and len(df) == 9


@pytest.mark.parametrize(
    "args",
    [
        ["screen", "--transcripts", "/nonexistent.jsonl"],
        [
            "classify-text",
            "--input",
            str(DATA / "texts.csv"),
            "--text-column",
            "text",
            "--model",
            "/nonexistent",
            "--out",
            "/tmp/x.csv",
        ],
        [
            "train-text",
            "--input",
            str(DATA / "texts.csv"),
            "--text-column",
            "nope",
            "--label-column",
            "label",
            "--cv",
            "2",
        ],
    ],
)
def test_user_errors_are_one_clear_line(args: list[str]) -> None:
    from callwarden.cli.main import main

    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2


def _assistant_kinds(path: Path) -> tuple[int, int]:
    """Calls with a reversal prompt or a nonsense prompt, and calls from LLM-style agents."""
    from callwarden.screening.challenge import TRICK_KINDS, recognise_challenge

    tricked = agents = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        agents += rec["bot_style"] == "agent"
        tricked += any(
            t["speaker"] == "assistant"
            and (c := recognise_challenge(t["text"])) is not None
            and c.kind in TRICK_KINDS
            for t in rec["turns"]
        )
    return tricked, agents


def test_simulate_screening_takes_the_tricks_and_the_agent_share(tmp_path: Path) -> None:
    """`--tricks 0` asks no trick challenge (as before 30 Nov); `--agent-share` raises the
    LLM-style agents of the stress test; bad values are one clear error."""
    base = ["simulate-screening", "--calls", "300", "--seed", "4"]
    _run(*base, "--out", str(tmp_path / "d.jsonl"))
    _run(*base, "--tricks", "0", "--out", str(tmp_path / "n.jsonl"))
    _run(*base, "--agent-share", "0.3", "--out", str(tmp_path / "a.jsonl"))
    tricked, agents = _assistant_kinds(tmp_path / "d.jsonl")
    assert tricked > 30
    assert _assistant_kinds(tmp_path / "n.jsonl")[0] == 0
    assert _assistant_kinds(tmp_path / "a.jsonl")[1] > agents + 20
    for bad in (["--tricks", "3"], ["--agent-share", "1.5"]):
        res = runner.invoke(app, [*base, *bad, "--out", str(tmp_path / "x.jsonl")])
        assert res.exit_code == 2 and "must be" in res.output, res.output
