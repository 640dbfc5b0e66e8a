"""``callwarden replay`` with the simulator's ingresses.csv and roaming.csv beside the CDRs:
calls from abroad showing domestic numbers are rejected unless the number is roaming, the
roamers (benign) are never rejected; without the roaming list they are labelled; a bad
ingresses file is one error line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app

from .conftest import SUBSCRIBERS


@pytest.fixture(scope="module")
def roaming_day(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from callwarden.sim import simulate, write_sim

    root = tmp_path_factory.mktemp("roam_day")
    yaml = root / "roam.yaml"
    yaml.write_text("base: article\nroaming: {daily_share: 0.01}\n", encoding="utf-8")
    day = write_sim(simulate(str(yaml), seed=2, subscribers=SUBSCRIBERS), root / "s2")
    bare = root / "bare"  # the same day without the roaming list
    bare.mkdir()
    for f in day.iterdir():
        if f.name != "roaming.csv":
            shutil.copy(f, bare / f.name)
    return day


def _replay(world: Path, cdrs: Path, out: Path, *extra: str) -> tuple[Any, dict[str, Any]]:
    res = CliRunner().invoke(
        app,
        [
            "replay", "--cdrs", str(cdrs), "--model", str(world / "model"),
            "--registry", str(cdrs / "registry.csv"), "--out", str(out), "--batch-s", "30",
            "--campaign-every-s", "0", *extra,
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    return res, json.loads(out.read_text(encoding="utf-8"))


def test_roamers_ring_and_spoofed_calls_from_abroad_are_rejected(
    world: Path, roaming_day: Path, tmp_path: Path
) -> None:
    res, rep = _replay(world, roaming_day, tmp_path / "r.json")
    assert "showing a domestic number: rejected as spoofed unless roaming" in res.output
    roamers = rep["by_population"]["benign/roamer"]
    assert roamers["calls"] >= 20
    assert roamers["rejected"] == 0.0 and roamers["labelled"] == 0.0
    assert rep["by_source"]["fraud/abroad_spoofed"]["calls"] > 0
    assert rep["by_source"]["fraud/abroad_spoofed"]["rejected"] == 1.0
    assert rep["inputs"]["roaming"].endswith("roaming.csv")

    res, rep = _replay(world, roaming_day.parent / "bare", tmp_path / "b.json")
    assert "labelled (no roaming list" in res.output
    roamers = rep["by_population"]["benign/roamer"]
    assert roamers["rejected"] == 0.0 and roamers["labelled"] > 0.9
    assert "fraud/abroad_spoofed" not in rep["by_source"]


def test_without_the_files_nothing_is_judged(
    world: Path, roaming_day: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "ingresses.csv"
    empty.write_text("ingress,kind\nMSC-HN00-1,own\n", encoding="utf-8")  # no gateway named
    res, rep = _replay(world, roaming_day, tmp_path / "r.json", "--ingresses", str(empty))
    assert "showing a domestic number" not in res.output
    assert not any("abroad" in k for k in rep["by_source"])


def test_a_bad_ingresses_file_is_one_error_line(
    world: Path, roaming_day: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "ingresses.csv"
    bad.write_text("ingress,kind\nIGW-GZ-1,international\nIGW-GZ-1,own\n", encoding="utf-8")
    res = CliRunner().invoke(
        app,
        [
            "replay", "--cdrs", str(roaming_day), "--model", str(world / "model"),
            "--registry", str(roaming_day / "registry.csv"), "--ingresses", str(bad),
        ],
    )  # fmt: skip
    assert res.exit_code == 2
    assert "line 3: ingress 'IGW-GZ-1' is 'own' here and 'international' on line 2" in res.output


def test_an_unknown_kind_is_an_error_and_an_unseen_gateway_a_warning(
    world: Path, roaming_day: Path, tmp_path: Path
) -> None:
    """Audit 25b H4: a misspelt kind (``intl``) or gateway names the CDRs do not use turned
    the rule off without a word."""
    bad = tmp_path / "kinds.csv"
    bad.write_text("ingress,kind\nIGW-GZ-1,intl\n", encoding="utf-8")
    args = ["--cdrs", str(roaming_day), "--registry", str(roaming_day / "registry.csv")]
    res = CliRunner().invoke(
        app, ["replay", *args, "--model", str(world / "model"), "--ingresses", str(bad)]
    )
    assert res.exit_code == 2
    assert "line 2: ingress 'IGW-GZ-1' has kind 'intl'; the kinds are international" in res.output
    renamed = tmp_path / "ingresses.csv"
    renamed.write_text("ingress,kind\nigw-gz-1,international\n", encoding="utf-8")
    res, _ = _replay(world, roaming_day, tmp_path / "r.json", "--ingresses", str(renamed))
    want = "warning: international gateway igw-gz-1 of the ingresses file appear in none of"
    assert res.output.count(want) == 1, res.output
    out = tmp_path / "camp"
    res = CliRunner().invoke(
        app, ["campaigns", *args, "--out", str(out), "--ingresses", str(renamed)]
    )
    assert res.exit_code == 0, res.output
    assert res.output.count(want) == 1, res.output


def _naive_roaming(day: Path, folder: Path, hours: int) -> tuple[Path, set[str]]:
    """A copy of ``day`` whose roaming.csv is an HLR export in local time at UTC+``hours``,
    written without an offset: one window of an hour around each roamer call. The ids of
    the roamer calls too."""
    import datetime as dt

    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    folder.mkdir()
    for f in day.iterdir():
        if f.name != "roaming.csv":
            shutil.copy(f, folder / f.name)
    truth = pq.read_table(day / "call_truth.parquet", columns=["call_id", "population"])
    ids = set(pc.filter(truth["call_id"], pc.equal(truth["population"], "roamer")).to_pylist())
    cdrs = pq.read_table(day / "cdrs.parquet", columns=["call_id", "caller", "start_time"])
    calls = cdrs.filter(pc.is_in(cdrs["call_id"], pa.array(sorted(ids))))
    local = dt.timezone(dt.timedelta(hours=hours))
    lines = ["number,from,until"]
    for caller, t in zip(calls["caller"].to_pylist(), calls["start_time"].to_pylist(), strict=True):
        at = t.astimezone(local).replace(tzinfo=None)
        half = dt.timedelta(minutes=30)
        lines.append(f"{caller},{(at - half).isoformat()},{(at + half).isoformat()}")
    (folder / "roaming.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder, ids


def _listed_from_abroad(out: Path) -> set[str]:
    """Call ids campaign linking listed as shown from abroad while not roaming."""
    import csv

    with (out / "spoofed_calls.csv").open(encoding="utf-8") as f:
        return {r["call_id"] for r in csv.DictReader(f) if r["international_domestic"] == "true"}


def test_replay_reads_a_naive_roaming_list_in_its_zone(
    world: Path, roaming_day: Path, tmp_path: Path
) -> None:
    """helper-169: roaming.csv's times without an offset were read as UTC, so an HLR export in
    Beijing time put every window 8 hours late and the roamers' calls home were rejected.
    They are read in the zone the command reads its CDRs' naive times in: replay's --tz,
    default the model's (Asia/Shanghai)."""
    beijing, roamer_calls = _naive_roaming(roaming_day, tmp_path / "bj", 8)
    assert len(roamer_calls) >= 20
    _, rep = _replay(world, beijing, tmp_path / "bj.json")
    roamers = rep["by_population"]["benign/roamer"]
    assert roamers["calls"] == len(roamer_calls)
    assert roamers["rejected"] == 0.0 and roamers["labelled"] == 0.0
    assert rep["by_source"]["fraud/abroad_spoofed"]["rejected"] == 1.0
    # another zone: an export at UTC+3, read with --tz UTC+3
    moscow, _ = _naive_roaming(roaming_day, tmp_path / "msk", 3)
    _, rep = _replay(world, moscow, tmp_path / "msk.json", "--tz", "UTC+3")
    assert rep["by_population"]["benign/roamer"]["rejected"] == 0.0


def test_campaigns_and_scan_read_a_naive_roaming_list_in_their_zone(
    world: Path, roaming_day: Path, tmp_path: Path
) -> None:
    """As replay (helper-169): campaigns in Asia/Shanghai (it has no --tz), scan in its --tz;
    spoofed_calls.csv lists the spoofers from abroad and no roamer's call home."""
    beijing, roamer_calls = _naive_roaming(roaming_day, tmp_path / "bj", 8)
    res = CliRunner().invoke(
        app,
        ["campaigns", "--cdrs", str(beijing), "--registry", str(beijing / "registry.csv"),
         "--out", str(tmp_path / "camp")],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    listed = _listed_from_abroad(tmp_path / "camp")
    assert listed and not listed & roamer_calls
    moscow, _ = _naive_roaming(roaming_day, tmp_path / "msk", 3)
    res = CliRunner().invoke(
        app,
        ["scan", "--cdrs", str(moscow), "--model", str(world / "model"), "--registry",
         str(moscow / "registry.csv"), "--out", str(tmp_path / "scan"), "--tz", "UTC+3"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    listed = _listed_from_abroad(tmp_path / "scan")
    assert listed and not listed & roamer_calls
