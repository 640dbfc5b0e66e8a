"""``callwarden replay``: run the streaming engine over recorded CDRs and report what it stopped."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer

from callwarden.cli._abroad import INGRESSES_HELP, roaming_help


def _read_labels(labels: Path) -> Any:
    """labels.csv (number,label[,category]) as an Arrow table of text, checked before the
    replay as ``train`` checks it: the columns, and every label one of benign, harassment,
    fraud as ``detect.labels.label_class`` reads it (trimmed, any case, a blank cell benign,
    ``LABEL_WORDS`` such as normal)."""
    import pyarrow as pa

    from callwarden.cli._detect_io import read_csv_strings
    from callwarden.detect.dataset import CDR_CLASSES
    from callwarden.detect.labels import check_not_fraud_words, label_class, label_codes
    from callwarden.errors import InputError

    lab = read_csv_strings(labels, "labels")
    for col in ("number", "label"):
        if col not in lab.column_names:
            raise InputError(f"labels file {labels} lacks the '{col}' column")
    check_not_fraud_words(lab["label"].to_pylist(), f"labels file {labels}")
    texts = pa.array([label_class(v) for v in lab["label"].to_pylist()], pa.string())
    label_codes(texts, CDR_CLASSES)
    return lab


@dataclass(frozen=True)
class _Labels:
    """Each labelled caller's label and category, keyed as the CDRs' callers spell it."""

    label: dict[str, str]
    category: dict[str, str]


def _match_labels(table: Any, lab: Any) -> _Labels:
    """The labels of ``lab`` keyed as the CDRs' callers spell them (``detect.labels.match_labels``:
    national and E.164 forms are one number), read as ``train`` reads them
    (``labels_by_number``: one number given two different labels is an error naming both
    rows); warns about rows that match no caller or do not parse, and refuses labels of
    which none matches. A number's category is its first non-blank one."""
    import pyarrow.compute as pc

    from callwarden.cli._detect_io import warn
    from callwarden.detect.labels import labels_by_number, match_labels

    callers = pc.unique(table["caller"]).drop_null().to_pylist()
    found = match_labels(callers, lab["number"])
    found.check("the CDRs' callers")
    for line in found.notes():
        warn(line)
    label = labels_by_number(found.keys, lab["label"].to_pylist())
    category: dict[str, str] = {}
    if "category" in lab.column_names:
        for key, cat in zip(found.keys, lab["category"].to_pylist(), strict=True):
            text = (cat or "").strip()
            if key is not None and text and key not in category:
                category[key] = text
    return _Labels(label, category)


TRUTH_COLUMNS = ("call_id", "label", "population")


def _read_truth(truth: Path) -> Any:
    """Per-call truth (call_truth.parquet) as an Arrow table, checked before the replay."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from callwarden.cdr.dataset import parquet_columns
    from callwarden.errors import InputError

    if not truth.is_file():
        raise InputError(f"call truth file {truth} does not exist")
    parquet_columns(
        truth, TRUTH_COLUMNS, f"call truth file {truth}",
        f"it needs {', '.join(TRUTH_COLUMNS)}, as the simulator's call_truth.parquet has",
    )  # fmt: skip
    try:
        t = pq.read_table(truth, columns=list(TRUTH_COLUMNS))
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"call truth file {truth} cannot be read as Parquet: {exc}") from exc
    return t.set_column(0, "call_id", _ids_as_text(t["call_id"]))


def _ids_as_text(ids: Any) -> Any:
    """Call ids as text, so that 17 and "17" are one call id (the truth and the CDRs may
    store them as different types)."""
    import pyarrow as pa

    return ids if pa.types.is_string(ids.type) else ids.cast(pa.string())


def _check_truth(table: Any, t: Any, truth: Path) -> None:
    """Refuse a call truth that matches none of the CDRs' calls (another day's, another
    run's: every call would be benign of population 'unknown'), and warn when it lacks some
    calls (their label comes from --labels, else benign). Call ids are compared as text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from callwarden.cli._detect_io import warn
    from callwarden.errors import InputError

    ids = _ids_as_text(table["call_id"])
    hit = pc.fill_null(pc.is_in(ids, value_set=t["call_id"].combine_chunks()), False)
    n, found = table.num_rows, int(pc.sum(hit.cast(pa.int64())).as_py() or 0)
    if found == 0:
        raise InputError(
            f"call truth file {truth}: none of its {t.num_rows:,} call_id values is a call of "
            f"the CDRs (e.g. {_first(t['call_id'])!r} there, {_first(ids)!r} in the CDRs); "
            "give the call_truth.parquet written with these CDRs"
        )
    if found < n:
        warn(
            f"{n - found:,} of {n:,} calls have no row in --truth {truth}: their label comes "
            "from --labels (benign without), their population is 'unknown'"
        )


