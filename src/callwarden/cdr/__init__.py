"""Call records: the canonical schema, readers, mapping files, validation and quarantine.

Public API::

    canonicalize(table, tz=..., region=..., mapping=...) -> Canonical   # pure, in memory
    ingest(inputs, out, ...) -> IngestSummary                            # files -> dataset
    load_cdrs(path) -> pa.Table;  cdr_relation_sql(path) -> str          # reading back
    load_mapping(path_or_name) -> Mapping                                # YAML layouts

Names load lazily, so ``from callwarden.cdr.schema import ...`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .canonical import Canonical, Reason, apply_mapping, canonicalize, check_columns
    from .dataset import cdr_relation_sql, load_cdrs
    from .ingest import IngestSummary, ingest
    from .mapping import Mapping, builtin_mappings, load_mapping, parse_mapping

_WHERE = {
    "Canonical": "canonical",
    "Reason": "canonical",
    "apply_mapping": "canonical",
    "canonicalize": "canonical",
    "check_columns": "canonical",
    "cdr_relation_sql": "dataset",
    "load_cdrs": "dataset",
    "IngestSummary": "ingest",
    "ingest": "ingest",
    "Mapping": "mapping",
    "builtin_mappings": "mapping",
    "load_mapping": "mapping",
    "parse_mapping": "mapping",
}

__all__ = [
    "Canonical",
    "IngestSummary",
    "Mapping",
    "Reason",
    "apply_mapping",
    "builtin_mappings",
    "canonicalize",
    "cdr_relation_sql",
    "check_columns",
    "ingest",
    "load_cdrs",
    "load_mapping",
    "parse_mapping",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'callwarden.cdr' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
