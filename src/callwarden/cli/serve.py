"""``callwarden serve`` (the HTTP API on the embedded SQLite store) and ``callwarden apikey``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DB_HELP = "store: a SQLite file path (default) or a postgresql:// URL"


def serve(
    db: Annotated[str, typer.Option(help=DB_HELP)] = "callwarden.db",
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8080,
    verdicts: Annotated[
        Path | None, typer.Option(help="import scan's verdicts.csv before serving (upsert)")
    ] = None,
    cdrs: Annotated[
        Path | None,
        typer.Option(help="import received calls from canonical CDRs (Parquet file/dir or CSV)"),
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
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "warning",
) -> None:
    """Run the HTTP API (decide, lookups, lists, reports, appeals, review) on the store."""
    import uvicorn

    from callwarden.api import ApiSettings, create_app
    from callwarden.store import Store
    from callwarden.store.io import read_received_calls, read_verdicts_csv

    store = Store.open(db)
    if verdicts is not None:
        n = store.import_verdicts(read_verdicts_csv(verdicts), actor="cli:serve")
        typer.echo(f"imported {n:,} verdicts from {verdicts}")
    if cdrs is not None:
        n = store.import_received(read_received_calls(cdrs))
        typer.echo(f"imported {n:,} received-call pairs from {cdrs}")
    if not store.list_keys():
        typer.echo("no API keys yet: create one with `callwarden apikey --role operator`", err=True)
    settings = ApiSettings(
        db=db,
        redress_base=redress_base or f"http://{host}:{port}/v1/redress/",
        operator_name=operator_name,
    )
    app = create_app(settings, store)
    typer.echo(f"callwarden API on http://{host}:{port} (docs at /docs), store {store.dialect}")
    # One process: the verdict and policy caches live in it (scale out with PostgreSQL and
    # one decision worker per partition, see docs/api.md).
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)


def apikey(
    role: Annotated[str, typer.Option(help="operator | subscriber | network")],
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
        raise InputError(f"role must be operator, subscriber or network, not {role!r}") from exc
    store = Store.open(db)
    key, secret = store.create_key(r, e164(subscriber) if subscriber else None, name, actor="cli")
    typer.echo(f"key {key.id} ({key.role.value}{', ' + key.subscriber if key.subscriber else ''}):")
    typer.echo(secret)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("apikey")(apikey)
