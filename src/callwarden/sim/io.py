"""Writing a simulation run to a directory (the output contract in docs/simulator.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from callwarden.errors import InputError
from callwarden.sim.engine import SimResult

FILES = (
    "cdrs.parquet",
    "call_truth.parquet",
    "labels.csv",
    "registry.csv",
    "transcripts.jsonl",
    "manifest.json",
)


def write_sim(result: SimResult, out_dir: str | Path) -> Path:
    """Writes ``cdrs.parquet``, ``call_truth.parquet``, ``labels.csv``, ``registry.csv``,
    ``transcripts.jsonl`` and ``manifest.json`` into ``out_dir`` (created if needed)."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"output path {out} exists and is not a directory")
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(result.cdrs, out / "cdrs.parquet", compression="zstd")
    pq.write_table(result.call_truth, out / "call_truth.parquet", compression="zstd")
    options = pacsv.WriteOptions(quoting_style="none")
    pacsv.write_csv(result.labels, out / "labels.csv", write_options=options)
    pacsv.write_csv(result.registry, out / "registry.csv", write_options=options)
    with (out / "transcripts.jsonl").open("w", encoding="utf-8") as f:
        for row in result.transcripts:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    (out / "manifest.json").write_text(
        json.dumps(result.manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return out
