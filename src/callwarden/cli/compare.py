"""``callwarden compare``: two scans of one day, the current model's and a candidate's.

Which numbers the candidate would newly flag and which it would stop flagging, and whether
any newly flagged number is a heavy caller (``--cdrs``), a registered business or an
accepted appeal (``--db``), a cleared one a number subscribers reported (``--db``), or
a number the screener labelled live that the new scan would replace with a weaker verdict
(``--db``); with ``--labels``, both scans' precision and recall. The comparison is
``evaluate.compare``'s; this module reads the files and the store and prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer


def _verdicts_path(path: Path, option: str) -> Path:
    """The verdicts.csv of a scan's output folder (or the file itself, when given)."""
    from callwarden.errors import InputError

    if path.is_file():
        return path
    if not path.exists():
        raise InputError(f"{option} {path}: no such folder (a scan's output folder)")
    found = path / "verdicts.csv"
    if not found.is_file():
        raise InputError(f"{option} {path}: no verdicts.csv there (a scan's output folder)")
    return found


def _read(path: Path, option: str) -> tuple[Any, dict[str, Any] | None]:
    """A scan's checked verdicts (``evaluate.compare.verdict_table``) and its summary (None:
    none, or one that is not these verdicts', with a warning)."""
    from callwarden.cli._detect_io import read_csv_strings, warn
    from callwarden.cli.evaluate import scan_summary
    from callwarden.evaluate.compare import verdict_table

    raw = read_csv_strings(path, "verdicts")
    table = verdict_table(raw, f"{option} {path}")
    summary, stale = scan_summary(path, raw)
    if stale:
        warn(stale)
    elif summary is None:
        warn(
            f"{option}: no scan-summary.json beside {path}: the day and the inputs of the two "
            "scans are not checked; their verdicts are matched by number"
        )
    return table, summary


def _scan_tz(summary: dict[str, Any] | None) -> str | None:
    """The tz a scan recorded (``evaluate.summary_tz``)."""
    from callwarden.cli.evaluate import summary_tz

    return summary_tz(summary)


def _day_offset(summary: dict[str, Any], day: Any) -> int | str | None:
    """The UTC offset (hours) of a scan's day: a summary naming ``tz: Asia/Shanghai`` and one
    naming only ``utc_offset_hours: 8`` scanned the same hours. The tz as written when it
    cannot be read (an unknown zone, no day), so such summaries match only when spelt alike."""
    from callwarden.errors import InputError
    from callwarden.features.local_time import offset_hours

    tz = _scan_tz(summary)
    if tz is None or not isinstance(day, str):
        return tz
    try:
        return offset_hours(tz, day)
    except (InputError, ValueError):
        return tz


def _inputs(summary: dict[str, Any]) -> dict[str, str | None]:
    """The CDRs or feature table a scan read, resolved (None: not named)."""
    said = summary.get("inputs")
    said = said if isinstance(said, dict) else {}
    out: dict[str, str | None] = {}
    from callwarden.cdr.dataset import same_cdrs_key

    for key in ("cdrs", "features"):
        v = said.get(key)
        if not (isinstance(v, str) and v):
            out[key] = None
        else:  # D and D/cdrs.parquet are the same calls: compare what is read
            out[key] = same_cdrs_key(v) if key == "cdrs" else str(Path(v).resolve())
    return out


