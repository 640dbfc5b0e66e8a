"""replay warns, as scan does, when the model was trained with an allocation registry and
the replay has none (CLI audit of 29 Nov: on the 5,000-subscriber seed-4 day a seed-3 model
rejected 0.00 % of unwanted calls without --registry and 34.89 % with it, and replay said
nothing)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner, Result

from callwarden.cli.main import app
from tests.campaigns.conftest import Day, campaign, ordinary

WARNING = "was trained with an allocation registry (--registry) and this replay has none"


def _run(args: Sequence[object]) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def test_replay_without_the_registry_the_model_learnt_with_warns(tmp_path: Path) -> None:
    day = Day()
    people = ordinary(day)
    bad = campaign(day, list_start=0, list_len=600, numbers=12, calls_per_number=10,
                   ingress="trunk-ai", prefix="1390")  # fmt: skip
    cdrs = tmp_path / "cdrs.parquet"
    pq.write_table(day.table(), cdrs)
    labels = tmp_path / "labels.csv"
    labels.write_text("number,label\n" + "".join(f"{n},fraud\n" for n in bad), encoding="utf-8")
    registry = tmp_path / "registry.csv"
    registry.write_text("number\n" + "".join(f"{n}\n" for n in people), encoding="utf-8")
    base = ["train", "--cdrs", cdrs, "--labels", labels, "--rounds", "5", "--folds", "2"]
    for name, extra in (("r", ["--registry", registry]), ("n", [])):
        res = _run([*base, *extra, "--out", tmp_path / name])
        assert res.exit_code == 0, res.output
    replay = ["replay", "--cdrs", cdrs, "--batch-s", "60", "--campaign-every-s", "0"]
    res = _run([*replay, "--model", tmp_path / "r"])
    assert res.exit_code == 0, res.output
    assert f"warning: model {tmp_path / 'r'} {WARNING}" in res.output
    for model, extra in (("r", ["--registry", registry]), ("n", [])):
        res = _run([*replay, "--model", tmp_path / model, *extra])
        assert res.exit_code == 0, res.output
        assert WARNING not in res.output
