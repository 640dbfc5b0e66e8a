"""``callwarden train``: fit the behaviour model on labelled CDRs or a carrier feature table."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import typer

from callwarden.errors import InputError


def _config(kind: str, **overrides: Any) -> Any:
    from callwarden.detect.model import TABLE_PRESET, TrainConfig

    base: dict[str, Any] = dict(TABLE_PRESET) if kind == "table" else {}
    base.update({k: v for k, v in overrides.items() if v is not None})
    return TrainConfig(**base)


def _with_partial_days(
    data: Any,
    cdrs: Path,
    registry: Path | None,
    labels: Any,
    interval_s: float,
    tz_hours: int,
    days: list[str] | None = None,
    name: str = "",
    unlabelled: str = "benign",
) -> Any:
    """Add the stream's rows of days in progress (``stream.snapshots``) to ``data``, the
    stream's days at ``tz_hours`` east of UTC, as the whole-day rows' ``--tz``; with ``days``
    (``--day``) only the rows refreshed on those local days. ``name``: the set, said first."""
    import numpy as np

    from callwarden.cdr import load_cdrs
    from callwarden.detect.dataset import with_partial_days
    from callwarden.numbers import AllocationRegistry
    from callwarden.stream.snapshots import snapshot_rows

    allocated = AllocationRegistry.from_csv(registry) if registry else None
    snaps = snapshot_rows(
        load_cdrs(cdrs), allocated=allocated, interval_s=interval_s,
        feature_names=data.feature_names, tz_hours=tz_hours,
    )  # fmt: skip
    numbers, times, X = snaps.numbers, snaps.times, snaps.X
    if days:
        # the stream replays every call; the rows of days --day left out are not trained on
        local = ((times + tz_hours * 3600) // 86400).astype("datetime64[D]").astype(str)
        keep = np.isin(local, np.asarray(days))
        numbers, times, X = numbers[keep], times[keep], X[keep]
    out = with_partial_days(data, numbers, times, X, labels, unlabelled)
    added = len(out.ids) - len(data.ids)
    left = len(numbers) - added  # (numbers labelled unknown; with skip, those not listed)
    typer.echo(
        f"{name}partial days: {added:,} stream rows every {interval_s:g} s beside "
        f"{len(data.ids):,} whole-day rows"
        + (f" ({left:,} more left out, as their numbers' whole-day rows)" if left else "")
    )
    return out


def _set_days(sets: list[Any], days: list[str] | None, tz: str) -> list[list[str] | None]:
    """The ``--day`` days each set is trained on (None: all of its days). One set: every day
    must have calls in it, as before; several: every day must be in some set, and every set
    must hold one of them (a set left without rows would be a set given for nothing)."""
    from callwarden.cli._args import check_day, check_days_in_cdrs, days_without_calls

    if not days:
        return [None] * len(sets)
    days = list(dict.fromkeys(check_day(d) for d in days))  # (a day given twice is one day)
    if len(sets) == 1:
        check_days_in_cdrs(sets[0].cdrs, days, "--day", tz)
        return [days]
    missing = [set(days_without_calls(s.cdrs, days, tz)) for s in sets]
    if nowhere := [d for d in days if all(d in m for m in missing)]:
        raise InputError(
            f"--day {', '.join(nowhere)}: no calls that day ({tz}) in any of the {len(sets)} --cdrs"
        )
    for k, (s, m) in enumerate(zip(sets, missing, strict=True), 1):
        if set(days) <= m:
            raise InputError(
                f"set {k} (--cdrs {s.cdrs}) has calls on none of the --day days "
                f"({', '.join(days)}): it would add no row"
            )
    return [[d for d in days if d not in m] for m in missing]


#: A set whose callers' rows are mostly unallocated in its registry was most likely given
#: another set's registry (one ``--registry`` for sets from different carriers or worlds):
#: real traffic has a few per cent of spoofed unallocated numbers, not half.
UNALLOCATED_SHARE_WARN = 0.5
#: A set whose (number, day) rows are mostly in another set too trains those days twice.
OVERLAP_SHARE_WARN = 0.5


def _check_set(data: Any, table: Any, s: Any, say: Any) -> None:
    """Warnings about one of several sets: a registry that does not seem to be its own, and
    labels that give it no harassment or fraud row (a labels file meant for another set)."""
    import numpy as np
    import pyarrow.compute as pc

    if s.registry is not None and "unallocated_by_caller_1d" in table.column_names:
        flags = pc.fill_null(table["unallocated_by_caller_1d"], 0).to_numpy(zero_copy_only=False)
        share = float(np.mean(flags > 0)) if len(flags) else 0.0
        if share > UNALLOCATED_SHARE_WARN:
            say(
                f"{share:.0%} of its callers' rows are unallocated numbers in the registry "
                f"{s.registry}: is it this set's registry? (give one --registry per --cdrs "
                "when the sets come from different carriers)"
            )
    if not bool((data.y != 0).any()):
        say(f"its labels ({s.labels}) give it no harassment or fraud row: every row trains benign")


def _check_overlap(parts: list[Any], sets: list[Any]) -> None:
    """Warn when most of a set's (number, day) rows are in another set too: the same calls
    exported twice train twice (with other features when one export lacks the history)."""
    import numpy as np

    from callwarden.cli._detect_io import warn

    for k, d in enumerate(parts):
        for j in range(k + 1, len(parts)):
            both = int(np.isin(d.ids, parts[j].ids).sum())
            if both > OVERLAP_SHARE_WARN * min(len(d.ids), len(parts[j].ids)):
                warn(
                    f"sets {k + 1} ({sets[k].cdrs}) and {j + 1} ({sets[j].cdrs}) share "
                    f"{both:,} (number, day) rows: the same calls in two sets train twice"
                )


def _cdr_training_data(
    sets: list[Any], days: list[str] | None, tz: str, partial_days_s: float
) -> tuple[Any, dict[str, Any]]:
    """The training rows of every set (features from its own CDRs, labels from its own
    file), combined (``detect.dataset.combined``), and the manifest's record of them."""
    from callwarden.cli._detect_io import cdr_features, read_csv_strings, warn
    from callwarden.detect.dataset import cdr_dataset, combined
    from callwarden.features.local_time import offset_hours

    many = len(sets) > 1
    parts, label_tables, set_days = [], [], []
    chosen_days = _set_days(sets, days, tz)
    for k, (s, chosen) in enumerate(zip(sets, chosen_days, strict=True), 1):
        table = cdr_features(s.cdrs, s.registry, chosen, tz=tz)
        label_table = read_csv_strings(s.labels, "labels")

        def say(line: str, k: int = k) -> None:
            warn(f"set {k} ({sets[k - 1].cdrs}): {line}" if many else line)

        try:
            parts.append(cdr_dataset(table, label_table, report=say, unlabelled=s.unlabelled))
        except InputError as exc:
            if not many:
                raise
            raise InputError(f"set {k} (--cdrs {s.cdrs}, --labels {s.labels}): {exc}") from exc
        label_tables.append(label_table)
        set_days.append(sorted(set(table["day"].to_pylist())))
        if many:
            _check_set(parts[-1], table, s, say)
    if many:
        _check_overlap(parts, sets)
    all_days = sorted(set().union(*set_days))
    offsets = sorted({offset_hours(tz, d) for d in all_days})
    if partial_days_s > 0:
        if len(offsets) > 1:
            # (the stream keeps one offset: stream.state.StateConfig.tz_hours)
            said = ", ".join(f"UTC{h:+d}" for h in offsets)
            raise InputError(
                "--partial-days-s replays the stream, which keeps one UTC offset for "
                f"every day; --tz {tz} gives the training days {said} (train the days "
                "of each offset apart, or pass a fixed offset such as --tz UTC-5)"
            )
        parts = [
            _with_partial_days(
                d,
                s.cdrs,
                s.registry,
                lt,
                partial_days_s,
                offsets[0],
                chosen,
                f"set {k} ({s.cdrs}): " if many else "",
                s.unlabelled,
            )
            for k, (d, s, lt, chosen) in enumerate(
                zip(parts, sets, label_tables, chosen_days, strict=True), 1
            )
        ]
    extra: dict[str, Any] = {
        "registry_used": sets[0].registry is not None,
        "days": all_days,
        "tz": tz,
        "utc_offset_hours": offsets,
        "partial_days_s": partial_days_s,
    }
    if not many and sets[0].unlabelled != "benign":  # (a one-set model as before otherwise)
        extra["unlabelled"] = sets[0].unlabelled
    if many:
        extra["training_sets"] = []
        for k, (d, sd) in enumerate(zip(parts, set_days, strict=True), 1):
            counts = {c: int((d.y == i).sum()) for i, c in enumerate(d.classes)}
            typer.echo(f"set {k} ({sets[k - 1].cdrs}): {len(d.ids):,} rows, {counts}")
            extra["training_sets"].append(
                {
                    "set": k,
                    "days": sd,
                    "rows": len(d.ids),
                    "class_counts": counts,
                    "unlabelled": sets[k - 1].unlabelled,
                    "fingerprint": d.fingerprint(),
                }
            )
    return combined(parts), extra


