"""Mapping files: how a foreign CDR layout becomes the canonical one (YAML, validated here).

A mapping renames columns, converts values (units, time formats, value maps), sets constant
columns, and can swap caller and callee by a direction column for layouts seen from one
subscriber (the Sichuan ``voc`` layout). See ``docs/ingest.md`` for the format.
"""

from __future__ import annotations

import codecs
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from callwarden.errors import ConfigError

from .schema import CANONICAL_TYPES, NUMBER_KEY_COLUMNS, PARTITION_COLUMN

NUMBER_MODES = ("e164", "opaque")
#: Column names canonical ingest derives (``canonical.RESERVED_COLUMNS`` says why): a file's
#: column so named can be renamed to any name that is neither reserved nor canonical.
RESERVED_NAMES: frozenset[str] = frozenset({PARTITION_COLUMN, *NUMBER_KEY_COLUMNS.values()})


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
    if isinstance(value, str | int) and not isinstance(value, bool):
        return (str(value),)
    if isinstance(value, list) and all(
        isinstance(v, str | int) and not isinstance(v, bool) for v in value
    ):
        return tuple(str(v) for v in value)
    raise ConfigError(f"{where} must be a value or a list of values")


def _dict(value: Any, where: str) -> dict[Any, Any]:
    """A YAML mapping (absent or empty: {}), else a ConfigError naming ``where``."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a mapping (key: value), not {type(value).__name__}")
    return value


def _known(spec: dict[Any, Any], known: tuple[str, ...], where: str) -> None:
    unknown = set(map(str, spec)) - set(known)
    if unknown:
        raise ConfigError(f"{where}: unknown keys {sorted(unknown)} (known: {', '.join(known)})")


def _opt_str(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where} must be a non-empty text, not {value!r}")
    return value


def _canonical(col: str, where: str) -> str:
    if col not in CANONICAL_TYPES:
        raise ConfigError(
            f"{where}: {col!r} is not a canonical column ({', '.join(CANONICAL_TYPES)})"
        )
    return col


def _rename_target(src: str, dst: str, where: str) -> str:
    """A canonical column; for a source with a reserved name (``day``, ``caller_key``...) also
    any other name that is not reserved, under which the column passes through."""
    if src not in RESERVED_NAMES or dst in CANONICAL_TYPES:
        return _canonical(dst, where)
    if dst in RESERVED_NAMES or not dst.strip() or "\x00" in dst:
        raise ConfigError(
            f"{where}: {src!r} (a reserved name) cannot become {dst!r}: rename it to a name that "
            f"is not reserved ({', '.join(sorted(RESERVED_NAMES))}), or drop it"
        )
    return dst


def _convert(column: str, spec: Any, where: str) -> Convert:
    here = f"{where}.convert.{column}"
    spec = _dict(spec, here)
    _known(spec, ("multiply", "time_format", "epoch_unit", "values"), here)
    unit = spec.get("epoch_unit")
    if unit is not None and unit not in ("s", "ms", "us"):
        raise ConfigError(f"{here}.epoch_unit must be s, ms or us")
    values = _dict(spec.get("values"), f"{here}.values")
    multiply = spec.get("multiply")
    if multiply is not None and (
        isinstance(multiply, bool)
        or not isinstance(multiply, int | float)
        or not math.isfinite(multiply)
    ):
        raise ConfigError(f"{here}.multiply must be a number (e.g. 0.001), not {multiply!r}")
    time_format = _opt_str(spec.get("time_format"), f"{here}.time_format")
    if time_format is not None and not any(
        d in time_format for d in ("%H", "%I", "%M", "%S", "%T", "%R", "%c", "%X", "%s")
    ):
        raise ConfigError(
            f"{here}.time_format {time_format!r} reads no time of day (%H, %M...): a date "
            "alone is not a call time"
        )
    return Convert(
        multiply=float(multiply) if multiply is not None else None,
        time_format=time_format,
        epoch_unit=unit,
        values={str(k): str(v) for k, v in values.items()},
    )


_TOP_KEYS = (
    "name",
    "description",
    "rename",
    "convert",
    "constants",
    "drop",
    "swap",
    "numbers",
    "read",
)
_READ_KEYS = ("encoding", "delimiter", "header", "columns")
_SWAP_KEYS = (
    "column",
    "subscriber",
    "other",
    "outgoing",
    "incoming",
    "subscriber_region",
    "subscriber_imei",
)


def swap_sources(swap: Swap) -> set[str]:
    """The columns ``swap`` reads its values from (renaming them is moot: swap takes them)."""
    return {swap.subscriber, swap.other} | {
        c for c in (swap.subscriber_region, swap.subscriber_imei) if c
    }


def parse_mapping(doc: Any, where: str = "mapping") -> Mapping:
    """Validate a parsed YAML document into a :class:`Mapping` (ConfigError on any mistake).

    Rename targets, convert and constants keys must be canonical columns (other columns pass
    through under their own names), except that a column with a reserved name (``day``,
    ``caller_key``, ``callee_key``) may be renamed to any name that is not reserved; two source
    columns cannot feed one target."""
    if not isinstance(doc, dict):
        raise ConfigError(f"{where}: expected a YAML mapping at the top level")
    _known(doc, _TOP_KEYS, where)
    rename: dict[str, str] = {}
    for src, dst in _dict(doc.get("rename"), f"{where}.rename").items():
        dst = _rename_target(str(src), str(dst), f"{where}.rename.{src}")
        if dst in rename.values():
            first = next(k for k, v in rename.items() if v == dst)
            raise ConfigError(f"{where}.rename: {first!r} and {src!r} both become {dst!r}")
        rename[str(src)] = dst
    convert = {
        _canonical(str(k), f"{where}.convert"): _convert(str(k), v, where)
        for k, v in _dict(doc.get("convert"), f"{where}.convert").items()
    }
    constants = {
        _canonical(str(k), f"{where}.constants"): str(v)
        for k, v in _dict(doc.get("constants"), f"{where}.constants").items()
    }
    swap = None
    if doc.get("swap") is not None:
        s = _dict(doc["swap"], f"{where}.swap")
        _known(s, _SWAP_KEYS, f"{where}.swap")
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
            subscriber_region=_opt_str(
                s.get("subscriber_region"), f"{where}.swap.subscriber_region"
            ),
            subscriber_imei=_opt_str(s.get("subscriber_imei"), f"{where}.swap.subscriber_imei"),
        )
    if swap is not None:
        made = {"caller", "callee"}
        made |= {"caller_region", "callee_region"} if swap.subscriber_region else set()
        made |= {"imei"} if swap.subscriber_imei else set()
        both = sorted(made & set(constants))
        if both:
            raise ConfigError(
                f"{where}.constants: {', '.join(both)} also made by swap; one would replace "
                "the other"
            )
        renamed = sorted(
            (dst, src)
            for src, dst in rename.items()
            if dst in made and src not in swap_sources(swap)
        )
        if renamed:
            dst, src = renamed[0]
            raise ConfigError(
                f"{where}.rename.{src}: {dst!r} is made by swap; a file holding {src!r} would "
                f"be refused (the two would fill {dst!r}): take it out of rename, or drop it"
            )
    numbers = str(doc.get("numbers", "e164"))
    if numbers not in NUMBER_MODES:
        raise ConfigError(f"{where}.numbers must be one of {', '.join(NUMBER_MODES)}")
    read = _dict(doc.get("read"), f"{where}.read")
    _known(read, _READ_KEYS, f"{where}.read")
    encoding = _opt_str(read.get("encoding"), f"{where}.read.encoding")
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise ConfigError(
                f"{where}.read.encoding: unknown encoding {encoding!r} (utf-8, gb18030 or gbk)"
            ) from exc
    delimiter = _opt_str(read.get("delimiter"), f"{where}.read.delimiter")
    if delimiter is not None and (len(delimiter) != 1 or delimiter in '"\r\n'):
        raise ConfigError(
            f"{where}.read.delimiter must be one character (such as , | ; or a tab), "
            f"not {delimiter!r}"
        )
    header = read.get("header", True)
    if not isinstance(header, bool):
        raise ConfigError(f"{where}.read.header must be true or false (unquoted), not {header!r}")
    columns = _str_tuple(read.get("columns"), f"{where}.read.columns")
    if not header and not columns:
        raise ConfigError(f"{where}.read: header: false needs columns: [...]")
    return Mapping(
        name=str(doc.get("name", where)),
        rename=rename,
        convert=convert,
        constants=constants,
        drop=_str_tuple(doc.get("drop"), f"{where}.drop"),
        swap=swap,
        numbers=numbers,
        encoding=encoding,
        delimiter=delimiter,
        header=header,
        columns=columns,
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
