"""Training rows as the stream sees them: each number's features over the day *so far*.

The batch features describe whole days; the stream scores a number from the part of its day
seen before each refresh. A model trained on whole days only meets partial days at decision
time: a school's afternoon notifications look like a dialer's burst until the parents ring
back later that day, and the stream labelled such a school (``docs/streaming.md``). Replaying
the training CDRs through the stream and keeping the feature rows it builds, every
``interval_s`` for every number whose state moved, gives the model those partial days, with
the stream's own feature code (no parity gap). ``train --partial-days-s`` uses it; it is
opt-in because it helped on one pair of seeds and hurt on another (``docs/streaming.md``).

No model is needed: a recorder stands in for the scorer and calls every row benign, so each
number is rescored exactly when its state moved (``rescore_growth`` 1: on every move). The
CDRs are put in a total order first, so the rows do not depend on the input's row order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from callwarden.features.definitions import FEATURE_NAMES

#: Columns that order CDRs totally (rows equal in all of them are interchangeable).
_ORDER = ("start_time", "caller", "callee", "duration_s", "ring_s", "ingress", "release_cause")


@dataclass
class _Recorder:
    """Scorer stand-in: keeps every feature row it is asked to score, flags nothing."""

    feature_names: tuple[str, ...]
    classes: tuple[str, ...] = ("benign", "harassment", "fraud")
    threshold: float = 1.0
    rows_scored: int = 0
    rows_confirmed: int = 0
    compiled: bool = False
    rows: list[np.ndarray] = field(default_factory=list)

    def score(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self.rows.append(X.copy())
        self.rows_scored += len(X)
        return np.zeros(len(X), np.int8), np.zeros(len(X))


@dataclass(frozen=True)
class Snapshots:
    numbers: np.ndarray  # object: E.164 strings
    times: np.ndarray  # int64: the refresh time the row was computed at (s since 1970 UTC)
    X: np.ndarray  # (rows, features) float64


def total_order(table: pa.Table) -> pa.Table:
    keys = [(c, "ascending") for c in _ORDER if c in table.column_names]
    return table.take(pc.sort_indices(table, sort_keys=keys))


def snapshot_rows(
    table: pa.Table,
    *,
    allocated: object | None = None,
    interval_s: float = 3600.0,
    feature_names: tuple[str, ...] = FEATURE_NAMES,
    tz_hours: int = 8,
) -> Snapshots:
    """Replay canonical CDRs through the stream; the rows it computes every ``interval_s``.
    ``tz_hours``: the stream's local days (hours east of UTC), as the whole-day rows' ``--tz``."""
    from callwarden.evaluate.replay import ReplayConfig, run_stream
    from callwarden.stream import engine as E

    recorder = _Recorder(tuple(feature_names))
    keys: list[np.ndarray] = []
    times: list[np.ndarray] = []

    class _Engine(E.StreamEngine):
        def refresh(self, slots: np.ndarray | None = None, now: float | None = None) -> int:
            before = len(recorder.rows)
            n = super().refresh(slots, now)
            if len(recorder.rows) > before:
                # refresh stamps the slots it scored with ``now``, in slot order: the order
                # of the rows the recorder just kept
                st = self.state
                when = st.now if now is None else now
                moved = np.flatnonzero(self.v_time[: len(st.key)] == when)
                keys.append(st.key[moved])
                times.append(np.full(len(moved), int(when)))
            return n

    from callwarden.stream.state import StateConfig

    cfg = E.EngineConfig(
        batch_s=interval_s, max_batch_calls=1 << 30, rescore_growth=1.0,
        state=StateConfig(tz_hours=tz_hours),
    )  # fmt: skip
    engine = _Engine(recorder, allocated=allocated, config=cfg)  # type: ignore[arg-type]
    run_stream(total_order(table), engine, ReplayConfig(engine=cfg, campaign_every_s=0))
    if not recorder.rows:
        return Snapshots(
            np.zeros(0, object), np.zeros(0, np.int64), np.zeros((0, len(feature_names)))
        )
    return Snapshots(
        numbers=np.array(["+" + str(k) for k in np.concatenate(keys).tolist()], dtype=object),
        times=np.concatenate(times).astype(np.int64),
        X=np.concatenate(recorder.rows),
    )
