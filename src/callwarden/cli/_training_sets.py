"""Which labels and registry go with which CDRs when ``train`` is given several sets.

A carrier's labelled examples come in sets: last quarter's investigated export with its
labels, this week's ingest folder with the labels ``callwarden labels`` drew from the store.
Each set's features are computed from its own CDRs (the sets may cover the same days: two
carriers, two simulated worlds) and each row takes its own set's label.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from callwarden.errors import InputError


@dataclass(frozen=True)
class TrainingSet:
    cdrs: Path
    labels: Path
    registry: Path | None
    #: what a number its labels do not list trains as: benign, or skip (left out)
    unlabelled: str = "benign"


def _paired(option: str, given: list[Any], n: int, optional: bool) -> list[Any]:
    if not given and optional:
        return [None] * n
    if len(given) == 1:
        return [given[0]] * n
    if len(given) == n:
        return list(given)
    raise InputError(
        f"{len(given)} {option} for {n} --cdrs: give one {option} for all of them or one per "
        "--cdrs, in the same order"
    )


def training_sets(
    cdrs: list[Path],
    labels: list[Path] | None,
    registries: list[Path] | None,
    unlabelled: list[str] | None = None,
) -> list[TrainingSet]:
    """One set per ``--cdrs``; ``--labels`` (required), ``--registry`` and ``--unlabelled``
    (optional; default benign) given once apply to every set, given once per ``--cdrs`` pair
    up in order."""
    from callwarden.detect.dataset import UNLABELLED

    for u in unlabelled or []:
        if u not in UNLABELLED:
            raise InputError(f"--unlabelled must be benign or skip, not {u!r}")
    if not labels:
        raise InputError("--cdrs needs --labels")
    seen: dict[Path, int] = {}
    for k, path in enumerate(cdrs, start=1):
        key = path.resolve()
        if key in seen:
            raise InputError(
                f"--cdrs {path} is given twice (sets {seen[key]} and {k}): give each set once"
            )
        seen[key] = k
    n = len(cdrs)
    out = []
    for c, lab, reg, unl in zip(
        cdrs,
        _paired("--labels", labels, n, optional=False),
        _paired("--registry", registries or [], n, optional=True),
        _paired("--unlabelled", unlabelled or [], n, optional=True),
        strict=True,
    ):
        out.append(TrainingSet(c, lab, reg, unl or "benign"))
    return out
