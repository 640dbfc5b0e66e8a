"""GET /v1/case-files/numbers/{n} on a server started with a later day's scan: the number's
verdict in force came from an earlier day's import, whose folder is still on disk."""

from __future__ import annotations

from pathlib import Path

from callwarden.api.routes.cases import attach
from callwarden.store.io import read_verdicts_csv
from tests.api.conftest import Api
from tests.evidence import world
from tests.evidence.world import ROBO1


def test_the_case_file_reads_the_earlier_days_folder(api: Api, tmp_path: Path) -> None:
    first = world.scan_dir(tmp_path / "d02")
    second = world.later_day(tmp_path / "d03")
    for scan in (first, second):
        api.store.import_verdicts(read_verdicts_csv(scan / "verdicts.csv"), actor="cli:serve")
    attach(api.client.app, second, world.cdrs(tmp_path))
    r = api.get(f"/v1/case-files/numbers/{ROBO1}", "operator")
    assert r.status_code == 200, r.text
    case = r.json()
    assert case["scan"]["day"] == "2026-11-02" and case["verdict"]["label"] == "harassment"
    assert case["calls"]["calls"] == 20
    assert any(str(first) in n and "imported from" in n for n in case["notes"])
