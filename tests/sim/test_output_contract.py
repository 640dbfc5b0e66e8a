"""The output contract other parts code against: files, columns, types, formats."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import phonenumbers
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from phonenumbers import geocoder
from typer.testing import CliRunner

from callwarden.cdr.schema import CANONICAL_SCHEMA, NUMBER_KEY_COLUMNS
from callwarden.cli.main import app
from callwarden.sim import SimResult

from .conftest import joined


def test_files_and_columns(article_dir: Path) -> None:
    names = {p.name for p in article_dir.iterdir()}
    assert {
        "cdrs.parquet",
        "labels.csv",
        "registry.csv",
        "transcripts.jsonl",
        "call_truth.parquet",
        "manifest.json",
    } <= names
    cdrs = pq.read_table(article_dir / "cdrs.parquet")
    # The canonical columns, then the derived integer number keys on every row.
    keys = list(NUMBER_KEY_COLUMNS.values())
    assert cdrs.drop_columns(keys).schema.equals(CANONICAL_SCHEMA)
    assert cdrs.column_names[-2:] == keys
    for number, key in NUMBER_KEY_COLUMNS.items():
        assert cdrs[key].null_count == 0
        assert pc.all(
            pc.equal(
                pc.binary_join_element_wise("+", pc.cast(cdrs[key], "string"), ""), cdrs[number]
            )
        ).as_py()
    labels = pacsv.read_csv(article_dir / "labels.csv")
    assert labels.column_names == ["number", "label", "category", "campaign"]
    assert (
        (article_dir / "labels.csv")
        .read_text(encoding="utf-8")
        .startswith("number,label,category,campaign\n")
    )
    assert pacsv.read_csv(article_dir / "registry.csv").column_names[0] == "number"
    truth = pq.read_table(article_dir / "call_truth.parquet")
    for col in (
        "call_id",
        "population",
        "label",
        "campaign",
        "operation_id",
        "spoofed",
        "bridge_id",
        "bridge_leg",
    ):
        assert col in truth.column_names
    manifest = json.loads((article_dir / "manifest.json").read_text(encoding="utf-8"))
    for key in (
        "scenario",
        "seed",
        "days",
        "subscribers",
        "calls_per_population",
        "generation_seconds",
    ):
        assert key in manifest
    assert manifest["calls"] == cdrs.num_rows


def test_rows_are_well_formed(article: SimResult) -> None:
    t = article.cdrs
    start = t["start_time"].to_numpy().astype("int64")
    assert (np.diff(start) >= 0).all(), "sorted by start_time"
    assert pc.count_distinct(t["call_id"]).as_py() == t.num_rows
    duration = t["duration_s"].to_numpy()
    answered = t["answered"].to_numpy(zero_copy_only=False)
    cause = t["release_cause"].to_numpy()
    assert (answered == (duration > 0)).all()
    assert (answered == (cause == 16)).all(), "16 exactly for answered calls"
    assert set(np.unique(cause)) <= {1, 16, 17, 19, 21}
    assert (t["ring_s"].to_numpy() >= 0).all()
    assert set(t["attestation"].unique().to_pylist()) <= {"", "A", "B", "C"}
    for col in ("caller", "callee"):
        assert pc.all(pc.starts_with(t[col], "+86")).as_py()
    assert t["ingress"].null_count == 0
    # the simulated calendar starts on Monday 2026-11-02 00:00 Asia/Shanghai
    assert start.min() >= np.datetime64("2026-11-01T16:00:00", "us").astype("int64")
    assert start.max() < np.datetime64("2026-11-02T16:00:00", "us").astype("int64")


def test_numbers_are_real_chinese_numbers(article: SimResult) -> None:
    """Mobiles carry their real 归属地; fixed lines and hotlines are valid numbers."""
    con = joined(article)
    rows = con.execute(
        "select callee, any_value(callee_region) from c where callee like '+861%' group by 1 using sample 300 rows"
    ).fetchall()
    assert len(rows) >= 100
    for number, region in rows:
        parsed = phonenumbers.parse(number)
        assert phonenumbers.is_valid_number(parsed), number
        if region is not None:
            assert geocoder.description_for_number(parsed, "zh") == region, number
    fixed = con.execute(
        "select distinct caller from c where caller like '+867%' limit 200"
    ).fetchall()
    assert fixed and all(phonenumbers.is_valid_number(phonenumbers.parse(n)) for (n,) in fixed)
    assert con.execute("select count(*) from c where caller like '+8695%'").fetchone()[0] > 0


def test_imei_only_for_own_mobile_originations(article: SimResult) -> None:
    con = joined(article)
    bad = con.execute(
        "select count(*) from c where imei is not null and not starts_with(ingress, 'MSC-')"
    ).fetchone()
    assert bad[0] == 0
    filled = con.execute(
        "select count(*), count(imei) from c where starts_with(ingress, 'MSC-')"
    ).fetchone()
    assert filled[1] > 0.9 * filled[0]
    assert con.execute(
        "select bool_and(length(imei) = 15) from c where imei is not null"
    ).fetchone()[0]


def test_transcripts_shape(article: SimResult) -> None:
    assert len(article.transcripts) > 100
    rows = {
        r["call_id"]: r
        for r in article.cdrs.select(
            ["call_id", "caller", "callee", "start_time", "duration_s"]
        ).to_pylist()
    }
    truth = {
        r["call_id"]: r
        for r in article.call_truth.select(["call_id", "label", "campaign"]).to_pylist()
    }
    cdr_ids = set(rows)
    for t in article.transcripts:
        assert set(t) == {
            "call_id",
            "caller",
            "callee",
            "start_time",
            "label",
            "category",
            "campaign",
            "caller_kind",
            "turns",
        }
        assert t["call_id"] in cdr_ids
        row = rows[t["call_id"]]
        assert (t["caller"], t["callee"]) == (row["caller"], row["callee"])
        assert t["start_time"] == row["start_time"].isoformat().replace("+00:00", "Z")
        assert row["duration_s"] > 0, "answered calls only"
        assert t["turns"][-1]["end_s"] <= row["duration_s"] + 1e-6
        assert (t["label"], t["campaign"]) == (
            truth[t["call_id"]]["label"],
            truth[t["call_id"]]["campaign"],
        )
        assert t["caller_kind"] in ("bot", "human")
        assert t["start_time"].endswith("Z")
        assert t["turns"], t
        for turn in t["turns"]:
            assert turn["speaker"] in ("caller", "callee")
            assert 0 <= turn["start_s"] <= turn["end_s"]
            assert turn["text"]


def test_cli_writes_a_run(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            "--scenario",
            "quiet",
            "--seed",
            "3",
            "--subscribers",
            "5000",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "calls from" in result.output
    assert pq.read_table(out / "cdrs.parquet").num_rows > 1000


def test_cli_rejects_unknown_scenario(tmp_path: Path) -> None:
    import pytest

    from callwarden.cli.main import main

    with pytest.raises(SystemExit) as exc:
        main(["simulate", "--scenario", "no-such-thing", "--seed", "1", "--out", str(tmp_path)])
    assert exc.value.code == 2


def test_cli_rejects_a_file_as_output_directory(tmp_path: Path) -> None:
    from callwarden.cli.main import main

    target = tmp_path / "taken"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "simulate",
                "--scenario",
                "quiet",
                "--seed",
                "1",
                "--subscribers",
                "2000",
                "--out",
                str(target),
            ]
        )
    assert exc.value.code == 2


def test_every_number_is_a_valid_number(article: SimResult) -> None:
    """Ingest must keep every simulated number: spoofed IDs are unallocated, never malformed."""
    from callwarden.numbers import normalize_array

    cdrs = article.cdrs
    for column in ("caller", "callee", "asserted_caller"):
        distinct = pc.drop_null(pc.unique(cdrs[column]))
        normalised = normalize_array(distinct)
        bad = pc.filter(distinct, pc.is_null(normalised)).to_pylist()
        assert not bad, f"{column}: {len(bad)} numbers do not normalise, e.g. {bad[:3]}"
