"""A New York carrier ingests with --tz America/New_York, then runs scan, replay, train,
campaigns, evaluate and serve without --tz: each takes its local days and the roaming list's
naive times in New York time, the zone ingest recorded (audit 26 M1, M2), and says which zone
and where it came from (L3). Until 2 Dec they took Shanghai days (replay: the model's zone)
and campaigns had no --tz."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import zoneinfo
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app

NY = "America/New_York"


def _run(args: list[str], code: int = 0) -> str:
    res = CliRunner().invoke(app, args)
    assert res.exit_code == code, res.output + repr(res.exception)
    return res.output


def _naive(sim: Path, root: Path) -> tuple[Path, Path]:
    """The simulated day's CDRs and roaming list with New York wall-clock times, no offset."""
    t = pq.read_table(sim / "cdrs.parquet")
    t = t.drop_columns(["caller_key", "callee_key"])
    local = pc.strftime(t["start_time"].cast(pa.timestamp("us", NY)), format="%Y-%m-%d %H:%M:%S")
    t = t.set_column(t.column_names.index("start_time"), "start_time", local)
    pcsv.write_csv(t, root / "ny.csv")
    zone = zoneinfo.ZoneInfo(NY)

    def wall(v: str) -> str:
        when = dt.datetime.fromisoformat(v.replace("Z", "+00:00")) if v else None
        return when.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if when else ""

    with (sim / "roaming.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    lines = [f"{r['number']},{wall(r['from'])},{wall(r['until'])}\n" for r in rows]
    (root / "roaming_ny.csv").write_text("number,from,until\n" + "".join(lines), "utf-8")
    return root / "ny.csv", root / "roaming_ny.csv"


@pytest.fixture(scope="module")
def carrier(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from callwarden.sim import simulate, write_sim

    root = tmp_path_factory.mktemp("ny_carrier")
    (root / "roam.yaml").write_text("base: article\nroaming: {daily_share: 0.02}\n", "utf-8")
    sim = write_sim(simulate(str(root / "roam.yaml"), seed=2, subscribers=1000), root / "sim")
    cdrs_csv, roaming = _naive(sim, root)
    _run(["ingest", str(cdrs_csv), "--out", str(root / "ny"), "--tz", NY])
    return {"root": root, "sim": sim, "ny": root / "ny", "roaming": roaming}


@pytest.fixture(scope="module")
def model(carrier: dict[str, Path]) -> Path:
    """Trained on the ingest folder without --tz: its days are New York's."""
    out = carrier["root"] / "model"
    said = _run(["train", "--cdrs", str(carrier["ny"]), "--labels",
                 str(carrier["sim"] / "labels.csv"), "--rounds", "3", "--folds", "2",
                 "--out", str(out)])  # fmt: skip
    (carrier["root"] / "train.out").write_text(said, encoding="utf-8")
    return out


def _files(carrier: dict[str, Path]) -> list[str]:
    sim = carrier["sim"]
    return ["--cdrs", str(carrier["ny"]), "--registry", str(sim / "registry.csv"),
            "--ingresses", str(sim / "ingresses.csv"), "--roaming", str(carrier["roaming"])]  # fmt: skip


def test_train_records_the_ingested_zone(carrier: dict[str, Path], model: Path) -> None:
    said = (carrier["root"] / "train.out").read_text(encoding="utf-8")
    assert f"local days: {NY} (recorded in {carrier['ny'] / 'dataset.json'})" in said
    manifest = json.loads((model / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["tz"] == NY and manifest["utc_offset_hours"] == [-5]


def test_scan_without_tz_takes_new_york_days(
    carrier: dict[str, Path], model: Path, tmp_path: Path
) -> None:
    scan = ["scan", *_files(carrier), "--model", str(model), "--top", "0"]
    out = _run([*scan, "--out", str(tmp_path / "a")])
    _run([*scan, "--tz", NY, "--out", str(tmp_path / "b")])
    a, b = (json.loads((tmp_path / d / "scan-summary.json").read_text()) for d in "ab")
    assert (a["tz"], a["utc_offset_hours"]) == (NY, -5)
    for name in ("verdicts.csv", "spoofed_calls.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    drop = ("inputs", "seconds", "scanned_at")
    assert {k: v for k, v in a.items() if k not in drop} == {
        k: v for k, v in b.items() if k not in drop
    }
    where = f"recorded in {carrier['ny'] / 'dataset.json'}"
    assert f"(day 2026-11-02 in {NY} (UTC-5), {where}; model" in out
    assert f"naive times in {NY}, {where})" in out  # the roaming list's line
    assert "trained on days at" not in out  # the model's offset is the day's
    # evaluate of verdicts without their summary: the heavy callers' days are the record's
    bare = tmp_path / "bare"
    bare.mkdir()
    shutil.copy(tmp_path / "a" / "verdicts.csv", bare / "verdicts.csv")
    out = _run(["evaluate", "--verdicts", str(bare / "verdicts.csv"), "--labels",
                str(carrier["sim"] / "labels.csv"), "--cdrs", str(carrier["ny"])])  # fmt: skip
    assert f"heavy callers' days: {NY} ({where})" in out


def test_replay_without_tz_takes_the_record_over_the_models(
    carrier: dict[str, Path], model: Path, tmp_path: Path
) -> None:
    """Precedence: --tz, the dataset's record, the model's manifest (here Shanghai's)."""
    sh = tmp_path / "sh_model"
    shutil.copytree(model, sh)
    manifest = json.loads((sh / "manifest.json").read_text(encoding="utf-8"))
    manifest.update(tz="Asia/Shanghai", utc_offset_hours=[8])
    (sh / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    out = _run(["replay", *_files(carrier), "--model", str(sh), "--truth",
                str(carrier["sim"] / "call_truth.parquet"), "--batch-s", "60",
                "--campaign-every-s", "0", "--out", str(tmp_path / "r.json")])  # fmt: skip
    rep: dict[str, Any] = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    roamers = rep["by_population"]["benign/roamer"]
    assert roamers["calls"] >= 20 and roamers["rejected"] == 0.0
    where = f"recorded in {carrier['ny'] / 'dataset.json'}"
    assert rep["tz"] == {"tz": NY, "utc_offset_hours": -5, "from": where}
    assert f"stream days: {NY} (UTC-5, {where})" in out  # one parenthesis (L11)
    assert "trained on days at Asia/Shanghai (UTC+8)" in out  # the model's warning stays


def _roamers_listed(folder: Path) -> int:
    """Roamers' own calls (``s2-r...``) listed as shown from abroad while not roaming."""
    t = pcsv.read_csv(folder / "spoofed_calls.csv")
    own = pc.starts_with(t["call_id"], "s2-r")
    return int(pc.sum(pc.and_(own, t["international_domestic"])).as_py() or 0)


def test_campaigns_tz_moves_roaming_windows(carrier: dict[str, Path], tmp_path: Path) -> None:
    """M1: campaigns read --roaming's naive times in Asia/Shanghai whatever the CDRs were."""
    args = ["campaigns", *_files(carrier)]
    out = _run([*args, "--out", str(tmp_path / "default")])
    assert _roamers_listed(tmp_path / "default") == 0
    assert f"naive times in {NY}, recorded in {carrier['ny'] / 'dataset.json'})" in out
    out = _run([*args, "--tz", "Asia/Shanghai", "--out", str(tmp_path / "sh")])
    assert "naive times in Asia/Shanghai, --tz)" in out
    assert "warning: --tz Asia/Shanghai is not America/New_York" in out
    assert _roamers_listed(tmp_path / "sh") > 0  # the windows 13 hours early
    out = _run([*args, "--tz", "Mars/Olympus", "--out", str(tmp_path / "x")], code=2)
    assert "--tz 'Mars/Olympus' is neither a time zone name" in out


def test_mixed_zones_stop_a_command_without_tz(
    carrier: dict[str, Path], model: Path, tmp_path: Path
) -> None:
    mixed = tmp_path / "mixed"
    shutil.copytree(carrier["ny"], mixed)
    (tmp_path / "one.csv").write_text(
        "call_id,start_time,caller,callee,duration_s\nx1,2026-11-02 10:00:00,"
        "13800138000,13900139000,30\n",
        encoding="utf-8",
    )
    out = _run(["ingest", str(tmp_path / "one.csv"), "--out", str(mixed), "--tz",
                "Asia/Shanghai"], code=2)  # fmt: skip
    assert "error: --tz Asia/Shanghai is not America/New_York" in out
    out = _run(["ingest", str(tmp_path / "one.csv"), "--out", str(mixed), "--tz",
                "Asia/Shanghai", "--allow-mixed-zones"])  # fmt: skip
    assert "read in different zones" in out
    scan = ["scan", "--cdrs", str(mixed), "--model", str(model), "--top", "0"]
    out = _run([*scan, "--out", str(tmp_path / "s")], code=2)
    assert f"read in different zones ({NY} and Asia/Shanghai;" in out
    assert "pass --tz" in out and not (tmp_path / "s" / "verdicts.csv").exists()


def test_serve_takes_an_offset_and_the_record(
    carrier: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """L4: serve --tz took zone names only for its --cdrs CSV; without --tz, the roaming
    list's naive times are read in the zone recorded with --cdrs."""
    import uvicorn

    ran: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda a, **kw: ran.update(app=a))
    sim = carrier["sim"]
    csv_calls = tmp_path / "calls.csv"
    csv_calls.write_text(
        "caller,callee,start_time\n13800138000,13900139000,2026-11-02 10:00:00\n", "utf-8"
    )
    out = _run(["serve", "--db", str(tmp_path / "a.db"), "--cdrs", str(csv_calls),
                "--tz", "UTC-5"])  # fmt: skip
    assert "imported 1 received-call pairs" in out
    out = _run(["serve", "--db", str(tmp_path / "b.db"), "--cdrs", str(carrier["ny"]),
                "--registry", str(sim / "registry.csv"), "--ingresses",
                str(sim / "ingresses.csv"), "--roaming", str(carrier["roaming"])])  # fmt: skip
    assert f"naive times in {NY}, recorded in {carrier['ny'] / 'dataset.json'})" in out
    assert ran["app"].state.cw.roaming_reload.tz == NY


def test_a_recorded_half_hour_zone_stops_scan_naming_the_record(
    carrier: dict[str, Path], model: Path, tmp_path: Path
) -> None:
    """Audit 27z H1: the error spoke of a --tz the user never typed."""
    kol = tmp_path / "kol"
    out = _run(["ingest", str(carrier["root"] / "ny.csv"), "--out", str(kol), "--tz",
                "Asia/Kolkata"])  # fmt: skip
    assert "warning: --tz Asia/Kolkata is UTC+5:30 on" in out
    scan = ["scan", "--cdrs", str(kol), "--model", str(model), "--top", "0"]
    out = _run([*scan, "--out", str(tmp_path / "a")], code=2)
    assert f"error: Asia/Kolkata (recorded in {kol / 'dataset.json'}) is UTC+5:30" in out
    assert "pass --tz UTC+5 or --tz UTC+6" in out
    out = _run([*scan, "--tz", "UTC+6", "--out", str(tmp_path / "b")])
    assert "is not Asia/Kolkata" not in out


def test_campaigns_needs_a_zone_only_when_the_roaming_list_is_used(
    carrier: dict[str, Path], tmp_path: Path
) -> None:
    """Audit 27z L8: a mixed folder stopped campaigns over a roaming.csv beside it that no
    ingresses file made it read; a --tz nothing used was ignored without a word."""
    mixed = tmp_path / "mixed"
    shutil.copytree(carrier["ny"], mixed)
    (mixed / "dataset.json").write_text(
        '{"tz": null, "zones": ["America/New_York", "UTC"], "unrecorded_runs": false}', "utf-8"
    )
    shutil.copy(carrier["roaming"], mixed / "roaming.csv")  # beside, with no ingresses.csv
    _run(["campaigns", "--cdrs", str(mixed), "--out", str(tmp_path / "a")])
    out = _run(["campaigns", "--cdrs", str(carrier["ny"]), "--roaming", str(carrier["roaming"]),
                "--tz", "UTC", "--out", str(tmp_path / "b")], code=2)  # fmt: skip
    assert "error: --tz applies to the roaming list's times" in out
    assert "no ingresses file" in out
