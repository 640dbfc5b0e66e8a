"""``callwarden evaluate``: score verdicts against ground-truth labels.

Reports per-class precision, recall and F1, the confusion matrix, flagged-vs-benign figures,
and with ``--cdrs`` the share of legitimate heavy callers (benign numbers with at least
``--heavy-attempts`` calls on some day) that were flagged. Sections are built as a dict
first so other stages (campaign linking) can add theirs before it is printed and written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from callwarden.cli._zone import CdrZone


def heavy_callers(cdrs: Path, min_attempts: int, tz: str | None = None) -> set[str]:
    """Numbers that placed at least ``min_attempts`` calls on some local day: the days of
    ``tz`` (a zone name or UTC offset, ``features.local_time``; None: UTC+8), each bounded
    as ``scan`` bounds its day (the zone's offset at noon of that day)."""
    import pyarrow as pa

    from callwarden.cdr import cdr_relation_sql
    from callwarden.features.duckdb_backend import connection, local_days_in
    from callwarden.features.local_time import DEFAULT_TZ, offset_hours
    from callwarden.features.sql import AsOf

    rel = cdr_relation_sql(cdrs)
    with connection() as con:
        days = local_days_in(con, rel, tz or DEFAULT_TZ)
        bounds = [AsOf(d, offset_hours(tz or DEFAULT_TZ, d)) for d in days]
        con.register(
            "cw_heavy_days",
            pa.table(
                {
                    "d": pa.array(days, pa.string()),
                    "lo": pa.array([b.day_start for b in bounds], pa.timestamp("us", tz="UTC")),
                    "hi": pa.array([b.day_end for b in bounds], pa.timestamp("us", tz="UTC")),
                }
            ),
        )
        rows = con.execute(
            f"SELECT DISTINCT caller FROM (SELECT c.caller, k.d, COUNT(*) AS n FROM {rel} c "
            "JOIN cw_heavy_days k ON c.start_time >= k.lo AND c.start_time < k.hi "
            f"GROUP BY c.caller, k.d) WHERE n >= {int(min_attempts)}"
        ).fetchall()
    return {r[0] for r in rows}


def cdrs_check(
    cdrs: Path, numbers: list[str], summary: dict[str, Any] | None, tz: str | None
) -> tuple[dict[str, Any], str | None]:
    """Are ``cdrs`` the calls the verdicts were scanned from? (the check's figures, a warning
    or None). The scan's summary names its CDRs (``inputs.cdrs``) and day; another path may
    hold the same calls (the simulator's file of an ingested folder), so what counts is
    whether the scanned day is in ``cdrs`` and how many verdict numbers placed calls there
    that day (all of them for a scan's own CDRs; every day when no summary names one)."""
    from callwarden.cdr import cdr_relation_sql
    from callwarden.features.duckdb_backend import connection, local_days_in
    from callwarden.features.local_time import DEFAULT_TZ

    said = (summary or {}).get("inputs")
    scan_cdrs = said.get("cdrs") if isinstance(said, dict) else None
    day = (summary or {}).get("day")
    day = day if isinstance(day, str) and day else None
    rel = cdr_relation_sql(cdrs)
    with connection() as con:
        days = local_days_in(con, rel, tz or DEFAULT_TZ)
        query = _calling_sql(con, rel, numbers, day, tz)
        ((calling,),) = con.execute(f"SELECT COUNT(*) FROM ({query})").fetchall()
    same = scan_cdrs is not None and Path(scan_cdrs).resolve() == cdrs.resolve()
    check: dict[str, Any] = {
        "cdrs": str(cdrs),
        "scan_cdrs": scan_cdrs,
        "same_path": same,
        "scan_day": day,
        "day_in_cdrs": None if day is None else day in days,
        "verdict_numbers_calling": int(calling),
        "verdict_numbers": len(numbers),
    }
    where_said = f" on {day}" if day is not None else ""
    theirs = f" (the scan read {scan_cdrs})" if scan_cdrs is not None and not same else ""
    problem = None
    if day is not None and day not in days:
        shown = f"{days[0]} .. {days[-1]}" if len(days) > 1 else (days[0] if days else "none")
        problem = f"the scanned day {day} is not in them (their days: {shown})"
    elif numbers and calling < 0.5 * len(numbers):
        problem = f"only {calling:,} of the {len(numbers):,} verdict numbers placed calls there{where_said}"
    if problem is None:
        return check, None
    return check, (
        f"--cdrs {cdrs} are not the calls the verdicts were scanned from{theirs}: {problem}; "
        "the heavy-caller and campaign figures are of other calls"
    )


def _calling_sql(con: Any, rel: str, numbers: list[str], day: str | None, tz: str | None) -> str:
    """Register ``numbers`` (and the local ``day``'s bounds) on ``con`` and return the query of
    those that placed a call in ``rel`` on that day (every day when None)."""
    import pyarrow as pa

    from callwarden.features.local_time import DEFAULT_TZ, offset_hours
    from callwarden.features.sql import AsOf

    where = ""
    if day is not None:
        b = AsOf(day, offset_hours(tz or DEFAULT_TZ, day))
        con.register("cw_call_day", pa.table({"lo": [b.day_start], "hi": [b.day_end]}))
        where = "WHERE start_time >= (SELECT lo FROM cw_call_day) AND start_time < "
        where += "(SELECT hi FROM cw_call_day)"
    con.register("cw_call_numbers", pa.table({"n": pa.array(numbers, pa.string())}))
    return f"SELECT n FROM cw_call_numbers WHERE n IN (SELECT caller FROM {rel} {where})"


def callers_in(cdrs: Path, numbers: list[str], day: str | None, tz: str | None) -> set[str]:
    """Those of ``numbers`` that placed a call in ``cdrs`` on the local ``day`` (every day
    when None), bounded as :func:`cdrs_check` bounds it."""
    if not numbers:
        return set()
    from callwarden.cdr import cdr_relation_sql
    from callwarden.features.duckdb_backend import connection

    with connection() as con:
        rows = con.execute(_calling_sql(con, cdr_relation_sql(cdrs), numbers, day, tz)).fetchall()
    return {r[0] for r in rows}


def scan_summary(verdicts: Path, table: Any = None) -> tuple[dict[str, Any] | None, str | None]:
    """The ``scan-summary.json`` beside ``verdicts`` when it describes them, and a warning when
    one is there but does not: its ``numbers`` (verdict rows) or ``by_label`` (rows per label)
    differ from the file's (verdicts copied beside another scan's summary would otherwise name
    that scan's model, columns and tz). (None, None): no summary, or one that does not parse.
    ``table``: the verdicts already read as text (``read_csv_strings``), else they are read."""
    import json

    import pyarrow.compute as pc

    from callwarden.cli._detect_io import read_csv_strings

    path = verdicts.parent / "scan-summary.json"
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, None
    if not isinstance(summary, dict):
        return None, None
    v = table
    if v is None:
        try:
            v = read_csv_strings(verdicts, "verdicts")
        except Exception:  # build_report reports an unreadable verdicts file itself
            return None, None
    if "label" not in v.column_names:
        return None, None
    labels = pc.utf8_lower(pc.utf8_trim_whitespace(v["label"]))
    counts = {str(r["values"]): int(r["counts"]) for r in pc.value_counts(labels).to_pylist()}
    said, theirs = summary.get("numbers"), summary.get("by_label")
    differ = []
    if isinstance(said, int) and said != v.num_rows:
        differ.append(f"{said:,} numbers, the verdicts {v.num_rows:,}")
    elif isinstance(theirs, dict) and theirs != counts:
        differ.append(f"labels {theirs}, the verdicts {dict(sorted(counts.items()))}")
    if differ:
        return None, (
            f"{path} is not the summary of {verdicts} ({differ[0]}): ignored (no model, "
            "columns or tz taken from it)"
        )
    return summary, None


def verdicts_tz(verdicts: Path) -> str | None:
    """The ``tz`` the scan beside ``verdicts`` recorded in its ``scan-summary.json`` (None:
    no summary, one that is not these verdicts', or one written before ``scan --tz``, whose
    day was UTC+8)."""
    summary, _ = scan_summary(verdicts)
    return summary_tz(summary)


def scans_zone(tz: str | None, summaries: list[dict[str, Any] | None]) -> CdrZone | None:
    """The zone of the scans' days when ``tz`` is not given and a scan summary is there (a
    ``cli._zone.CdrZone``): the first summary's recorded tz, or Asia/Shanghai for a summary
    of a scan before ``--tz`` (which took UTC+8); None otherwise (no summary: the CDRs' zone
    decides, ``cli._zone.cdrs_zone``)."""
    from callwarden.cli._zone import CdrZone

    if tz is not None:
        return None
    for summary in summaries:
        if (said := summary_tz(summary)) is not None:
            return CdrZone(said, "the scan's, scan-summary.json")
    if any(s is not None for s in summaries):
        from callwarden.features.local_time import DEFAULT_TZ

        return CdrZone(DEFAULT_TZ, "the default: no tz in scan-summary.json (a scan before --tz)")
    return None


def summary_tz(summary: dict[str, Any] | None) -> str | None:
    """The ``tz`` a scan summary records: its zone, or ``UTC+H`` from ``utc_offset_hours``
    (a summary of an older scan); None when it records neither."""
    if summary is None:
        return None
    tz = summary.get("tz")
    if isinstance(tz, str) and tz:
        return tz
    hours = summary.get("utc_offset_hours")
    if isinstance(hours, int) and not isinstance(hours, bool):
        return f"UTC{hours:+d}"
    return None


def scan_model(summary: dict[str, Any] | None) -> tuple[Path, dict[str, Any]] | None:
    """The model directory a scan's summary names (``scan_summary``: the verdicts' own) and
    its manifest; None without a summary, or when the model is gone."""
    import json

    try:
        model_dir = Path(summary["inputs"]["model"])  # type: ignore[index]
        manifest = json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return (model_dir, manifest) if isinstance(manifest, dict) else None


def label_columns(
    labels: Path,
    names: list[str],
    id_column: str | None,
    label_column: str | None,
    manifest: dict[str, Any] | None,
) -> tuple[str, str, str, list[str]]:
    """(id column, label column, whence, warnings) of the labels file: a given option wins;
    else the column of the model that wrote the verdicts (its manifest's ``id_column`` /
    ``label_column``) when the file has it, else ``number`` / ``label``. A name matches a
    header that differs from it only by surrounding spaces or case, as ``scan`` matches a
    feature table's (``match_headers``; a warning says so). A column the file lacks is an
    InputError naming the file's columns, and a hint names only a header the file has."""
    from callwarden.detect.dataset import match_headers
    from callwarden.errors import InputError

    def find(name: str) -> str | None:
        """The file's header for ``name``: as written, else the one header that matches it
        but for spaces/case; two such headers are an InputError naming both."""
        if name in names:
            return name
        renames, ambiguous = match_headers(names, [name])
        if name in ambiguous:
            raise InputError(
                f"labels file {labels} has {len(ambiguous[name])} columns that read as "
                f"{name!r} but for spaces or case ({', '.join(map(repr, ambiguous[name]))}); "
                "rename one"
            )
        return next(iter(renames), None)

    model = manifest or {}
    whence: list[str] = []
    chosen: list[str] = []
    warnings: list[str] = []
    for given, key, default, option in (
        (id_column, "id_column", "number", "--id-column"),
        (label_column, "label_column", "label", "--label-column"),
    ):
        theirs = model.get(key) if isinstance(model.get(key), str) else None
        theirs_header = find(theirs) if theirs is not None else None
        header: str | None
        if given is not None:
            pick, header, said = given, find(given), option
        elif theirs is not None and theirs_header is not None:
            pick, header, said = theirs, theirs_header, "the model's"
        else:
            pick, header, said = default, find(default), "the default"
        if header is None:
            if theirs_header is not None:
                shown = (
                    theirs_header if theirs_header == theirs_header.strip() else repr(theirs_header)
                )
                hint = f"use {option} {shown} (the model's)"
            elif theirs:
                hint = f"give {option} with one of its columns (the model's {theirs!r} is not one)"
            else:
                hint = f"give {option} with one of its columns"
            more = "..." if len(names) > 12 else ""
            raise InputError(
                f"labels file {labels} has no {pick!r} column ({said}; its columns: "
                f"{', '.join(names[:12])}{more}); {hint}"
            )
        if header != pick:
            warnings.append(
                f"labels file {labels}: column {header!r} read as {pick!r} ({said}), "
                "the names differing only by spaces or case"
            )
        chosen.append(header)
        whence.append(f"{option.removeprefix('--')} {header!r} ({said})")
    return chosen[0], chosen[1], ", ".join(whence), warnings


def build_report(
    verdicts: Path,
    labels: Path,
    *,
    cdrs: Path | None = None,
    heavy_attempts: int = 50,
    id_column: str | None = None,
    label_column: str | None = None,
    tz: str | None = None,
    unlabelled_as: str = "benign",
) -> dict[str, Any]:
    """The report's sections; ``tz``: the local days of the heavy callers (None: UTC+8).
    ``id_column`` / ``label_column`` of the labels: None takes the model's (``label_columns``).
    ``unlabelled_as``: ``benign`` (a CDR label file lists the bad numbers) or ``skip`` (the
    labels are a full table: a scanned number not in it is left out of every figure)."""
    import numpy as np

    from callwarden.cli._detect_io import match_labels, read_csv_strings
    from callwarden.detect.dataset import CDR_CLASSES
    from callwarden.detect.labels import (
        LABEL_HINT,
        UNKNOWN,
        check_not_fraud_words,
        label_class,
        label_text,
        labels_by_number,
    )
    from callwarden.errors import InputError
    from callwarden.evaluate.metrics import classification_report, flag_rate, fmt

    v = read_csv_strings(verdicts, "verdicts")
    for col in ("number", "label"):
        if col not in v.column_names:
            raise InputError(
                f"verdicts need a {col!r} column (number,label,score,category,reasons)"
            )
    lab = read_csv_strings(labels, "labels")
    summary, stale = scan_summary(verdicts, v)
    found = scan_model(summary)
    manifest = found[1] if found else None
    id_column, label_column, whence, header_notes = label_columns(
        labels, lab.column_names, id_column, label_column, manifest
    )
    check_not_fraud_words(lab[label_column].to_pylist(), f"labels file {labels} ({label_column!r})")
    raw_truth = [label_class(x) for x in lab[label_column].to_pylist()]
    # Ids are trimmed as scan trims them (a verdicts file written before, too) and as the
    # labels' are (``match_labels``), so " a" and "a" are one number.
    numbers = [n.strip() if isinstance(n, str) else n for n in v["number"].to_pylist()]
    if len(set(numbers)) != len(numbers):  # a concatenated or re-run file counts twice
        first: dict[str, int] = {}
        for row, n in enumerate(numbers, start=1):
            if n in first:
                raise InputError(
                    f"{verdicts} lists {len(numbers) - len(set(numbers)):,} number(s) more "
                    f"than once (e.g. {n!r} on data rows {first[n]} and {row}, spaces around "
                    "it aside): one verdict per number"
                )
            first[n] = row
    keys = match_labels(numbers, lab, id_column)
    truth_map = labels_by_number(keys, raw_truth)
    scanned_count = len(numbers)
    labelled = [n in truth_map for n in numbers]
    unlabelled = scanned_count - sum(labelled)
    if unlabelled_as == "skip" and scanned_count and unlabelled == scanned_count:
        # Nothing would be left to measure: figures over zero numbers read as a result.
        # (The error of a label file whose rows match no number; an empty file has no
        # example.)
        example = next((k for k in lab[id_column].to_pylist() if k), None)
        eg = f" (e.g. {example!r})" if example is not None else ""
        raise InputError(
            f"none of the {lab.num_rows:,} label rows matches a number in the verdicts{eg}; "
            "are the labels for these numbers?"
        )
    if unlabelled_as == "skip" and unlabelled:
        import pyarrow as pa

        v = v.filter(pa.array(labelled))
        numbers = [n for n, k in zip(numbers, labelled, strict=True) if k]
    # A number the labels call unknown (``callwarden labels``: one reporter, the detectors'
    # word alone) has no truth to score its verdict against: out of every figure, counted.
    unknown = [truth_map.get(n) == UNKNOWN for n in numbers]
    unknown_count = sum(unknown)
    if unknown_count and unknown_count == len(numbers):
        raise InputError(
            f"every one of the {unknown_count:,} scanned numbers left to measure is labelled "
            "unknown: nothing to measure"
        )
    if unknown_count:
        import pyarrow as pa

        v = v.filter(pa.array([not u for u in unknown]))
        numbers = [n for n, u in zip(numbers, unknown, strict=True) if not u]
    pred_str = [str(x).lower() for x in v["label"].to_pylist()]
    classes = tuple(CDR_CLASSES)
    # (unknown is a truth label only: a verdicts file saying unknown is an error)
    extra = sorted(({*truth_map.values()} - {UNKNOWN} | {*pred_str}) - set(classes))
    if extra:
        raise InputError(f"unknown label(s) {extra[:5]}; expected {list(classes)}: {LABEL_HINT}")
    idx = {c: i for i, c in enumerate(classes)}
    truth = np.array([idx[truth_map.get(n, "benign")] for n in numbers], dtype=np.int64)
    pred = np.array([idx[p] for p in pred_str], dtype=np.int64)
    present = [
        c for i, c in enumerate(classes) if i == 0 or (truth == i).any() or (pred == i).any()
    ]
    benign_rows = sum(t == "benign" for t in truth_map.values())
    report: dict[str, Any] = {
        "verdicts": str(verdicts),
        "labels": str(labels),
        "label_columns": {"id": id_column, "label": label_column, "whence": whence},
        "scanned_numbers": scanned_count,
        "unlabelled_scanned_numbers": unlabelled,
        "unlabelled_taken_as": unlabelled_as,
        "unknown_label_numbers": unknown_count,
        "labelled_benign_numbers": benign_rows,
        "warnings": ([stale] if stale else []) + header_notes,
        "scanned": classification_report(truth, pred, classes),
    }
    if found is not None:
        config = manifest.get("config") if isinstance(manifest, dict) else None
        config = config if isinstance(config, dict) else {}
        report["model"] = {
            "dir": str(found[0]),
            "model_version": manifest.get("model_version") if manifest else None,
            "threshold_objective": config.get("objective"),
            **(
                {"target_precision": config.get("target_precision")}
                if config.get("objective") == "precision"
                else {}
            ),
        }
    if unlabelled and benign_rows and unlabelled_as == "benign":
        # A CDR label file lists the bad numbers (the rest are benign); one that lists benign
        # numbers too is a full table, where an unlabelled number's truth is unknown.
        report["warnings"].append(
            f"{unlabelled:,} of {len(numbers):,} scanned numbers are not in the labels and "
            f"count as benign, yet the labels list {benign_rows:,} benign number(s) "
            "themselves: if the labels are a full table, those numbers' truth is unknown and "
            "the figures are off; give a label for every scanned number, or --unlabelled skip "
            "to leave them out"
        )
    harassment = idx["harassment"]
    said_harassment = int((pred == harassment).sum())
    if said_harassment and not any(t == "harassment" for t in truth_map.values()):
        # Binary truth (0/1, benign/fraud) scores every harassment verdict as an error and
        # gives harassment an F1 of 0: the macro-F1 says nothing, flagged-vs-benign does.
        f = report["scanned"]["flagged_vs_benign"]
        raw = {str(x).strip().lower() for x in lab[label_column].to_pylist() if x is not None}
        spelt = " (0/1 labels: 1 = fraud)" if raw and raw <= {"0", "1", ""} else ""
        report["binary_truth"] = {"harassment_verdicts": said_harassment}
        report["warnings"].append(
            f"the labels name no harassment number{spelt}, yet {said_harassment:,} verdicts "
            "say harassment: the per-class figures and macro-F1 count them as errors; read "
            f"flagged-vs-benign instead (precision {fmt(f['precision'])}, recall "
            f"{fmt(f['recall'])}, F1 {fmt(f['f1'])})"
        )
    # A class with no support and no predictions (harassment for a fraud/benign model) is
    # left out of per_class, so that per_class averages to the macro-F1.
    per_class = report["scanned"]["per_class"]
    left_out = [
        c for i, c in enumerate(classes) if not (truth == i).any() and not (pred == i).any()
    ]
    report["scanned"]["per_class"] = {c: r for c, r in per_class.items() if c not in left_out}
    report["scanned"]["classes_left_out"] = left_out
    report["scanned"]["classes_present"] = present
    # Labelled bad numbers that never appear in the verdicts count as missed.
    scanned = set(numbers)
    unseen_bad = [
        n for n, t in truth_map.items() if t not in ("benign", UNKNOWN) and n not in scanned
    ]
    all_truth = np.concatenate(
        [truth, np.array([idx[truth_map[n]] for n in unseen_bad], dtype=np.int64)]
    )
    all_pred = np.concatenate([pred, np.zeros(len(unseen_bad), dtype=np.int64)])
    report["all_labelled"] = {
        "bad_numbers_not_in_verdicts": len(unseen_bad),
        "flagged_vs_benign": classification_report(all_truth, all_pred, classes)[
            "flagged_vs_benign"
        ],
    }
    if "category" in v.column_names and "category" in lab.column_names:
        from callwarden.evaluate.metrics import category_agreement

        cats = labels_by_number(keys, lab["category"].to_pylist(), read=label_text)
        report["categories"] = category_agreement(
            ["" if c is None else str(c) for c in v["category"].to_pylist()],
            [cats.get(n, "") for n in numbers],
            (pred > 0) & (truth > 0),
        )
    if (seen := in_sample(verdicts, numbers)) is not None:
        report["in_sample"] = seen
        if seen.get("problem"):
            report["warnings"].append(f"in-sample not checked: {seen['problem']}")
    if cdrs is not None:
        report["cdrs_check"], cdr_problem = cdrs_check(cdrs, numbers, summary, tz)
        if cdr_problem:
            report["warnings"].append(cdr_problem)
        # Audit 25 L2: a bad number that made no call on the scanned day is no miss of this
        # scan (a two-day labels file scanned on one day); counted apart, recall without them.
        day = report["cdrs_check"]["scan_day"]
        calling = callers_in(cdrs, unseen_bad, day, tz)
        quiet = {n for n in unseen_bad if n not in calling}
        keep = np.array([n not in quiet for n in unseen_bad], dtype=bool)
        keep = np.concatenate([np.ones(len(truth), dtype=bool), keep])
        report["all_labelled"].update(
            scanned_day=day,
            not_calling_on_scanned_day=len(quiet),
            calling={
                "bad_numbers_not_in_verdicts": len(unseen_bad) - len(quiet),
                "flagged_vs_benign": classification_report(
                    all_truth[keep], all_pred[keep], classes
                )["flagged_vs_benign"],
            },
        )
        heavy = heavy_callers(cdrs, heavy_attempts, tz)
        benign_heavy = np.array(
            [n in heavy and t == 0 for n, t in zip(numbers, truth, strict=True)]
        )
        report["legitimate_heavy_callers"] = {
            "min_attempts_per_day": heavy_attempts,
            "tz": tz or "Asia/Shanghai",
            **flag_rate(pred[benign_heavy] > 0),
            "flagged_numbers": sorted(
                n for n, b, p in zip(numbers, benign_heavy, pred, strict=True) if b and p > 0
            )[:50],
        }
    return report


def in_sample(verdicts: Path, numbers: list[str]) -> dict[str, Any] | None:
    """How many of the verdicts' rows the model was trained on, from the scan summary beside
    the verdicts (the model directory and day it names) and the model's hashed training rows
    (``detect.training_rows``); None when the summary or model is not there. A rows file that
    cannot be used (missing, damaged: ``check_rows``) gives ``checked: False`` and the
    ``problem``, which evaluate warns of."""
    import json

    import numpy as np

    from callwarden.detect.training_rows import check_rows, in_training

    try:
        summary = json.loads((verdicts.parent / "scan-summary.json").read_text(encoding="utf-8"))
        model_dir = Path(summary["inputs"]["model"])
        manifest = json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))
        fingerprint = str(manifest["training_fingerprint"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    used, now = summary.get("model_version"), manifest.get("model_version")
    if used and now and used != now:  # retrained into the same folder since the scan
        return {"model": str(model_dir), "checked": False, "scan_model_version": used,
                "model_version_now": now}  # fmt: skip
    metrics = _read_json_dict(model_dir / "metrics.json")
    trained = metrics.get("rows") if isinstance(metrics.get("rows"), int) else None
    stored, problem = check_rows(model_dir, manifest, trained)
    if stored is None:
        return {"model": str(model_dir), "checked": False, "problem": problem}
    # a CDR model's training row is a number on a day; a table model's, the id
    day = summary.get("day")
    keys = [f"{n}@{day}" for n in numbers] if manifest.get("kind") == "cdr" else numbers
    inside = in_training(keys, stored, fingerprint)
    count = int(np.sum(inside))
    return {
        "model": str(model_dir),
        "checked": True,
        "rows_in_training": count,
        "rows": len(numbers),
        "share": count / len(numbers) if numbers else 0.0,
    }


def _read_json_dict(path: Path) -> dict[str, Any]:
    import json

    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return obj if isinstance(obj, dict) else {}


def all_labelled_line(a: dict[str, Any]) -> str:
    """The printed line of ``all_labelled``: with ``--cdrs``, the labelled bad numbers missing
    from the verdicts apart by whether they called on the scanned day (a two-day labels file
    holds the other day's callers, which no scan of this day can flag)."""
    from callwarden.evaluate.metrics import fmt

    missing = a["bad_numbers_not_in_verdicts"]
    recall = fmt(a["flagged_vs_benign"]["recall"])
    quiet = a.get("not_calling_on_scanned_day")
    if quiet is None:
        said = (
            " (counted as missed, including any that made no call on the scanned day: "
            "--cdrs counts those apart)"
            if missing
            else ""
        )
        return (
            f"labelled bad numbers not in verdicts: {missing:,}{said}; "
            f"recall over all labelled bad numbers {recall}"
        )
    day = a.get("scanned_day")
    when = f"on the scanned day {day}" if day else "in --cdrs"
    return (
        f"labelled bad numbers not in verdicts: {missing:,} ({quiet:,} not calling {when}, "
        f"{missing - quiet:,} calling); recall over labelled bad numbers calling {when} "
        f"{fmt(a['calling']['flagged_vs_benign']['recall'])}, over all labelled bad numbers "
        f"{recall}"
    )


def print_report(report: dict[str, Any]) -> None:
    s = report["scanned"]
    typer.echo(f"labels: {report['label_columns']['whence']}")
    typer.echo(
        f"{report['scanned_numbers']:,} numbers scanned ({report['unlabelled_scanned_numbers']:,} "
        + (
            "not in labels, left out of the figures)"
            if report.get("unlabelled_taken_as") == "skip"
            else "not in labels, taken as benign)"
        )
        + (
            f"; {report['unknown_label_numbers']:,} labelled unknown, left out of the figures"
            if report.get("unknown_label_numbers")
            else ""
        )
    )
    from callwarden.evaluate.metrics import fmt

    typer.echo(f"{'class':<12}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}")
    # n/a: undefined (nothing predicted, nothing to find), JSON null
    for c in s["per_class"]:
        v = s["per_class"][c]
        typer.echo(
            f"{c:<12}{fmt(v['precision']):>10}{fmt(v['recall']):>10}{fmt(v['f1']):>10}{v['support']:>10,}"
        )
    f = s["flagged_vs_benign"]
    typer.echo(
        f"{'flagged':<12}{fmt(f['precision']):>10}{fmt(f['recall']):>10}{fmt(f['f1']):>10}{f['support']:>10,}   (harassment+fraud vs benign)"
    )
    if report.get("binary_truth"):
        typer.echo(
            f"macro-F1 {s['macro_f1']:.4f}  (not meaningful: the labels hold no harassment, "
            f"the verdicts say harassment for {report['binary_truth']['harassment_verdicts']:,}"
            f" numbers; flagged-vs-benign F1 {fmt(f['f1'])})"
        )
    else:
        typer.echo(f"macro-F1 {s['macro_f1']:.4f}")
    labels = s["confusion_matrix"]["labels"]
    typer.echo("confusion (rows truth, columns predicted): " + " ".join(labels))
    for name, row in zip(labels, s["confusion_matrix"]["counts"], strict=True):
        typer.echo(f"  {name:<12}" + "".join(f"{x:>10,}" for x in row))
    typer.echo(all_labelled_line(report["all_labelled"]))
    c = report.get("categories")
    if c and c["flagged_with_true_category"]:
        typer.echo(
            f"categories: {c['with_category']:,} of {c['flagged_with_true_category']:,} rightly "
            f"flagged numbers carry one, {c['agree']:,} the labels' own"
        )
    seen = report.get("in_sample")
    if seen and seen.get("problem"):
        pass  # (a warning says why, after the figures)
    elif seen and not seen["checked"]:
        typer.echo(
            f"in-sample: not checked: {seen['model']} now holds model "
            f"{seen['model_version_now']}, the scan used {seen['scan_model_version']}"
        )
    elif seen and seen["rows_in_training"]:
        line = (
            f"{seen['rows_in_training']:,} of {seen['rows']:,} verdicts ({seen['share']:.2%}) "
            f"are of training rows of the model ({seen['model']}: the same number on the same "
            "day, or the same table id)"
        )
        if seen["share"] >= 0.5:
            from callwarden.cli._detect_io import warn

            warn(
                f"in-sample: {line}: the figures above say what the model remembers, not how "
                "it detects; evaluate on rows held out from training (or read train --cv)"
            )
        else:
            typer.echo(f"in-sample: {line}")
    h = report.get("legitimate_heavy_callers")
    if h:
        typer.echo(
            f"legitimate heavy callers (≥{h['min_attempts_per_day']} calls on a local day): "
            f"{h['flagged']:,} of {h['population']:,} flagged "
            + (f"({h['rate']:.2%})" if h["rate"] is not None else "(none in the verdicts)")
        )


def register(app: typer.Typer) -> None:
    @app.command("evaluate")
    def evaluate_cmd(
        verdicts: Path = typer.Option(
            ..., "--verdicts", help="verdicts.csv written by 'callwarden scan'."
        ),
        labels: Path = typer.Option(
            ...,
            "--labels",
            help="Ground truth: labels.csv, or a feature table with --id-column/--label-column.",
        ),
        cdrs: Path | None = typer.Option(
            None, "--cdrs", help="The scanned CDRs, to measure flags on legitimate heavy callers."
        ),
        out: Path | None = typer.Option(
            None, "--out", help="JSON report path (default: evaluation.json beside the verdicts)."
        ),
        heavy_attempts: int = typer.Option(
            50, "--heavy-attempts", help="Calls on one day that make a heavy caller."
        ),
        id_column: str | None = typer.Option(
            None,
            "--id-column",
            help="Number (id) column of --labels; default: the id column of the model that "
            "wrote the verdicts (scan-summary.json beside them names it, when its counts are "
            "the verdicts') when --labels has it, else 'number'. Headers differing by spaces "
            "or case match, with a warning. Ids are trimmed, as scan trims them.",
        ),
        label_column: str | None = typer.Option(
            None,
            "--label-column",
            help="Label column of --labels; default: the model's label column when --labels "
            "has it, else 'label'. Labels: benign, harassment, fraud; also normal, 正常, "
            "legit(imate), non-fraud, 非诈骗 (benign; refused beside harassment), 诈骗 (fraud), "
            "骚扰 (harassment), 0/1, false/true (1 = fraud), blank = benign; unknown: the number "
            "is left out of the figures (counted).",
        ),
        tz: str | None = typer.Option(
            None,
            "--tz",
            help="Local time of the days that make heavy callers, with --cdrs: a time zone name "
            "or a UTC offset, as scan's --tz (each day at the zone's whole-hour offset that "
            "day); default: the tz recorded in scan-summary.json beside --verdicts, else the "
            "zone ingest recorded with the CDRs (DIR/dataset.json), else Asia/Shanghai (UTC+8).",
        ),
        unlabelled: str = typer.Option(
            "benign",
            "--unlabelled",
            help="A scanned number the labels do not list: 'benign' (a CDR label file lists "
            "the bad numbers; the default) or 'skip' (the labels are a full table, such as a "
            "held-out feature table with its label column: such numbers are left out of every "
            "figure).",
        ),
    ) -> None:
        """Per-class precision/recall/F1, confusion matrix and heavy-caller false positives; prints and writes JSON."""
        from callwarden.cli._detect_io import write_json
        from callwarden.cli._paths import output_file
        from callwarden.errors import InputError

        if heavy_attempts < 1:
            raise InputError(f"--heavy-attempts must be at least 1, not {heavy_attempts}")
        if unlabelled not in ("benign", "skip"):
            raise InputError(f"--unlabelled must be 'benign' or 'skip', not {unlabelled!r}")
        target = out if out is not None else verdicts.parent / "evaluation.json"
        output_file(target, "--out" if out is not None else "--out (default)")
        if tz is not None and cdrs is None:  # (it would be ignored without a word)
            raise InputError("--tz applies to --cdrs (the days that make heavy callers)")
        if cdrs is not None:
            from callwarden.cli._zone import cdrs_zone

            # --tz, else the scan's (its days are the verdicts'), else the zone ingest
            # recorded with the CDRs, else Asia/Shanghai; an unknown zone fails before any work
            days_zone = scans_zone(tz, [scan_summary(verdicts)[0]]) or cdrs_zone(tz, cdrs)
            tz = days_zone.tz
            typer.echo(f"heavy callers' days: {days_zone}")
        report = build_report(
            verdicts,
            labels,
            cdrs=cdrs,
            heavy_attempts=heavy_attempts,
            id_column=id_column,
            label_column=label_column,
            tz=tz,
            unlabelled_as=unlabelled,
        )
        if cdrs is not None:  # the campaign section (labels with a campaign column)
            from callwarden.cli.campaigns import evaluate_section, print_section

            section = evaluate_section(verdicts, labels, cdrs)
            if section is not None:
                report["campaigns"] = section
        print_report(report)
        from callwarden.cli._detect_io import warn

        for line in report["warnings"]:
            warn(line)
        if "campaigns" in report:
            print_section(report["campaigns"])
        write_json(target, report)
        typer.echo(f"-> {target}")