def objective_hint(metrics: dict[str, Any]) -> None:
    """One line on stderr: the out-of-fold macro-F1 and recall at the threshold chosen and at
    the best-F1 one (audit 25 M3: on a Sichuan-style table the default precision target gave
    a held-out macro-F1 of 0.80, --objective f1 0.89, and nothing said so). Nothing when the
    objective is already F1."""
    from callwarden.evaluate.metrics import fmt

    alt = metrics.get("out_of_fold_at_f1_threshold")
    if alt is None:
        return
    oof = metrics["out_of_fold"]
    t = metrics["threshold"]
    typer.echo(
        f"out-of-fold at the chosen threshold {t['value']:.4f} ({t['objective']}): macro-F1 "
        f"{oof['macro_f1']:.4f}, recall {fmt(oof['flagged_vs_benign']['recall'])}; at the "
        f"best-F1 threshold {metrics['f1_threshold']:.4f}: macro-F1 {alt['macro_f1']:.4f}, "
        f"recall {fmt(alt['flagged_vs_benign']['recall'])} (train with --objective f1 for it)",
        err=True,
    )


def register(app: typer.Typer) -> None:
    @app.command("train")
    def train_cmd(
        cdrs: list[Path] | None = typer.Option(
            None,
            "--cdrs",
            metavar="PATH",
            help="Canonical CDRs: ingest folder, simulator folder or Parquet file. Repeat it to "
            "train on several labelled sets at once (each set's features apart, each row with "
            "its own set's labels; docs/detection.md).",
        ),
        labels: list[Path] | None = typer.Option(
            None,
            "--labels",
            metavar="PATH",
            help="labels.csv (number,label,...); numbers not listed count as benign, a number "
            "labelled unknown is left out (callwarden labels writes such files). Once for "
            "every --cdrs, or once per --cdrs in the same order.",
        ),
        registry: list[Path] | None = typer.Option(
            None,
            "--registry",
            metavar="PATH",
            help="Allocation registry CSV (number or range_start,range_end). Once for every "
            "--cdrs, or once per --cdrs in the same order.",
        ),
        unlabelled: list[str] | None = typer.Option(
            None,
            "--unlabelled",
            metavar="benign|skip",
            help="CDRs: what a number the labels do not list trains as: benign (default; an "
            "investigated list names the bad numbers) or skip, left out (labels from "
            "reports, where unlisted means nobody spoke; docs/detection.md). Once for every "
            "--cdrs, or once per --cdrs in the same order.",
        ),
        features: Path | None = typer.Option(
            None, "--features", help="A carrier feature table (CSV or Parquet) instead of CDRs."
        ),
        id_column: str | None = typer.Option(
            None, "--id-column", help="Id column of --features (required with it)."
        ),
        label_column: str | None = typer.Option(
            None,
            "--label-column",
            help="Label column of --features, required with it (0/1, false/true or "
            "benign/harassment/fraud; also normal, 正常, legit(imate), non-fraud, 非诈骗 = benign "
            "(refused beside harassment), 诈骗 = fraud, 骚扰 = harassment; unknown = the row is left "
            "out; cells trimmed, any case, a blank one benign).",
        ),
        out: Path = typer.Option(..., "--out", help="Model directory to write."),
        seed: int = typer.Option(0, "--seed", help="Seed for folds and LightGBM."),
        target_precision: float = typer.Option(
            0.999, "--target-precision", help="Precision the flag threshold must reach out of fold."
        ),
        objective: str = typer.Option(
            "precision",
            "--objective",
            help="Threshold objective: 'precision' (target precision) or 'f1' (macro-F1).",
        ),
        cv: int = typer.Option(
            0,
            "--cv",
            help="Also run K-fold cross-validation of the whole recipe and report it (0 = off).",
        ),
        rounds: int | None = typer.Option(
            None, "--rounds", help="Boosting rounds (default 300 for CDRs, 800 for tables)."
        ),
        folds: int = typer.Option(
            5, "--folds", help="Folds for the out-of-fold scores the threshold is chosen from."
        ),
        threads: int = typer.Option(
            1,
            "--threads",
            help="LightGBM threads, at least 1 (part of the model: results are reproducible "
            "per thread count).",
        ),
        heavy_weight: float | None = typer.Option(
            None,
            "--heavy-weight",
            help="Training weight of benign numbers with >= 50 calls on a day (CDRs; default 10).",
        ),
        route_invariance: bool | None = typer.Option(
            None,
            "--route-invariance/--no-route-invariance",
            help="CDRs: also show each benign heavy caller on a flagged number's ingress, so a "
            "shared trunk alone condemns no business (default on; docs/detection.md).",
        ),
        prune_label_noise: bool | None = typer.Option(
            None,
            "--prune-label-noise/--no-prune-label-noise",
            help="Leave out of the fit the training rows whose label the out-of-fold scores "
            "confidently contradict (confident learning; default off: it helped in "
            "cross-validation and hurt on held-out splits of the Sichuan table; "
            "docs/detection.md).",
        ),
        days: list[str] | None = typer.Option(
            None,
            "--day",
            help="As-of day(s) YYYY-MM-DD to build features for (default: every day).",
        ),
        partial_days_s: float = typer.Option(
            0.0,
            "--partial-days-s",
            help="CDRs: also train on the stream's features of days in progress, taken every "
            "N seconds of the training CDRs (a model for the real-time engine, which scores "
            "days in progress; 3600 is what docs/streaming.md measured); 0 = whole days only.",
        ),
        tz: str | None = typer.Option(
            None,
            "--tz",
            help="CDRs: local time of the as-of days and their hours, a time zone name (as "
            "ingest's --tz) or a UTC offset (UTC-5, +08:00), turned into the zone's whole-hour "
            "offset on each day. Default: the zone ingest recorded with the CDRs (DIR/"
            "dataset.json: its --tz; every set's the same), else Asia/Shanghai (UTC+8). "
            "Recorded in the manifest; scan warns when its day's offset differs.",
        ),
    ) -> None:
        """Train the LightGBM behaviour model and write a versioned model directory."""
        import numpy as np

        from callwarden.cli._detect_io import check_exclusive, read_table, warn, write_json
        from callwarden.cli._paths import output_dir
        from callwarden.cli._training_sets import training_sets
        from callwarden.detect.dataset import TableSpec, missing_shares, table_dataset
        from callwarden.detect.io import save_model, saved_version
        from callwarden.detect.model import cross_validate, train
        from callwarden.detect.thresholds import Objective
        from callwarden.detect.training_rows import write_rows

        kind = check_exclusive(cdrs[0] if cdrs else None, features, id_column)
        if tz is not None and kind != "cdr":  # (a table's rows carry no times)
            raise InputError("--tz applies to --cdrs (a --features table has no call times)")
        from callwarden.cli._zone import cdrs_zone, default_zone

        # --tz, else the zone ingest recorded with the CDRs (every set's), else Asia/Shanghai;
        # an unknown zone or sets that disagree fail before any work
        days_zone = cdrs_zone(tz, cdrs) if kind == "cdr" else default_zone()
        tz = days_zone.tz
        output_dir(out)
        try:
            obj = Objective(objective)
        except ValueError as exc:
            raise InputError(f"--objective must be 'precision' or 'f1', not {objective!r}") from exc
        if not 0 < target_precision < 1:
            raise InputError("--target-precision must be between 0 and 1")
        if not (partial_days_s >= 0 and math.isfinite(partial_days_s)):  # (nan, inf: taken)
            raise InputError(
                f"--partial-days-s must be 0 (off) or a positive interval, not {partial_days_s:g}"
            )
        if rounds is not None and rounds < 1:
            raise InputError(f"--rounds must be at least 1, not {rounds}")
        if folds < 2:
            raise InputError(f"--folds must be at least 2 (out-of-fold scores), not {folds}")
        from callwarden.cli._args import check_threads

        check_threads(threads)
        if heavy_weight is not None and not heavy_weight > 0:
            raise InputError("--heavy-weight must be a positive number (1 = no extra weight)")
        config = _config(
            kind, seed=seed, target_precision=target_precision, objective=obj,
            num_boost_round=rounds, num_threads=threads, folds=folds,
            benign_heavy_weight=heavy_weight, route_invariance=route_invariance,
            prune_label_noise=prune_label_noise,
        )  # fmt: skip
        from callwarden.evaluate.metrics import fmt

        extra: dict[str, Any] = {}
        if kind == "cdr":
            assert cdrs
            sets = training_sets(cdrs, labels, registry, unlabelled)
            typer.echo(f"local days: {days_zone}")
            data, extra = _cdr_training_data(sets, days, tz, partial_days_s)
        else:
            assert features is not None and id_column is not None
            if unlabelled:  # (every row of a table carries its label)
                raise InputError("--unlabelled applies to --cdrs with --labels, not --features")
            spec = TableSpec(id_column=id_column, label_column=label_column)
            data, layout = table_dataset(read_table(features, id_column), spec, report=warn)
            extra.update(
                id_column=id_column,
                label_column=label_column,
                layout=layout,
                missing_share=missing_shares(data),
            )
        counts = {c: int(np.sum(data.y == i)) for i, c in enumerate(data.classes)}
        if kind == "cdr" and not counts[data.classes[0]]:
            raise InputError(
                "no benign row to train on"
                + (
                    ": --unlabelled skip leaves only the numbers the labels list (train such "
                    "labels beside a set whose unlisted numbers are benign)"
                    if any(s.unlabelled == "skip" for s in sets)
                    else ": the labels make every row harassment or fraud"
                )
            )
        typer.echo(
            f"training on {len(data.ids):,} rows, {len(data.feature_names)} features: {counts}"
        )
        cv_report = cross_validate(data, config, cv) if cv > 1 else None
        model = train(data, config)
        if cv_report is not None:
            model.metrics["cross_validation"] = {"folds": cv, **cv_report}
        save_model(model, out, kind=kind, extra=extra)
        # which rows it learnt from, hashed: evaluate says when verdicts score them again
        write_rows(out, (str(i) for i in data.ids), model.fingerprint)
        t = model.threshold
        oof = model.metrics["out_of_fold"]["flagged_vs_benign"]
        typer.echo(
            f"threshold {t.value:.4f} ({t.objective.value}"
            + (f", target {t.target_precision}" if t.target_precision is not None else "")
            + f"): out-of-fold precision {fmt(oof['precision'])} recall {fmt(oof['recall'])}"
            + ("" if t.reached_target else "  [target NOT reached]")
        )
        if kind == "table":
            objective_hint(model.metrics)
        if cv_report is not None:
            per = cv_report["per_class"]
            typer.echo(
                f"{cv}-fold CV: macro-F1 {cv_report['macro_f1']:.4f} pooled over folds "
                f"(per-fold mean {cv_report['fold_macro_f1_mean']:.4f} "
                f"± sd {cv_report['fold_macro_f1_std']:.4f}); "
                + ", ".join(
                    f"{c} P {fmt(v['precision'], '.3f')} R {fmt(v['recall'], '.3f')} "
                    f"F1 {fmt(v['f1'], '.3f')}"
                    for c, v in per.items()
                )
            )
            if (alt := cv_report.get("at_f1_threshold")) is not None:
                typer.echo(
                    f"{cv}-fold CV at the F1 threshold (what --objective f1 ships): macro-F1 "
                    f"{alt['macro_f1']:.4f} pooled; "
                    + ", ".join(
                        f"{c} P {fmt(v['precision'], '.3f')} R {fmt(v['recall'], '.3f')} "
                        f"F1 {fmt(v['f1'], '.3f')}"
                        for c, v in alt["per_class"].items()
                    )
                )
            write_json(out / "cv.json", cv_report)
        typer.echo(f"model {saved_version(out)} -> {out}")
