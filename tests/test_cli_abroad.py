"""The CLI's edge of the international-gateway rule: files found beside the CDRs, and the
rule off (with a warning) without a registry: domestic is never guessed."""

from __future__ import annotations

from pathlib import Path

import pytest

from callwarden.cli._abroad import abroad_rule

TZ = "Asia/Shanghai"  # the commands' default zone


def _files(folder: Path, roaming: bool = True) -> None:
    (folder / "ingresses.csv").write_text("ingress,kind\nIGW-1,international\n", encoding="utf-8")
    if roaming:
        (folder / "roaming.csv").write_text(
            "number,from,until\n+8613800138000,2026-11-30T00:00:00Z,\n", encoding="utf-8"
        )


def test_found_beside_the_cdrs(tmp_path: Path) -> None:
    _files(tmp_path)
    setup = abroad_rule(tmp_path / "cdrs.parquet", None, None, (86,), tz=TZ)
    assert setup.rule is not None and setup.rule.roaming is not None
    assert setup.files == {
        "ingresses": str(tmp_path / "ingresses.csv"),
        "roaming": str(tmp_path / "roaming.csv"),
    }
    assert "rejected as spoofed unless roaming (1 numbers" in setup.line
    (tmp_path / "bare").mkdir()
    _files(tmp_path / "bare", roaming=False)
    setup = abroad_rule(tmp_path / "bare", None, None, (86,), tz=TZ)
    assert setup.rule is not None and setup.rule.roaming is None and "labelled" in setup.line


def test_off_without_a_registry_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _files(tmp_path)
    setup = abroad_rule(tmp_path, None, None, None, tz=TZ)
    assert setup.rule is None and setup.line == ""
    assert "without --registry no number is known to be domestic" in capsys.readouterr().err


def test_off_without_an_ingresses_file(tmp_path: Path) -> None:
    setup = abroad_rule(tmp_path, None, None, (86,), tz=TZ)
    assert setup.rule is None and setup.files == {"ingresses": "", "roaming": ""}


def test_a_file_naming_no_gateway_and_an_empty_scope_say_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Audit 25b H4 and L4: the rule off is one warning line that says why."""
    (tmp_path / "ingresses.csv").write_text("ingress,kind\nMSC-1,own\n", encoding="utf-8")
    assert abroad_rule(tmp_path, None, None, (86,), tz=TZ).rule is None
    err = capsys.readouterr().err
    assert err.count("warning:") == 1 and "names no international gateway" in err
    _files(tmp_path)
    assert abroad_rule(tmp_path, None, None, frozenset(), tz=TZ).rule is None
    err = capsys.readouterr().err
    assert err.count("warning:") == 1 and "registry's scope is empty" in err
    assert "without --registry" not in err


def test_the_demo_api_judges_calls_from_abroad(tmp_path: Path) -> None:
    """Audit 25b M2: the demo's /v1/decide had no international-gateway rule (replay had it);
    it is built from the day's files, its roaming windows moved as the received calls are."""
    from callwarden.cli.demo import demo_abroad
    from callwarden.numbers.abroad import Abroad
    from callwarden.numbers.registry import AllocationRegistry

    _files(tmp_path)
    reg = AllocationRegistry.from_numbers(["+8613800138000", "+8613900139000"])
    rule = demo_abroad(tmp_path, reg, 86400.0)
    assert rule is not None and rule.roaming is not None
    start = 1_795_996_800.0  # 2026-11-30T00:00:00Z, the file's 'from'
    assert rule.judge_one("+8613800138000", "IGW-1", start + 10) is Abroad.SPOOFED  # not yet
    assert rule.judge_one("+8613800138000", "IGW-1", start + 86400 + 10) is Abroad.NONE
    assert rule.judge_one("+8613900139000", "IGW-1", start + 86400 + 10) is Abroad.SPOOFED
    assert demo_abroad(tmp_path, None, 0.0) is None  # no registry: off, as replay


def test_scan_and_campaigns_say_they_only_list_the_calls(tmp_path: Path) -> None:
    """Audit 25b L6: the status line said 'rejected as spoofed' in scan and campaigns too."""
    _files(tmp_path)
    line = abroad_rule(tmp_path, None, None, (86,), listing=True, tz=TZ).line
    assert "listed in spoofed_calls.csv unless roaming (1 numbers" in line
    assert "rejected" not in line
    (tmp_path / "roaming.csv").unlink()
    assert (
        "not listed (no roaming list" in abroad_rule(tmp_path, None, None, (86,), True, tz=TZ).line
    )
    assert "labelled" in abroad_rule(tmp_path, None, None, (86,), tz=TZ).line  # replay, serve


def test_the_roaming_lists_naive_times_are_read_in_the_zone_given(tmp_path: Path) -> None:
    """helper-169: the commands pass their zone (--tz); a time without an offset was UTC."""
    import datetime as dt

    _files(tmp_path)
    (tmp_path / "roaming.csv").write_text(
        "number,from,until\n+8613800138000,2026-11-30 16:00:00,\n", encoding="utf-8"
    )
    utc16 = dt.datetime(2026, 11, 30, 16, tzinfo=dt.UTC).timestamp()
    for tz, hours in ((TZ, 8), ("America/New_York", -5)):
        rule = abroad_rule(tmp_path, None, None, (86,), tz=tz).rule
        assert rule is not None and rule.roaming is not None
        assert rule.roaming.start.tolist() == [utc16 - hours * 3600]
