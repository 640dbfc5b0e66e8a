"""train-text and classify-text on inputs shaped otherwise than the dev sets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from callwarden.cli.main import app

TEXTS = ["请立即转账到安全账户", "您的快递已到", "涉嫌洗钱请配合调查", "明天下午开会"] * 3


def _invoke(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.output


def test_integer_labels_with_a_blank_stay_integers(tmp_path: Path) -> None:
    """JSON integers with a null among them read as floats: the labels were "1.0", "0.0"."""
    data = tmp_path / "texts.jsonl"
    labels = [1, 0, 1, None] * 3
    data.write_text(
        "".join(
            json.dumps({"text": t, "label": lab}, ensure_ascii=False) + "\n"
            for t, lab in zip(TEXTS, labels, strict=True)
        ),
        encoding="utf-8",
    )
    out = tmp_path / "model"
    code, output = _invoke(
        "train-text", "--input", str(data), "--text-column", "text", "--label-column", "label",
        "--missing-label", "2", "--kind", "baseline", "--out", str(out),
    )  # fmt: skip
    assert code == 0, output
    assert json.loads((out / "meta.json").read_text(encoding="utf-8"))["labels"] == ["0", "1", "2"]


def test_a_text_column_empty_in_every_row_is_one_clear_error(tmp_path: Path) -> None:
    """baseline stopped with sklearn's "empty vocabulary" traceback; wordchar wrote a model."""
    data = tmp_path / "texts.csv"
    data.write_text("text,label\n" + "".join(f" ,{i % 2}\n" for i in range(12)), encoding="utf-8")
    for kind in ("baseline", "wordchar"):
        code, output = _invoke(
            "train-text", "--input", str(data), "--text-column", "text", "--label-column",
            "label", "--kind", kind, "--out", str(tmp_path / kind),
        )  # fmt: skip
        assert code == 2 and "'text' is empty in every row" in output, output
        assert not (tmp_path / kind / "model.pkl").exists()


def _dialogues(tmp_path: Path, turns: list[object]) -> Path:
    data = tmp_path / "calls.jsonl"
    rows = [{"id": i, "label": "ab"[i % 2], "turns": turns} for i in range(4)]
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return data


def test_turns_of_another_shape_are_one_clear_error(tmp_path: Path) -> None:
    """Plain strings or role/content messages were joined as empty lines: every row was
    classified (and clustered) as an empty text, silently."""
    for turns, shape in (
        (["您好，这里是快递客服", "哦"], "not '您好"),
        ([{"role": "caller", "content": "您好"}], "not keys ['content', 'role']"),
    ):
        data = _dialogues(tmp_path, turns)
        for args in (
            ["train-text", "--label-column", "label", "--out", str(tmp_path / "m")],
            ["cluster-scripts", "--id-column", "id", "--out", str(tmp_path / "c.csv")],
        ):
            code, output = _invoke(*args, "--input", str(data), "--text-column", "turns")
            assert code == 2 and "row 1 of column 'turns': a turn must be an object" in output
            assert shape in output, output


def test_parquet_turns_are_read_as_turns(tmp_path: Path) -> None:
    """A Parquet list column arrives as NumPy arrays: classify-text stopped with
    "The truth value of an array ... is ambiguous" (a traceback)."""
    import pandas as pd

    turns = [
        {"speaker": "caller", "text": "请立即转账到安全账户"},
        {"speaker": "callee", "text": "好"},
    ]
    data = tmp_path / "calls.parquet"
    pd.DataFrame({"id": [1, 2], "turns": [turns, turns[:1]]}).to_parquet(data)
    texts = tmp_path / "texts.jsonl"  # (a model of turns: one of plain text is refused them)
    texts.write_text(
        "".join(
            json.dumps({"turns": [{"speaker": "caller", "text": t}], "label": i % 2}) + "\n"
            for i, t in enumerate(TEXTS)
        ),
        "utf-8",
    )
    model = tmp_path / "model"
    args = ["--text-column", "turns", "--label-column", "label", "--kind", "baseline"]
    code, output = _invoke("train-text", "--input", str(texts), *args, "--out", str(model))
    assert code == 0, output
    out = tmp_path / "pred.csv"
    code, output = _invoke(
        "classify-text", "--input", str(data), "--text-column", "turns", "--model", str(model),
        "--out", str(out),
    )  # fmt: skip
    assert code == 0, output
    got = pd.read_csv(out)
    assert json.loads(got["turns"][0]) == turns and len(got) == 2


