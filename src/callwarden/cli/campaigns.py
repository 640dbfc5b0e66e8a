"""``callwarden campaigns`` and ``callwarden campaigns-eval``: campaign linking from the shell."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from callwarden.cli._abroad import INGRESSES_HELP, roaming_help


def degraded_note(result: object) -> str:
    """'' when the CDRs' ingress could keep operations apart; else what linking, bridging and
    the online index did without it (``staging.IngressInfo``), for stderr and the summary."""
    from callwarden.campaigns.build import CampaignResult

    assert isinstance(result, CampaignResult)
    info = result.ingress
    if info is None or info.informative:
        return ""
    return (
        f"ingress carries no information ({info.note}): numbers are linked only by asserted "
        "identity, bridge platform and script/audio, not by shared callees, list ranges or "
        "timing; a bridge agent line needs at most a handful of leg-1 sources; these "
        "campaigns' lists flag no new number in the online index"
    )


def _print_campaigns(result: object, limit: int = 15) -> None:
    from callwarden.campaigns.build import CampaignResult

    assert isinstance(result, CampaignResult)
    typer.echo(
        f"{'campaign':<13}{'numbers':>8}{'calls/day':>10}{'answer':>8}{'list':>7}  ingresses  reasons"
    )
    for c in result.campaigns[:limit]:
        codes = ",".join(str(r.code) for r in c.reasons)
        ings = ";".join(c.ingresses)
        typer.echo(
            f"{c.campaign_id:<13}{len(c.members):>8}{c.daily_volume:>10.0f}{c.answer_rate:>8.2f}"
            f"{c.list_size:>7}  {ings}  {codes}"
        )
    if len(result.campaigns) > limit:
        typer.echo(f"... {len(result.campaigns) - limit} more")
    typer.echo(
        f"{len(result.campaigns)} campaigns, {len(result.number_campaign)} numbers linked, "
        f"{result.bridged.num_rows} bridged legs ({sum(1 for a in result.bridge_agents if a['bridged'])} agent lines), "
        f"{result.spoofed.num_rows} calls failing a caller-ID check"
    )
    if note := degraded_note(result):
        typer.echo(f"degraded mode: {note}")


def _day_cdrs(cdrs: Path, day: str | None, tz_hours: int = 8) -> Any:
    """The canonical CDRs at ``cdrs`` that campaign staging reads (``staging.READS``),
    restricted to one local day when ``day`` is given."""
    from callwarden.campaigns.staging import READS
    from callwarden.cdr import cdr_relation_sql
    from callwarden.features.duckdb_backend import columns_of, connection
    from callwarden.features.sql import AsOf, day_range_sql

    relation = cdr_relation_sql(cdrs)
    with connection() as con:
        present = columns_of(con, relation, check=False)
        cols = ", ".join(c for c in READS if c in present) or "*"
        # A range on start_time (not its local date) lets the reader skip row groups.
        where = f"WHERE {day_range_sql(AsOf(day, tz_hours))}" if day else ""
        return con.sql(f"SELECT {cols} FROM {relation} {where}").to_arrow_table()


def _beside(cdrs: Path, name: str) -> Path | None:
    """A simulator or ingest file next to the CDRs (transcripts.jsonl, call_truth.parquet)."""
    folder = cdrs if cdrs.is_dir() else cdrs.parent
    p = folder / name
    return p if p.is_file() else None


def allocated_numbers(registry: Path, cdrs: Any, *, report: bool = True) -> Any:
    """The allocated numbers campaign linking's 空号 check judges against, from a registry
    read as ``scan`` reads it (``AllocationRegistry.from_csv``: a ``number`` column,
    ``range_start,range_end`` columns, or both; the same errors for a file that is neither):
    the listed numbers, plus the CDRs' callers that the registry allocates (which adds,
    for ranges, the callers they hold). A range-only registry so speaks for the blocks
    holding an allocated caller (the check judges a caller only where the registry speaks
    for its block); before, ``campaigns`` refused it and ``scan`` skipped the check.
    ``report``: warn about unparsed rows (``scan`` has warned already)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from callwarden.cli._detect_io import warn_unparsed
    from callwarden.numbers import AllocationRegistry

    reg = AllocationRegistry.from_csv(registry)
    if report:
        warn_unparsed(registry, reg)
    listed = reg.listed()  # normalised: a national spelling in the file matches the calls
    callers = pc.unique(cdrs["caller"]).drop_null()
    if not pa.types.is_string(callers.type):
        callers = pc.cast(callers, pa.string())
    held = pc.filter(callers, pa.array(reg.is_allocated_array(callers), pa.bool_()))
    return pa.concat_arrays([listed, held])