def same_day_and_inputs(old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[str]:
    """Refuses two scans whose summaries name different days (a day and its tz: the same
    date in another zone is other hours) or different input CDRs / feature tables; returns
    warnings for what may differ without making the comparison meaningless."""
    from callwarden.errors import InputError

    if old is None or new is None:
        return []
    day_a, day_b = old.get("day"), new.get("day")
    tz_a, tz_b = _scan_tz(old), _scan_tz(new)
    if (day_a, _day_offset(old, day_a)) != (day_b, _day_offset(new, day_b)):
        raise InputError(
            f"the scans are of different days: --old {day_a} ({tz_a}), --new {day_b} ({tz_b}); "
            "compare two models' scans of the same day"
        )
    in_a, in_b = _inputs(old), _inputs(new)
    for key in ("cdrs", "features"):
        if in_a[key] != in_b[key]:
            raise InputError(
                f"the scans read different {'CDRs' if key == 'cdrs' else 'feature tables'}: "
                f"--old {in_a[key]}, --new {in_b[key]}; compare two models on the same input"
            )
    notes = []
    for key in ("min_attempts", "kind"):
        if old.get(key) != new.get(key):
            notes.append(
                f"the scans differ in {key} (--old {old.get(key)}, --new {new.get(key)}): a "
                "number one of them did not score counts as not flagged by it"
            )
    said_a, said_b = old.get("inputs") or {}, new.get("inputs") or {}
    for key in ("registry", "transcripts"):
        if (
            isinstance(said_a, dict)
            and isinstance(said_b, dict)
            and said_a.get(key) != said_b.get(key)
        ):
            notes.append(
                f"the scans read different {key} files (--old {said_a.get(key)}, --new "
                f"{said_b.get(key)}): some changes may be theirs, not the models'"
            )
    return notes


def _truth(labels: Path, numbers: list[str], summary: dict[str, Any] | None) -> tuple[Any, str]:
    """The labels as a table of number and class, and which columns were read. ``numbers``
    are the scans' in E.164 (``verdict_table``): a label row is matched as written or
    normalised (``match_labels``, as ``evaluate``, ``labels`` and ``train`` match)."""
    import pyarrow as pa

    from callwarden.cli._detect_io import match_labels, read_csv_strings, warn
    from callwarden.cli.evaluate import label_columns, scan_model
    from callwarden.detect.labels import labels_by_number

    lab = read_csv_strings(labels, "labels")
    found = scan_model(summary)
    id_col, label_col, whence, notes = label_columns(
        labels, lab.column_names, None, None, found[1] if found else None
    )
    for line in notes:
        warn(line)
    keys = match_labels(numbers, lab, id_col)
    by_number = labels_by_number(keys, lab[label_col].to_pylist())
    table = pa.table(
        {
            "number": pa.array(list(by_number), pa.string()),
            "truth": pa.array(list(by_number.values()), pa.string()),
        }
    )
    return table, whence


def _scan_meta(folder: Path, verdicts: Path, summary: dict[str, Any] | None) -> dict[str, Any]:
    said = (summary or {}).get("inputs")
    return {
        "folder": str(folder),
        "verdicts": str(verdicts),
        "summary": summary is not None,
        "day": (summary or {}).get("day"),
        "tz": _scan_tz(summary),
        "model_version": (summary or {}).get("model_version"),
        "model": said.get("model") if isinstance(said, dict) else None,
    }


def _refuse_inputs_as_out(
    target: Path,
    option: str,
    old_v: Path,
    new_v: Path,
    cdrs: Path | None,
    labels: Path | None,
    db: str | None,
) -> None:
    """--out must not be a file compare reads: either scan's verdicts or summary, the
    labels, the CDRs (or a file in their folder), the SQLite store or its companions."""
    from callwarden.cli._paths import not_an_input, sqlite_files

    files = [
        (old_v, "--old's verdicts"),
        (old_v.parent / "scan-summary.json", "--old's scan-summary.json"),
        (new_v, "--new's verdicts"),
        (new_v.parent / "scan-summary.json", "--new's scan-summary.json"),
    ]
    if labels is not None:
        files.append((labels, "--labels"))
    trees: list[tuple[Path, str]] = []
    if cdrs is not None:
        (trees if cdrs.is_dir() else files).append((cdrs, f"--cdrs {cdrs}"))
    if db is not None:
        files += sqlite_files(db)
    not_an_input(target, option, files, trees)


def _other_cdrs(cdrs: Path, old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[str]:
    """A warning when --cdrs is not the CDRs the scans' summaries name: the heavy callers
    would be another day's or another carrier's."""
    said = {_inputs(s)["cdrs"] for s in (old, new) if s is not None}
    said.discard(None)
    from callwarden.cdr.dataset import same_cdrs_key

    if not said or same_cdrs_key(cdrs) in said:
        return []
    return [
        f"--cdrs {cdrs} is not the CDRs the scans read ({', '.join(sorted(str(x) for x in said))}"
        "): the heavy callers are those of --cdrs"
    ]


def _store_facts(db: str, newly: list[str], cleared: list[str]) -> Any:
    """The store's facts on the changed numbers, read-only; a store that fails while read
    (a server gone, a value it refuses) is one ``error:`` line, not a traceback."""
    import sqlalchemy as sa

    from callwarden.errors import ConfigError
    from callwarden.store.compare_facts import read_compare_facts
    from callwarden.store.db import open_existing_store, redacted

    engine = open_existing_store(db, "compare")
    try:
        return read_compare_facts(engine, newly, cleared)
    except sa.exc.SQLAlchemyError as exc:
        cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise ConfigError(f"store {redacted(db)} could not be read: {cause}") from None
    finally:
        engine.dispose()


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.4f}"


def print_report(report: dict[str, Any]) -> None:
    old, new = report["old"], report["new"]
    for side, m in (("old", old), ("new", new)):
        typer.echo(
            f"{side}: {m['folder']} (model {m['model_version'] or '?'}, day {m['day'] or '?'}"
            f", {m['tz'] or '?'})"
        )
    n, c = report["numbers"], report["counts"]
    typer.echo(
        f"numbers: {n['either']:,} ({n['only_old']:,} only in --old, {n['only_new']:,} only in "
        "--new: not flagged by the other)"
    )
    typer.echo(f"{'':<18}{'new flagged':>14}{'new not':>14}")
    typer.echo(f"{'old flagged':<18}{c['flagged_by_both']:>14,}{c['cleared']:>14,}")
    typer.echo(f"{'old not flagged':<18}{c['newly_flagged']:>14,}{c['neither']:>14,}")
    typer.echo(
        f"flagged: old {c['old_flagged']:,}, new {c['new_flagged']:,}; newly flagged "
        f"{c['newly_flagged']:,}, cleared {c['cleared']:,}"
    )
    changes = report["label_changes"]
    typer.echo(
        "label changes (flagged by both): "
        + (", ".join(f"{k} {v:,}" for k, v in changes.items()) if changes else "none")
        + f"; category changes {report['category_changes']['count']:,}"
    )
    lab = report.get("labels")
    if lab:
        taken = "counted benign" if lab["unlabelled_taken_as"] == "benign" else "left out"
        typer.echo(
            f"labels ({lab['labelled_numbers']:,} labelled numbers scanned, "
            f"{lab['unknown_numbers']:,} unknown left out, {lab['unlabelled_numbers']:,} "
            f"unlabelled {taken}; each scan on its own numbers, as evaluate):"
        )
        typer.echo(
            f"  {'':<6}{'measured':>10}{'flagged':>9}{'precision':>11}{'recall':>9}"
            f"{'recall (all)':>14}"
        )
        for side in ("old", "new"):
            f = lab[side]
            typer.echo(
                f"  {side:<6}{f['measured']:>10,}{f['flagged']:>9,}{_fmt(f['precision']):>11}"
                f"{_fmt(f['recall']):>9}{_fmt(f['recall_all_labelled']):>14}"
            )
        for name in ("newly_flagged", "cleared"):
            t = lab[name]
            typer.echo(
                f"  {name.replace('_', ' ')}: {t['bad']:,} truly bad, {t['benign']:,} benign, "
                f"{t['unknown']:,} unknown, {t['unlabelled']:,} unlabelled"
            )
    typer.echo("guards:")
    ran = {g["code"] for g in report["guards"]}
    for g in report["guards"]:
        e = g["evidence"]
        shown = ", ".join(e["numbers"][:5]) + (" ..." if e["count"] > 5 else "")
        mark = "FIRED" if g["fired"] else "ok"
        kind = "strict" if g["strict"] else "advisory"
        said = e.get("labels")
        truth = (
            f" [labels: {said['bad']:,} bad, {said['benign']:,} benign, {said['unknown']:,} "
            f"unknown, {said['unlabelled']:,} unlabelled]"
            if said and e["count"]
            else ""
        )
        typer.echo(
            f"  {g['code']:<28}{e['count']:>7,}  {mark} ({kind}){truth}"
            f"{'  ' + shown if shown else ''}"
        )
        if g["code"] == "CLEARED_SCREENED" and e["screener_labels"]:
            typer.echo(
                f"    {e['screener_labels']:,} screener's labels stored: an import of --new "
                f"would replace {e['to_benign']:,} with benign, {e['weaker']:,} with a weaker "
                f"flag, {e['replaced_as_strong']:,} with one as strong; {e['not_in_new']:,} "
                f"not in --new kept, {e['kept_newer_than_scan']:,} given after --new's day kept"
            )
    for code, needs in report["guards_not_run"].items():
        if code not in ran:
            typer.echo(f"  {code:<28}{'-':>7}  not run (no {needs})")
    for title, key in (
        ("newly flagged, by new score", "top_newly_flagged"),
        ("cleared, by old score", "top_cleared"),
    ):
        rows = report[key]
        if not rows:
            continue
        typer.echo(f"top {len(rows)} {title}:")
        typer.echo(
            f"  {'number':<16}{'old':>9}{'new':>9}  {'label':<11}{'category':<24}{'campaign':<11}"
            "reasons"
        )
        for r in rows:
            label = r["new_label"] if key == "top_newly_flagged" else r["old_label"]
            typer.echo(
                f"  {r['number']:<16}{_fmt(r['old_score']):>9}{_fmt(r['new_score']):>9}  "
                f"{label or '-':<11}{r['category'] or '-':<24}{r['campaign'] or '-':<11}"
                f"{','.join(r['reason_codes'][:3]) or '-'}"
            )
    by = report["newly_flagged_by_campaign"]
    if by:
        typer.echo(
            "newly flagged by campaign: "
            + ", ".join(f"{k or '(none)'} {v:,}" for k, v in list(by.items())[:8])
        )


def compare_cmd(
    old: Path = typer.Option(
        ...,
        "--old",
        help="The current model's scan output folder (verdicts.csv, scan-summary.json).",
    ),
    new: Path = typer.Option(
        ..., "--new", help="The candidate model's scan of the same day and input."
    ),
    cdrs: Path | None = typer.Option(
        None, "--cdrs", help="The scanned CDRs: newly flagged heavy callers (a guard)."
    ),
    db: str | None = typer.Option(
        None,
        "--db",
        help="The reputation store (SQLite path or postgresql:// URL, as serve takes), read "
        "only: newly flagged registered or appealed numbers, cleared reported ones, screener's "
        "live labels the new scan would replace with a weaker verdict (guards).",
    ),
    labels: Path | None = typer.Option(
        None, "--labels", help="Labels, when there are some: both scans' precision/recall."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="JSON report (default: compare.json in --new)."
    ),
    top: int = typer.Option(20, "--top", help="Numbers listed per change set and campaign rows."),
    strict: bool = typer.Option(
        False,
        "--strict",
        help="Exit 1 when a strict guard fires (a newly flagged heavy caller, registered or "
        "appealed number), for automation; needs --cdrs or --db (the strict guards' inputs).",
    ),
    heavy_attempts: int | None = typer.Option(
        None,
        "--heavy-attempts",
        help="Calls on one day that make a heavy caller, with --cdrs (default 50).",
    ),
    tz: str | None = typer.Option(
        None,
        "--tz",
        help="Local time of the heavy callers' days, with --cdrs (a zone name or UTC offset); "
        "default: the scans' recorded tz, else the zone ingest recorded with the CDRs "
        "(DIR/dataset.json), else Asia/Shanghai.",
    ),
    unlabelled: str = typer.Option(
        "benign",
        "--unlabelled",
        help="With --labels, a scanned number the labels do not list: 'benign' (the default) "
        "or 'skip' (left out of the figures), as evaluate's --unlabelled.",
    ),
) -> None:
    """Compare two models' scans of one day: newly flagged, cleared, guards; prints and writes JSON."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from callwarden.cli._detect_io import warn, write_json
    from callwarden.cli._paths import output_file
    from callwarden.errors import InputError
    from callwarden.evaluate.compare import (
        UNLABELLED_AS,
        GuardCode,
        align,
        changed_numbers,
        compare,
    )

    if top < 0:
        raise InputError(f"--top must be at least 0, not {top}")
    if heavy_attempts is not None and cdrs is None:  # (it would be ignored without a word)
        raise InputError("--heavy-attempts applies to --cdrs (the days that make heavy callers)")
    heavy_attempts = 50 if heavy_attempts is None else heavy_attempts
    if heavy_attempts < 1:
        raise InputError(f"--heavy-attempts must be at least 1, not {heavy_attempts}")
    if tz is not None and cdrs is None:
        raise InputError("--tz applies to --cdrs (the days that make heavy callers)")
    if strict and cdrs is None and db is None:  # no strict guard could run: a gate of nothing
        raise InputError(
            "--strict needs --cdrs or --db: without them no strict guard runs and the gate "
            "would pass whatever the candidate flags"
        )
    if unlabelled not in UNLABELLED_AS:
        raise InputError(f"--unlabelled must be 'benign' or 'skip', not {unlabelled!r}")
    old_v, new_v = _verdicts_path(old, "--old"), _verdicts_path(new, "--new")
    if old_v.resolve() == new_v.resolve():
        raise InputError(f"--old and --new are the same scan ({old_v})")
    if cdrs is not None and not cdrs.exists():
        raise InputError(f"--cdrs {cdrs}: no such file or folder")
    if labels is not None and not labels.is_file():
        raise InputError(f"--labels {labels}: no such file")
    target = out if out is not None else new_v.parent / "compare.json"
    option = "--out" if out is not None else "--out (default)"
    _refuse_inputs_as_out(target, option, old_v, new_v, cdrs, labels, db)
    output_file(target, option)
    old_t, old_s = _read(old_v, "--old")
    new_t, new_s = _read(new_v, "--new")
    heavy_zone = None
    if cdrs is not None:
        from callwarden.cli._zone import cdrs_zone
        from callwarden.cli.evaluate import scans_zone

        # --tz, else the scans' (new first), else the zone ingest recorded with the CDRs,
        # else Asia/Shanghai; an unknown zone fails before any work
        heavy_zone = scans_zone(tz, [new_s, old_s]) or cdrs_zone(tz, cdrs)
        typer.echo(f"heavy callers' days: {heavy_zone}")
    notes = same_day_and_inputs(old_s, new_s)
    if cdrs is not None:
        notes += _other_cdrs(cdrs, old_s, new_s)
    aligned = align(old_t, new_t)
    newly, cleared = changed_numbers(aligned)
    heavy = None
    if cdrs is not None:
        from callwarden.cli.evaluate import heavy_callers
        from callwarden.numbers import normalize_array

        assert heavy_zone is not None
        callers = list(heavy_callers(cdrs, heavy_attempts, heavy_zone.tz))
        # matched on the number as the verdicts are (E.164; as written when it does not parse)
        heavy = set(
            pc.coalesce(normalize_array(callers), pa.array(callers, pa.string())).to_pylist()
        )
    facts = None
    if db is not None:
        facts = _store_facts(db, newly, cleared)
    truth, whence = None, None
    if labels is not None:
        truth, whence = _truth(labels, aligned["number"].to_pylist(), new_s or old_s)
    report: dict[str, Any] = {
        "old": _scan_meta(old, old_v, old_s),
        "new": _scan_meta(new, new_v, new_s),
        "cdrs": str(cdrs) if cdrs is not None else None,
        "heavy_tz": heavy_zone.tz if heavy_zone is not None else None,
        "db": None,
        "labels": None,
        "warnings": notes,
    }
    if db is not None:
        from callwarden.store.db import redacted

        report["db"] = redacted(db)
    new_end = None
    if db is not None:  # the new scan's day as its import reads it (a label after it is kept)
        from callwarden.cli._zone import scan_day_zone_warning
        from callwarden.store.io import scan_provenance

        new_prov = scan_provenance(new_v)
        new_end = new_prov.day_end()
        if (unread := scan_day_zone_warning(new_prov, new_v)) is not None:
            notes.append(unread)
    report.update(
        compare(
            aligned,
            top=top,
            heavy=heavy,
            heavy_attempts=heavy_attempts,
            store=facts,
            truth=truth,
            unlabelled_as=unlabelled,
            new_scan_end=new_end,
        )
    )
    n = report["numbers"]
    if n["not_e164"]:
        notes.append(
            f"{n['not_e164']:,} of {n['either']:,} numbers are not phone numbers (e.g. "
            f"{', '.join(repr(x) for x in n['not_e164_examples'])}): matched between the scans "
            "and to the labels only as written, and not asked of the store"
        )
    if labels is not None:
        report["labels"]["file"] = str(labels)
        report["labels"]["columns"] = whence
    report["guards_not_run"] = {
        **({str(GuardCode.NEWLY_FLAGGED_HEAVY_CALLER): "--cdrs"} if cdrs is None else {}),
        **(
            {
                str(c): "--db"
                for c in (
                    GuardCode.NEWLY_FLAGGED_REGISTERED,
                    GuardCode.NEWLY_FLAGGED_APPEALED,
                    GuardCode.CLEARED_REPORTED,
                    GuardCode.CLEARED_SCREENED,
                )
            }
            if db is None
            else {}
        ),
    }
    print_report(report)
    for line in notes:
        warn(line)
    write_json(target, report)
    typer.echo(f"-> {target}")
    if strict and report["strict_guards_fired"]:
        typer.echo(f"strict: {', '.join(report['strict_guards_fired'])} fired: exit 1", err=True)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("compare")(compare_cmd)
