"""Ingest records the zone it read naive times in (``DIR/dataset.json``), and the commands
take their days in it without --tz (audit 26 M2); ingest takes a UTC offset as scan's --tz
does, or says why not (L4). Until 2 Dec the folder recorded nothing: a New York carrier's
scan, replay and train without --tz took Shanghai days."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.compute as pc
import pytest

from callwarden.cdr import ingest, load_cdrs
from callwarden.errors import InputError

HEADER = "call_id,start_time,caller,callee,duration_s\n"


def _csv(path: Path, call_id: str, when: str = "2026-11-02 10:00:00") -> Path:
    path.write_text(HEADER + f"{call_id},{when},13800138000,13900139000,30\n", encoding="utf-8")
    return path


def _record(folder: Path) -> dict[str, object]:
    return json.loads((folder / "dataset.json").read_text(encoding="utf-8"))


def test_ingest_records_its_zone_and_the_commands_default_to_it(tmp_path: Path) -> None:
    from callwarden.cli._zone import cdrs_zone

    out = tmp_path / "ny"
    ingest([_csv(tmp_path / "a.csv", "a")], out, tz="America/New_York")
    assert _record(out) == {"tz": "America/New_York", "zones": ["America/New_York"],
                            "unrecorded_runs": False}  # fmt: skip
    for spelling in (out, out / "cdrs"):  # the folder and its cdrs/ are one input
        got = cdrs_zone(None, spelling)
        assert got.tz == "America/New_York" and got.said == f"recorded in {out / 'dataset.json'}"
    assert cdrs_zone("UTC-5", out).tz == "UTC-5"  # an explicit --tz wins


def test_an_explicit_tz_that_differs_is_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from callwarden.cli._zone import cdrs_zone

    out = tmp_path / "ny"
    ingest([_csv(tmp_path / "a.csv", "a")], out, tz="America/New_York")
    capsys.readouterr()
    assert cdrs_zone("Asia/Shanghai", out).said == "--tz"
    err = capsys.readouterr().err
    assert err.startswith("warning: --tz Asia/Shanghai is not America/New_York")
    cdrs_zone("America/New_York", out)
    assert capsys.readouterr().err == ""


def test_mixed_zones_leave_no_default(tmp_path: Path) -> None:
    """Re-ingesting with another --tz converts its times right, but the folder's local days
    then have no single zone: a command without --tz stops, naming the zones."""
    from callwarden.cli._zone import cdrs_zone

    out = tmp_path / "d"
    ingest([_csv(tmp_path / "a.csv", "a")], out, tz="America/New_York")
    ingest([_csv(tmp_path / "b.csv", "b")], out, tz="-05:00", allow_mixed_zones=True)
    summary = ingest([_csv(tmp_path / "c.csv", "c")], out, tz="UTC-5")  # the same as -05:00
    assert _record(out)["tz"] is None
    assert _record(out)["zones"] == ["America/New_York", "-05:00"]
    assert any("read in different zones" in w for w in summary.warnings)
    with pytest.raises(InputError, match=r"read in different zones \(America/New_York and -05:00;"):
        cdrs_zone(None, out)
    assert cdrs_zone("UTC-5", out).tz == "UTC-5"
    # the times themselves were converted in each run's zone
    t = load_cdrs(out).sort_by("call_id")
    assert t["start_time"].to_pylist() == [
        datetime(2026, 11, 2, 15, tzinfo=UTC),  # 10:00 in New York (EST) on 2 Nov
        datetime(2026, 11, 2, 15, tzinfo=UTC),
        datetime(2026, 11, 2, 15, tzinfo=UTC),
    ]


def test_a_folder_without_a_record_keeps_todays_default(tmp_path: Path) -> None:
    """Older ingests, the simulator's folders and bare files: Asia/Shanghai, as before, and
    a folder that held CDRs before its first record says its earlier runs are unknown."""
    from callwarden.cli._zone import cdrs_zone

    out = tmp_path / "old"
    ingest([_csv(tmp_path / "a.csv", "a")], out)
    (out / "dataset.json").unlink()  # as an ingest before 2 Dec left it
    got = cdrs_zone(None, out)
    assert (got.tz, got.said) == ("Asia/Shanghai", "the default; the CDRs record no zone")
    part = next((out / "cdrs").rglob("*.parquet"))
    assert cdrs_zone(None, part).said == "the default; the CDRs record no zone"
    # the default zone again: earlier runs read by default were Shanghai, nothing moves
    ingest([_csv(tmp_path / "b.csv", "b")], out, tz="Asia/Shanghai")
    assert _record(out) == {"tz": "Asia/Shanghai", "zones": ["Asia/Shanghai"],
                            "unrecorded_runs": True}  # fmt: skip
    assert cdrs_zone(None, out).tz == "Asia/Shanghai"
    (out / "dataset.json").unlink()
    ingest([_csv(tmp_path / "c.csv", "c")], out, tz="America/New_York")
    with pytest.raises(InputError) as exc:
        cdrs_zone(None, out)
    # audit 27z M5: it said "ingested with different --tz", and not how to settle it
    said = str(exc.value)
    assert "ingests from before the zone record" in said and "different --tz" not in said
    assert f'write {{"tz": "America/New_York"}} into {out / "dataset.json"}' in said
    (out / "dataset.json").write_text('{"tz": "America/New_York"}', encoding="utf-8")
    assert cdrs_zone(None, out).tz == "America/New_York"


def test_a_hand_written_or_broken_record(tmp_path: Path) -> None:
    from callwarden.cli._zone import cdrs_zone

    out = tmp_path / "old"
    ingest([_csv(tmp_path / "a.csv", "a")], out)
    (out / "dataset.json").write_text('{"tz": "America/Chicago"}', encoding="utf-8")
    assert cdrs_zone(None, out).tz == "America/Chicago"
    (out / "dataset.json").write_text('{"tz": "Mars/Olympus"}', encoding="utf-8")
    with pytest.raises(InputError, match="dataset.json: --tz 'Mars/Olympus' is neither"):
        cdrs_zone(None, out)
    (out / "dataset.json").write_text("{", encoding="utf-8")
    with pytest.raises(InputError, match="does not read as JSON.*write it as") as exc:
        ingest([_csv(tmp_path / "b.csv", "b")], out)  # before anything is written
    # audit 27z L7: "or delete it" sent a New York folder back to Shanghai without a word
    assert "delete" not in str(exc.value)


def test_sets_that_disagree_need_tz(tmp_path: Path) -> None:
    """train's --cdrs sets: one zone for all, or --tz."""
    from callwarden.cli._zone import cdrs_zone

    ny, sh = tmp_path / "ny", tmp_path / "sh"
    ingest([_csv(tmp_path / "a.csv", "a")], ny, tz="America/New_York")
    ingest([_csv(tmp_path / "b.csv", "b")], sh)
    with pytest.raises(InputError, match="sets take their days in different zones"):
        cdrs_zone(None, [ny, sh])
    assert cdrs_zone(None, [ny, ny]).tz == "America/New_York"
    assert cdrs_zone("UTC", [ny, sh]).tz == "UTC"


