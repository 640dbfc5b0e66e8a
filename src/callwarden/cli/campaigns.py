"""``callwarden campaigns`` and ``callwarden campaigns-eval``: campaign linking from the shell."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def _print_campaigns(result: object, limit: int = 15) -> None:
    from callwarden.campaigns.build import CampaignResult

    assert isinstance(result, CampaignResult)
    typer.echo(
        f"{'campaign':<13}{'numbers':>8}{'calls/day':>10}{'answer':>8}{'list':>7}  ingresses  reasons"
    )
    for c in result.campaigns[:limit]:
        codes = ",".join(r.code.value for r in c.reasons)
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
            typer.Option(help="Allocation registry CSV (column 'number') for the 空号 check."),
        ] = None,
        transcripts: Annotated[
            Path | None,
            typer.Option(help="Transcripts JSON lines (call_id, turns) to link numbers by script."),
        ] = None,
    ) -> None:
        """Link rotating caller IDs into campaigns; find 双向回呼 bridged calls and spoofed caller IDs."""
        from callwarden.campaigns.build import build_campaigns
        from callwarden.campaigns.io import read_numbers, read_transcripts, write_campaigns
        from callwarden.campaigns.scripts import script_clusters
        from callwarden.cdr import load_cdrs

        table = load_cdrs(cdrs)
        allocated = read_numbers(registry) if registry else None
        scripts = script_clusters(read_transcripts(transcripts)) if transcripts else None
        result = build_campaigns(table, allocated=allocated, scripts=scripts)
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
            json_out.write_text(json.dumps(figures, indent=1, default=str), encoding="utf-8")
