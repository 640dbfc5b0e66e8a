"""``callwarden number``: what the digits of a number tell, one JSON object per number."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

_SCALAR_MAX = 1000  # above this many numbers, the vectorised path


def number_command(
    numbers: Annotated[
        list[str],
        typer.Argument(
            help="Numbers in any common spelling (13800138000, 010-62345678, 95588...); "
            "- reads them from standard input, one a line."
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
    import sys

    from callwarden.cli._args import check_lang
    from callwarden.cli._detect_io import warn_unparsed
    from callwarden.numbers import AllocationRegistry, describe, describe_array, normalize_array

    check_lang(lang)
    values: list[str] = []
    for raw in numbers:
        if raw == "-":
            values.extend(line.strip() for line in sys.stdin)  # one output line per input line
        else:
            values.append(raw)
    reg = None
    if registry is not None:
        reg = AllocationRegistry.from_csv(registry, region)
        warn_unparsed(registry, reg, "they read as not allocated")  # as scan warns
    docs: list[dict[str, Any]]
    if len(values) <= _SCALAR_MAX:
        docs = [{"input": v, **describe(v, region=region, lang=lang).to_dict()} for v in values]
    else:  # bulk: Arrow kernels, and one look-up per distinct prefix
        table = describe_array(normalize_array(values, region), region=region, lang=lang)
        docs = [{"input": v, **row} for v, row in zip(values, table.to_pylist(), strict=True)]
    if reg is not None:
        shown = [d["e164"] for d in docs]
        judged, allocated = reg.judge_array(shown)
        for doc, hit, ours in zip(docs, allocated, judged, strict=True):
            doc["allocated"] = bool(hit) if ours else None  # another country's number
    for doc in docs:
        typer.echo(json.dumps(doc, ensure_ascii=False))


def register(app: typer.Typer) -> None:
    app.command("number")(number_command)
