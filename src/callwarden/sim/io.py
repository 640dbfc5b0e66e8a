"""Writing a simulation run to a directory (the output contract in docs/simulator.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from callwarden.cdr.canonical import with_number_keys
from callwarden.errors import InputError
from callwarden.sim.engine import SimResult

FILES = (
    "cdrs.parquet",
    "call_truth.parquet",
    "labels.csv",
    "registry.csv",
    "transcripts.jsonl",
    "manifest.json",
    "ingresses.csv",
    "roaming.csv",
)


def write_sim(result: SimResult, out_dir: str | Path) -> Path:
    """Writes ``cdrs.parquet``, ``call_truth.parquet``, ``labels.csv``, ``registry.csv``,
    ``transcripts.jsonl``, ``manifest.json``, ``ingresses.csv`` (each ingress's kind) and
    ``roaming.csv`` (own subscribers abroad) into ``out_dir`` (created if needed); and
    ``dataset.json`` when the scenario's days are not at UTC+8 (``_zone_record``)."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"output path {out} exists and is not a directory")
    out.mkdir(parents=True, exist_ok=True)
    # With the derived integer number keys, as ingest stores them (scan reads those).
    pq.write_table(with_number_keys(result.cdrs), out / "cdrs.parquet", compression="zstd")
    pq.write_table(result.call_truth, out / "call_truth.parquet", compression="zstd")
    for name, table in (
        ("labels.csv", result.labels),
        ("registry.csv", result.registry),
        ("ingresses.csv", result.ingresses),
        ("roaming.csv", result.roaming),
    ):
        # pyarrow quotes header names; write a plain header and unquoted rows (no commas in values)
        with (out / name).open("wb") as f:
            f.write((",".join(table.column_names) + "\n").encode())
            pacsv.write_csv(
                table,
                f,
                write_options=pacsv.WriteOptions(include_header=False, quoting_style="none"),
            )
    with (out / "transcripts.jsonl").open("w", encoding="utf-8") as f:
        for row in result.transcripts:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    (out / "manifest.json").write_text(
        json.dumps(result.manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    _zone_record(out, int(result.manifest.get("utc_offset_hours", 8)))
    return out


def _zone_record(out: Path, hours: int) -> None:
    """``dataset.json`` (``cdr.dataset.ZoneRecord``) when the scenario's days are not UTC+8:
    the commands then take their days at its offset without --tz, as they take an ingest
    folder's. At UTC+8 (every shipped scenario) none: the commands' default, Asia/Shanghai,
    is the simulator's zone (a stale record of an earlier run there is removed)."""
    from callwarden.cdr.dataset import ZONE_RECORD, ZoneRecord

    file = out / ZONE_RECORD
    if hours == 8:
        file.unlink(missing_ok=True)
        return
    rec = ZoneRecord(file, (f"UTC{hours:+d}",))
    file.write_text(json.dumps(rec.to_dict(), indent=2) + "\n", encoding="utf-8")
