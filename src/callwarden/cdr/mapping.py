"""Mapping files: how a foreign CDR layout becomes the canonical one (YAML, validated here).

A mapping renames columns, converts values (units, time formats, value maps), sets constant
columns, and can swap caller and callee by a direction column for layouts seen from one
subscriber (the Sichuan ``voc`` layout). See ``docs/ingest.md`` for the format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from callwarden.errors import ConfigError

from .schema import CANONICAL_TYPES

NUMBER_MODES = ("e164", "opaque")


@dataclass(frozen=True)
class Convert:
    """How to read one canonical column's values."""

    multiply: float | None = None  # e.g. 0.001 for a duration in milliseconds
    time_format: str | None = None  # strptime format, e.g. "%Y%m%d%H%M%S"
    epoch_unit: str | None = None  # s, ms or us, for numeric times
    values: dict[str, str] = field(default_factory=dict)  # value map applied before parsing


@dataclass(frozen=True)
class Swap:
    """Rows seen from one subscriber: the direction column says who called whom."""

    column: str
    subscriber: str
    other: str
    outgoing: tuple[str, ...]  # the subscriber called: caller = subscriber
    incoming: tuple[str, ...]  # the subscriber was called: callee = subscriber
    subscriber_region: str | None = None  # becomes caller_region or callee_region
    subscriber_imei: str | None = None  # becomes imei when the subscriber called


@dataclass(frozen=True)
class Mapping:
    name: str
    rename: dict[str, str] = field(default_factory=dict)  # source column -> canonical column
    convert: dict[str, Convert] = field(default_factory=dict)  # canonical column -> conversion
    constants: dict[str, str] = field(default_factory=dict)  # canonical column -> fixed value
    drop: tuple[str, ...] = ()
    swap: Swap | None = None
    numbers: str = "e164"  # "opaque": pseudonymised numbers, kept verbatim
    encoding: str | None = None
    delimiter: str | None = None
    header: bool = True
    columns: tuple[str, ...] = ()  # column names when the file has no header

    def source_columns_for(self, canonical: str) -> list[str]:
        """Source columns that feed ``canonical`` (for error messages)."""
        return [src for src, dst in self.rename.items() if dst == canonical]

    def provides(self) -> set[str]:
        """Canonical columns this mapping creates whatever the input holds."""
        out = set(self.constants)
        if self.swap is not None:
            out |= {"caller", "callee"}
        return out


def _str_tuple(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str | int):
        return (str(value),)
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    raise ConfigError(f"{where} must be a value or a list of values")


def _convert(column: str, spec: Any, where: str) -> Convert:
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}.convert.{column} must be a mapping")
    unknown = set(spec) - {"multiply", "time_format", "epoch_unit", "values"}
    if unknown:
        raise ConfigError(f"{where}.convert.{column}: unknown keys {sorted(unknown)}")
    unit = spec.get("epoch_unit")
    if unit is not None and unit not in ("s", "ms", "us"):
        raise ConfigError(f"{where}.convert.{column}.epoch_unit must be s, ms or us")
    values = spec.get("values") or {}
    if not isinstance(values, dict):
        raise ConfigError(f"{where}.convert.{column}.values must be a mapping")
    multiply = spec.get("multiply")
    return Convert(
        multiply=float(multiply) if multiply is not None else None,
        time_format=spec.get("time_format"),
        epoch_unit=unit,
        values={str(k): str(v) for k, v in values.items()},
    )


def parse_mapping(doc: Any, where: str = "mapping") -> Mapping:
    """Validate a parsed YAML document into a :class:`Mapping` (ConfigError on any mistake)."""
    if not isinstance(doc, dict):
        raise ConfigError(f"{where}: expected a YAML mapping at the top level")
    known = {
        "name",
        "description",
        "rename",
        "convert",
        "constants",
        "drop",
        "swap",
        "numbers",
        "read",
    }
    unknown = set(doc) - known
    if unknown:
        raise ConfigError(f"{where}: unknown keys {sorted(unknown)} (known: {sorted(known)})")
    rename = {str(k): str(v) for k, v in (doc.get("rename") or {}).items()}
    convert = {str(k): _convert(str(k), v, where) for k, v in (doc.get("convert") or {}).items()}
    constants = {str(k): str(v) for k, v in (doc.get("constants") or {}).items()}
    for col in [*convert, *constants]:
        if col not in CANONICAL_TYPES:
            raise ConfigError(
                f"{where}: {col!r} is not a canonical column ({', '.join(CANONICAL_TYPES)})"
            )
    swap = None
    if doc.get("swap") is not None:
        s = doc["swap"]
        missing = [
            k for k in ("column", "subscriber", "other", "outgoing", "incoming") if k not in s
        ]
        if missing:
            raise ConfigError(f"{where}.swap lacks {', '.join(missing)}")
        swap = Swap(
            column=str(s["column"]),
            subscriber=str(s["subscriber"]),
            other=str(s["other"]),
            outgoing=_str_tuple(s["outgoing"], f"{where}.swap.outgoing"),
            incoming=_str_tuple(s["incoming"], f"{where}.swap.incoming"),
            subscriber_region=s.get("subscriber_region"),
            subscriber_imei=s.get("subscriber_imei"),
        )
    numbers = str(doc.get("numbers", "e164"))
    if numbers not in NUMBER_MODES:
        raise ConfigError(f"{where}.numbers must be one of {', '.join(NUMBER_MODES)}")
    read = doc.get("read") or {}
    return Mapping(
        name=str(doc.get("name", where)),
        rename=rename,
        convert=convert,
        constants=constants,
        drop=_str_tuple(doc.get("drop"), f"{where}.drop"),
        swap=swap,
        numbers=numbers,
        encoding=read.get("encoding"),
        delimiter=read.get("delimiter"),
        header=bool(read.get("header", True)),
        columns=_str_tuple(read.get("columns"), f"{where}.read.columns"),
    )


def builtin_mappings() -> list[str]:
    """Names of the mappings shipped with callwarden (``sichuan_voc``...)."""
    root = resources.files("callwarden.cdr") / "mappings"
    return sorted(p.name.removesuffix(".yaml") for p in root.iterdir() if p.name.endswith(".yaml"))


def load_mapping(spec: str | Path) -> Mapping:
    """Load a mapping from a YAML file, or by the name of a built-in one (``sichuan_voc``)."""
    path = Path(spec)
    if path.exists():
        text, where = path.read_text(encoding="utf-8"), str(path)
    elif str(spec) in builtin_mappings():
        res = resources.files("callwarden.cdr") / "mappings" / f"{spec}.yaml"
        text, where = res.read_text(encoding="utf-8"), str(spec)
    else:
        raise ConfigError(
            f"mapping {spec!r} is neither a file nor a built-in mapping ({', '.join(builtin_mappings())})"
        )
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"mapping {where} is not valid YAML: {exc}") from exc
    return parse_mapping(doc, where)