def _first(values: Any) -> Any:
    """The first non-null value of an Arrow column (None when there is none)."""
    valid = values.drop_null()
    return valid[0].as_py() if len(valid) else None


def _truth(table: Any, lab: _Labels | None, t: Any) -> tuple[Any, Any, Any]:
    """Per-call label, category and population (population only with call truth).

    Looked up by Arrow's hash kernels, not call by call; a call id the truth file lists
    twice takes its last row, as a dict built from the rows would."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = table.num_rows
    label = np.full(n, "benign", dtype=object)
    category = np.full(n, "", dtype=object)
    population = None
    if lab is not None:
        label = _lookup(table["caller"], lab.label, "benign")
        category = _lookup(table["caller"], lab.category, "")
    if t is not None:
        # index_in gives a value's first position: in the reversed ids, the last row's
        reversed_ids = t["call_id"].combine_chunks()[::-1]
        found = pc.index_in(_ids_as_text(table["call_id"]), value_set=reversed_ids)
        idx = t.num_rows - 1 - pc.fill_null(found, t.num_rows).to_numpy(zero_copy_only=False)
        rows = pa.array(idx, mask=idx < 0)

        def at_rows(column: str) -> Any:
            return pc.take(t[column], rows).to_numpy(zero_copy_only=False)

        label = np.where(idx >= 0, at_rows("label"), label)
        population = np.where(idx >= 0, at_rows("population"), "unknown")
    return label, category, population


def _lookup(keys: Any, mapping: dict[str, str], default: str) -> Any:
    """``mapping[k]`` for each of the Arrow strings ``keys`` (``default`` for a key it lacks
    or a null), as a NumPy object array."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    values = np.array([*mapping.values(), default], dtype=object)
    found = pc.index_in(keys, value_set=pa.array(list(mapping), pa.string()))
    return values[pc.fill_null(found, len(mapping)).to_numpy(zero_copy_only=False)]


