"""Reading inputs and writing campaign artefacts (the edge of the campaigns package).

Artefacts of ``write_campaigns(result, out_dir)``:

* ``campaigns.csv``: one row per campaign (id, status, category, members, ingresses, first and
  last seen, daily volume, answer rate, list size, complaints, signatures, reasons as JSON,
  and the asserted identities (PAI) its members' calls carry: at least
  ``LinkConfig.exclusive_asserted_share`` of each one's calls, which the store compares
  across days: ``store.campaign_traits``);
* ``campaign_members.csv``: campaign id, number, first and last seen, calls;
* ``bridged_calls.csv``: the legs judged 双向回呼 (call id, leg, agent, ingress, pair);
* ``spoofed_calls.csv``: calls failing a caller-ID check (call id, caller, the four checks);
* ``campaigns.json``: the same campaigns with members and reasons, for the store and the API.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv

from callwarden.campaigns.build import CampaignResult
from callwarden.campaigns.records import Campaign
from callwarden.errors import InputError

CAMPAIGN_COLUMNS = (
    "campaign_id",
    "status",
    "category",
    "members",
    "numbers",
    "ingresses",
    "first_seen",
    "last_seen",
    "daily_volume",
    "answer_rate",
    "list_size",
    "complaint_count",
    "callee_signature",
    "script_signature",
    "reasons",
    "asserted",
)


def _reasons_json(c: Campaign) -> str:
    return json.dumps([r.to_dict() for r in c.reasons], ensure_ascii=False, sort_keys=True)


def campaigns_table(result: CampaignResult) -> pa.Table:
    """One row per campaign, in the column order of ``CAMPAIGN_COLUMNS``."""
    rows: dict[str, list[Any]] = {k: [] for k in CAMPAIGN_COLUMNS}
    asserted = {cl.campaign_id: cl.asserted for cl in result.lists}
    for c in result.campaigns:
        rows["campaign_id"].append(c.campaign_id)
        rows["status"].append(c.status.value)
        rows["category"].append(c.category)
        rows["members"].append(len(c.members))
        rows["numbers"].append(";".join(c.numbers))
        rows["ingresses"].append(";".join(c.ingresses))
        rows["first_seen"].append(min(m.first_seen for m in c.members).isoformat())
        rows["last_seen"].append(max(m.last_seen for m in c.members).isoformat())
        rows["daily_volume"].append(c.daily_volume)
        rows["answer_rate"].append(c.answer_rate)
        rows["list_size"].append(c.list_size)
        rows["complaint_count"].append(c.complaint_count)
        rows["callee_signature"].append(c.callee_signature)
        rows["script_signature"].append(c.script_signature)
        rows["reasons"].append(_reasons_json(c))
        rows["asserted"].append(";".join(asserted.get(c.campaign_id, ())))
    types = {
        "members": pa.int64(),
        "daily_volume": pa.float64(),
        "answer_rate": pa.float64(),
        "list_size": pa.int64(),
        "complaint_count": pa.int64(),
    }
    return pa.table({k: pa.array(v, types.get(k, pa.string())) for k, v in rows.items()})


def members_table(result: CampaignResult) -> pa.Table:
    rows = [
        (c.campaign_id, m.number, m.first_seen.isoformat(), m.last_seen.isoformat(), m.calls)
        for c in result.campaigns
        for m in c.members
    ]
    names = ("campaign_id", "number", "first_seen", "last_seen", "calls")
    return (
        pa.table({n: pa.array([r[i] for r in rows]) for i, n in enumerate(names)})
        if rows
        else pa.table({n: pa.array([], pa.int64() if n == "calls" else pa.string()) for n in names})
    )


def campaigns_json(result: CampaignResult) -> list[dict[str, Any]]:
    asserted = {cl.campaign_id: cl.asserted for cl in result.lists}
    return [
        {
            "campaign_id": c.campaign_id,
            "status": c.status.value,
            "category": c.category,
            "ingresses": list(c.ingresses),
            "daily_volume": c.daily_volume,
            "answer_rate": c.answer_rate,
            "list_size": c.list_size,
            "complaint_count": c.complaint_count,
            "callee_signature": c.callee_signature,
            "script_signature": c.script_signature,
            "members": [
                {
                    "number": m.number,
                    "first_seen": m.first_seen.isoformat(),
                    "last_seen": m.last_seen.isoformat(),
                    "calls": m.calls,
                }
                for m in c.members
            ],
            "reasons": [r.to_dict() for r in c.reasons],
            "asserted": list(asserted.get(c.campaign_id, ())),
        }
        for c in result.campaigns
    ]


def write_campaigns(result: CampaignResult, out_dir: str | Path) -> dict[str, Path]:
    """Write the artefacts listed in the module docstring; returns their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "campaigns": out / "campaigns.csv",
        "members": out / "campaign_members.csv",
        "bridged": out / "bridged_calls.csv",
        "spoofed": out / "spoofed_calls.csv",
        "json": out / "campaigns.json",
    }
    pcsv.write_csv(campaigns_table(result), paths["campaigns"])
    pcsv.write_csv(members_table(result), paths["members"])
    pcsv.write_csv(result.bridged, paths["bridged"])
    pcsv.write_csv(result.spoofed, paths["spoofed"])
    paths["json"].write_text(
        json.dumps(campaigns_json(result), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return paths


def read_transcripts(path: str | Path) -> Iterator[dict[str, Any]]:
    """Transcript records (``call_id``, ``turns``) from a JSON-lines file (UTF-8 or GB18030)
    or one JSON array of calls (``screening.io.transcript_records``), read by the rules
    ``screen`` reads them with (``screening.transcript.transcript_from_dict``:
    ``turns`` a list of objects, each with a speaker of caller/callee/assistant, in any case;
    the same InputError messages), plus one of campaign linking's own: a record needs the
    ``call_id`` (or ``id``) of the call it records. Each record comes back as that function
    reads it (``transcript_to_dict``: speakers in lower case, turns in time order, the other
    fields as they were). Before 29 Nov a record whose ``turns`` was not a list of objects
    reached ``script_clusters`` and ended ``scan`` and ``campaigns`` in a traceback."""
    from callwarden.screening.io import transcript_records
    from callwarden.screening.transcript import transcript_from_dict, transcript_to_dict

    p = Path(path)
    if not p.is_file():
        raise InputError(f"no transcripts file at {p}")
    for n, rec in transcript_records(p):
        if rec.get("call_id") in (None, "") and rec.get("id") in (None, ""):
            raise InputError(f"{p}:{n}: a transcript needs its call_id (the call it records)")
        yield transcript_to_dict(transcript_from_dict(rec, index=n))


def read_numbers(path: str | Path, column: str = "number") -> pa.ChunkedArray:
    """One string column of a CSV (the registry's ``number``), read as text."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"no file at {p}")
    table = pcsv.read_csv(
        p, convert_options=pcsv.ConvertOptions(column_types={column: pa.string()})
    )
    if column not in table.column_names:
        raise InputError(f"{p} has no '{column}' column (found: {', '.join(table.column_names)})")
    return table[column]


def read_labels(path: str | Path) -> pa.Table:
    """Ground truth ``labels.csv`` (number, label, category, campaign) with text columns."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"no labels file at {p}")
    from callwarden.cdr.readers import detect_encoding, sniff_delimiter

    # Encoding (GBK / GB18030 exports) and delimiter sniffed as evaluate's main report reads
    # the same file (cli._detect_io.sniff_table), so the campaign section reads what it reads.
    with pa.input_stream(str(p), compression="detect") as f:
        head = f.read(1 << 20)
    enc = detect_encoding(head)
    first = head.removeprefix(b"\xef\xbb\xbf").decode(enc, errors="replace").partition("\n")[0]
    cols = {c: pa.string() for c in ("number", "label", "category", "campaign")}
    try:
        return pcsv.read_csv(
            p,
            read_options=pcsv.ReadOptions(encoding="utf8" if enc == "utf-8" else enc),
            parse_options=pcsv.ParseOptions(delimiter=sniff_delimiter(first)),
            convert_options=pcsv.ConvertOptions(column_types=cols, strings_can_be_null=True),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise InputError(f"labels file {p} cannot be read as CSV: {exc}") from exc


class SimRun:
    """A simulator output folder: CDRs, labels, registry, transcripts and call truth."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        if not (self.folder / "cdrs.parquet").is_file():
            raise InputError(f"{self.folder} is not a simulator output folder (no cdrs.parquet)")

    def cdrs(self) -> pa.Table:
        from callwarden.cdr import load_cdrs

        return load_cdrs(self.folder / "cdrs.parquet")

    def labels(self) -> pa.Table:
        return read_labels(self.folder / "labels.csv")

    def allocated(self) -> pa.ChunkedArray | None:
        p = self.folder / "registry.csv"
        return read_numbers(p) if p.is_file() else None

    def transcripts(self) -> list[dict[str, Any]]:
        p = self.folder / "transcripts.jsonl"
        return list(read_transcripts(p)) if p.is_file() else []

    def call_truth(self) -> pa.Table | None:
        import pyarrow.parquet as pq

        p = self.folder / "call_truth.parquet"
        return pq.read_table(p) if p.is_file() else None
