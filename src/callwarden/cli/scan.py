"""``callwarden scan``: score numbers with a trained model and write ``verdicts.csv``.

The command builds a ``ScanResult`` first (``run_scan``) and writes files after
(``write_scan``), so later stages (campaign linking) can fill ``campaign`` in between.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from callwarden.cli._abroad import INGRESSES_HELP, roaming_help


def run_scan(
    model_dir: Path,
    *,
    cdrs: Path | None = None,
    registry: Path | None = None,
    features: Path | None = None,
    id_column: str | None = None,
    day: str | None = None,
    threads: int = 1,
    min_attempts: int | None = None,
    allow_missing: bool = False,
    tz: str | None = None,
    explain_benign: bool = False,
) -> Any:
    """Score the numbers of ``cdrs`` (as of ``day``, default the last day) or of a table.

    ``min_attempts`` (default ``cascade.MIN_ATTEMPTS``; 0 scores every number) is the
    activity cascade of ``callwarden.detect.cascade``; it applies to CDR input only.
    ``tz``: the local time of the day and its hours (``features.local_time``; default
    ``DEFAULT_TZ``, UTC+8), CDR input only.
    """
    import numpy as np

    from callwarden.cli._detect_io import check_exclusive, read_table, warn
    from callwarden.detect.cascade import MIN_ATTEMPTS, scan_table
    from callwarden.detect.dataset import TableSpec, table_dataset
    from callwarden.detect.io import load_model, overridden
    from callwarden.detect.verdicts import score_numbers
    from callwarden.errors import InputError, ModelError
    from callwarden.features.local_time import DEFAULT_TZ, offset_hours, zone

    kind = check_exclusive(cdrs, features, id_column, need_id=False)
    zone(tz := tz or DEFAULT_TZ)  # an unknown zone fails first
    if day is not None and cdrs is not None:  # before the model is loaded
        from callwarden.cli._args import check_days_in_cdrs

        check_days_in_cdrs(cdrs, [day], "--day", tz)
    min_attempts = MIN_ATTEMPTS if min_attempts is None else max(0, min_attempts)
    model, manifest = load_model(model_dir, on_changed=warn)
    model.predict_threads = max(1, threads)
    if manifest.get("kind") != kind:
        raise ModelError(
            f"model {model_dir} was trained on {manifest.get('kind')} input; this scan gives {kind} input"
        )
    if kind == "cdr":
        assert cdrs is not None
        warn_registry_unused(model_dir, manifest, registry, "scan")
        if day is None:
            from callwarden.cdr import cdr_relation_sql
            from callwarden.features.duckdb_backend import (
                connection,
                last_local_day,
                last_local_day_in,
            )

            with connection() as con:
                relation = cdr_relation_sql(cdrs)
                # (The fixed UTC+8 of before reads Parquet statistics only.)
                day = (
                    last_local_day(con, relation)
                    if tz == DEFAULT_TZ
                    else last_local_day_in(con, relation, tz)
                )
            if day is None:
                raise InputError(f"no calls in {cdrs}")
        hours = offset_hours(tz, day)
        from callwarden.cli._detect_io import warn_offset_differs

        warn_offset_differs(model_dir, manifest, tz, hours, "scan")
        table = _day_features(cdrs, registry, day, min_attempts, hours)
        missing = [n for n in model.feature_names if n not in table.column_names]
        if missing:
            raise ModelError(
                f"the input lacks {len(missing)} feature(s) the model needs, e.g. {missing[:3]}"
            )
        from callwarden.detect.compiled import compile_model, worth_compiling

        if worth_compiling(model, table.num_rows):  # native trees when lleaves is installed
            compile_model(model)
        result = scan_table(model, table, explain_benign=explain_benign, min_attempts=min_attempts)
        result.meta.update(
            day=day, model_version=manifest.get("model_version"), kind=kind,
            min_attempts=min_attempts, tz=tz, utc_offset_hours=hours,
        )  # fmt: skip
        if changed := manifest.get("feature_definitions_changed"):  # the override's record
            result.meta["feature_definitions_changed"] = overridden(changed)
        return result
    assert features is not None
    if id_column is None:  # the model's (its manifest records the column it trained with)
        if not isinstance(manifest.get("id_column"), str):
            raise InputError(f"--features needs --id-column (model {model_dir} names none)")
        id_column = manifest["id_column"]
        typer.echo(f"id column: {id_column} (the model's; --id-column to change)")
    table, absent = _model_columns(
        read_table(features, id_column), model.feature_names, id_column, allow_missing
    )
    data, _ = table_dataset(
        table,
        TableSpec(id_column=id_column),
        need_labels=False,
        report=warn,
        model_features=model.feature_names,
    )
    missing = [n for n in model.feature_names if n not in data.feature_names]
    if missing:
        from callwarden.detect.dataset import lacking_text

        text = lacking_text(missing, data.feature_names)
        if absent:  # (a column present but empty is scored as missing; so can an absent one)
            text += "; --allow-missing-features scores such a column as missing in every row"
        raise ModelError(text)
    from callwarden.detect.dataset import missing_shares, missing_shift

    if shifted := missing_shift(manifest.get("missing_share"), missing_shares(data)):
        said = ", ".join(f"{n!r} {s:.0%} (training {t:.0%})" for n, t, s in shifted[:6])
        more = f" and {len(shifted) - 6} more" if len(shifted) > 6 else ""
        text = (
            f"{len(shifted)} column(s) the model uses are missing in far more rows than in "
            f"training: {said}{more}. The model reads a missing value as it learnt it (a "
            "column group missing in training may have meant fraud), so these verdicts "
            "would flag ordinary numbers"
        )
        if not allow_missing:
            raise InputError(
                f"{text}; fix the export, or retrain without those columns "
                "(--allow-missing-features scores anyway)"
            )
        warn(f"{text}; scored anyway (--allow-missing-features)")
    cols = [list(data.feature_names).index(n) for n in model.feature_names]
    X = np.ascontiguousarray(data.X[:, cols])
    result = score_numbers(model, data.ids, X, rules=None, explain_benign=explain_benign)
    result.meta.update(
        day=day, model_version=manifest.get("model_version"), kind=kind, id_column=id_column
    )
    return result


def _model_columns(
    table: Any, features: tuple[str, ...], id_column: str, allow_missing: bool
) -> tuple[Any, list[str]]:
    """``table`` with headers that name a column the model needs (or the id column) but for
    surrounding spaces or case renamed to it (warned), and with ``allow_missing`` each
    needed column it lacks altogether added as missing in every row (warned); and the needed
    columns still absent."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from callwarden.cli._detect_io import warn
    from callwarden.detect.dataset import match_headers, needed_columns

    wanted = [id_column, *needed_columns(features)]
    renames, ambiguous = match_headers(table.column_names, wanted)
    if renames:
        said = ", ".join(f"{h!r} as {w!r}" for h, w in list(renames.items())[:5])
        more = f" and {len(renames) - 5} more" if len(renames) > 5 else ""
        warn(f"{len(renames)} header(s) read as the model's columns: {said}{more}")
        table = table.rename_columns([renames.get(n, n) for n in table.column_names])
        if id_column in renames.values() and not pa.types.is_string(table[id_column].type):
            i = table.column_names.index(id_column)
            table = table.set_column(i, id_column, pc.cast(table[id_column], pa.string()))
    for w, headers in ambiguous.items():
        warn(f"column {w!r}: headers {headers} all match it but for case; rename one to {w!r}")
    absent = [c for c in wanted[1:] if c not in table.column_names]
    if absent and allow_missing:
        warn(
            f"the table lacks {len(absent)} column(s) the model uses: {absent[:8]}; scored as "
            "missing in every row (--allow-missing-features)"
        )
        for c in absent:
            table = table.append_column(c, pa.nulls(table.num_rows, pa.float64()))
        absent = []
    return table, absent


