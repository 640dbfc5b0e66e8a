"""Campaign linking's spoofing check flags calls from abroad showing a domestic number whose
owner is not roaming (``international_domestic`` in spoofed_calls), with a roaming list only."""

from __future__ import annotations

from callwarden.campaigns.build import build_campaigns
from callwarden.numbers.abroad import AbroadRule
from callwarden.numbers.ingresses import IngressKinds
from callwarden.numbers.roaming import Roaming

from .conftest import DAY, Day, mobile

KINDS = IngressKinds({"IGW-GZ-1": "international", "sw-home": "own"})


def _flagged(day: Day, roaming: Roaming | None) -> dict[str, bool]:
    rule = AbroadRule.of(KINDS, (86,), roaming)
    t = build_campaigns(day.table(), abroad=rule).spoofed
    assert "international_domestic" in t.column_names
    return dict(zip(t["call_id"].to_pylist(), t["international_domestic"].to_pylist(), strict=True))


def test_domestic_numbers_from_abroad_are_spoofed_unless_roaming(day: Day) -> None:
    start = DAY.timestamp()
    roamer, shown = mobile(5), mobile(6)
    spoofed = day.call(100, shown, mobile(1), ingress="IGW-GZ-1")
    roaming = day.call(110, roamer, mobile(2), ingress="IGW-GZ-1")
    home = day.call(120, shown, mobile(3))  # its owner, at home: not judged
    foreign = day.call(130, "+14155550123", mobile(4), ingress="IGW-GZ-1")
    back = day.call(4000, roamer, mobile(2), ingress="IGW-GZ-1")  # after the trip
    flags = _flagged(day, Roaming.of([(roamer, start, start + 3600)]))
    assert flags[spoofed] and flags[back]
    for cid in (roaming, home, foreign):
        assert cid not in flags
    # without a roaming list a roamer cannot be told apart: nothing is flagged
    assert not any(_flagged(day, None).values())


def test_campaigns_reads_the_simulators_files_beside_the_cdrs(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """``callwarden campaigns`` on a simulator folder: spoofed_calls.csv marks the fraud
    operations' calls from abroad showing allocated domestic numbers, never a roamer's."""
    import duckdb
    from typer.testing import CliRunner

    from callwarden.cli.main import app
    from callwarden.sim import simulate, write_sim

    yaml = tmp_path / "roam.yaml"
    yaml.write_text("base: article\nroaming: {daily_share: 0.005}\n", encoding="utf-8")
    sim = write_sim(simulate(str(yaml), seed=3, subscribers=20_000), tmp_path / "sim")
    out = tmp_path / "out"
    res = CliRunner().invoke(
        app,
        [
            "campaigns",
            "--cdrs",
            str(sim),
            "--registry",
            str(sim / "registry.csv"),
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    con = duckdb.connect()
    rows = con.execute(
        f"""SELECT t.population, t.spoofed, count(*) FROM read_csv_auto('{out}/spoofed_calls.csv') s
            JOIN '{sim}/call_truth.parquet' t USING (call_id)
            WHERE s.international_domestic GROUP BY ALL"""
    ).fetchall()
    assert rows and all(pop == "fraud" and spoofed for pop, spoofed, _ in rows), rows
    roamers = con.execute(
        f"SELECT count(*) FROM '{sim}/call_truth.parquet' WHERE population = 'roamer'"
    ).fetchone()
    assert roamers is not None and roamers[0] > 20