def test_ingest_takes_a_whole_hour_offset(tmp_path: Path) -> None:
    """L4: as scan's --tz (it took zone names only); an offset that is not whole hours is
    refused with the reason (no IANA name holds it), naming what to give instead."""
    out = tmp_path / "d"
    ingest([_csv(tmp_path / "a.csv", "a", "2026-11-02 10:00:00")], out, tz="UTC-5")
    ingest([_csv(tmp_path / "b.csv", "b", "2026/11/02 10:00:00")], tmp_path / "e", tz="+08:00")
    assert load_cdrs(out)["start_time"].to_pylist() == [datetime(2026, 11, 2, 15, tzinfo=UTC)]
    got = pc.cast(load_cdrs(tmp_path / "e")["start_time"], "int64").to_pylist()
    assert got == [int(datetime(2026, 11, 2, 2, tzinfo=UTC).timestamp() * 1e6)]
    assert _record(out)["zones"] == ["UTC-5"]
    with pytest.raises(InputError, match=r"not whole hours; give the zone's name .*Asia/Kolkata"):
        ingest([_csv(tmp_path / "c.csv", "c")], tmp_path / "f", tz="+05:30")
    assert not (tmp_path / "f").exists()


def test_received_calls_take_an_offset(tmp_path: Path) -> None:
    """L4: serve --cdrs CSV times read in an offset, as ingest reads them (it took names)."""
    from callwarden.store.io import read_received_calls

    rows = read_received_calls(_csv(tmp_path / "a.csv", "a"), "UTC-5")
    assert [r[2] for r in rows] == [datetime(2026, 11, 2, 15, tzinfo=UTC).timestamp()]