def warn_registry_unused(
    model_dir: Path, manifest: dict[str, Any], registry: Path | None, command: str
) -> None:
    """Warn when the model was trained with an allocation registry and this ``command``
    (scan, replay) runs without one (``docs/detection.md``)."""
    from callwarden.cli._detect_io import warn

    if registry is None and manifest.get("registry_used"):
        warn(
            f"model {model_dir} was trained with an allocation registry (--registry) and "
            f"this {command} has none: every caller counts as allocated, so the 空号 rule "
            "UNALLOCATED_CALLER never fires and the unallocated features are missing"
        )


def _day_features(
    cdrs: Path, registry: Path | None, day: str, min_attempts: int, tz_hours: int = 8
) -> Any:
    """The as-of day's feature table (with ``scored`` when the cascade is on)."""
    from callwarden.cdr import cdr_relation_sql
    from callwarden.cli._detect_io import number_facts
    from callwarden.features.duckdb_backend import compute_features, connection
    from callwarden.features.sql import AsOf

    relation = cdr_relation_sql(cdrs)
    with connection() as con:
        as_of = AsOf(day, tz_hours)
        facts, regions = number_facts(con, relation, registry, as_of if min_attempts else None)
        return compute_features(
            con,
            relation,
            as_of,
            caller_facts=facts,
            home_regions=regions,
            min_attempts=min_attempts,
            ordered=not min_attempts,  # scan_table puts the verdicts in number order itself
        )


