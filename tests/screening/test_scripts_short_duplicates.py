"""Audit 3 (30 Nov): cluster-scripts never grouped a text under 12 normalised characters,
exact duplicates too (三月女人天 twice, "abc 您好我是客服" and the same with "!" apart), and its
help did not say so. Short texts now join their exact duplicates after normalisation; short
near-duplicates stay apart, and the other callers (screen's evidence) keep short texts alone."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from callwarden.cli.main import app
from callwarden.screening.scripts import cluster_scripts

A = "您好，这里是平安保险，我们最近有一款百万医疗险活动，每个月只要十九元，住院医疗费用都可以报销。"
TEXTS = ["三月女人天", "abc 您好我是客服", A, "三月女人天！", "abc您好我是客服!", "三月女人节",
         "喂", "喂喂", "？？", "？？", "", A.replace("十九", "二十")]  # fmt: skip


def _same(labels: list[int], i: int, j: int) -> bool:
    return labels[i] == labels[j]


def test_short_exact_duplicates_share_a_cluster_near_ones_do_not() -> None:
    labels = cluster_scripts(TEXTS, 0.5, short_duplicates=True).tolist()
    assert _same(labels, 0, 3) and _same(labels, 1, 4)  # the same after normalisation
    assert not _same(labels, 0, 5) and not _same(labels, 6, 7)  # short near-duplicates
    assert len({labels[8], labels[9], labels[10]}) == 3  # nothing left: alone
    assert _same(labels, 2, 11) and not _same(labels, 0, 2)  # long ones as before
    # Which texts share a cluster does not depend on their order.
    order = list(range(len(TEXTS)))
    random.Random(3).shuffle(order)
    shuffled = cluster_scripts([TEXTS[i] for i in order], 0.5, short_duplicates=True).tolist()
    pairs = {(i, j) for i in range(len(TEXTS)) for j in range(len(TEXTS)) if labels[i] == labels[j]}
    back = {order[k]: shuffled[k] for k in range(len(order))}
    assert pairs == {(i, j) for i in back for j in back if back[i] == back[j]}


def test_without_the_option_short_texts_stay_alone() -> None:
    labels = cluster_scripts(TEXTS, 0.5).tolist()
    assert not _same(labels, 0, 3) and not _same(labels, 1, 4)


def test_cluster_scripts_command_groups_short_duplicates(tmp_path: Path) -> None:
    inp = tmp_path / "t.jsonl"
    pd.DataFrame({"id": range(len(TEXTS)), "text": TEXTS}).to_json(
        inp, orient="records", lines=True, force_ascii=False
    )
    out = tmp_path / "c.csv"
    res = CliRunner().invoke(app, ["cluster-scripts", "--input", str(inp), "--text-column", "text",
                                   "--id-column", "id", "--out", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    got = pd.read_csv(out)
    assert got.loc[0, "cluster"] == got.loc[3, "cluster"] != got.loc[5, "cluster"]
    assert got.loc[1, "cluster"] == got.loc[4, "cluster"]
    help_text = CliRunner().invoke(app, ["cluster-scripts", "--help"], terminal_width=200).output
    assert "12 or more characters" in help_text and "same as it after" in help_text