def transcripts_for(cdrs: Path, given: Path | None) -> Path | None:
    """The transcripts campaign linking reads: ``--transcripts``, else transcripts.jsonl
    beside the CDRs (a simulator folder), else none."""
    return given or _beside(cdrs, "transcripts.jsonl")


def script_links(
    transcripts: Path,
    cdrs: Any,
    *,
    calls: str = "the CDRs' calls",
    records: list[dict[str, Any]] | None = None,
) -> Any:
    """``script_clusters`` of the transcripts at ``transcripts`` (read as ``screen`` reads
    them, ``campaigns.io.read_transcripts``, unless ``records`` already holds them), with a
    warning when few of them are calls of
    ``cdrs`` (``calls`` names those calls): none (another day's or run's file, or an empty
    one: no number is linked by script) or under half (the others link nothing). Call ids
    are compared as text. Before 29 Nov such a file was used without a word (the seed-3
    transcripts with the seed-4 CDRs: 0 categories, exit 0)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from callwarden.campaigns.io import read_transcripts
    from callwarden.campaigns.scripts import script_clusters
    from callwarden.cli._detect_io import warn

    if records is None:
        records = list(read_transcripts(transcripts))
    ids = [str(r["call_id"]) for r in records]
    known = cdrs["call_id"] if "call_id" in cdrs.column_names else pa.array([], pa.string())
    if not pa.types.is_string(known.type):
        known = pc.cast(known, pa.string())
    hit = pc.is_in(pa.array(ids, pa.string()), value_set=pc.unique(known).drop_null())
    found = int(pc.sum(hit.cast(pa.int64())).as_py() or 0)
    if not records:
        warn(f"transcripts {transcripts} hold no transcripts: no numbers are linked by script")
    elif found == 0:
        example = next((k for k in known.to_pylist() if k is not None), None)
        warn(
            f"transcripts {transcripts}: none of their {len(ids):,} call_id values is one of "
            f"{calls} (e.g. {ids[0]!r} there, {example!r} in the CDRs): no numbers are linked "
            "by script; give the transcripts of these calls"
        )
    elif 2 * found < len(ids):
        warn(
            f"transcripts {transcripts}: only {found:,} of their {len(ids):,} call_id values "
            f"are {calls}; the other {len(ids) - found:,} link no numbers"
        )
    return script_clusters(records)


def scan_hook(
    result: Any,
    cdrs: Path,
    out: Path,
    *,
    registry: Path | None = None,
    transcripts: Path | None = None,
    records: list[dict[str, Any]] | None = None,
    member_verdicts: bool = True,
    abroad: Any = None,
) -> dict[str, Any]:
    """For ``callwarden scan``: build the day's campaigns, fill the verdicts' ``campaign``
    column, flag the members of campaigns their other numbers condemn (``member_verdicts``;
    ``detect.campaign_verdicts``), give flagged members their campaign's ``category`` and
    write the campaign artefacts (campaigns.csv ...) into ``out``. ``transcripts``: as
    ``transcripts_for``; ``records``: those transcripts already read (scan reads them before
    it scores). ``abroad``: the international-gateway rule (``cli._abroad``) for the spoofing
    check, None when off."""
    from callwarden.campaigns.build import build_campaigns
    from callwarden.campaigns.io import write_campaigns

    day = result.meta.get("day")
    # the scan's local day (``--tz``), so the campaigns are built from the same calls
    table = _day_cdrs(cdrs, day, int(result.meta.get("utc_offset_hours", 8)))
    if abroad is not None:
        from callwarden.cli._abroad import warn_unseen_gateways

        warn_unseen_gateways(abroad, table)
    transcripts = transcripts_for(cdrs, transcripts)
    allocated = allocated_numbers(registry, table, report=False) if registry else None
    calls = f"the calls of {day} in the CDRs" if day else "the CDRs' calls"
    scripts = None
    if transcripts is not None:
        scripts = script_links(transcripts, table, calls=calls, records=records)
    campaigns = build_campaigns(table, allocated=allocated, scripts=scripts, abroad=abroad)
    if note := degraded_note(campaigns):
        from callwarden.cli._detect_io import warn

        warn(f"campaigns: {note}")
    result.link_campaigns(campaigns.number_campaign)
    if member_verdicts:
        from callwarden.detect.campaign_verdicts import flag_campaign_members, spoofed_lines

        spared = spoofed_lines(table, campaigns.spoofed, campaigns.number_campaign)
        flag_campaign_members(result, spared=spared)
    result.take_campaign_categories({c.campaign_id: c.category for c in campaigns.campaigns})
    write_campaigns(campaigns, out)
    summary = {
        "campaigns": len(campaigns.campaigns),
        "numbers_in_campaigns": len(campaigns.number_campaign),
        "bridged_legs": campaigns.bridged.num_rows,
        "spoofed_calls": campaigns.spoofed.num_rows,
        # per call, never per number: the displayed number is a real subscriber's
        "spoofed_calls_international_domestic": _count_true(
            campaigns.spoofed, "international_domestic"
        ),
        "members_flagged": int(result.meta.get("campaign_flagged", 0)),
        "members_spared_spoofed": int(result.meta.get("campaign_spared_spoofed", 0)),
    }
    if note:
        summary["degraded"] = note
    result.meta["campaigns"] = summary
    typer.echo(
        f"campaigns: {summary['campaigns']:,} linking {summary['numbers_in_campaigns']:,} numbers; "
        f"{summary['bridged_legs']:,} bridged legs; {summary['spoofed_calls']:,} spoofed calls "
        f"-> {out / 'campaigns.csv'}"
    )
    if summary["members_flagged"] or summary["members_spared_spoofed"]:
        spared = summary["members_spared_spoofed"]
        typer.echo(
            f"  {summary['members_flagged']:,} numbers flagged as members of campaigns whose "
            "other numbers are flagged (reason campaign_flagged_members)"
            + (f"; {spared:,} spared: real lines the campaign also displays" if spared else "")
        )
    return summary


def _count_true(table: Any, column: str) -> int:
    import pyarrow.compute as pc

    if column not in table.column_names or not table.num_rows:
        return 0
    return int(pc.sum(pc.fill_null(table[column], False).cast("int64")).as_py() or 0)


def evaluate_section(
    verdicts: Path,
    labels: Path,
    cdrs: Path,
    *,
    replay: bool = True,
    max_replay_rows: int = 2_000_000,
) -> dict[str, Any] | None:
    """For ``callwarden evaluate``: the campaign section (None when labels carry no campaigns).

    Clustering is judged on the scan's ``campaign`` column; bridging and AXB on a fresh build
    of the CDRs against ``call_truth.parquet`` beside them; fresh-number flagging on a
    time-ordered replay of the CDRs (campaigns learnt from earlier calls of the same run).
    """
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    from callwarden.campaigns.build import CampaignResult, build_campaigns
    from callwarden.campaigns.evaluation import (
        axb_scores,
        bridge_scores,
        clustering_scores,
        replay_fresh_numbers,
    )
    from callwarden.campaigns.io import read_labels, read_numbers

    lab = read_labels(labels)
    if not {"number", "label", "campaign"} <= set(lab.column_names):
        return None
    v = pcsv.read_csv(
        verdicts,
        convert_options=pcsv.ConvertOptions(
            column_types={"number": "string", "campaign": "string"}
        ),
    )
    if "campaign" not in v.column_names:
        return None
    found = {
        n: c for n, c in zip(v["number"].to_pylist(), v["campaign"].to_pylist(), strict=True) if c
    }
    table = _day_cdrs(cdrs, None)
    lab = _as_matched(lab, v["number"].to_pylist(), table)
    scanned = CampaignResult((), found, (), table.slice(0, 0), (), table.slice(0, 0))
    section: dict[str, Any] = {
        "clustering": clustering_scores(scanned, lab, v["number"].to_pylist())
    }
    reg = _beside(cdrs, "registry.csv")
    allocated = read_numbers(reg) if reg else None
    truth_path = _beside(cdrs, "call_truth.parquet")
    built = build_campaigns(table, allocated=allocated)
    truth = pq.read_table(truth_path) if truth_path else None
    section["axb"] = axb_scores(built, lab, truth)
    if truth is not None:
        section["bridging"] = bridge_scores(built, truth)
    else:  # (an ingest folder has none: say so rather than leave the figures out unsaid)
        why = (
            f"no call_truth.parquet beside the CDRs ({cdrs}): the per-call truth these are "
            "measured against (the simulator writes it; an ingest folder has none)"
        )
        section["skipped"] = {"bridging": why, "axb.axb_legs_flagged": why}
    if replay and table.num_rows <= max_replay_rows:
        section["fresh_numbers"] = replay_fresh_numbers(
            table, lab, allocated=allocated, rebuild_every_s=1800.0
        )
    elif replay:  # the per-call replay is a Python loop: keep evaluate bounded
        section["fresh_numbers"] = {"skipped": f"{table.num_rows:,} CDRs > {max_replay_rows:,}"}
    return section


def _as_matched(lab: Any, verdict_numbers: list[str], cdrs: Any) -> Any:
    """``lab`` with its numbers keyed as the main report keys them (``match_labels``: a
    national ``15173156006`` is the CDRs' ``+8615173156006``) and its labels read as train
    reads them (``label_class``), so both sections of ``evaluate`` judge the same truth."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from callwarden.detect.labels import label_class, match_labels

    callers = (
        pc.unique(cdrs["caller"]).drop_null().to_pylist() if "caller" in cdrs.column_names else []
    )
    keys = match_labels([*verdict_numbers, *callers], lab["number"]).keys
    labels = [label_class(x) for x in lab["label"].to_pylist()]
    lab = lab.set_column(lab.column_names.index("number"), "number", pa.array(keys, pa.string()))
    return lab.set_column(lab.column_names.index("label"), "label", pa.array(labels, pa.string()))


def print_section(section: dict[str, Any]) -> None:
    """The campaign section; its ``skipped`` entry (figure -> why) as one note a reason."""
    typer.echo("campaigns:")
    for name, values in section.items():
        if name == "skipped":
            continue
        typer.echo(f"  [{name}] " + ", ".join(f"{k} {v}" for k, v in values.items()))
    reasons: dict[str, list[str]] = {}
    for figure, why in section.get("skipped", {}).items():
        reasons.setdefault(str(why), []).append(figure)
    for why, figures in reasons.items():
        typer.echo(f"  note: {' and '.join(figures)} left out: {why}")


def register(app: typer.Typer) -> None:
    @app.command("campaigns")
    def campaigns_cmd(
        cdrs: Annotated[
            Path, typer.Option(help="Canonical CDRs: ingest output folder, Parquet file or folder.")
        ],
        out: Annotated[
            Path,
            typer.Option(
                help="Folder for campaigns.csv, campaign_members.csv, bridged_calls.csv, spoofed_calls.csv, campaigns.json."
            ),
        ],
        registry: Annotated[
            Path | None,
            typer.Option(
                help="Allocation registry CSV for the 空号 check, as scan reads it: a 'number' "
                "column, 'range_start,range_end' columns, or both."
            ),
        ] = None,
        transcripts: Annotated[
            Path | None,
            typer.Option(
                help="Transcripts JSON lines (call_id, turns), read as screen reads them, to "
                "link numbers by script (default: transcripts.jsonl beside --cdrs, if there is "
                "one, as scan reads it)."
            ),
        ] = None,
        ingresses: Annotated[Path | None, typer.Option(help=INGRESSES_HELP)] = None,
        roaming: Annotated[
            Path | None,
            typer.Option(
                help=roaming_help(
                    "--tz's zone (default: the CDRs' recorded zone, else Asia/Shanghai)"
                )
            ),
        ] = None,
        tz: Annotated[
            str | None,
            typer.Option(
                "--tz",
                help="Zone of --roaming's times written without an offset (campaigns link all "
                "the CDRs' calls, of every day): a time zone name or a UTC offset (UTC-5, "
                "+08:00), as scan's --tz. Default: the zone ingest recorded with the CDRs "
                "(DIR/dataset.json: its --tz), else Asia/Shanghai. Refused when no roaming "
                "list is read (none, or no ingresses file or --registry to use it with).",
            ),
        ] = None,
    ) -> None:
        """Link rotating caller IDs into campaigns; find 双向回呼 bridged calls and spoofed caller IDs."""
        from callwarden.campaigns.build import build_campaigns
        from callwarden.campaigns.io import write_campaigns
        from callwarden.cli._paths import output_dir

        output_dir(out)
        from callwarden.cli._abroad import abroad_rule_for, beside
        from callwarden.cli._zone import cdrs_zone, default_zone
        from callwarden.errors import InputError

        # the carrier's files are read (and their errors said) before any long work; the
        # roaming list's naive times in --tz, else the zone ingest recorded, as scan reads
        # them. The zone is needed only when the list is used (it needs an ingresses file
        # and --registry): a folder of mixed zones stops nothing else, and a --tz nothing
        # uses is refused, as evaluate's is, rather than ignored without a word
        unused = next(
            (why for why, missing in [
                ("no roaming list (--roaming, or roaming.csv beside --cdrs)",
                 (roaming or beside(cdrs, "roaming.csv")) is None),
                ("no ingresses file (--ingresses, or ingresses.csv beside --cdrs): the "
                 "roaming list is read only with one", (ingresses or beside(cdrs, "ingresses.csv")) is None),
                ("no --registry: the rule that reads the roaming list needs it", registry is None),
            ] if missing),
            None,
        )  # fmt: skip
        if tz is not None and unused is not None:
            raise InputError(
                "--tz applies to the roaming list's times without an offset (campaigns link "
                f"every day's calls by their instants), and this run reads none: {unused}; "
                "leave --tz out"
            )
        zone = cdrs_zone(tz, cdrs, days=False) if unused is None else default_zone()
        abroad = abroad_rule_for(
            cdrs, ingresses, roaming, registry, listing=True, tz=zone.tz, tz_from=zone.said
        )
        # Only the columns staging reads, as scan reads them: an extra column whose type
        # differs between parts (BIGINT in one, STRUCT in another) then stops nothing (before
        # 30 Nov it ended ``campaigns`` in a DuckDB ConversionException where scan worked).
        table = _day_cdrs(cdrs, None)
        from callwarden.cli._abroad import warn_unseen_gateways

        warn_unseen_gateways(abroad.rule, table)
        allocated = allocated_numbers(registry, table) if registry else None
        transcripts = transcripts_for(cdrs, transcripts)  # (as scan reads them)
        scripts = script_links(transcripts, table) if transcripts else None
        abroad.say()
        result = build_campaigns(table, allocated=allocated, scripts=scripts, abroad=abroad.rule)
        if note := degraded_note(result):
            from callwarden.cli._detect_io import warn

            warn(f"campaigns: {note}")
        paths = write_campaigns(result, out)
        _print_campaigns(result)
        typer.echo(f"wrote {', '.join(str(p) for p in paths.values())}")

    @app.command("campaigns-eval")
    def campaigns_eval_cmd(
        train: Annotated[
            Path,
            typer.Option(help="Simulator output folder to learn campaigns from (e.g. seed 1)."),
        ],
        test: Annotated[
            Path, typer.Option(help="Simulator output folder to measure on (e.g. seed 2).")
        ],
        json_out: Annotated[
            Path | None, typer.Option("--json", help="Also write the figures as JSON here.")
        ] = None,
    ) -> None:
        """Measure campaign linking, bridging, AXB false flags and fresh-number flagging on simulator runs."""
        from callwarden.campaigns.evaluation import evaluate_campaigns
        from callwarden.campaigns.io import SimRun
        from callwarden.campaigns.scripts import script_clusters
        from callwarden.cli._paths import output_file

        if json_out is not None:
            output_file(json_out, "--json")
        tr, te = SimRun(train), SimRun(test)
        figures = evaluate_campaigns(
            tr.cdrs(),
            te.cdrs(),
            te.labels(),
            train_allocated=tr.allocated(),
            test_allocated=te.allocated(),
            train_scripts=script_clusters(tr.transcripts()),
            test_scripts=script_clusters(te.transcripts()),
            test_call_truth=te.call_truth(),
        )
        for section, values in figures.items():
            typer.echo(f"[{section}]")
            for k, v in values.items():
                typer.echo(f"  {k:<40}{v}")
        if json_out:
            json_out.parent.mkdir(parents=True, exist_ok=True)
            from callwarden.cli._detect_io import json_ready

            # (no bare NaN: a figure of no numbers, e.g. median_calls_to_flag, is null)
            text = json.dumps(json_ready(figures), indent=1, default=str, allow_nan=False)
            json_out.write_text(text, encoding="utf-8")
