"""Regressions of the speaker checks (6aeb8d4, 674f0cf) found by the second audit of 30 Nov:

- ``transcribe-audio`` named every call by its file's stem, so ``day1/0001.wav`` and
  ``day2/0001.wav`` (or ``a.wav`` beside ``a.flac``) were one call_id, which ``screen`` now
  refuses: its own output was refused;
- turns with no speaker at all, read as ": text" before, were refused by cluster-scripts and
  train-text (the docs said a turn is "an object with ``text`` (and ``speaker``)");
- a model folder written before meta.json recorded speakers refused its own training data
  when trained on other names (主叫/被叫): it was assumed to know caller, callee, assistant.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from typer.testing import CliRunner, Result

from callwarden.cli.main import app
from tests.screening.test_text_evaluator_path import _rows, _write_jsonl


def _run(*args: object) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def _ids(*paths: str) -> list[str]:
    from callwarden.screening.audio import recording_call_ids  # (here: new in this commit)

    return recording_call_ids([PurePosixPath(p) for p in paths])


def test_unique_stems_stay_the_call_ids() -> None:
    assert _ids("/r/day1/0001.wav", "/r/day2/0002.flac", "/r/x.ogg") == ["0001", "0002", "x"]


def test_shared_stems_get_the_path_below_their_common_folder() -> None:
    assert _ids("/r/day1/0001.wav", "/r/day2/0001.wav", "/r/day2/0002.wav") == [
        "day1/0001", "day2/0001", "0002"
    ]  # fmt: skip
    assert _ids("/r/a.wav", "/r/a.flac", "/r/b.wav") == ["a.wav", "a.flac", "b"]
    assert _ids("/r/d1/a.wav", "/r/d2/a.wav", "/r/d2/a.flac") == ["d1/a", "d2/a.wav", "d2/a.flac"]
    assert _ids("/r/a.wav", "/r/a.wav") == ["a.wav", "a.wav#2"]  # the same file given twice
    ids = _ids("/r/x/a.wav", "/r/x/a.flac", "/r/a.wav.ogg")  # a stem equal to a path's id
    assert ids == ["a.wav#2", "a.flac", "a.wav"]


def _noise(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 0.2, 8000 * 6).astype(np.float32)


def test_transcribe_audio_output_is_screened(tmp_path: Path) -> None:
    """Two days' folders that both hold 0001.wav (noise as the recording: the reference
    recogniser matches fingerprints, no speech needed), transcribed and then screened."""
    for day, seed in (("day1", 1), ("day2", 2)):
        (tmp_path / "aud" / day).mkdir(parents=True)
        sf.write(tmp_path / "aud" / day / "0001.wav", _noise(seed), 8000)
        sf.write(tmp_path / f"ref{seed}.wav", _noise(seed), 8000)
    (tmp_path / "refs.csv").write_text(
        "path,text,language\nref1.wav,您好这里是顺丰快递,zh\nref2.wav,您好这里是平安保险,zh\n",
        encoding="utf-8",
    )
    tr = tmp_path / "tr.jsonl"
    res = _run("transcribe-audio", "--input", tmp_path / "aud" / "day1", "--input",
               tmp_path / "aud" / "day2", "--out", tr, "--language", "zh",
               "--references", tmp_path / "refs.csv")  # fmt: skip
    assert res.exit_code == 0, res.output
    recs = [json.loads(line) for line in tr.read_text("utf-8").splitlines()]
    assert [r["call_id"] for r in recs] == ["day1/0001", "day2/0001"]
    assert [r["turns"][0]["text"] for r in recs] == ["您好这里是顺丰快递", "您好这里是平安保险"]
    res = _run("screen", "--transcripts", tr, "--out", tmp_path / "v.csv")
    assert res.exit_code == 0, res.output
    assert pd.read_csv(tmp_path / "v.csv")["call_id"].tolist() == ["day1/0001", "day2/0001"]


def _speakerless(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "turns": [{"text": t["text"]} for t in r["turns"]]} for r in rows]


@pytest.fixture(scope="module")
def nospk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("nospk")
    _write_jsonl(root / "nospk.jsonl", _speakerless(_rows()))
    _write_jsonl(root / "spk.jsonl", _rows())
    return root


def _train(inp: Path, out: Path) -> Result:
    return _run("train-text", "--input", inp, "--text-column", "turns", "--label-column",
                "label", "--kind", "baseline", "--out", out)  # fmt: skip


def _classify(inp: Path, model: Path, out: Path) -> Result:
    return _run("classify-text", "--input", inp, "--text-column", "turns", "--model", model,
                "--out", out)  # fmt: skip


WARNING = "warning: none of the 32 turns (16 rows) of column 'turns' has a speaker"


def test_turns_without_any_speaker_are_read_by_their_text(nospk: Path, tmp_path: Path) -> None:
    res = _train(nospk / "nospk.jsonl", tmp_path / "m")
    assert res.exit_code == 0 and WARNING in res.output, res.output
    assert json.loads((tmp_path / "m" / "meta.json").read_text("utf-8"))["speakers"] == []
    res = _classify(nospk / "nospk.jsonl", tmp_path / "m", tmp_path / "p.jsonl")
    assert res.exit_code == 0 and WARNING in res.output, res.output
    got = pd.read_json(tmp_path / "p.jsonl", lines=True)
    assert (got["predicted"] == got["label"]).mean() == 1.0
    # a model of speakerless turns given turns with speakers: refused (other lines)
    res = _classify(nospk / "spk.jsonl", tmp_path / "m", tmp_path / "q.jsonl")
    assert res.exit_code == 2 and "meta.json speakers: none (turns without" in res.output


def test_a_model_trained_with_speakers_refuses_speakerless_turns(
    nospk: Path, tmp_path: Path
) -> None:
    assert _train(nospk / "spk.jsonl", tmp_path / "m").exit_code == 0
    res = _classify(nospk / "nospk.jsonl", tmp_path / "m", tmp_path / "p.jsonl")
    assert res.exit_code == 2, res.output
    assert "32 of 32 turns of column 'turns' have a speaker" in res.output
    assert "'(no speaker)' 32" in res.output


def test_cluster_scripts_needs_no_speakers(nospk: Path, tmp_path: Path) -> None:
    rows = _speakerless(_rows())
    rows[0]["turns"] = _rows()[0]["turns"]  # mixed is fine too: it compares texts only
    for name, data in (("nospk", _speakerless(_rows())), ("mixed", rows)):
        inp = _write_jsonl(tmp_path / f"{name}.jsonl", data)
        res = _run("cluster-scripts", "--input", inp, "--text-column", "turns", "--id-column",
                   "id", "--out", tmp_path / f"{name}.csv")  # fmt: skip
        assert res.exit_code == 0 and "warning" not in res.output, res.output


def _old_folder(model: Path, to: Path) -> Path:
    """``model`` as a folder written before meta.json recorded speakers."""
    to.mkdir()
    (to / "model.pkl").write_bytes((model / "model.pkl").read_bytes())
    meta = json.loads((model / "meta.json").read_text("utf-8"))
    del meta["speakers"]
    (to / "meta.json").write_text(json.dumps(meta), "utf-8")
    return to


def test_an_older_folder_classifies_its_own_training_speakers(tmp_path: Path) -> None:
    inp = _write_jsonl(tmp_path / "zh.jsonl", _rows("主叫", "被叫"))
    assert _train(inp, tmp_path / "m").exit_code == 0
    old = _old_folder(tmp_path / "m", tmp_path / "old")
    res = _classify(inp, tmp_path / "m", tmp_path / "new.jsonl")
    assert res.exit_code == 0 and "warning" not in res.output, res.output
    res = _classify(inp, old, tmp_path / "old.jsonl")
    assert res.exit_code == 0, res.output
    assert "('主叫' 16, '被叫' 16)" in res.output and "records no speakers" in res.output
    a = pd.read_json(tmp_path / "new.jsonl", lines=True)
    b = pd.read_json(tmp_path / "old.jsonl", lines=True)
    assert a["score"].tolist() == b["score"].tolist()


def test_an_older_folder_given_capitalised_speakers_says_to_retrain(tmp_path: Path) -> None:
    inp = _write_jsonl(tmp_path / "d.jsonl", _rows())
    assert _train(inp, tmp_path / "m").exit_code == 0
    old = _old_folder(tmp_path / "m", tmp_path / "old")
    res = _classify(inp, old, tmp_path / "a.jsonl")
    assert res.exit_code == 0 and "warning" not in res.output, res.output
    cap = _write_jsonl(tmp_path / "cap.jsonl", _rows("Caller", "Callee"))
    res = _classify(cap, old, tmp_path / "b.jsonl")
    assert res.exit_code == 0, res.output
    assert "32 of 32 turns of column 'turns' have a speaker read trimmed and lowercased" in (
        res.output
    )
    assert "retrain it" in res.output