def write_scan(result: Any, out: Path) -> dict[str, Any]:
    """Write ``verdicts.csv`` and ``scan-summary.json``; returns the summary."""
    import pyarrow.csv as pcsv

    from callwarden.cli._detect_io import write_json

    out.mkdir(parents=True, exist_ok=True)
    pcsv.write_csv(result.to_arrow(), out / "verdicts.csv")
    summary = {**result.summary(), **{k: v for k, v in result.meta.items() if k != "rule_hits"}}
    write_json(out / "scan-summary.json", summary)
    return summary


def not_scored_line(summary: dict[str, Any], registry: bool) -> str | None:
    """The summary line for the numbers the activity cascade left unscored (None: none).

    Without a registry no number counts as unallocated, so "an allocated number" would say
    more than the scan knows."""
    if not summary.get("not_scored"):
        return None
    few = (  # the features' window: the day, or the 7 days before it where the CDRs hold them
        f"{summary['not_scored']:,} numbers with fewer than {summary['min_attempts']} calls in "
        "the features' window"
    )
    if registry:
        return (
            f"{few} and an allocated number: not scored by the model, benign unless their "
            "campaign is flagged (--min-attempts)"
        )
    return (
        f"{few}: not scored by the model, benign unless their campaign is flagged "
        "(--min-attempts; without --registry no number is known to be unallocated)"
    )


def print_summary(
    result: Any,
    summary: dict[str, Any],
    lang: str,
    top: int,
    *,
    registry: bool,
    tz_from: str | None = None,
) -> None:
    """The summary lines; ``tz_from``: where the day's zone came from (a CDR scan), said
    after the day with the zone and its offset."""
    import numpy as np

    from callwarden.reasons import render

    labels = ", ".join(f"{k} {v:,}" for k, v in summary["by_label"].items())
    day = summary.get("day") or "-"
    if tz_from is not None and summary.get("tz"):
        from callwarden.features.local_time import describe

        hours = summary.get("utc_offset_hours")
        zoned = describe(summary["tz"], [hours] if isinstance(hours, int) else [])
        day = f"{day} in {zoned}, {tz_from};"
    else:
        day += ","
    typer.echo(
        f"scanned {summary['numbers']:,} numbers (day {day} model "
        f"{summary.get('model_version')}): {labels}; {summary['flagged_by_rule']:,} flagged by rules"
    )
    if (line := not_scored_line(summary, registry)) is not None:
        typer.echo(line)
    if summary["top_reason_codes"]:
        typer.echo(
            "top reasons: "
            + ", ".join(f"{k} {v:,}" for k, v in summary["top_reason_codes"].items())
        )
    flagged = np.flatnonzero(result.flagged)
    order = flagged[np.argsort(-result.scores[flagged], kind="stable")][:top]
    for i in order:
        typer.echo(f"  {result.numbers[i]}  {result.labels[i]:<10} {result.scores[i]:.4f}")
        for r in result.reasons[i]:
            typer.echo(f"      {r.code}: {render(r, lang)}")


