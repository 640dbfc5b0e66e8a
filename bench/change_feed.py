"""What the SQLite change feed costs and how soon ``serve`` hears a change (session 31).

    python bench/change_feed.py [--verdicts 200000] [--rows 20000] [--rounds 3] [--writes 200]

In one process, on a fresh SQLite store of ``--verdicts`` verdicts:

1. the writer's cost: ``Store.import_verdicts`` of ``--rows`` verdicts (updates of stored
   numbers) through a store that announces its changes (the TEMP triggers of
   ``store.change_feed``: what every callwarden command but ``serve`` now does) and through
   one that does not (the baseline: the code before), alternating, ``--rounds`` each;
2. the lag: an app built as ``serve`` builds it reads the feed; another store writes one
   verdict every 20 ms, ``--writes`` times, and each write's time from its commit to the
   number's new verdict in the app's cache is recorded (p50, p99, max);
3. the reader's idle cost: ``FeedReader.poll()`` with nothing new, 2,000 times.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--verdicts", type=int, default=200_000)
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--writes", type=int, default=200)
    args = ap.parse_args()

    from fastapi.testclient import TestClient

    from callwarden.api import ApiSettings, create_app
    from callwarden.api.change_feed import FeedReader
    from callwarden.policy import Verdict
    from callwarden.store import Store

    work = Path(tempfile.mkdtemp(prefix="cw-feed-"))
    db = str(work / "store.db")
    numbers = [f"+8617{i:09d}" for i in range(args.verdicts)]
    quiet = Store.open(db, announce=False)
    quiet.import_verdicts([Verdict(n, "benign", 0.1, "", (), "") for n in numbers])
    loud = Store.open(db)
    print(f"store: {args.verdicts:,} verdicts in {db}")

    # 1. the writer's cost
    times: dict[str, list[float]] = {"announcing": [], "baseline (no feed rows)": []}
    k = 0
    for r in range(args.rounds):
        order = (("announcing", loud), ("baseline (no feed rows)", quiet))
        for name, store in order if r % 2 == 0 else order[::-1]:
            k += 1  # every import changes every row it writes
            label = ("fraud", "harassment")[k % 2]
            rows = [Verdict(n, label, 0.9, "", (), "") for n in numbers[: args.rows]]
            t = time.perf_counter()
            store.import_verdicts(rows)
            times[name].append(time.perf_counter() - t)
    print(f"\n1. import_verdicts of {args.rows:,} stored numbers ({args.rounds} rounds):")
    print(f"{'store':<26}{'median s':>10}{'min s':>10}{'max s':>10}")
    for name, ts in times.items():
        print(f"{name:<26}{statistics.median(ts):>10.3f}{min(ts):>10.3f}{max(ts):>10.3f}")
    ratio = statistics.median(times["announcing"]) / statistics.median(
        times["baseline (no feed rows)"]
    )
    print(f"ratio announcing / baseline: {ratio:.3f}")

    # 2. the lag
    app = create_app(ApiSettings(db=db, screened_label_days=0))
    with TestClient(app):
        state = app.state.cw
        reader = state.invalidation
        assert isinstance(reader, FeedReader)
        committed: dict[str, float] = {}
        seen: dict[str, float] = {}
        done = threading.Event()

        def watch() -> None:
            while not done.is_set():
                for n, _t in list(committed.items()):
                    if n not in seen:
                        v = state.verdicts.get(n)
                        if v is not None and v.label == "fraud":
                            seen[n] = time.perf_counter()
                time.sleep(0.0005)

        w = threading.Thread(target=watch, daemon=True)
        w.start()
        targets = numbers[-args.writes :]
        for n in targets:
            loud.import_verdicts([Verdict(n, "fraud", 0.97, "loans", (), "")])
            committed[n] = time.perf_counter()
            time.sleep(0.02)
        deadline = time.monotonic() + 10
        while len(seen) < len(targets) and time.monotonic() < deadline:
            time.sleep(0.01)
        done.set()
        w.join()
        lags = sorted((seen[n] - committed[n]) * 1000 for n in targets if n in seen)
        print(
            f"\n2. another process's commit to serve's cache ({len(lags)} of {len(targets)} seen):"
        )
        if lags:
            p99 = lags[min(len(lags) - 1, int(0.99 * len(lags)))]
            print(f"p50 {statistics.median(lags):.1f} ms, p99 {p99:.1f} ms, max {lags[-1]:.1f} ms")

        # 3. the reader's idle cost
        reader.stop()
        t = time.perf_counter()
        c = time.process_time()
        for _ in range(2000):
            reader.poll()
        wall = (time.perf_counter() - t) / 2000 * 1e6
        cpu = (time.process_time() - c) / 2000 * 1e6
        print(f"\n3. FeedReader.poll() with nothing new: {wall:.0f} us wall, {cpu:.0f} us CPU")
        print(f"   (every {0.5:.1f} s: {cpu / 5000:.3f} % of a core)")
    loud.close()
    quiet.close()


if __name__ == "__main__":
    main()
