"""Which labels and registry go with which CDRs when ``train`` is given several sets.

A carrier's labelled examples come in sets: last quarter's investigated export with its
labels, this week's ingest folder with the labels ``callwarden labels`` drew from the store.
Each set's features are computed from its own CDRs (the sets may cover the same days: two
carriers, two simulated worlds) and each row takes its own set's label.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from callwarden.errors import InputError


@dataclass(frozen=True)
class TrainingSet:
    cdrs: Path
    labels: Path
    registry: Path | None


def _paired(option: str, given: list[Path], n: int, optional: bool) -> list[Path | None]:
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
    cdrs: list[Path], labels: list[Path] | None, registries: list[Path] | None
) -> list[TrainingSet]:
    """One set per ``--cdrs``; ``--labels`` (required) and ``--registry`` (optional) given
    once apply to every set, given once per ``--cdrs`` pair up in order."""
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
    for c, lab, reg in zip(
        cdrs,
        _paired("--labels", labels, n, optional=False),
        _paired("--registry", registries or [], n, optional=True),
        strict=True,
    ):
        assert lab is not None  # (labels are not optional)
        out.append(TrainingSet(c, lab, reg))
    return out
