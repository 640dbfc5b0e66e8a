"""``callwarden prune``: retention for the reputation store (screened calls' turns, received
calls) and the screener's labels' lapse; a dry run unless ``--apply``."""

from __future__ import annotations

from typing import Annotated

import typer

from callwarden.store.retention import MIN_RECEIVED_CALLS_DAYS

#: lapsed labels listed by number (the audit log has them all)
SHOWN = 20


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
    screened_labels_days: Annotated[
        int | None,
        typer.Option(
            help="lapse the screener's live labels given more than L days ago: each number "
            "gets back the verdict the label replaced (none: its verdict is deleted), as "
            "serve --screened-label-days does while it runs; 0 lapses every label (after "
            "serve --no-screened-labels, to withdraw them). A serve running on the same "
            "store applies the lapses to its cache within a second (SQLite: the change "
            "feed; PostgreSQL: its listener)"
        ),
    ] = None,
    community_labels: Annotated[
        bool,
        typer.Option(
            "--community-labels",
            help="lapse the community labels whose reports no longer meet the bar over the "
            "last 28 days (reports aged out, or the number called more people since), as "
            "serve does every hour; each number gets back the verdict the label replaced. A "
            "serve running on the same store applies the lapses to its cache within a "
            "second",
        ),
    ] = False,
    apply: Annotated[
        bool,
        typer.Option(
            "--apply",
            help="make the changes and write them to the audit log (actor cli:prune); "
            "default: a dry run that only counts",
        ),
    ] = False,
) -> None:
    """Empty old screened calls' turns, delete old received calls, lapse old screener labels
    and community labels under the bar (the block log is kept); a dry run unless --apply."""
    import time

    from callwarden.store import Store
    from callwarden.store.db import open_existing_store, redacted
    from callwarden.store.label_lapse import LapsedLabel
    from callwarden.store.retention import check_windows, prune

    # before opening the store
    check_windows(
        screening_turns_days,
        received_calls_days,
        screened_labels_days,
        community_labels=community_labels,
    )
    engine = open_existing_store(db, "prune")
    now = time.time()
    lapsed = community = None
    try:
        if screening_turns_days is not None or received_calls_days is not None:
            counts = prune(
                engine,
                now=now,
                screening_turns_days=screening_turns_days,
                received_calls_days=received_calls_days,
                apply=apply,
            )
        else:
            counts = None
        store = Store(engine, lambda: now)
        gave_back: list[LapsedLabel] = []

        def tally_given_back(done: list[LapsedLabel]) -> None:
            """A screener's label gave back a community label: tally it at once, chunk by
            chunk (a later chunk's failure must not skip it)."""
            back = [x.number for x in done if x.restored and x.restored.source == "reports"]
            if back:
                gave_back.extend(store.lapse_community_labels(actor="cli:prune", numbers=back))

        if screened_labels_days is not None:
            lapsed = store.lapse_screened_labels(
                now - screened_labels_days * 86400.0,
                apply=apply,
                actor="cli:prune",
                on_lapsed=tally_given_back if apply else None,
            )
        if community_labels:
            community = gave_back + store.lapse_community_labels(apply=apply, actor="cli:prune")
        elif gave_back:
            community = gave_back
    finally:
        engine.dispose()
    verb = "" if apply else "would be "
    typer.echo(f"store {redacted(db)}: {'applied' if apply else 'dry run (--apply to prune)'}")
    if lapsed is not None:
        deleted = sum(x.restored is None for x in lapsed)
        typer.echo(
            f"  screener labels {len(lapsed):>9,} {verb}lapsed (given over "
            f"{screened_labels_days} days ago): {len(lapsed) - deleted:,} back to the verdict "
            f"they replaced, {deleted:,} without one"
        )
        for x in lapsed[:SHOWN]:
            back = "none" if x.restored is None else f"{x.restored.label} ({x.restored.source})"
            typer.echo(f"    {x.number}  {x.label.label} -> {back}")
        if len(lapsed) > SHOWN:
            typer.echo(f"    ... and {len(lapsed) - SHOWN:,} more")
    if community is not None:
        typer.echo(
            f"  community labels {len(community):>8,} {verb}lapsed (reports under the bar "
            "over the last 28 days)"
        )
        for x in community[:SHOWN]:
            back = "none" if x.restored is None else f"{x.restored.label} ({x.restored.source})"
            typer.echo(f"    {x.number}  {x.label.label} -> {back}")
        if len(community) > SHOWN:
            typer.echo(f"    ... and {len(community) - SHOWN:,} more")
    if counts is not None and counts.screening_turns_emptied is not None:
        typer.echo(
            f"  screenings      {counts.screening_turns_emptied:>9,} {verb}emptied of turns "
            f"(started over {screening_turns_days} days ago)"
        )
    if counts is not None and counts.received_calls_deleted is not None:
        typer.echo(
            f"  received_calls  {counts.received_calls_deleted:>9,} {verb}deleted "
            f"(last call over {received_calls_days} days ago)"
        )
    typer.echo("  block_log               0 (kept: subscribers' records of blocked calls)")


def register(app: typer.Typer) -> None:
    app.command("prune")(prune_cmd)