def test_a_jsonl_output_is_json_lines(tmp_path: Path) -> None:
    """classify-text and cluster-scripts wrote CSV into a file named .jsonl."""
    turns = [{"speaker": "caller", "text": "请立即转账到安全账户"}]
    data = _dialogues(tmp_path, turns)
    clusters = tmp_path / "clusters.jsonl"
    code, output = _invoke(
        "cluster-scripts", "--input", str(data), "--text-column", "turns", "--id-column", "id",
        "--out", str(clusters),
    )  # fmt: skip
    assert code == 0, output
    rows = [json.loads(x) for x in clusters.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == [0, 1, 2, 3] and {r["cluster_size"] for r in rows} == {4}
    model = tmp_path / "model"
    code, output = _invoke(
        "train-text", "--input", str(data), "--text-column", "turns", "--label-column", "label",
        "--kind", "baseline", "--out", str(model),
    )  # fmt: skip
    assert code == 0, output
    out = tmp_path / "pred.jsonl"
    code, output = _invoke(
        "classify-text", "--input", str(data), "--text-column", "turns", "--model", str(model),
        "--out", str(out),
    )  # fmt: skip
    assert code == 0, output
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 4 and rows[0]["turns"] == turns and "predicted" in rows[0]


def test_cluster_scripts_adds_its_columns_to_the_input(tmp_path: Path) -> None:
    """Issue 5: cluster-scripts "adds a cluster column"; it wrote id, cluster and cluster_size
    only, so an analyst lost the input's other columns (until session 23)."""
    import pandas as pd

    data = tmp_path / "calls.csv"
    pd.DataFrame(
        {
            "call_id": ["a", "b", "c", "d"],
            "caller": ["+8613800000001", "+8613800000002", "+8613800000003", "+8613800000004"],
            "text": [
                "您好这里是某某教育，我们的暑期课程现在报名立减五百元",
                "您好这里是某某教育，我们的暑期课程现在报名立减五百块",
                "明天下午三点开会别忘了带材料",
                "快递到了放在门口的快递柜里了",
            ],
        }
    ).to_csv(data, index=False)
    out = tmp_path / "clusters.csv"
    code, output = _invoke(
        "cluster-scripts", "--input", str(data), "--text-column", "text", "--id-column",
        "call_id", "--out", str(out),
    )  # fmt: skip
    assert code == 0, output
    got = pd.read_csv(out, dtype={"caller": str})
    assert list(got.columns) == ["call_id", "caller", "text", "cluster", "cluster_size"]
    assert got["caller"].tolist() == [
        "+8613800000001",
        "+8613800000002",
        "+8613800000003",
        "+8613800000004",
    ]
    assert got.loc[0, "cluster"] == got.loc[1, "cluster"] != got.loc[2, "cluster"]
    assert got["cluster_size"].tolist() == [2, 2, 1, 1]
    # an input that already has a cluster column is refused, not overwritten
    code, output = _invoke(
        "cluster-scripts", "--input", str(out), "--text-column", "text", "--id-column",
        "call_id", "--out", str(tmp_path / "again.csv"),
    )  # fmt: skip
    assert code == 2 and "already has a 'cluster' column" in output, output
    assert not (tmp_path / "again.csv").exists()


def test_passed_through_columns_keep_their_digits_and_times_in_json(tmp_path: Path) -> None:
    """The input's columns now pass through cluster-scripts: JSON output cut floats to 10
    digits and wrote a Parquet input's times as epoch milliseconds (session 23's audit)."""
    import pandas as pd

    data = tmp_path / "calls.parquet"
    pd.DataFrame(
        {
            "rid": ["a", "b"],
            "p": [0.123456789012345, 2.5],
            "at": pd.to_datetime(["2026-12-01 08:00:00", "2026-12-01 09:30:00"]),
            "text": ["您好这里是某某教育暑期课程报名立减五百元", "明天下午三点开会别忘了带材料"],
        }
    ).to_parquet(data, index=False)
    out = tmp_path / "clusters.jsonl"
    code, output = _invoke(
        "cluster-scripts", "--input", str(data), "--text-column", "text", "--id-column", "rid",
        "--out", str(out),
    )  # fmt: skip
    assert code == 0, output
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert rows[0]["p"] == 0.123456789012345
    assert rows[0]["at"].startswith("2026-12-01T08:00:00")


def test_a_parquet_output_keeps_the_inputs_list_of_turns_type(tmp_path: Path) -> None:
    """classify-text and cluster-scripts wrote a Parquet input's list<struct> turns column to
    a Parquet output as JSON text (a string column) until session 24; now it reads back as the
    input's type and values. A CSV output still holds each row's turns as JSON text."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    turn = pa.struct(
        [("speaker", pa.string()), ("text", pa.string()), ("start", pa.float32()),
         ("end", pa.float64())]
    )  # fmt: skip
    calls = [
        [
            {"speaker": "caller", "text": "请立即转账到安全账户", "start": 0.5, "end": 2.25},
            {"speaker": "callee", "text": "好", "start": 2.5, "end": None},
        ],
        [{"speaker": "caller", "text": "您的快递已到", "start": 0.0, "end": 1.0}],
        None,
    ]
    data = tmp_path / "calls.parquet"
    pq.write_table(
        pa.table({"id": pa.array([1, 2, 3], pa.int32()), "turns": pa.array(calls, pa.list_(turn))}),
        data,
    )
    model = tmp_path / "model"
    texts = tmp_path / "texts.jsonl"
    texts.write_text(
        "".join(
            json.dumps({"turns": [{"speaker": "caller", "text": t}], "label": i % 2}) + "\n"
            for i, t in enumerate(TEXTS)
        ),
        "utf-8",
    )
    code, output = _invoke(
        "train-text", "--input", str(texts), "--text-column", "turns", "--label-column",
        "label", "--kind", "baseline", "--out", str(model),
    )  # fmt: skip
    assert code == 0, output
    commands = {
        "classify-text": ["--model", str(model)],
        "cluster-scripts": ["--id-column", "id"],
    }
    for command, extra in commands.items():
        for suffix in (".parquet", ".csv"):
            out = tmp_path / f"{command}{suffix}"
            code, output = _invoke(
                command, "--input", str(data), "--text-column", "turns", *extra, "--out",
                str(out),
            )  # fmt: skip
            assert code == 0, output
            if suffix == ".parquet":
                got = pq.read_table(out)
                assert got.schema.field("turns").type == pa.list_(turn), got.schema
                assert got.schema.field("id").type == pa.int32()
                assert got.column("turns").to_pylist() == calls
                assert pd.read_parquet(out).columns[:2].tolist() == ["id", "turns"]
            else:
                rows = pd.read_csv(out)["turns"].tolist()
                assert [json.loads(r) for r in rows[:2]] == calls[:2], rows


def _cluster_to_parquet(tmp_path: Path, rows: list[dict[str, object]]) -> Any:
    import pyarrow.parquet as pq

    data = tmp_path / "in.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    out = tmp_path / "out.parquet"
    code, output = _invoke(
        "cluster-scripts", "--input", str(data), "--text-column", "text", "--id-column", "id",
        "--out", str(out),
    )  # fmt: skip
    assert code == 0, output
    return pq.read_table(out)


def test_json_cells_no_arrow_type_holds_are_json_text_in_parquet(tmp_path: Path) -> None:
    """A JSON-lines list column holding -1 in one row and 2**63 in another made pyarrow raise
    OverflowError, a traceback (session 24's typed Parquet output, audit M1); now JSON text."""
    import pyarrow as pa

    rows = [
        {"id": 1, "text": TEXTS[0], "v": [-1]},
        {"id": 2, "text": TEXTS[1], "v": [2**63]},
    ]
    got = _cluster_to_parquet(tmp_path, rows)
    assert got.schema.field("v").type == pa.large_string(), got.schema
    assert [json.loads(v) for v in got.column("v").to_pylist()] == [[-1], [2**63]]


def test_json_dicts_are_typed_in_parquet_only_when_regular(tmp_path: Path) -> None:
    """Free-form JSON dicts (a key of its own per row) became one struct of every row's keys,
    null nearly everywhere (audit M2: 6,000 rows 136 KB -> 1.99 MB, twice the memory) and
    handed back keys a row never had; they are JSON text again. Dicts with the same keys at
    each place (turns) are still written typed."""
    import pyarrow as pa

    free = [{"id": i, "text": TEXTS[i], "meta": {f"tag_{i}": i}} for i in range(4)]
    got = _cluster_to_parquet(tmp_path, free)
    assert got.schema.field("meta").type == pa.large_string(), got.schema
    assert [json.loads(v) for v in got.column("meta").to_pylist()] == [r["meta"] for r in free]
    # a turn without 'end' where the others have one: not typed (it would gain end: null)
    ragged = [
        {"id": 1, "text": TEXTS[0], "turns": [{"speaker": "caller", "text": "a", "end": 1.5}]},
        {"id": 2, "text": TEXTS[1], "turns": [{"speaker": "caller", "text": "b"}]},
    ]
    got = _cluster_to_parquet(tmp_path, ragged)
    assert got.schema.field("turns").type == pa.large_string(), got.schema
    turns = [
        [{"speaker": "caller", "text": "a", "start": 0.0, "end": 1.5}],
        [{"speaker": "callee", "text": "b", "start": 1.5, "end": 2.0}, None],
        None,
    ]
    regular = [{"id": i, "text": TEXTS[i], "turns": t} for i, t in enumerate(turns)]
    got = _cluster_to_parquet(tmp_path, regular)
    typ = got.schema.field("turns").type
    assert pa.types.is_list(typ) and pa.types.is_struct(typ.value_type), typ
    assert got.column("turns").to_pylist() == turns
