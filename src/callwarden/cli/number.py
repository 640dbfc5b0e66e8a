"""``callwarden number``: what the digits of a number tell, one JSON object per number."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def number_command(
    numbers: Annotated[
        list[str],
        typer.Argument(
            help="Numbers in any common spelling (13800138000, 010-62345678, 95588...)."
        ),
    ],
    region: Annotated[
        str, typer.Option("--region", help="Region for national spellings (ISO 3166).")
    ] = "CN",
    registry: Annotated[
        Path | None,
        typer.Option(
            "--registry",
            help="CSV of allocated numbers ('number') or ranges ('range_start,range_end').",
        ),
    ] = None,
    lang: Annotated[
        str, typer.Option("--lang", help="Language of place and carrier names (zh, en).")
    ] = "zh",
) -> None:
    """Normalise numbers to E.164 and print class, 归属地 (province, city), carrier and allocation."""
    import json

    from callwarden.numbers import AllocationRegistry, describe

    reg = AllocationRegistry.from_csv(registry, region) if registry else None
    for raw in numbers:
        info = describe(raw, region=region, lang=lang)
        doc: dict[str, object] = {"input": raw, **info.to_dict()}
        if reg is not None:
            doc["allocated"] = bool(info.e164 and reg.is_allocated(info.e164))
        typer.echo(json.dumps(doc, ensure_ascii=False))


def register(app: typer.Typer) -> None:
    app.command("number")(number_command)