def register(app: typer.Typer) -> None:
    @app.command("replay")
    def replay_cmd(
        cdrs: Path = typer.Option(
            ..., "--cdrs", help="Canonical CDRs: ingest folder, simulator folder or Parquet file."
        ),
        model: Path = typer.Option(..., "--model", help="Model directory from 'callwarden train'."),
        registry: Path | None = typer.Option(
            None,
            "--registry",
            help="Allocation registry CSV (hard signal: unallocated displayed numbers).",
        ),
        ingresses: Path | None = typer.Option(None, "--ingresses", help=INGRESSES_HELP),
        roaming: Path | None = typer.Option(
            None,
            "--roaming",
            help=roaming_help("--tz's zone (default: the CDRs' recorded zone, else the model's)"),
        ),
        labels: Path | None = typer.Option(
            None, "--labels", help="labels.csv (number,label,category,...) for the report."
        ),
        truth: Path | None = typer.Option(
            None,
            "--truth",
            help="Per-call truth (call_truth.parquet); found beside simulator CDRs when omitted.",
        ),
        db: str | None = typer.Option(
            None,
            "--db",
            help="Reputation store (SQLite file or postgresql:// URL, as 'callwarden serve' "
            "uses): apply its subscribers' own settings and lists, registered businesses and "
            "numbers cleared on appeal (default: standard settings for every callee).",
        ),
        out: Path | None = typer.Option(None, "--out", help="Write the full report as JSON."),
        batch_s: float = typer.Option(
            1.0,
            "--batch-s",
            help="Refresh interval in simulated seconds: verdicts are refreshed at its start and "
            "its calls decided from them (the staleness bound).",
        ),
        campaign_every_s: float = typer.Option(
            21600.0,
            "--campaign-every-s",
            help="Rebuild campaigns from written CDRs this often (simulated seconds; 0 = no campaign gate).",
        ),
        parity_day: str | None = typer.Option(
            None,
            "--parity-day",
            help="Also compare streaming and batch features for this local day (YYYY-MM-DD).",
        ),
        tz: str | None = typer.Option(
            None,
            "--tz",
            help="Local time of the stream's days and hours (the 1 d windows, night, the "
            "report's hours, --parity-day): a time zone name or a UTC offset, as scan's --tz; "
            "the stream keeps one whole-hour offset, the zone's on the first replayed day; "
            "also the zone of --roaming's naive times. Default: the zone ingest recorded with "
            "the CDRs (DIR/dataset.json: its --tz), else the model's (its manifest's tz; UTC+8 "
            "for a model trained before --tz).",
        ),
    ) -> None:
        """Replay CDRs through the streaming engine in time order, deciding before each call.

        Reports unwanted calls stopped, benign calls rejected or labelled, and a complaint baseline."""
        from callwarden.campaigns.build import build_campaigns
        from callwarden.campaigns.index import CampaignIndex
        from callwarden.cdr import load_cdrs
        from callwarden.cli._args import check_days_in_cdrs
        from callwarden.cli._paths import output_file
        from callwarden.cli.campaigns import allocated_numbers
        from callwarden.cli.scan import warn_registry_unused
        from callwarden.detect.io import load_model
        from callwarden.errors import InputError, ModelError
        from callwarden.evaluate.replay import ReplayConfig, report, run_stream
        from callwarden.numbers import AllocationRegistry
        from callwarden.stream import EngineConfig, Scorer, StreamEngine
        from callwarden.stream.features import check_stream_features

        if out is not None:
            output_file(out)
        if not (batch_s > 0 and math.isfinite(batch_s)):
            raise InputError(f"--batch-s must be a positive number of seconds, not {batch_s:g}")
        if not (campaign_every_s >= 0 and math.isfinite(campaign_every_s)):
            raise InputError(
                "--campaign-every-s must be 0 (no campaign gate) or a positive number of seconds, "
                f"not {campaign_every_s:g}"
            )
        if tz is not None:
            from callwarden.features.local_time import zone

            zone(tz)  # an unknown zone fails before any work
        if truth is None:  # beside simulator CDRs: in their folder, or beside their Parquet file
            folder = cdrs if cdrs.is_dir() else cdrs.parent
            if (folder / "call_truth.parquet").is_file():
                truth = folder / "call_truth.parquet"
        if truth is None and labels is None:  # (a Parquet file's truth was not looked for)
            from callwarden.cli._detect_io import warn

            warn(
                "no --labels and no --truth (call_truth.parquet beside the CDRs): every call "
                "counts as benign, so 'benign calls rejected' is every call the replay rejected"
            )
        lab = _read_labels(labels) if labels is not None else None
        call_truth = _read_truth(truth) if truth is not None else None
        people = _people(db) if db is not None else _People()  # before any long work
        allocated = AllocationRegistry.from_csv(registry) if registry else None
        from callwarden.cli._detect_io import warn
        from callwarden.detect.io import overridden

        trained, manifest = load_model(model, on_changed=warn)
        if manifest.get("kind") != "cdr":  # as scan refuses it
            raise ModelError(
                f"model {model} was trained on {manifest.get('kind')} input; replay computes "
                "features from CDRs and needs a model trained with 'callwarden train --cdrs'"
            )
        check_stream_features(trained.feature_names, f"model {model}")
        warn_registry_unused(model, manifest, registry, "replay")  # (as scan warns)
        from callwarden.cli._zone import CdrZone, cdrs_zone

        # --tz, else the zone ingest recorded with the CDRs, else the model's
        days_zone = cdrs_zone(tz, cdrs, fallback=CdrZone(*_model_tz(manifest)))
        tz, said = days_zone.tz, days_zone.said
        from callwarden.cli._abroad import abroad_rule

        # the carrier's gateways and roamers, read (and their errors said) before the CDRs;
        # the roaming list's naive times in the stream's zone, which needs the model's
        abroad = abroad_rule(
            cdrs, ingresses, roaming, allocated.scope if allocated is not None else None,
            tz=tz, tz_from=said,
        )  # fmt: skip
        if parity_day:
            check_days_in_cdrs(cdrs, [parity_day], "--parity-day", tz)
        table = load_cdrs(cdrs)
        if table.num_rows == 0:
            raise InputError(f"{cdrs} holds no calls: nothing to replay")
        from callwarden.cli._abroad import warn_unseen_gateways

        warn_unseen_gateways(abroad.rule, table)
        tz_hours = _stream_offset(table, tz, said)
        from callwarden.cli._detect_io import warn_offset_differs

        warn_offset_differs(model, manifest, tz, tz_hours, "replay")
        labelled = _match_labels(table, lab) if lab is not None else None
        if call_truth is not None and truth is not None:
            if "call_id" not in table.column_names:
                raise InputError("--truth needs a call_id column in the CDRs")
            _check_truth(table, call_truth, truth)
        from callwarden.detect.compiled import compile_model, worth_compiling

        if worth_compiling(trained, table.num_rows):  # native trees when lleaves is installed
            compile_model(trained)
        # campaign linking's 空号 check judges against the registry as scan reads it (a
        # number column read by type inference made E.164 numbers floats: no check at all)
        reg_numbers = allocated_numbers(registry, table) if registry is not None else None
        from callwarden.stream import StateConfig

        cfg = ReplayConfig(
            engine=EngineConfig(batch_s=batch_s, state=StateConfig(tz_hours=tz_hours)),
            campaign_every_s=campaign_every_s,
        )
        engine = StreamEngine(
            Scorer(trained),
            allocated=allocated,
            campaigns=CampaignIndex(),
            config=cfg.engine,
            policies=people.policies,
            protected=people.protected,
            registry=people.registry,
            abroad=abroad.rule,
        )
        abroad.say()

        def builder(t: Any) -> Any:
            return build_campaigns(t, allocated=reg_numbers, abroad=abroad.rule)

        run = run_stream(
            table, engine, cfg, campaign_builder=builder if campaign_every_s > 0 else None
        )
        _warn_opaque_callers(run)
        label, category, population = _truth(table.take(run.order), labelled, call_truth)
        rep = report(run, label, category, cfg, population, tz_hours=tz_hours)
        rep["tz"] = {"tz": tz, "utc_offset_hours": tz_hours, "from": said}
        if changed := manifest.get("feature_definitions_changed"):  # the override's record
            rep["feature_definitions_changed"] = overridden(changed)
        if parity_day:
            from callwarden.evaluate.parity import feature_parity
            from callwarden.features.local_time import offset_hours

            rep["feature_parity"] = feature_parity(
                table, parity_day, model=trained, allocated=allocated,
                tz_hours=offset_hours(tz, parity_day),
            )  # fmt: skip
            p = rep["feature_parity"]
            typer.echo(
                f"feature parity {parity_day}: {p['exact_features']}/{len(p['features'])} features agree "
                f"on >= 99.9% of {p['numbers']:,} numbers; model flags: {p.get('model')}"
            )
        rep["inputs"] = {"cdrs": str(cdrs), "model": str(model), "registry": str(registry or ""),
                         "tz": tz,
                         "labels": str(labels or ""), "truth": str(truth or ""),
                         **abroad.files,
                         "db": _redacted(db) if db else ""}  # fmt: skip
        if db is not None:
            rep["store"] = people.counts()
        _print(rep)
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(rep, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            typer.echo(f"report -> {out}")


def _model_tz(manifest: dict[str, Any]) -> tuple[str, str]:
    """The zone the model's days were taken in (its manifest's ``tz``; a model trained before
    ``--tz`` took UTC+8), and where it came from, for the line replay prints."""
    from callwarden.cli._detect_io import model_offsets

    tz = manifest.get("tz")
    if isinstance(tz, str) and tz:
        return tz, "the model's manifest"
    hours = model_offsets(manifest)
    return f"UTC{hours[0]:+d}", "the model's manifest records none: trained before --tz"


def _stream_offset(table: Any, tz: str, said: str) -> int:
    """The one offset (hours east of UTC) the stream takes its days at: ``tz``'s on the local
    day of the first call; warns when the zone has another on a later replayed day (daylight
    saving time: those days' bounds and night hours are an hour off)."""
    import pyarrow.compute as pc

    from callwarden.cli._detect_io import warn
    from callwarden.features.local_time import describe, local_day_of, offset_hours

    span = pc.min_max(table["start_time"])
    first, last = (local_day_of(tz, span[k].as_py()) for k in ("min", "max"))
    hours = offset_hours(tz, first)
    if offset_hours(tz, last) != hours:
        warn(
            f"--tz {tz} is UTC{hours:+d} on {first} and UTC{offset_hours(tz, last):+d} on "
            f"{last}: the stream keeps one offset, UTC{hours:+d}, for every day it replays"
        )
    typer.echo(f"stream days: {describe(tz, [hours], said)}")
    return hours


def _empty_registry() -> Any:
    from callwarden.policy import EMPTY_REGISTRY

    return EMPTY_REGISTRY


@dataclass(frozen=True)
class _People:
    """What a reputation store says about the callees and callers (none: standard settings
    for every callee, no registered business, no number cleared on appeal)."""

    policies: dict[str, Any] = field(default_factory=dict)
    registry: Any = field(default_factory=_empty_registry)
    protected: frozenset[str] = frozenset()

    def counts(self) -> dict[str, int]:
        return {
            "subscribers_with_own_policy": len(self.policies),
            "registered_businesses": len(self.registry.exact) + len(self.registry.prefixes),
            "protected_numbers": len(self.protected),
        }


def _people(db: str) -> _People:
    """The store's subscriber policies, registered businesses and appeal-protected numbers,
    for the engine (read once: a replay does not write to the store)."""
    from callwarden.errors import InputError
    from callwarden.store import Store

    if "://" not in db and not Path(db).expanduser().is_file():
        raise InputError(f"--db {db}: no such store file (a replay reads a store, it makes none)")
    store = Store(_store_engine(db))
    try:
        people = _People(
            store.load_policies(), store.load_registry(), frozenset(store.protected_numbers())
        )
    finally:
        store.close()
    c = people.counts()
    typer.echo(
        f"store {_redacted(db)}: {c['subscribers_with_own_policy']:,} subscribers with their own "
        f"settings or lists, {c['registered_businesses']:,} registered businesses, "
        f"{c['protected_numbers']:,} numbers cleared on appeal"
    )
    return people


def _store_engine(db: str) -> Any:
    """An engine on ``db`` once it is known to hold a callwarden store at this version's
    schema (``Store.open`` migrates, and a replay reads a store, it makes none)."""
    from callwarden.store.db import open_existing_store

    return open_existing_store(db, "a replay")


def _warn_opaque_callers(run: Any) -> None:
    """Warn when most calls come from callers that are not E.164: the stream keeps no state
    (so no model verdict) for them, and its figures then say little."""
    import numpy as np

    from callwarden.cli._detect_io import warn

    n, opaque = run.stats["calls"], run.stats["calls_without_e164_caller"]
    if n and opaque * 2 > n:
        example = run.calls.caller[int(np.argmax(run.calls.caller_key < 0))]
        warn(
            f"{opaque:,} of {n:,} calls ({opaque / n:.0%}) have a caller that is not an E.164 "
            f"number (e.g. {example!r}): the stream tracks no state for those callers, so no "
            "model verdict stops their calls (only the hard signals and the campaign gate "
            "can); normalise the numbers to E.164 when the CDRs are ingested"
        )


def _print(rep: dict[str, Any]) -> None:
    s, r = rep["summary"], rep["run"]
    typer.echo(
        f"replayed {r['calls']:,} calls in {r['seconds']:.1f} s ({r['calls_per_second']:,.0f} calls/s; "
        f"{r['calls_per_second_without_campaign_builds']:,.0f} without {r['campaign_builds']} campaign builds), "
        f"{r['batches']:,} batches of <= {r['batch_s']} s"
    )
    typer.echo(
        f"unwanted calls stopped before ringing: {s['unwanted_stopped_share']:.2%} "
        f"(rejected {s['unwanted_rejected_share']:.2%}, labelled {s['unwanted_labelled_share']:.2%}) "
        f"of {s['unwanted_calls']:,}; complaint blocklist: {s['baseline_unwanted_stopped_share']:.2%}"
    )
    if s["unwanted_screened_share"] or s["benign_screened_share"]:
        typer.echo(
            f"screened (strict protection; not counted as stopped): unwanted "
            f"{s['unwanted_screened_share']:.2%}, benign {s['benign_screened_share']:.4%}"
        )
    typer.echo(
        f"benign calls rejected: {s['benign_rejected_share']:.4%}, labelled: {s['benign_labelled_share']:.4%} "
        f"of {s['benign_calls']:,}; complaint blocklist blocked {s['baseline_benign_blocked_share']:.4%}"
    )
    typer.echo(
        f"{'class':<34}{'calls':>9}{'stopped':>9}{'rejected':>10}{'labelled':>10}{'baseline':>10}"
    )
    rows = rep.get("by_population") or rep["by_category"]
    for k, v in rows.items():
        typer.echo(
            f"{k:<34}{v['calls']:>9,}{v['stopped']:>9.2%}{v['rejected']:>10.2%}{v['labelled']:>10.2%}"
            f"{v['baseline_stopped']:>10.2%}"
        )
    m = r["state"]
    per = m["bytes_per_tracked_number"]
    typer.echo(
        f"state: {m['numbers']:,} numbers, {m['pairs']:,} pairs, {m['routes']:,} routes, "
        f"{'-' if per is None else f'{per:,.0f}'} B per tracked number, {m['evicted']:,} evicted"
    )


def _redacted(db: str) -> str:
    """A store URL without its password (store.db.redacted, imported when needed)."""
    from callwarden.store.db import redacted

    return redacted(db)
