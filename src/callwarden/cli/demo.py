"""``callwarden demo``: the main job end to end on the embedded default, then serve it.

Each step is the same command a user would type (printed before it runs), so the demo is
also the walk-through: simulate two days of a carrier's traffic (seed 1 to learn from,
seed 2 as "today"), ingest today's CDRs, train, scan, evaluate, replay the stream, load the
verdicts into the SQLite store and serve the API with a results page at ``/``.
"""

from __future__ import annotations

import os
import shlex
import time
from pathlib import Path
from typing import Annotated, Any

import typer


def _run(args: list[str]) -> None:
    from callwarden.cli.main import app

    typer.secho("\n$ callwarden " + shlex.join(args), bold=True)
    t0 = time.perf_counter()
    code = typer.main.get_command(app).main(args=args, standalone_mode=False)
    typer.secho(f"  ({time.perf_counter() - t0:.1f} s)", dim=True)
    if isinstance(code, int) and code != 0:  # a step's one-line error: the rest needs it
        typer.secho(f"demo stopped: 'callwarden {args[0]}' failed (exit {code})", err=True)
        raise typer.Exit(code)


def demo(
    out: Annotated[Path, typer.Option(help="Folder for every artefact of the run.")] = Path(
        "var/demo"
    ),
    subscribers: Annotated[
        int, typer.Option(help="Simulated subscribers (the operations scale with them).")
    ] = 50_000,
    scenario: Annotated[
        str, typer.Option(help="Simulator scenario: article, quiet, adaptive.")
    ] = "article",
    replay: Annotated[bool, typer.Option(help="Also replay today's stream call by call.")] = True,
    serve: Annotated[bool, typer.Option(help="Serve the API and results page afterwards.")] = True,
    host: Annotated[str, typer.Option(help="Address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
) -> None:
    """Run the main job on simulated traffic (simulate, ingest, train, scan, evaluate, replay) and serve the results."""
    from callwarden.cli._paths import output_dir

    output_dir(out).mkdir(parents=True, exist_ok=True)
    train_dir, today, cdrs = out / "sim-seed1", out / "sim-seed2", out / "cdrs"
    model, scan = out / "model", out / "scan"
    sub = str(subscribers)
    _run(
        [
            "simulate",
            "--scenario",
            scenario,
            "--seed",
            "1",
            "--subscribers",
            sub,
            "--out",
            str(train_dir),
        ]
    )
    _run(
        [
            "simulate",
            "--scenario",
            scenario,
            "--seed",
            "2",
            "--subscribers",
            sub,
            "--out",
            str(today),
        ]
    )
    _run(["ingest", str(today / "cdrs.parquet"), "--out", str(cdrs)])
    _run(
        [
            "train", "--cdrs", str(train_dir), "--labels", str(train_dir / "labels.csv"),
            "--registry", str(train_dir / "registry.csv"), "--out", str(model),
        ]
    )  # fmt: skip
    _run(
        [
            "scan", "--cdrs", str(cdrs), "--model", str(model),
            "--registry", str(today / "registry.csv"), "--out", str(scan),
            "--transcripts", str(today / "transcripts.jsonl"),
            # the carrier's gateways and its HLR's roamers: the ingest folder holds neither
            "--ingresses", str(today / "ingresses.csv"), "--roaming", str(today / "roaming.csv"),
        ]
    )  # fmt: skip
    # --cdrs: the simulator's folder, the same calls with the per-call truth that bridging and
    # AXB are measured against (an ingest folder holds none)
    _run(
        [
            "evaluate", "--verdicts", str(scan / "verdicts.csv"), "--labels",
            str(today / "labels.csv"), "--cdrs", str(today), "--out", str(scan / "evaluation.json"),
        ]
    )  # fmt: skip
    if replay:
        _run(
            [
                "replay", "--cdrs", str(cdrs), "--model", str(model),
                "--registry", str(today / "registry.csv"), "--labels", str(today / "labels.csv"),
                "--ingresses", str(today / "ingresses.csv"),
                "--roaming", str(today / "roaming.csv"),
                "--out", str(out / "replay.json"),
            ]
        )  # fmt: skip
    from callwarden.api.results_page import render_results_page

    page = out / "index.html"
    page.write_text(render_results_page(out), encoding="utf-8")
    typer.echo(f"\nresults page -> {page}")
    if serve:
        _serve(out, scan / "verdicts.csv", cdrs, model, host, port, today / "registry.csv", today)


def _serve(
    out: Path,
    verdicts: Path,
    cdrs: Path,
    model: Path,
    host: str,
    port: int,
    registry: Path | None = None,
    today: Path | None = None,
) -> None:
    import uvicorn
    from fastapi import Query
    from fastapi.responses import HTMLResponse

    from callwarden.api import ApiSettings, create_app
    from callwarden.api.results_page import PAGE_POLICY, ResultsPages
    from callwarden.api.routes.cases import attach as attach_case_sources
    from callwarden.cli.serve import bands_from_model, describe_bands, load_allocation
    from callwarden.store import Role, Store
    from callwarden.store.io import read_received_calls, read_verdicts_csv

    db = str(out / "callwarden.db")
    store = Store.open(db, announce=False)  # the process that serves it (change_feed)
    # The replay's figures are for the model's bands: the API decides with the same ones.
    store.save_thresholds(*bands_from_model(model), actor="cli:demo")
    typer.echo(describe_bands(store))
    n = store.import_verdicts(read_verdicts_csv(verdicts), actor="cli:demo")
    pairs, shift = as_if_today(read_received_calls(cdrs), time.time())
    m = store.import_received(pairs)
    typer.echo(f"store {db}: {n:,} verdicts, {m:,} received-call pairs")
    if shift > 0:
        typer.echo(
            f"  (received calls dated {shift / 86400:.1f} days later, as if the simulated day "
            "ended now: a report needs a call received in the last 7 days)"
        )
    keys = out / "api-keys.txt"
    if not keys.exists():
        _, secret = store.create_key(Role.OPERATOR, name="demo operator", actor="cli:demo")
        write_secret(keys, f"operator {secret}\n")
    else:
        keys.chmod(0o600)  # one an earlier demo left readable by all
    typer.echo(f"operator API key in {keys} (send it as 'Authorization: Bearer <key>')")
    settings = ApiSettings(db=db, redress_base=f"http://{host}:{port}/v1/redress/")
    allocation = load_allocation(registry) if registry is not None else None
    # the international-gateway rule as replay builds it, from the day's ingresses.csv and
    # roaming.csv (the ingest folder holds neither)
    abroad = demo_abroad(today, allocation, shift) if today is not None else None
    app = create_app(settings, store, allocation, abroad)
    attach_case_sources(app, verdicts.parent, cdrs)  # /v1/case-files, linked from the page
    pages = ResultsPages(out)

    @app.get("/", include_in_schema=False)
    # Query as the default: the annotation is a string (PEP 563) that cannot name this
    # function's local imports when FastAPI resolves it
    def results(page: int = Query(1, ge=1, le=10_000_000)) -> HTMLResponse:  # noqa: B008
        return HTMLResponse(pages.page(page), headers={"Content-Security-Policy": PAGE_POLICY})

    typer.echo(
        f"serving results on http://{host}:{port}/ ({pages.pages:,} pages of flagged numbers, "
        "each linking its case file; API docs at /docs); Ctrl-C stops"
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def demo_abroad(today: Path, allocation: Any, shift: float) -> Any:
    """The international-gateway rule of the simulated day's folder (``ingresses.csv``,
    ``roaming.csv``; None when off), its roaming windows moved by ``shift`` seconds as the
    received calls are (``as_if_today``): ``/v1/decide`` judges calls at the present time,
    and a roamer's trip lies weeks back otherwise."""
    import dataclasses

    from callwarden.cli._abroad import abroad_rule
    from callwarden.features.local_time import DEFAULT_TZ
    from callwarden.numbers.roaming import Roaming

    # the demo's commands run at their default zone (the simulator writes Z times anyway)
    scope = allocation.scope if allocation is not None else None
    setup = abroad_rule(today, None, None, scope, tz=DEFAULT_TZ)
    setup.say()
    rule = setup.rule
    if rule is None or rule.roaming is None or shift <= 0:
        return rule
    trips = rule.roaming
    names = trips.numbers.to_pylist()
    moved = [
        (names[int(i)], float(a) + shift, float(b) + shift)
        for i, a, b in zip(trips.index, trips.start, trips.end, strict=True)
    ]
    return dataclasses.replace(rule, roaming=Roaming.of(moved))


def write_secret(path: Path, text: str) -> None:
    """A new file readable and writable by its owner only (0600, whatever the umask), made so
    before the secret is written: an operator key in a file others could read is theirs."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def as_if_today(
    pairs: list[tuple[str, str, float, float, int]], now: float
) -> tuple[list[tuple[str, str, float, float, int]], float]:
    """The received-call pairs moved in time so that the latest call is ``now`` (and the
    seconds moved): the simulated day lies weeks back, and reports are eligible only on
    calls of the last 7 days, so the demo's subscribers could report nothing."""
    if not pairs:
        return pairs, 0.0
    shift = max(0.0, now - max(p[3] for p in pairs))
    return [(s, c, f + shift, la + shift, n) for s, c, f, la, n in pairs], shift


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
