"""``callwarden case-file``: the case file of a number or a campaign, for a regulator."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DB_HELP = (
    "the reputation store (SQLite path or postgresql:// URL) for reports, appeals, the block "
    "log and the audit trail (without it those sections are empty); a number case then reads "
    "the scan folder of the import that wrote its verdict in force, when it is still there"
)


def case_file(
    scan_dir: Annotated[
        Path,
        typer.Option("--scan-dir", help="scan's --out folder (verdicts.csv, campaigns.csv, ...)"),
    ],
    cdrs: Annotated[
        Path,
        typer.Option(help="the canonical CDRs scan read (ingest folder or Parquet file/folder)"),
    ],
    out: Annotated[Path, typer.Option(help="file to write: JSON, or HTML when it ends in .html")],
    number: Annotated[str | None, typer.Option(help="the number (any common spelling)")] = None,
    campaign: Annotated[str | None, typer.Option(help="a campaign id of campaigns.csv")] = None,
    db: Annotated[str | None, typer.Option(help=DB_HELP)] = None,
    html: Annotated[
        Path | None, typer.Option(help="also write the printable HTML page (zh/en) here")
    ] = None,
    day: Annotated[
        str | None,
        typer.Option(
            help="local day of the calls (YYYY-MM-DD), in the scan's own --tz (recorded in "
            "scan-summary.json; UTC+8 for a scan before --tz; without a summary, the zone "
            "recorded with --cdrs, else UTC+8); default: the summary's day"
        ),
    ] = None,
) -> None:
    """Assemble a case file (JSON or printable HTML, sha256 fingerprint) for a regulator.

    Reads the scan's output, the CDRs of the scan's day and, with --db, the store's reports,
    appeals, block log and audit trail (docs/evidence.md)."""
    from dataclasses import replace

    from callwarden.cli._args import check_day
    from callwarden.cli._paths import output_file
    from callwarden.errors import InputError
    from callwarden.evidence import campaign_case, number_case, render_html, to_json
    from callwarden.evidence.assemble import now_iso
    from callwarden.evidence.sources import check_scan_dir, gather, scan_campaign_id
    from callwarden.store.io import e164

    if (number is None) == (campaign is None):
        raise InputError("pass exactly one of --number and --campaign")
    check_scan_dir(scan_dir)
    if not cdrs.exists():
        raise InputError(f"--cdrs {cdrs} does not exist")
    if day is not None:
        check_day(day)
    output_file(out)
    if html is not None:
        output_file(html, "--html")
    store = _open_store(db) if db is not None else None
    try:
        subject = e164(number, "--number") if number is not None else None
        note = None
        if campaign is not None:  # a stored id continued across days: this scan's own id
            campaign, note = scan_campaign_id(store, scan_dir, campaign)
        sources = gather(
            [subject] if subject else [], scan_dir, cdrs, store, campaign=campaign, day=day
        )
        if note:
            sources = replace(sources, missing=[*sources.missing, note])
    finally:
        if store is not None:
            store.close()
    generated = now_iso()
    case = (
        number_case(subject, sources, generated)
        if subject is not None
        else campaign_case(str(campaign), sources, generated)
    )
    page = render_html(case)
    as_html = out.suffix.lower() in (".html", ".htm")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page if as_html else to_json(case), encoding="utf-8")
    if html is not None:
        html.parent.mkdir(parents=True, exist_ok=True)
        html.write_text(page, encoding="utf-8")
    fp = case["case_file"]["fingerprint"]["sha256"]
    typer.echo(f"case file {case['case_file']['subject']} -> {out}" + (f", {html}" if html else ""))
    typer.echo(f"  sha256 {fp}")
    for note in case.get("notes") or []:
        typer.echo(f"  note: {note}")


def _open_store(db: str):  # type: ignore[no-untyped-def]
    """The store at ``db``; a SQLite path that does not exist is an error, not a new store."""
    from callwarden.errors import InputError
    from callwarden.store import Store

    if "://" not in db and not Path(db).is_file():
        raise InputError(f"--db {db}: no store there (serve and demo create one)")
    return Store.open(db)


def register(app: typer.Typer) -> None:
    app.command("case-file")(case_file)
