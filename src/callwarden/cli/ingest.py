"""``callwarden ingest``: CDR files -> canonical Parquet dataset, quarantine and summary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def ingest_command(
    inputs: Annotated[
        list[Path],
        typer.Argument(help="CSV (.gz), Parquet or JSON-lines files, or folders of them."),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Dataset folder (created; re-ingesting adds only new calls)."
        ),
    ],
    mapping: Annotated[
        str | None,
        typer.Option(
            "--mapping",
            "-m",
            help="YAML mapping file for a foreign layout, or a built-in name (sichuan_voc).",
        ),
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option(
            "--tz",
            help="Time zone of times written without an offset (default: the zone OUT "
            "records, else Asia/Shanghai): a zone name (America/New_York)"
            " or a whole-hour UTC offset (UTC-5, +08:00; one that is not whole hours has no "
            "IANA name to read times through: name the zone, e.g. Asia/Kolkata). Recorded in "
            "OUT/dataset.json: scan, replay, train, campaigns, evaluate, compare and serve "
            "take their local days and naive times in it when not given --tz. A zone not "
            "whole hours from UTC (Asia/Kolkata) reads the times right, but the commands "
            "that take local days then need a whole-hour --tz (UTC+5 or UTC+6): ingest warns.",
        ),
    ] = None,
    allow_mixed_zones: Annotated[
        bool,
        typer.Option(
            "--allow-mixed-zones",
            help="Take a --tz other than the zone OUT records (refused without it: the "
            "folder's local days would have no single zone and its readers would need --tz).",
        ),
    ] = False,
    region: Annotated[
        str, typer.Option("--region", help="Region whose national number formats apply (ISO 3166).")
    ] = "CN",
    encoding: Annotated[
        str | None,
        typer.Option(
            "--encoding",
            help="Encoding of CSV, JSON lines and Parquet binary columns (utf-8, gb18030, gbk);"
            " detected when omitted.",
        ),
    ] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print the summary as JSON instead of a table.")
    ] = False,
) -> None:
    """Ingest CDRs: normalise numbers to E.164, validate, quarantine bad rows, write Parquet by day."""
    import json

    from callwarden.cdr import ingest, load_mapping
    from callwarden.cli._paths import output_dir

    output_dir(out)
    m = load_mapping(mapping) if mapping else None

    def progress(line: str) -> None:
        typer.echo(line, err=True)

    summary = ingest(
        list(inputs), out, mapping=m, tz=tz, region=region, encoding=encoding,
        progress=progress, allow_mixed_zones=allow_mixed_zones,
    )  # fmt: skip
    for warning in summary.warnings:
        typer.echo(f"warning: {warning}", err=True)
    if json_out:
        typer.echo(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(summary.render())
        typer.echo(
            f"  quarantine: {out / 'quarantine.csv'}   summary: {out / 'ingest-summary.json'}"
        )
        from callwarden.cdr.dataset import read_zone_record

        if (rec := read_zone_record(out)) is not None and rec.tz is not None:
            typer.echo(f"  zone: {rec.tz}, recorded in {rec.path} (the readers' default --tz)")


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest_command)
