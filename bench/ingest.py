"""Ingest benchmark: a canonical-layout CSV of N rows (default 5,000,000) end to end.

    python bench/ingest.py [--small] [--rows N] [--keep]

Generates (once, cached under --data-dir) a CSV in the canonical layout with the number
spellings of a real Chinese export (mostly national mobiles, some +86, landlines with area
codes, 95xxx/10xxx service and 400 numbers; local times without offset), then runs
``callwarden.cdr.ingest`` into a fresh folder (reading, number normalisation, validation, call
ids, day-partitioned Parquet) and, as the baseline, pandas ``read_csv`` of the same file.
Peak memory is the resident set sampled every 10 ms during each phase.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import psutil
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv


def generate(path: Path, rows: int, seed: int = 7, shuffled: bool = False) -> None:
    rng = np.random.default_rng(seed)
    n_subs = max(1000, rows // 5)
    prefixes = np.array(
        ["130", "131", "135", "136", "138", "139", "150", "158", "186", "189", "199", "177"]
    )
    subs = np.char.add(
        rng.choice(prefixes, n_subs), np.char.zfill(rng.integers(0, 10**8, n_subs).astype(str), 8)
    )
    land = np.char.add(
        rng.choice(np.array(["010-6", "0755-8", "021-5", "0571-8"]), 2000),
        rng.integers(10**6, 10**7, 2000).astype(str),
    )
    service = np.array(["95588", "95555", "10086", "10010", "12345", "95533"])
    four = np.char.add("400", rng.integers(10**6, 10**7, 200).astype(str))

    def numbers(p_plus: float, p_land: float, p_service: float, p_400: float) -> pa.Array:
        kind = rng.random(rows)
        out = subs[rng.integers(0, n_subs, rows)].astype(object)
        plus = kind < p_plus
        out[plus] = np.char.add("+86", out[plus].astype(str))
        edges = np.cumsum([p_plus, p_land, p_service, p_400])
        m = (kind >= edges[0]) & (kind < edges[1])
        out[m] = land[rng.integers(0, len(land), m.sum())]
        m = (kind >= edges[1]) & (kind < edges[2])
        out[m] = service[rng.integers(0, len(service), m.sum())]
        m = (kind >= edges[2]) & (kind < edges[3])
        out[m] = four[rng.integers(0, len(four), m.sum())]
        return pa.array(out, pa.string())

    base = np.datetime64("2026-11-21T00:00:00")
    # Time-ordered, as a switch writes its CDRs; the ingest also handles shuffled input.
    offsets = rng.integers(0, 7 * 86400, rows)
    ts = base + (offsets if shuffled else np.sort(offsets)).astype("timedelta64[s]")
    duration = np.where(rng.random(rows) < 0.4, 0, rng.exponential(60, rows).round(0)).astype(
        np.int64
    )
    cause = np.where(duration > 0, 16, rng.choice([17, 18, 19, 21, 1], rows))
    table = pa.table(
        {
            "start_time": pc.strftime(pa.array(ts), "%Y-%m-%d %H:%M:%S"),
            "caller": numbers(0.05, 0.04, 0.03, 0.03),
            "callee": numbers(0.0, 0.05, 0.0, 0.0),
            "duration_s": pa.array(duration),
            "ring_s": pa.array(rng.integers(0, 30, rows)),
            "release_cause": pa.array(cause),
            "ingress": pa.array(np.char.add("tg", rng.integers(0, 200, rows).astype(str))),
        }
    )
    tmp = path.with_suffix(".tmp")
    pcsv.write_csv(table, tmp, write_options=pcsv.WriteOptions(quoting_style="none"))
    tmp.replace(path)


class PeakRSS:
    """Samples this process's resident set size in a thread; ``peak`` in bytes."""

    def __init__(self) -> None:
        self.proc = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()

    def __enter__(self) -> PeakRSS:
        self.peak = self.proc.memory_info().rss
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self.proc.memory_info().rss)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)


