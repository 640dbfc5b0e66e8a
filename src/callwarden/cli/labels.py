"""``callwarden labels``: training labels from the reputation store (reports, community
labels, appeals, registrations, campaigns, screened calls), for ``train --labels``."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated, Any

import typer

DB_HELP = (
    "the reputation store to read (SQLite path or postgresql:// URL, as serve takes); it is "
    "read, never migrated nor written"
)


def _engine(db: str) -> Any:
    """An engine on ``db`` once it is known to hold a callwarden store at this version's
    schema (as ``replay --db``): ``Store.open`` would migrate, and an export writes nothing,
    least of all callwarden's tables into a file that is no store."""
    from callwarden.store.db import open_existing_store

    return open_existing_store(db, "labels")


def _day_start(day: str, option: str, tz: str) -> float:
    """Epoch seconds of local midnight starting ``day`` in ``tz``."""
    from datetime import datetime

    from callwarden.cli._args import check_day
    from callwarden.features.local_time import zone

    check_day(day, option)
    return datetime.fromisoformat(day).replace(tzinfo=zone(tz)).timestamp()


def labels_cmd(
    db: Annotated[str, typer.Option(help=DB_HELP)],
    out: Annotated[
        Path, typer.Option(help="labels CSV to write: number,label,source,category,evidence")
    ],
    since: Annotated[
        str | None,
        typer.Option(
            help="first local day (YYYY-MM-DD) of reports and screened calls to count; "
            "default: the first"
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            help="last local day (YYYY-MM-DD, included) of reports and screened calls to "
            "count; default: now"
        ),
    ] = None,
    min_reporters: Annotated[
        int | None,
        typer.Option(
            help="distinct reporters in the window that label a number harassment or fraud on "
            "its own reports, with the live community bar's weight and share of recipients "
            "(below the bar, but reported: unknown); default: the community's own bar"
        ),
    ] = None,
    campaign_min_reporters: Annotated[
        int,
        typer.Option(
            help="distinct reporters over at least 2 members of a stored campaign that label "
            "its members (with the community's weighted bar and a rate per recipient)"
        ),
    ] = 3,
    min_screened_bots: Annotated[
        int | None,
        typer.Option(
            help="distinct callees whose screened calls from a number in the window were "
            "judged bot (POST /v1/screenings) that label it harassment, or fraud when the bot "
            "calls' top category is a fraud kind (with --min-screened-bot-share); default: "
            "the live label's bar (policy.ScreenedBotConfig, docs/policy.md)"
        ),
    ] = None,
    min_screened_bot_share: Annotated[
        float | None,
        typer.Option(
            help="and those bot callees' share of the distinct callees that heard the number "
            "judged bot, human or unsure, at least this (its people and unsure calls count "
            "against it: a busy line of people is judged bot on about 1 % of its calls); "
            "default: the live label's bar"
        ),
    ] = None,
    with_detector_verdicts: Annotated[
        bool,
        typer.Option(
            "--with-detector-verdicts",
            help="also label numbers on the detectors' word alone (self-training: it amplifies "
            "the model's own errors); default: such numbers are unknown",
        ),
    ] = False,
    tz: Annotated[
        str,
        typer.Option(
            help="time zone of --since/--until (a zone name or a UTC offset, as scan's --tz); "
            "not taken from any dataset.json (the store records no zone, unlike an ingest "
            "folder): a carrier outside UTC+8 passes its zone"
        ),
    ] = "Asia/Shanghai",
) -> None:
    """Write training labels from what people told the store: reports, community labels,
    accepted appeals, registered businesses, campaigns and the screener's judged calls
    (docs/detection.md, "Labels from the store"). 'unknown' rows are left out by train and
    evaluate."""
    from callwarden.cli._paths import not_an_input, output_file, sqlite_files
    from callwarden.detect.feedback_labels import (
        COLUMNS,
        LabelConfig,
        label_counts,
        training_labels,
    )
    from callwarden.errors import InputError
    from callwarden.features.local_time import zone
    from callwarden.store.db import redacted
    from callwarden.store.training_labels import read_feedback

    # the export would overwrite the store it reads (audit 21)
    not_an_input(out, "--out", sqlite_files(db, f"the store's own file (--db {db})"))
    output_file(out)
    zone(tz)  # an unknown zone is an error with or without a day to place
    if min_reporters is not None and min_reporters < 1:
        raise InputError(f"--min-reporters must be at least 1, not {min_reporters}")
    if min_screened_bots is not None and min_screened_bots < 1:
        raise InputError(f"--min-screened-bots must be at least 1, not {min_screened_bots}")
    if min_screened_bot_share is not None and not 0.0 <= min_screened_bot_share <= 1.0:
        raise InputError(
            f"--min-screened-bot-share is a share from 0 to 1, not {min_screened_bot_share}"
        )
    if campaign_min_reporters < 1:
        raise InputError(
            f"--campaign-min-reporters must be at least 1, not {campaign_min_reporters}"
        )
    start = _day_start(since, "--since", tz) if since is not None else None
    end = None
    if until is not None:
        from datetime import date, timedelta

        _day_start(until, "--until", tz)  # checked before it is moved a day on
        end = _day_start((date.fromisoformat(until) + timedelta(days=1)).isoformat(), "--until", tz)
    if start is not None and end is not None and end <= start:
        raise InputError(f"--until {until} is before --since {since}")
    engine = _engine(db)
    try:
        feedback = read_feedback(engine, start, end)
    finally:
        engine.dispose()
    bar = LabelConfig()  # (its defaults: the live bars, policy's)
    config = LabelConfig(
        min_reporters=bar.min_reporters if min_reporters is None else min_reporters,
        campaign_min_reporters=campaign_min_reporters,
        with_detector_verdicts=with_detector_verdicts,
        min_screened_bots=bar.min_screened_bots if min_screened_bots is None else min_screened_bots,
        min_screened_bot_share=bar.min_screened_bot_share
        if min_screened_bot_share is None
        else min_screened_bot_share,
    )
    rows = training_labels(feedback, config)
    if not rows:
        typer.echo(
            "warning: no number to label in this window; train with these labels reads every "
            "number as benign",
            err=True,
        )
    blind = sum(
        1 for t in rows if t.label in ("harassment", "fraud") and t.evidence.get("recipients") == 0
    )
    if blind:  # re-audit C: with no received calls the share-of-recipients bars cannot bite
        typer.echo(
            f"warning: {blind:,} harassment/fraud label(s) rest on reports with no received "
            "call in the store (recipients 0), so the share-of-recipients bars could not be "
            "checked; feed the store the received calls (serve --cdrs, POST /v1/calls)",
            err=True,
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(COLUMNS)
        w.writerows(t.row() for t in rows)
    window = f"{since or 'the first'} .. {until or 'now'} ({tz})"
    typer.echo(
        f"store {redacted(db)}, reports and screened calls {window}: {len(rows):,} numbers -> {out}"
    )
    for (label, source), n in label_counts(rows).items():
        typer.echo(f"  {label:<11}{source:<24}{n:>9,}")


def register(app: typer.Typer) -> None:
    app.command("labels")(labels_cmd)
