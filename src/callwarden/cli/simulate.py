"""``callwarden simulate``: a seeded day (or days) of a carrier's traffic with known truth."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("simulate")
    def simulate_cmd(
        scenario: str = typer.Option(
            "article",
            "--scenario",
            help="Shipped scenario (article, quiet, adaptive, padded) or a YAML file.",
        ),
        seed: int = typer.Option(
            ..., "--seed", help="Random seed; the same seed gives the same output."
        ),
        days: int = typer.Option(
            1, "--days", min=1, help="Number of simulated days (from the scenario's start date)."
        ),
        subscribers: int | None = typer.Option(
            None,
            "--subscribers",
            help="Subscribers, at least 1000 (default: the scenario's).",
        ),
        out: Path = typer.Option(..., "--out", help="Output directory."),
        summary: bool = typer.Option(
            False, "--summary", help="Also print each population's and operation's signature."
        ),
    ) -> None:
        """Simulate a carrier's traffic: subscribers, businesses and robocall/fraud operations.

        Writes cdrs.parquet, labels.csv, registry.csv, transcripts.jsonl, call_truth.parquet, manifest.json.

        Populations: subscribers; couriers, AXB, banks, clinics, schools, sales staff; robocall, human-seat and fraud operations."""
        from callwarden.cli._paths import output_dir
        from callwarden.errors import InputError
        from callwarden.sim import simulate, write_sim
        from callwarden.sim.scenario import load_scenario

        output_dir(out)  # fail before minutes of work, not after
        scen = load_scenario(scenario)  # a bad scenario fails before the folder is created
        try:  # the check cannot see every refusal (/proc as root): create the folder now
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"--out {out} cannot be created: {exc.strerror or exc}") from exc
        result = simulate(scen, seed=seed, days=days, subscribers=subscribers)
        write_sim(result, out)
        m = result.manifest
        typer.echo(
            f"{m['calls']:,} calls from {m['calling_numbers']:,} numbers ({m['scenario']}, seed {m['seed']}, "
            f"{m['days']} day(s), {m['subscribers']:,} subscribers) in {m['generation_seconds']:.1f} s -> {out}"
        )
        if summary:
            from callwarden.sim.summary import (
                feature_auc_table,
                operation_table,
                population_table,
                render,
            )

            typer.echo(
                "\npopulations (bridged calls counted once)\n" + render(population_table(result))
            )
            typer.echo("\noperations\n" + render(operation_table(result)))
            typer.echo(
                "\none feature alone, numbers with 20+ calls (AUC)\n"
                + render(feature_auc_table(result))
            )
        else:
            for name, count in m["calls_per_population"].items():
                typer.echo(f"  {name:<12} {count:>10,}")
