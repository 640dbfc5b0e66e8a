"""The CLI's edge of the international-gateway rule (``numbers.abroad``): which files to read
(``--ingresses`` / ``--roaming``, else ``ingresses.csv`` / ``roaming.csv`` beside the CDRs,
as ``transcripts.jsonl`` is found) and one line saying what the rule does on this run."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer

INGRESSES_HELP = (
    "ingresses.csv (ingress,kind; kind 'international' for an international gateway): "
    "domestic numbers shown on calls through an international gateway are spoofed unless "
    "their owner is roaming abroad (--roaming). Default: ingresses.csv beside --cdrs, if "
    "there is one. Needs --registry (its country codes are the domestic ones)."
)


def roaming_help(zone: str) -> str:
    """--roaming's help; ``zone``: where the command's naive times are read (its --tz)."""
    return (
        f"roaming.csv (number,from,until; ISO 8601, a time without an offset read in {zone}, "
        "until blank while abroad): own subscribers abroad, from the HLR. With it such calls are "
        "spoofed unless the number is roaming then (replay rejects them, 608; campaign linking "
        "lists them in spoofed_calls.csv); without it replay only labels them and campaign "
        "linking flags none. Default: roaming.csv beside --cdrs."
    )


@dataclass(frozen=True)
class AbroadSetup:
    """The rule (None: off), the files read (for a report's ``inputs``) and the line that
    says what the rule does on this run ("" when it is off), printed by ``say``."""

    rule: Any = None
    files: dict[str, str] = field(default_factory=lambda: {"ingresses": "", "roaming": ""})
    line: str = ""

    def say(self) -> None:
        if self.line:
            typer.echo(self.line)


def warn_unseen_gateways(rule: Any, table: Any) -> None:
    """One ``warning:`` line naming the international gateways of ``rule`` that appear in none
    of the CDRs' (``table``'s) ``ingress`` values, compared as stored after
    trimming spaces (names match exactly: ``igw-1`` is not ``IGW-1``): a file that names the
    trunks differently from the CDRs turns the rule off without a word otherwise."""
    if rule is None:
        return
    import pyarrow as pa
    import pyarrow.compute as pc

    from callwarden.cli._detect_io import warn

    seen: set[str] = set()
    if "ingress" in table.column_names:
        col = pc.unique(table["ingress"]).cast(pa.string())
        seen = set(pc.utf8_trim_whitespace(col).to_pylist())
    unseen = sorted(rule.international - seen)
    if unseen:
        warn(
            f"international gateway{'s' if len(unseen) > 1 else ''} {', '.join(unseen)} of the "
            "ingresses file appear in none of the CDRs' ingress values (names match exactly, "
            "after trimming spaces): no call through them is judged"
        )


def beside(cdrs: Path, name: str) -> Path | None:
    folder = cdrs if cdrs.is_dir() else cdrs.parent
    p = folder / name
    return p if p.is_file() else None


def abroad_rule(
    cdrs: Path | None,
    ingresses: Path | None,
    roaming: Path | None,
    scope: Collection[int] | None,
    listing: bool = False,
    *,
    tz: str,
    tz_from: str | None = None,
) -> AbroadSetup:
    """The rule and the files read; off without an ingresses file naming an international
    gateway, and off with a warning without a registry (``scope`` None): domestic is the
    registry's country codes, never a guess. The files are read (and their errors raised)
    here; the caller prints ``line`` when the rule is used (``AbroadSetup.say``). ``listing``:
    the command only lists such calls (scan, campaigns: spoofed_calls.csv), so the line says
    that rather than what replay and the API do (reject, label). ``tz``: the zone the command
    reads naive times in (its ``--tz``), where the roaming list's naive times are read;
    ``tz_from``: where that zone came from (``cli._zone.CdrZone.said``), for the line."""
    from callwarden.cli._detect_io import warn
    from callwarden.numbers.abroad import AbroadRule
    from callwarden.numbers.ingresses import read_ingresses
    from callwarden.numbers.roaming import read_roaming

    if ingresses is None and cdrs is not None:
        ingresses = beside(cdrs, "ingresses.csv")
    if roaming is None and cdrs is not None:
        roaming = beside(cdrs, "roaming.csv")
    files = {"ingresses": str(ingresses or ""), "roaming": str(roaming or "")}
    if ingresses is None:
        return AbroadSetup(None, files)
    kinds = read_ingresses(ingresses)
    trips = read_roaming(roaming, tz=tz) if roaming is not None else None
    if not kinds.international:
        warn(
            f"{ingresses} names no international gateway (kind 'international'): calls from "
            "abroad showing domestic numbers are not judged"
        )
        return AbroadSetup(None, files)
    if not scope:
        why = (
            "without --registry no number is known to be domestic"
            if scope is None
            else "the registry's scope is empty (it holds no number with a country code), so "
            "no number is known to be domestic"
        )
        warn(
            f"{ingresses} names international gateways, but {why}: calls from abroad showing "
            "domestic numbers are not judged"
        )
        return AbroadSetup(None, files)
    rule = AbroadRule.of(kinds, scope, trips)
    gates = ", ".join(sorted(kinds.international))
    listed = ""  # the roaming list, and the zone its times without an offset were read in
    if trips is not None:
        listed = f"{len(trips):,} numbers in {roaming}; naive times in {tz}"
        listed += f", {tz_from}" if tz_from else ""
    if listing:
        how = (
            f"listed in spoofed_calls.csv unless roaming ({listed})"
            if trips is not None
            else "not listed (no roaming list: a roamer cannot be told apart)"
        )
    else:
        how = (
            f"rejected as spoofed unless roaming ({listed})"
            if trips is not None
            else "labelled (no roaming list: a roamer cannot be told apart)"
        )
    return AbroadSetup(rule, files, f"calls from abroad ({gates}) showing a domestic number: {how}")


def abroad_rule_for(
    cdrs: Path | None,
    ingresses: Path | None,
    roaming: Path | None,
    registry: Path | None,
    listing: bool = False,
    *,
    tz: str,
    tz_from: str | None = None,
) -> AbroadSetup:
    """``abroad_rule`` with the scope of the registry file ``registry`` (read as scan reads
    it; its parse is cached, so a second read is cheap)."""
    from callwarden.numbers import AllocationRegistry

    scope = AllocationRegistry.from_csv(registry).scope if registry is not None else None
    return abroad_rule(cdrs, ingresses, roaming, scope, listing, tz=tz, tz_from=tz_from)
