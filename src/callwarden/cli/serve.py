"""``callwarden serve`` (the HTTP API on the embedded SQLite store) and ``callwarden apikey``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from callwarden.numbers.registry import AllocationRegistry
    from callwarden.policy import Thresholds
    from callwarden.store import Store
    from callwarden.store.verdict_import import ImportResult

DB_HELP = "store: a SQLite file path (default) or a postgresql:// URL"
#: api.recent_window.DEFAULT_WINDOW, MEASURED_WINDOW and MAX_WINDOW, here without importing
#: the API (a test checks they agree)
SCREENING_WINDOW = 0
MEASURED_WINDOW = 1000
MAX_WINDOW = 10_000
#: policy.DEFAULT_SCREENED_BAR.label_days, here without importing the policy (a test checks)
SCREENED_LABEL_DAYS = 28
#: api.rate_limit.RateLimits' defaults, here without importing the API (a test checks)
RATE_LIMITS: dict[str, float] = {
    "lookup_rate": 1.0,
    "lookup_burst": 30,
    "subscriber_rate": 5.0,
    "subscriber_burst": 60,
    "screener_rate": 50.0,
    "screener_burst": 500,
}
RATE_HELP = " (per key, per worker; 0 turns the limit off; docs/api.md, 'Rate limits')"


def serve(
    db: Annotated[str, typer.Option(help=DB_HELP)] = "callwarden.db",
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8080,
    verdicts: Annotated[
        Path | None,
        typer.Option(
            help="import scan's verdicts.csv before serving (upsert), with the campaigns.csv "
            "beside it (its ingresses and asserted identities keep a renewing campaign's "
            "stored id; a file there that does not read is a warning)"
        ),
    ] = None,
    override_newer_scans: Annotated[
        bool,
        typer.Option(
            help="let --verdicts replace verdicts imported from a later scan day than its own "
            "(scan-summary.json's day); without it those rows are held back and counted. A "
            "screener's live label given after the end of that day (in the summary's tz) is "
            "kept either way: it rests on calls newer than the scan"
        ),
    ] = False,
    cdrs: Annotated[
        Path | None,
        typer.Option(help="import received calls from canonical CDRs (Parquet file/dir or CSV)"),
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option(
            "--tz",
            help="time zone of times written without an offset: --cdrs CSV times (as ingest "
            "--tz), --roaming's, at start and at every re-read, and a screened call's "
            "start_time (POST /v1/screenings); a zone name or a UTC offset "
            "(UTC-5, +08:00), as scan's --tz (CSV times: whole-hour offsets only, as ingest's). "
            "Default: the zone ingest recorded with --cdrs (DIR/dataset.json), else "
            "Asia/Shanghai (a --cdrs folder of several zones: a warning and Asia/Shanghai, "
            "or an error with --roaming)",
        ),
    ] = None,
    model: Annotated[
        Path | None,
        typer.Option(
            help="model directory the verdicts came from: put its score bands in force (label "
            "at its flag threshold, reject where benign is 10x less likely), the bands the "
            "stream engine and replay use; saved in the store, so a restart keeps them (a "
            "restart with the same model keeps the bands in force, an operator's included)"
        ),
    ] = None,
    redress_base: Annotated[
        str | None,
        typer.Option(
            help="public URL prefix of the RFC 8688 redress page, the number appended "
            "(default: this server's /v1/redress/)"
        ),
    ] = None,
    operator_name: Annotated[
        str, typer.Option(help="operator name in the redress jCard")
    ] = "callwarden",
    operator_email: Annotated[
        str,
        typer.Option(
            help="appeal desk e-mail in the redress jCard: how a rejected caller with no "
            "account here asks for an appeal (the operator files it)"
        ),
    ] = "",
    operator_tel: Annotated[
        str, typer.Option(help="appeal hotline in the redress jCard (e.g. 10086)")
    ] = "",
    registry: Annotated[
        Path | None,
        typer.Option(
            help="allocation registry CSV, as scan reads it: decide rejects a displayed number "
            "it does not hold as spoofed (608, spoof_unallocated), numbers scan never saw "
            "included; without it only stored verdicts with the unallocated reason do"
        ),
    ] = None,
    ingresses: Annotated[
        Path | None,
        typer.Option(
            help="ingresses.csv (ingress,kind): decide judges a call whose ingress is an "
            "international gateway showing a domestic number (needs --registry; see --roaming)"
        ),
    ] = None,
    roaming: Annotated[
        Path | None,
        typer.Option(
            help="roaming.csv (number,from,until; ISO 8601, a time without an offset read in "
            "--tz) from the HLR, re-read when it changes: with it such calls are rejected (608, "
            "spoof_international_domestic) unless the number is roaming; without it they are "
            "labelled"
        ),
    ] = None,
    screened_labels: Annotated[
        bool,
        typer.Option(
            help="a stored screened bot call labels its caller live once the screener has"
            " judged it a bot on 2 distinct callees, half of those it screened it for"
            " (docs/policy.md, 'Labelled by the screener'); --no-screened-labels leaves"
            " screened calls to `callwarden labels` and retraining"
        ),
    ] = True,
    screened_label_days: Annotated[
        int,
        typer.Option(
            min=0,
            help="a screener's label lapses N days after it was given and the verdict it "
            "replaced comes back (nothing renews a label: a labelled number is not screened "
            "again); default 28, the window its screened calls were counted over; 0: labels "
            "never lapse. `callwarden prune --screened-labels-days` lapses them offline",
        ),
    ] = SCREENED_LABEL_DAYS,
    screening_window: Annotated[
        int,
        typer.Option(
            min=0,
            max=MAX_WINDOW,
            help="POST /v1/screenings judges a call with the last N stored screenings as batch "
            "evidence (a caller script, or an agent's templated replies, heard on them counts; "
            "docs/screening.md); default 0: each call alone. Opt-in: N = 1000 was measured; "
            "people reading one mandated script (e.g. a hospital's nurses) are then judged "
            f"bots once two such calls are stored (docs/screening.md, 'Known risk'). At most "
            f"{MAX_WINDOW}: a screened call's judge time and each worker's memory grow with N "
            "(p95 about 10 ms and 17 MiB at 1000, 185 ms and 147 MiB at 10000, 440 ms at "
            "20000: docs/screening.md, 'How large a window')",
        ),
    ] = SCREENING_WINDOW,
    lookup_rate: Annotated[
        float,
        typer.Option(
            min=0,
            help="number lookups a subscriber key may make a second, sustained (GET "
            "/v1/numbers/{n}, and GET /v1/redress/{n} sent with the key): a sweep of an "
            "operation's caller IDs for the labelled ones is slowed to this; over it a 429 "
            "rate_limited with Retry-After" + RATE_HELP,
        ),
    ] = RATE_LIMITS["lookup_rate"],
    lookup_burst: Annotated[
        int,
        typer.Option(min=0, help="number lookups a subscriber key may make at once" + RATE_HELP),
    ] = int(RATE_LIMITS["lookup_burst"]),
    subscriber_rate: Annotated[
        float,
        typer.Option(
            min=0,
            help="other requests a subscriber key may make a second, sustained (its own "
            "settings, lists, block log, rescue, reports, appeals)" + RATE_HELP,
        ),
    ] = RATE_LIMITS["subscriber_rate"],
    subscriber_burst: Annotated[
        int,
        typer.Option(min=0, help="other requests a subscriber key may make at once" + RATE_HELP),
    ] = int(RATE_LIMITS["subscriber_burst"]),
    screener_rate: Annotated[
        float,
        typer.Option(
            min=0,
            help="screened calls a screener key may post a second, sustained (POST "
            "/v1/screenings: one per call decide screened; size it above the peak of those)"
            + RATE_HELP,
        ),
    ] = RATE_LIMITS["screener_rate"],
    screener_burst: Annotated[
        int,
        typer.Option(min=0, help="screened calls a screener key may post at once" + RATE_HELP),
    ] = int(RATE_LIMITS["screener_burst"]),
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "warning",
) -> None:
    """Run the HTTP API (decide, lookups, lists, reports, appeals, review) on the store."""
    import uvicorn

    from callwarden.api import ApiSettings, RateLimits, create_app
    from callwarden.api.routes.cases import attach as attach_case_sources
    from callwarden.store import Store
    from callwarden.store.io import read_received_calls, read_verdicts_csv

    bands = bands_from_model(model) if model is not None else None  # a bad model: stop first
    allocation = load_allocation(registry) if registry is not None else None
    from callwarden.cli._abroad import abroad_rule

    if roaming is not None and ingresses is None:
        from callwarden.errors import InputError

        raise InputError("--roaming needs --ingresses (which ingresses are gateways from abroad)")
    from callwarden.cli._zone import cdrs_zone

    # --tz, else the zone ingest recorded with --cdrs, else Asia/Shanghai: for the roaming
    # list's naive times and a screened call's start_time (a folder's calls are instants
    # already). A folder of several zones stops serve only where a roaming list needs it;
    # otherwise it is a warning and Asia/Shanghai.
    zone = cdrs_zone(tz, cdrs, days=False, mixed_ok=roaming is None)
    tz = zone.tz
    typer.echo(f"zone of times without an offset (start_time, --roaming, --cdrs CSV): {zone}")
    if cdrs is not None and not (cdrs.is_dir() or cdrs.suffix == ".parquet"):
        from callwarden.features.local_time import iana_name

        iana_name(tz)  # CSV times are read as ingest reads them: fail before the server starts
    abroad = abroad_rule(
        None, ingresses, roaming, allocation.scope if allocation is not None else None,
        tz=tz, tz_from=zone.said,
    )  # fmt: skip
    abroad.say()
    store = Store.open(db, announce=False)  # it applies its own writes to its caches
    kept = bands is not None and not store.put_model_thresholds(*bands, actor="cli:serve")
    typer.echo(describe_bands(store))
    if kept:  # a restart with the same --model: an operator's PUT since then stands
        typer.echo(
            "  (kept: --model's bands were put in force before, and the bands in force since"
            " stay; PUT /v1/thresholds changes them, a new --model replaces them)"
        )
    if verdicts is not None:
        from callwarden.cli._zone import scan_day_zone_warning

        read = read_verdicts_csv(verdicts)
        result = store.import_verdicts_result(
            read, actor="cli:serve", override_newer_scans=override_newer_scans
        )
        typer.echo(describe_import(result, verdicts))
        if (unread := scan_day_zone_warning(read.provenance, verdicts)) is not None:
            typer.echo(f"warning: {unread}", err=True)
        for warning in result.trait_warnings:
            typer.echo(f"warning: {warning}", err=True)
        if result.traits_unused:
            typer.echo(
                f"warning: the campaign traits beside {verdicts} were not used "
                f"({result.traits_unused}: no scan-summary.json with a YYYY-MM-DD day there); "
                "campaign ids are kept by members only",
                err=True,
            )
        if result.held_newer_scan:
            typer.echo(
                f"warning: {result.held_newer_scan:,} rows of {verdicts} held back: the store "
                f"holds verdicts imported from a later scan day (up to {result.newer_scan_day}) "
                "for them; pass --override-newer-scans to replace them with this older scan's",
                err=True,
            )
        if (mismatch := bands_mismatch(store, verdicts)) is not None:
            typer.echo(f"warning: {mismatch}", err=True)
    if cdrs is not None:
        n = store.import_received(read_received_calls(cdrs, tz))
        typer.echo(f"imported {n:,} received-call pairs from {cdrs}")
    if not store.list_keys():
        typer.echo("no API keys yet: create one with `callwarden apikey --role operator`", err=True)
    settings = ApiSettings(
        db=db,
        redress_base=redress_base or f"http://{host}:{port}/v1/redress/",
        operator_name=operator_name,
        operator_email=operator_email,
        operator_tel=operator_tel,
        tz=tz,  # a screened call's start_time without an offset, too
        screened_labels=screened_labels,
        screened_label_days=screened_label_days,
        screening_window=screening_window,
        rate_limits=RateLimits(
            lookup_rate=lookup_rate,
            lookup_burst=lookup_burst,
            subscriber_rate=subscriber_rate,
            subscriber_burst=subscriber_burst,
            screener_rate=screener_rate,
            screener_burst=screener_burst,
        ),
    )
    # re-read on change, its naive times in the zone the server was started with
    app = create_app(settings, store, allocation, abroad.rule, roaming, roaming_tz=tz)
    # case files (/v1/case-files) read the scan folder of --verdicts and --cdrs
    attach_case_sources(app, verdicts.parent if verdicts is not None else None, cdrs)
    typer.echo(f"callwarden API on http://{host}:{port} (docs at /docs), store {store.dialect}")
    # One process: the verdict and policy caches live in it (scale out with PostgreSQL and
    # one decision worker per partition, see docs/api.md).
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)


def describe_import(result: ImportResult, verdicts: Path) -> str:
    """serve's start line for its --verdicts import: rows read, written, held back (and of
    those, how many for a later scan day's verdict and, when any, for a screener's label
    given after the scan day)."""
    line = f"imported {result.rows:,} verdicts from {verdicts}"
    if result.held:
        line += (
            f" ({len(result.written):,} written, {result.held:,} held back by the verdict "
            f"precedence, {result.held_newer_scan:,} of them for a later scan day's verdict"
        )
        if result.held_screened_label:
            line += (
                f", {result.held_screened_label:,} for a screener's label given after the scan day"
            )
        line += ")"
    # the campaigns.csv beside it: how many campaigns' traits were read (0 tells a missing
    # or unreadable file, or a scan from before the columns)
    n = result.traits_read
    line += f"; traits of {n:,} campaign{'s' * (n != 1)} read"
    return line


def load_allocation(registry: Path) -> AllocationRegistry:
    """The allocation registry for decide, read as ``scan`` reads it (its errors and its
    warning about rows that do not parse), with a line saying what it holds."""
    from callwarden.cli._detect_io import warn_unparsed
    from callwarden.numbers.registry import AllocationRegistry

    reg = AllocationRegistry.from_csv(registry)
    warn_unparsed(registry, reg, "decide treats those numbers as unallocated")
    typer.echo(f"allocation registry {registry}: {len(reg):,} allocated numbers")
    return reg


def bands_from_model(model: Path) -> tuple[Thresholds, str]:
    """The score bands of a model directory (``Thresholds.for_model`` of its flag threshold,
    as the stream engine computes them) and a source line naming the model."""
    from callwarden.cli._detect_io import warn
    from callwarden.detect.io import load_model
    from callwarden.policy import Thresholds

    # A ModelError is one 'error:' line and exit 2 (cli.main), as scan's.
    trained, manifest = load_model(
        model,
        on_changed=warn,
        consequence="serve sets its score bands from its flag threshold, which was chosen on "
        "scores of those definitions and may not fit today's",
    )
    t = float(trained.threshold.value)
    version = manifest.get("model_version") or trained.fingerprint[:12]
    return Thresholds.for_model(t), f"model {version}, flag threshold {t:.6g}"


def bands_mismatch(store: Store, verdicts: Path) -> str | None:
    """Why the bands in force may not fit the verdicts just imported: ``scan`` writes the
    model it scored with into ``scan-summary.json`` beside ``verdicts.csv``. None when they
    fit, or when there is no summary to tell."""
    import json

    try:
        summary = json.loads((verdicts.parent / "scan-summary.json").read_text(encoding="utf-8"))
        version, threshold = str(summary["model_version"]), float(summary["threshold"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    saved = store.load_thresholds()
    if saved is not None and saved.source.startswith(f"model {version}"):
        return None
    now = saved.source if saved is not None else "the policy defaults"
    return (
        f"the verdicts in {verdicts} were scored by model {version} (flag threshold "
        f"{threshold:.6g}), but the score bands in force come from {now}: pass --model with "
        "that model's directory so decide uses its bands"
    )


def describe_bands(store: Store) -> str:
    saved = store.load_thresholds()
    if saved is None:
        return (
            "score bands: the policy defaults (label 0.5, reject fraud 0.9, strict harassment "
            "0.8); pass --model so they match the model the verdicts came from"
        )
    t = saved.thresholds
    return (
        f"score bands: label at {t.label_at:.6g}, reject fraud at {t.reject_fraud_at:.6g}, "
        f"strict rejects harassment at {t.reject_harassment_at:.6g} (from {saved.source})"
    )


def apikey(
    role: Annotated[str, typer.Option(help="operator | subscriber | network | screener")],
    subscriber: Annotated[
        str | None, typer.Option(help="the subscriber number a subscriber key is bound to")
    ] = None,
    name: Annotated[str, typer.Option(help="a label for the key")] = "",
    db: Annotated[str, typer.Option(help=DB_HELP)] = "callwarden.db",
) -> None:
    """Create an API key and print its secret (shown once; only a hash is stored)."""
    from callwarden.errors import InputError
    from callwarden.store import Role, Store
    from callwarden.store.io import e164

    try:
        r = Role(role)
    except ValueError as exc:
        *names, last = (r.value for r in Role)
        raise InputError(f"role must be {', '.join(names)} or {last}, not {role!r}") from exc
    store = Store.open(db)
    key, secret = store.create_key(r, e164(subscriber) if subscriber else None, name, actor="cli")
    typer.echo(f"key {key.id} ({key.role.value}{', ' + key.subscriber if key.subscriber else ''}):")
    typer.echo(secret)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("apikey")(apikey)