def test_the_simulators_folder_records_an_offset_other_than_utc_plus_8(tmp_path: Path) -> None:
    """Its days are the scenario's ``utc_offset_hours``: at 8 (every shipped scenario) no
    record (the default, Asia/Shanghai, is its zone), at another offset the record."""
    from callwarden.sim import simulate, write_sim

    (tmp_path / "ny.yaml").write_text("base: article\nutc_offset_hours: -5\n", "utf-8")
    out = write_sim(simulate(str(tmp_path / "ny.yaml"), seed=1, subscribers=1000), tmp_path / "s")
    assert _record(out)["tz"] == "UTC-5"
    from callwarden.cli._zone import cdrs_zone

    assert cdrs_zone(None, out / "cdrs.parquet").tz == "UTC-5"
    write_sim(simulate("article", seed=1, subscribers=1000), out)  # the same folder at UTC+8
    assert not (out / "dataset.json").exists()
    assert cdrs_zone(None, out).tz == "Asia/Shanghai"


def test_a_half_hour_zone_is_recorded_with_a_warning_and_its_neighbours(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Audit 27z H1: Kolkata was recorded without a word, then scan and train stopped on a
    --tz nobody typed; the only way out (--tz UTC+5) warned on every run."""
    from callwarden.cli._zone import cdrs_zone

    out = tmp_path / "kol"
    summary = ingest([_csv(tmp_path / "a.csv", "a")], out, tz="Asia/Kolkata")
    assert _record(out)["tz"] == "Asia/Kolkata"  # its naive times are read right in it
    [said] = [w for w in summary.warnings if "UTC+5:30" in w]
    assert "--tz UTC+5 or --tz UTC+6" in said and "campaigns and serve" in said
    with pytest.raises(InputError) as exc:
        cdrs_zone(None, out)  # scan, train, replay, evaluate, compare: local days
    assert str(exc.value).startswith(
        f"Asia/Kolkata (recorded in {out / 'dataset.json'}) is UTC+5:30 on 2026-11-02"
    )
    assert "pass --tz UTC+5 or --tz UTC+6" in str(exc.value)
    assert cdrs_zone(None, out, days=False).tz == "Asia/Kolkata"  # roaming times only
    capsys.readouterr()
    for near in ("UTC+5", "UTC+6", "+06:00"):
        assert cdrs_zone(near, out).tz == near
    assert capsys.readouterr().err == ""  # the advice taken: no warning
    cdrs_zone("UTC+4", out)
    assert "warning: --tz UTC+4 is not Asia/Kolkata" in capsys.readouterr().err


def test_an_explicit_half_hour_tz_names_its_neighbours() -> None:
    from callwarden.features.local_time import offset_hours

    with pytest.raises(InputError, match=r"'Asia/Kathmandu' is UTC\+5:45 on .*UTC\+5 or --tz"):
        offset_hours("Asia/Kathmandu", "2026-11-02")
    with pytest.raises(InputError, match=r"UTC-3:30 on .*--tz UTC-4 or --tz UTC-3"):
        offset_hours("America/St_Johns", "2026-12-02")


def test_ingest_defaults_to_the_recorded_zone_and_refuses_another(tmp_path: Path) -> None:
    """Audit 27z H2: the next day's ingest without --tz read New York times in Shanghai
    (13 hours off), only warned, and left every reader of the folder stopped."""
    out = tmp_path / "ny"
    ingest([_csv(tmp_path / "a.csv", "a")], out, tz="America/New_York")
    summary = ingest([_csv(tmp_path / "b.csv", "b", "2026-11-03 10:00:00")], out)
    assert not summary.warnings and _record(out)["tz"] == "America/New_York"
    assert load_cdrs(out).sort_by("call_id")["start_time"].to_pylist()[1] == datetime(
        2026, 11, 3, 15, tzinfo=UTC
    )
    before = sorted(p.name for p in out.rglob("*"))
    log = (out / "ingest-log.jsonl").read_text(encoding="utf-8")
    with pytest.raises(InputError, match=r"--tz Asia/Shanghai is not America/New_York.*"
                       r"--allow-mixed-zones.*Nothing was written"):  # fmt: skip
        ingest([_csv(tmp_path / "c.csv", "c")], out, tz="Asia/Shanghai")
    assert sorted(p.name for p in out.rglob("*")) == before
    assert (out / "ingest-log.jsonl").read_text(encoding="utf-8") == log
    ingest([_csv(tmp_path / "c.csv", "c")], out, tz="Asia/Shanghai", allow_mixed_zones=True)
    assert _record(out)["zones"] == ["America/New_York", "Asia/Shanghai"]
    with pytest.raises(InputError, match="records no single zone.*pass --tz"):
        ingest([_csv(tmp_path / "d.csv", "d")], out)  # which of the two: say it


def test_the_zone_is_recorded_before_the_rows_appear(tmp_path: Path) -> None:
    """Audit 27z M3: the record was written after the parts were committed; a failure there
    left rows without their zone, and a traceback (an OSError)."""
    out = tmp_path / "ny"
    out.mkdir()
    (out / ".dataset.json.tmp").mkdir()  # the record cannot be written
    with pytest.raises(InputError, match="cannot write the zone record .*were not kept"):
        ingest([_csv(tmp_path / "a.csv", "a")], out, tz="America/New_York")
    assert not list(out.rglob("*.parquet")) and not (out / "dataset.json").exists()
    (out / ".dataset.json.tmp").rmdir()
    ingest([_csv(tmp_path / "a.csv", "a")], out, tz="America/New_York")
    assert len(load_cdrs(out)) == 1 and _record(out)["tz"] == "America/New_York"


def test_a_day_partition_or_one_part_keeps_the_record(tmp_path: Path) -> None:
    """Audit 27z M4: DIR/cdrs/day=.../ and a part file in it said 'the CDRs record no zone'."""
    from callwarden.cli._zone import cdrs_zone

    out = tmp_path / "ny"
    ingest([_csv(tmp_path / "a.csv", "a")], out, tz="America/New_York")
    part = next((out / "cdrs").rglob("*.parquet"))
    for spelling in (part.parent, part):
        got = cdrs_zone(None, spelling)
        assert (got.tz, got.said) == ("America/New_York", f"recorded in {out / 'dataset.json'}")


def test_aliases_and_etc_offsets_are_one_zone(tmp_path: Path) -> None:
    """Audit 27z L6: US/Eastern and America/New_York, UTC and Etc/UTC, UTC-5 and Etc/GMT+5
    were different zones: false mixed folders and sets."""
    from callwarden.cli._zone import cdrs_zone
    from callwarden.features.local_time import same_zone

    for a, b in [("US/Eastern", "America/New_York"), ("UTC", "Etc/UTC"),
                 ("UTC-5", "Etc/GMT+5"), ("Asia/Chongqing", "Asia/Shanghai")]:  # fmt: skip
        assert same_zone(a, b) and same_zone(b, a)
    assert not same_zone("America/New_York", "UTC-5") and not same_zone("UTC+8", "Asia/Tokyo")
    out = tmp_path / "ny"
    ingest([_csv(tmp_path / "a.csv", "a")], out, tz="America/New_York")
    summary = ingest([_csv(tmp_path / "b.csv", "b")], out, tz="US/Eastern")  # not refused
    assert not summary.warnings and _record(out)["zones"] == ["America/New_York"]
    assert cdrs_zone(None, out).tz == "America/New_York"


def test_sets_whose_zones_agree_on_their_days_train_together(tmp_path: Path) -> None:
    """L6: a New York ingest and a simulator folder at UTC-5 (its record) stopped train,
    though both are UTC-5 on every day; in July (New York at UTC-4) they still stop."""
    from callwarden.cli._zone import cdrs_zone

    ny, fixed = tmp_path / "ny", tmp_path / "fixed"
    ingest([_csv(tmp_path / "a.csv", "a")], ny, tz="America/New_York")
    ingest([_csv(tmp_path / "b.csv", "b")], fixed, tz="UTC-5")
    got = cdrs_zone(None, [ny, fixed])
    assert got.tz == "America/New_York"
    assert got.said.endswith("the same offsets as UTC-5 on every day of the sets")
    summer = tmp_path / "summer"
    ingest([_csv(tmp_path / "c.csv", "c", "2026-07-02 10:00:00")], summer, tz="UTC-5")
    with pytest.raises(InputError, match="sets take their days in different zones"):
        cdrs_zone(None, [ny, summer])


def test_hand_edits_and_later_versions_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Audit 27z L7: a hand-written tz beside zones was ignored; unknown keys were dropped
    when ingest rewrote the file; a later version's zones shape stopped every reader."""
    from callwarden.cli._zone import cdrs_zone

    out = tmp_path / "d"
    ingest([_csv(tmp_path / "a.csv", "a")], out, tz="America/New_York")
    rec = out / "dataset.json"
    rec.write_text('{"tz": "Asia/Shanghai", "zones": ["America/New_York"], "by": "ops"}', "utf-8")
    assert cdrs_zone(None, out).tz == "Asia/Shanghai"  # the tz written wins
    ingest([_csv(tmp_path / "b.csv", "b")], out, tz="Asia/Shanghai")  # that zone: not refused
    ingest([_csv(tmp_path / "c.csv", "c")], out, tz="UTC", allow_mixed_zones=True)
    assert _record(out) == {"by": "ops", "tz": None, "unrecorded_runs": False,
                            "zones": ["America/New_York", "UTC"]}  # fmt: skip
    rec.write_text('{"tz": "America/New_York", "zones": [{"tz": "America/New_York", '
                   '"since": "2026-11-02"}], "version": 2}', "utf-8")  # fmt: skip
    capsys.readouterr()
    assert cdrs_zone(None, out).tz == "America/New_York"
    err = capsys.readouterr().err
    assert "warning:" in err and "'zones' is not a list of zone names" in err
    assert "its 'tz', America/New_York, is taken" in err
    with pytest.raises(InputError, match="cannot add to .*Nothing was written"):
        ingest([_csv(tmp_path / "d.csv", "d")], out)
    rec.write_text('{"zones": {"America/New_York": 1}}', "utf-8")
    with pytest.raises(InputError, match="names no zone"):
        cdrs_zone(None, out)


def test_each_runs_zone_is_in_its_summary_and_log(tmp_path: Path) -> None:
    """Audit 27z L10: ingest-summary.json and ingest-log.jsonl did not say the run's zone."""
    out = tmp_path / "d"
    ingest([_csv(tmp_path / "a.csv", "a")], out, tz="America/New_York")
    ingest([_csv(tmp_path / "b.csv", "b")], out)  # the recorded zone
    ingest([_csv(tmp_path / "c.csv", "c")], out, tz="UTC", allow_mixed_zones=True)
    summary = json.loads((out / "ingest-summary.json").read_text(encoding="utf-8"))
    assert summary["tz"] == "UTC"
    log = (out / "ingest-log.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["tz"] for line in log] == ["America/New_York"] * 2 + ["UTC"]


def test_zone_lines_say_each_thing_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Audit 27z L11: 'takes its day at UTC+5 (UTC+5)', 'America/New_York (UTC-5) (recorded
    in ...)'; serve's and campaigns' mixed-folder error spoke of local days they do not take."""
    from callwarden.cli._detect_io import warn_offset_differs
    from callwarden.cli._zone import cdrs_zone
    from callwarden.features.local_time import describe

    assert describe("UTC+5", [5]) == "UTC+5"
    assert describe("America/New_York", [-5], "--tz") == "America/New_York (UTC-5, --tz)"
    assert describe("UTC-5", [-5], "--tz") == "UTC-5 (--tz)"
    warn_offset_differs(tmp_path, {"tz": "Asia/Shanghai", "utc_offset_hours": [8]}, "UTC+5", 5,
                        "scan")  # fmt: skip
    err = capsys.readouterr().err
    assert "this scan takes its day at UTC+5: the day's bounds" in err
    out = tmp_path / "d"
    ingest([_csv(tmp_path / "a.csv", "a")], out, tz="America/New_York")
    ingest([_csv(tmp_path / "b.csv", "b")], out, tz="UTC", allow_mixed_zones=True)
    with pytest.raises(InputError) as exc:
        cdrs_zone(None, out, days=False)
    assert "roaming list" in str(exc.value) and "local days" not in str(exc.value)


def test_agreeing_zones_prefer_a_record_to_the_commands_own_fallback(tmp_path: Path) -> None:
    """Read-through 27 item 10: sets whose zones agree on their days took the first claim
    not said as Asia/Shanghai's default, so a command's own fallback (replay's: the model's
    zone) won over a zone a folder records; it is compared with the fallback, as the
    same-zone path does."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from callwarden.cli._zone import CdrZone, cdrs_zone

    when = pa.array([datetime(2026, 12, 2, 3, 0, tzinfo=UTC)], pa.timestamp("us", tz="UTC"))
    sets = []
    for name in ("plain", "recorded"):
        (tmp_path / name).mkdir()
        table = pa.table({"caller": ["+8617012345678"], "start_time": when})
        pq.write_table(table, tmp_path / name / "cdrs.parquet")
        sets.append(tmp_path / name)
    (tmp_path / "recorded" / "dataset.json").write_text('{"tz": "UTC-5"}', "utf-8")
    got = cdrs_zone(None, sets, fallback=CdrZone("America/New_York", "the model's zone"))
    assert got.tz == "UTC-5" and got.said.startswith("recorded in")


def test_a_bare_parquet_file_never_looks_for_a_record(tmp_path: Path) -> None:
    """docs/ingest.md (read-through 27 item 13): a Parquet file by another name than
    cdrs.parquet has no record, even beside a dataset.json; its folder has."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from callwarden.cli._zone import cdrs_zone

    when = pa.array([datetime(2026, 11, 2, 3, 0, tzinfo=UTC)], pa.timestamp("us", tz="UTC"))
    pq.write_table(pa.table({"start_time": when}), tmp_path / "day1.parquet")
    (tmp_path / "dataset.json").write_text('{"tz": "America/New_York"}', "utf-8")
    bare = cdrs_zone(None, tmp_path / "day1.parquet")
    assert (bare.tz, bare.said) == ("Asia/Shanghai", "the default; the CDRs record no zone")
    assert cdrs_zone(None, tmp_path).tz == "America/New_York"