def timed(fn: Callable[[], object]) -> tuple[float, float, int, object]:
    """(wall seconds, CPU seconds of this process, peak RSS bytes, result)."""
    proc = psutil.Process()
    with PeakRSS() as mem:
        c0 = sum(proc.cpu_times()[:2])
        t0 = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - t0
        cpu = sum(proc.cpu_times()[:2]) - c0
    return seconds, cpu, mem.peak, result


def distinct_numbers(n: int, seed: int = 11) -> list[str]:
    """``n`` distinct numbers in the spellings of real exports (a quarter of each kind)."""
    rng = np.random.default_rng(seed)
    q = n // 4
    mob = rng.choice(10**8, size=q, replace=False)
    out = [f"13{k % 10}{v:08d}" for k, v in enumerate(mob)]  # national mobiles
    out += [
        f"+86 15{k % 3}{v // 10**4:04d} {v % 10**4:04d}" for k, v in enumerate(mob)
    ]  # spaced E.164
    land = rng.choice(10**7, size=q, replace=False)
    out += [
        f"0{['10', '21', '755', '571'][k % 4]}-{2_000_000 + v % 7_000_000 + (k % 4) * 0:07d}{k % 10}"
        for k, v in enumerate(land)
    ]
    us = rng.choice(10**7, size=n - 3 * q, replace=False)
    out += [
        f"+1 {['212', '415', '646', '617'][k % 4]} {200 + v // 10**4 % 800:03d} {v % 10**4:04d}"
        for k, v in enumerate(us)
    ]
    return out


