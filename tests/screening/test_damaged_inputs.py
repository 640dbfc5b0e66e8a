"""Transcripts in GB18030 or with a BOM are read; damaged text models and transcripts
without a call id get one clear error line (exit 2), never a traceback or "Aborted."."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app

DATA = Path(__file__).resolve().parents[1] / "data" / "screening"
runner = CliRunner()


def _lines() -> list[str]:
    return (DATA / "transcripts.jsonl").read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig"])
def test_screen_reads_gb18030_and_bom_transcripts(tmp_path: Path, encoding: str) -> None:
    src = tmp_path / "t.jsonl"
    src.write_bytes("\n".join(_lines()).encode(encoding))
    res = runner.invoke(
        app, ["screen", "--transcripts", str(src), "--out", str(tmp_path / "v.csv")]
    )
    assert res.exit_code == 0, res.output
    rows = (tmp_path / "v.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 1 + len(_lines())


def test_campaign_transcripts_need_a_call_id(tmp_path: Path) -> None:
    from callwarden.campaigns.io import read_transcripts
    from callwarden.errors import InputError

    rec = json.loads(_lines()[0])
    del rec["call_id"]
    p = tmp_path / "t.jsonl"
    p.write_bytes((_lines()[1] + "\n" + json.dumps(rec, ensure_ascii=False)).encode("gb18030"))
    with pytest.raises(InputError, match=r"t\.jsonl:2: a transcript needs its call_id"):
        list(read_transcripts(p))


def test_undecodable_transcripts_name_the_line(tmp_path: Path) -> None:
    from callwarden.errors import InputError
    from callwarden.jsonlines import read_objects

    p = tmp_path / "t.jsonl"
    p.write_bytes(b'{"a": 1}\n{"b": "\xff\xfe\xff"}\n')
    with pytest.raises(InputError, match=r"t\.jsonl:2: not"):
        list(read_objects(p))


@pytest.fixture(scope="module")
def text_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tm") / "m"
    args = ["train-text", "--input", str(DATA / "texts.csv"), "--text-column", "text"]
    res = runner.invoke(app, [*args, "--label-column", "label", "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out


@pytest.mark.parametrize(
    "damage",
    ["empty pickle", "truncated pickle", "meta is a list", "meta not utf-8"],
)
def test_a_damaged_text_model_is_one_clear_error(
    tmp_path: Path, text_model: Path, damage: str
) -> None:
    model = tmp_path / "m"
    shutil.copytree(text_model, model)
    pkl, meta = model / "model.pkl", model / "meta.json"
    if damage == "empty pickle":
        pkl.write_bytes(b"")
    elif damage == "truncated pickle":
        pkl.write_bytes(pkl.read_bytes()[: pkl.stat().st_size // 2])
    elif damage == "meta is a list":
        meta.write_text("[1, 2]", encoding="utf-8")
    else:
        meta.write_bytes('{"format": 1, "注": "模型"}'.encode("gb18030"))
    new = tmp_path / "new.csv"
    new.write_text("text\n百万医疗险，住院都能报销。\n", encoding="utf-8")
    res = runner.invoke(
        app,
        ["classify-text", "--input", str(new), "--text-column", "text", "--model", str(model),
         "--out", str(tmp_path / "p.csv")],
    )  # fmt: skip
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and "Aborted" not in res.output
    assert str(model) in res.output
