"""``callwarden prune``: retention for the reputation store (screened calls' turns, received
calls); a dry run unless ``--apply``."""

from __future__ import annotations

from typing import Annotated

import typer

from callwarden.store.retention import MIN_RECEIVED_CALLS_DAYS


def prune_cmd(
    db: Annotated[
        str,
        typer.Option(
            help="the reputation store (SQLite path or postgresql:// URL, as serve takes), "
            "at this version's schema"
        ),
    ],
    screening_turns_days: Annotated[
        int | None,
        typer.Option(
            help="empty the turns (the caller's and assistant's words) of screened calls "
            "that started more than N days ago; verdict, reasons, category, sha256 and counts "
            "stay, and labels' screening rule reads no turn"
        ),
    ] = None,
    received_calls_days: Annotated[
        int | None,
        typer.Option(
            help="delete received calls (subscriber, caller) whose last call is more than M "
            f"days old; M >= {MIN_RECEIVED_CALLS_DAYS}, the live report tally's recipients "
            "window"
        ),
    ] = None,
    apply: Annotated[
        bool,
        typer.Option(
            "--apply",
            help="make the changes and write them to the audit log (actor cli:prune); "
            "default: a dry run that only counts",
        ),
    ] = False,
) -> None:
    """Empty old screened calls' turns and delete old received calls (the block log is
    kept); a dry run unless --apply."""
    import time

    from callwarden.store.db import open_existing_store, redacted
    from callwarden.store.retention import check_windows, prune

    check_windows(screening_turns_days, received_calls_days)  # before opening the store
    engine = open_existing_store(db, "prune")
    try:
        counts = prune(
            engine,
            now=time.time(),
            screening_turns_days=screening_turns_days,
            received_calls_days=received_calls_days,
            apply=apply,
        )
    finally:
        engine.dispose()
    verb = "" if apply else "would be "
    typer.echo(f"store {redacted(db)}: {'applied' if apply else 'dry run (--apply to prune)'}")
    if counts.screening_turns_emptied is not None:
        typer.echo(
            f"  screenings      {counts.screening_turns_emptied:>9,} {verb}emptied of turns "
            f"(started over {screening_turns_days} days ago)"
        )
    if counts.received_calls_deleted is not None:
        typer.echo(
            f"  received_calls  {counts.received_calls_deleted:>9,} {verb}deleted "
            f"(last call over {received_calls_days} days ago)"
        )
    typer.echo("  block_log               0 (kept: subscribers' records of blocked calls)")


def register(app: typer.Typer) -> None:
    app.command("prune")(prune_cmd)