def bench_numbers(n: int) -> None:
    """Number normalisation alone: ``n`` distinct values, vectorised vs one call per value."""
    from callwarden.numbers import normalize, normalize_array

    values = distinct_numbers(n)
    arr = pa.array(values)
    secs, cpu, peak, result = timed(lambda: normalize_array(arr))
    sample = values[:: max(1, len(values) // 20_000)]
    normalize.cache_clear()
    t0 = time.perf_counter()
    for v in sample:
        normalize(v)
    per_value = (time.perf_counter() - t0) / len(sample)
    valid = len(arr) - result.null_count  # type: ignore[attr-defined]
    print(
        f"\nnumber normalisation: {len(values):,} distinct values (national and spaced +86 mobiles, landlines, US)"
    )
    print(f"{'run':<38}{'wall s':>8}{'values/s':>12}")
    print(f"{'normalize_array (vectorised)':<38}{secs:>8.2f}{len(values) / secs:>12,.0f}")
    print(
        f"{'normalize per value (baseline)':<38}{per_value * len(values):>8.2f}{1 / per_value:>12,.0f}  (timed on {len(sample):,}, scaled)"
    )
    print(f"ratio: {per_value * len(values) / secs:.1f}x; valid {valid:,} of {len(values):,}")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--small", action="store_true", help="200,000 rows (a quick check)")
    ap.add_argument(
        "--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "callwarden-bench"
    )
    ap.add_argument("--keep", action="store_true", help="keep the ingest output folder")
    ap.add_argument("--shuffled", action="store_true", help="rows in random time order")
    args = ap.parse_args()
    rows = 200_000 if args.small else args.rows
    args.data_dir.mkdir(parents=True, exist_ok=True)
    src = args.data_dir / f"cdrs-{rows}{'-shuffled' if args.shuffled else ''}.csv"
    if not src.exists():
        print(f"generating {rows:,} rows -> {src}")
        generate(src, rows, shuffled=args.shuffled)
    size_mb = src.stat().st_size / 2**20

    from callwarden.cdr import ingest

    out = args.data_dir / f"out-{rows}"
    shutil.rmtree(out, ignore_errors=True)
    base_rss = psutil.Process().memory_info().rss
    load_before = psutil.getloadavg()[0]
    secs, cpu, peak, summary = timed(lambda: ingest([src], out))
    import pandas as pd

    p_secs, p_cpu, p_peak, frame = timed(lambda: pd.read_csv(src, dtype=str))
    assert len(frame) == rows  # type: ignore[arg-type]
    del frame
    kept = summary.rows_kept  # type: ignore[attr-defined]
    quarantined = summary.rows_quarantined  # type: ignore[attr-defined]
    print(
        f"\ningest benchmark: {rows:,} rows, {size_mb:,.0f} MiB CSV, {psutil.cpu_count()} CPUs, "
        f"load average {load_before:.1f} before the run"
    )
    print(f"{'run':<38}{'wall s':>8}{'rows/s':>12}{'CPU s':>8}{'peak RSS':>12}")
    for name, s, c, m in (
        ("callwarden ingest (end to end)", secs, cpu, peak),
        ("pandas read_csv(dtype=str) baseline", p_secs, p_cpu, p_peak),
    ):
        print(f"{name:<38}{s:>8.2f}{rows / s:>12,.0f}{c:>8.2f}{m / 2**30:>8.2f} GiB")
    print(
        f"ratio (pandas wall / ingest wall): {p_secs / secs:.2f}x; process RSS before: {base_rss / 2**30:.2f} GiB"
    )
    print(
        f"kept {kept:,}, quarantined {quarantined:,}; target >= 1,000,000 rows/s and < 4 GiB peak: "
        f"{'MET' if rows / secs >= 1e6 and peak < 4 * 2**30 else 'NOT MET'}"
    )
    bench_numbers(1_000_000 if not args.small else 100_000)
    bench_corrupted(src, args.data_dir, min(rows, 1_000_000))
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)


def bench_corrupted(src: Path, data_dir: Path, rows: int, seed: int = 5) -> None:
    """10% of ``rows`` corrupted at random: every bad row quarantined at its line, no good row lost."""
    from callwarden.cdr import ingest, load_cdrs

    lines = src.read_text(encoding="utf-8").splitlines()[: rows + 1]
    rng = np.random.default_rng(seed)
    bad = np.flatnonzero(rng.random(rows) < 0.10) + 1  # indices into `lines` (0 is the header)
    kinds = {
        "bad_start_time": lambda f: [f[0].replace("2026-", "2026-13-", 1), *f[1:]],
        "invalid_caller": lambda f: [f[0], "12ab" + f[1][4:], *f[2:]],
        "missing_callee": lambda f: [*f[:2], "", *f[3:]],
        "negative_duration": lambda f: [*f[:3], "-" + f[3], *f[4:]],
        "bad_duration": lambda f: [*f[:3], "n/a", *f[4:]],
        "malformed_row": lambda f: [*f, "extra"],
    }
    names = sorted(kinds)
    expected: dict[int, str] = {}
    for i, k in zip(bad, rng.integers(0, len(names), len(bad)), strict=True):
        fields = lines[i].split(",")
        if names[k] == "negative_duration" and fields[3] == "0":
            fields[3] = "7"  # "-0" is not negative
        lines[i] = ",".join(kinds[names[k]](fields))
        expected[int(i) + 1] = names[k]  # physical line numbers start at 1
    path = data_dir / f"corrupted-{rows}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = data_dir / f"out-corrupted-{rows}"
    shutil.rmtree(out, ignore_errors=True)
    secs, _, _, summary = timed(lambda: ingest([path], out))
    import csv

    with (out / "quarantine.csv").open(encoding="utf-8") as f:
        got = {int(r["line"]): r["reason"] for r in csv.DictReader(f)}
    kept = load_cdrs(out, columns=["call_id"]).num_rows
    exact = got == expected and kept == rows - len(expected)
    print(f"\n10% corrupted: {rows:,} rows, {len(expected):,} corrupted in {len(names)} ways")
    print(
        f"  ingest {secs:.2f} s ({rows / secs:,.0f} rows/s); quarantined {summary.rows_quarantined:,} "  # type: ignore[attr-defined]
        f"kept {kept:,}; every bad row at its line with its reason, no good row lost: "
        f"{'YES' if exact else 'NO'}"
    )
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
