"""Roamers: own subscribers abroad calling home through an international gateway, the
legitimate case of the international-gateway rule; ingresses.csv and roaming.csv."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from callwarden.numbers.ingresses import read_ingresses
from callwarden.numbers.roaming import read_roaming
from callwarden.sim import SimResult, simulate

from .conftest import SUBS


@pytest.fixture(scope="module")
def no_roamers(tmp_path_factory: pytest.TempPathFactory) -> SimResult:
    path = tmp_path_factory.mktemp("roam") / "off.yaml"
    path.write_text("base: article\nroaming: {daily_share: 0}\n", encoding="utf-8")
    return simulate(str(path), seed=7, subscribers=SUBS)


def _roamer_rows(result: SimResult) -> np.ndarray:
    return np.asarray(pc.equal(result.call_truth["population"], "roamer"))


def test_the_simulator_writes_both_files(article: SimResult, article_dir: Path) -> None:
    kinds = read_ingresses(article_dir / "ingresses.csv")
    used = set(pc.unique(article.cdrs["ingress"]).to_pylist())
    assert used <= set(kinds.kinds)  # every ingress the calls use, with its kind
    assert {"IGW-GZ-1", "IGW-SH-1"} & used
    assert kinds.international == {n for n in kinds.kinds if n.startswith("IGW-")}
    assert kinds.kinds["MSC-HN00-1"] == "own"
    roaming = read_roaming(article_dir / "roaming.csv", tz="Asia/Shanghai")
    assert len(roaming) == article.manifest["roaming_trips"] > 0
    # every time says its zone (Z), so the file means the same under any --tz (helper-169)
    rows = (article_dir / "roaming.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert all(t.endswith("Z") for r in rows for t in r.split(",")[1:] if t)
    ny = read_roaming(article_dir / "roaming.csv", tz="America/New_York")
    assert (ny.start.tolist(), ny.end.tolist()) == (roaming.start.tolist(), roaming.end.tolist())


def test_roamers_are_benign_own_subscribers_abroad_within_their_trip(
    article: SimResult, article_dir: Path
) -> None:
    rows = _roamer_rows(article)
    assert rows.sum() == article.manifest["calls_per_population"]["roamer"] > 0
    assert set(pc.filter(article.call_truth["label"], pa.array(rows)).to_pylist()) == {"benign"}
    cdrs = article.cdrs.filter(pa.array(rows))
    assert set(cdrs["ingress"].to_pylist()) <= {"IGW-GZ-1", "IGW-SH-1"}
    t = pc.cast(cdrs["start_time"], pa.int64()).to_numpy() / 1e6
    roaming = read_roaming(article_dir / "roaming.csv", tz="Asia/Shanghai")
    assert roaming.at(cdrs["caller"].combine_chunks(), t).all()
    lab = article.labels
    labels = dict(zip(lab["number"].to_pylist(), lab["category"].to_pylist(), strict=True))
    assert {labels[n] for n in cdrs["caller"].to_pylist()} == {"personal"}


def test_every_other_call_is_unchanged(article: SimResult, no_roamers: SimResult) -> None:
    """Drawn from a stream of its own and numbered apart: without roamers the run is the same
    call for call, call id included, and the transcripts are the same."""
    keep = pa.array(~_roamer_rows(article))
    assert article.cdrs.filter(keep).equals(no_roamers.cdrs)
    assert article.call_truth.filter(keep).equals(no_roamers.call_truth)
    assert article.transcripts == no_roamers.transcripts
    assert no_roamers.roaming.num_rows == 0


def test_a_trips_until_rounds_up_to_the_whole_second() -> None:
    """Audit 25b L7: ``until`` was ``int(b + 0.999999)``, which rounds a trip ending a hair
    after a whole second down, so the window missed the trip's last moment."""
    import numpy as np
    import pyarrow as pa

    from callwarden.sim.engine import _roaming_table

    t0 = 1_795_996_800.0  # 2026-11-30T00:00:00Z
    strings = pa.array(["+8613800000001", "+8613800000002", "+8613800000003"])
    until = np.array([np.nextafter(t0 + 100, np.inf), t0 + 100.0, np.nan])  # one ulp after
    t = _roaming_table(strings, np.arange(3), np.full(3, t0), until)
    assert t["until"].to_pylist() == ["2026-11-30T00:01:41Z", "2026-11-30T00:01:40Z", ""]