def register(app: typer.Typer) -> None:
    @app.command("scan")
    def scan_cmd(
        model: Path = typer.Option(
            ..., "--model", help="Model directory written by 'callwarden train'."
        ),
        out: Path = typer.Option(
            ..., "--out", help="Output folder for verdicts.csv and scan-summary.json."
        ),
        cdrs: Path | None = typer.Option(
            None, "--cdrs", help="Canonical CDRs: ingest folder, simulator folder or Parquet file."
        ),
        registry: Path | None = typer.Option(
            None,
            "--registry",
            help="Allocation registry CSV, with --cdrs (enables the unallocated-number rule).",
        ),
        features: Path | None = typer.Option(
            None, "--features", help="A carrier feature table (CSV or Parquet) instead of CDRs."
        ),
        id_column: str | None = typer.Option(
            None,
            "--id-column",
            help="Id column of --features (default: the model's, from its manifest).",
        ),
        day: str | None = typer.Option(
            None, "--day", help="As-of day YYYY-MM-DD of --cdrs (default: their last day)."
        ),
        lang: str = typer.Option("zh", "--lang", help="Language of printed reasons: zh or en."),
        top: int = typer.Option(
            5, "--top", help="Flagged numbers to print with their reasons (0 or more)."
        ),
        threads: int = typer.Option(
            1, "--threads", help="Threads for scoring, at least 1 (verdicts do not depend on it)."
        ),
        transcripts: Path | None = typer.Option(
            None,
            "--transcripts",
            help="Screened calls' transcripts (JSON lines: call_id, turns) for campaign "
            "linking: campaigns take their scripts' category, and so do their flagged "
            "numbers (default: transcripts.jsonl beside --cdrs, if there is one).",
        ),
        ingresses: Path | None = typer.Option(
            None,
            "--ingresses",
            help=INGRESSES_HELP + " Per call, for campaign linking's spoofing check "
            "(spoofed_calls.csv, counted in scan-summary.json): never a verdict on the number, "
            "which is a real subscriber's.",
        ),
        roaming: Path | None = typer.Option(
            None,
            "--roaming",
            help=roaming_help("--tz's zone (default: the CDRs' recorded zone, else Asia/Shanghai)"),
        ),
        allow_missing: bool = typer.Option(
            False,
            "--allow-missing-features",
            help="With --features: score even when columns the model uses are missing in "
            "far more rows than in training (at least half the rows and 25 points more; "
            "refused by default, since the model reads missing values as it learnt them), "
            "or absent from the table (scored as missing in every row, with a warning). "
            "Headers that differ from the model's only by surrounding spaces or case match "
            "without it.",
        ),
        min_attempts: int | None = typer.Option(
            None,
            "--min-attempts",
            help="Numbers with fewer calls in the 7 days to --day that the CDRs hold (the "
            "window the features read; one day of CDRs: that day) and, with --registry, an "
            "allocated number are not scored by the model and are benign unless a hard rule "
            "or their campaign's verdict (--campaign-verdicts) flags them; default 5, 0 scores "
            "every number.",
        ),
        tz: str | None = typer.Option(
            None,
            "--tz",
            help="Local time of the as-of day and its hours, with --cdrs: a time zone name "
            "(as ingest's --tz) or a UTC offset (UTC-5, +08:00), turned into the zone's whole-"
            "hour offset on that day; also the zone of --roaming's naive times. Default: the "
            "zone ingest recorded with the CDRs (DIR/dataset.json: its --tz), else "
            "Asia/Shanghai (UTC+8). Use the model's own (its manifest's tz; scan warns when "
            "the offset differs).",
        ),
        explain_benign: bool = typer.Option(
            False,
            "--explain-benign",
            help="Give every verdict reasons, not only flagged ones: a scored benign number "
            "the (up to 3) features that pushed it hardest toward benign, from the same "
            "per-feature contributions as a flag's; a number not scored "
            "NOT_SCORED_LOW_ACTIVITY with its calls. For analysts asking why a reported "
            "number was let through; costs a contributions pass over every scored number "
            "and a larger verdicts.csv.",
        ),
        campaign_verdicts: bool = typer.Option(
            True,
            "--campaign-verdicts/--no-campaign-verdicts",
            help="With --cdrs: flag the members of a linked campaign when at least 2 and half "
            "of its numbers are flagged, except members the model scored below 0.1 on their "
            "own calls and real lines the campaign also displays (partly spoofed calls); score "
            "the model's threshold (the label band of the model's score bands), reason "
            "campaign_flagged_members. --no-campaign-verdicts leaves every label to the model "
            "and rules.",
        ),
    ) -> None:
        """Score numbers, write OUT/verdicts.csv (number,label,score,category,reasons,campaign) and print a summary."""
        from callwarden.cli._args import check_day, check_lang
        from callwarden.cli._paths import output_dir
        from callwarden.errors import InputError

        output_dir(out)
        check_lang(lang)
        if top < 0:  # (a negative --top printed every flagged number but the last ones)
            raise InputError(f"--top must be 0 or more, not {top}")
        if day is not None:
            check_day(day, "--day")
        from callwarden.cli._args import check_threads

        check_threads(threads)  # (0 was taken as 1 without a word)
        if min_attempts is not None and min_attempts < 0:  # (was taken as 0 without a word)
            raise InputError(
                f"--min-attempts must be 0 (score every number) or more, not {min_attempts}"
            )
        if features is not None and cdrs is None:  # (each was ignored without a word)
            for option, given in (
                ("--registry", registry), ("--day", day), ("--min-attempts", min_attempts),
                ("--tz", tz),
            ):  # fmt: skip
                if given is not None:
                    raise InputError(
                        f"{option} applies to --cdrs (a --features table is scored as it is)"
                    )
        if allow_missing and features is None:
            raise InputError("--allow-missing-features applies to --features tables")
        if transcripts is not None:
            if cdrs is None:
                raise InputError("--transcripts needs --cdrs (campaigns are linked from CDRs)")
            if not transcripts.is_file():
                raise InputError(f"--transcripts: {transcripts} is not a file")
        source, records = None, None
        if cdrs is not None:  # read now, once: a malformed file fails before the scan
            from callwarden.campaigns.io import read_transcripts
            from callwarden.cli.campaigns import transcripts_for

            if (source := transcripts_for(cdrs, transcripts)) is not None:
                records = list(read_transcripts(source))
        from callwarden.cli._abroad import AbroadSetup, abroad_rule_for

        abroad = AbroadSetup()
        said = None
        if cdrs is not None:  # the carrier's files, read before the scan as the transcripts are
            from callwarden.cli._zone import cdrs_zone

            # the day's zone: --tz, else the zone ingest recorded, else Asia/Shanghai; the
            # roaming list's naive times are read in it, as the day is taken
            days_zone = cdrs_zone(tz, cdrs)
            tz, said = days_zone.tz, days_zone.said
            abroad = abroad_rule_for(
                cdrs, ingresses, roaming, registry, listing=True, tz=tz, tz_from=said
            )
        elif ingresses is not None or roaming is not None:
            raise InputError("--ingresses and --roaming need --cdrs (they judge calls)")
        result = run_scan(
            model,
            cdrs=cdrs,
            registry=registry,
            features=features,
            id_column=id_column,
            day=day,
            threads=threads,
            min_attempts=min_attempts,
            allow_missing=allow_missing,
            tz=tz,
            explain_benign=explain_benign,
        )
        from callwarden import __version__

        # What the verdicts came from, for whoever cites them (the case file hashes them).
        result.meta["inputs"] = {
            "model": str(model.resolve()),
            **{
                name: str(path.resolve()) if path is not None else None
                for name, path in (
                    ("cdrs", cdrs), ("features", features), ("registry", registry),
                    ("transcripts", source),
                )
            },
            **{k: v or None for k, v in abroad.files.items()},
            "callwarden": __version__,
        }  # fmt: skip
        if cdrs is not None:  # campaign linking fills the campaign column, writes campaigns.csv
            from callwarden.cli.campaigns import scan_hook

            abroad.say()
            scan_hook(
                result,
                cdrs,
                out,
                registry=registry,
                transcripts=source,
                records=records,
                member_verdicts=campaign_verdicts,
                abroad=abroad.rule,
            )
        summary = write_scan(result, out)
        print_summary(result, summary, lang, top, registry=registry is not None, tz_from=said)
        typer.echo(f"-> {out / 'verdicts.csv'}")
